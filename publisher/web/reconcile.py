"""/reconcile: the W3C Entity Reconciliation API (0.2 as OpenRefine speaks it, and the 1.0 draft's endpoints).

| route                                      | what                                                       |
|--------------------------------------------|------------------------------------------------------------|
| GET /reconcile[?version=1.0-draft]         | the manifest (0.2 shape; the 1.0 draft's with ``version``) |
| GET|POST /reconcile  queries=… / extend=…  | 0.2 batch of queries or data extension (form field, JSONP) |
| POST /reconcile/match                      | 1.0 draft: ``{"queries": [...]}``                          |
| GET /reconcile/suggest/entity|type|property?prefix= | suggest (both versions)                           |
| GET /reconcile/preview?id=                 | a small HTML preview                                       |
| POST /reconcile/extend, GET /reconcile/extend/propose?type= | 1.0 draft data extension              |
| GET /reconcile/propose_properties?type=    | 0.2 property proposal                                      |

Every query may carry ``at`` (YYYY-MM-DD, also as a request parameter): only things existing that day are
candidates, and memberships are those of that day. Bad input is a 400 with a JSON message, never a 500.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
from typing import Any

from flask import Response, current_app, request

from publisher.render.reconcile import (
    LIMIT,
    MAX_LIMIT,
    PROPERTIES,
    BadQuery,
    ReconcileIndex,
    build_index,
    is_match,
)
from publisher.validtime import BadDate, parse_date
from publisher.web.state import State, state

METHODS = ["GET", "HEAD", "POST", "OPTIONS"]
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
CALLBACK = re.compile(r"^[A-Za-z_$][0-9A-Za-z_$.]{0,63}$")
MAX_QUERIES = 1000
LOCK = threading.Lock()


def index(st: State) -> ReconcileIndex:
    """The index of the current build, built once per build and process (from the store, local or remote)."""
    cache: dict[str, Any] = current_app.extensions.setdefault("regiolod-reconcile", {})
    version = st.build.version
    if cache.get("version") != version:
        with LOCK:
            if cache.get("version") != version:
                cache["index"] = build_index(st.store, st.base, st.timeline())
                cache["version"] = version
    found: ReconcileIndex = cache["index"]
    return found


class Refused(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def answer(body: object, status: int = 200) -> Response:
    """JSON (or JSONP with a valid ``callback``), CORS by the common headers, never cached by a proxy."""
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    callback = request.values.get("callback")
    if callback and status == 200:
        if not CALLBACK.match(callback):
            return answer({"status": 400, "error": "Bad Request", "message": "callback must be a JavaScript name"}, 400)
        return Response(f"/**/{callback}({text});", status=status, content_type="application/javascript; charset=utf-8")
    response = Response(text + "\n", status=status, content_type="application/json")
    if request.method == "OPTIONS":
        preflight(response)
    return response


def preflight(response: Response) -> Response:
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def refused(error: Refused | BadQuery | BadDate) -> Response:
    status = error.status if isinstance(error, Refused) else 400
    message = error.message if isinstance(error, Refused) else str(error)
    title = "Not Found" if status == 404 else "Bad Request"
    return answer({"status": status, "error": title, "message": message}, status)


def guarded(view: Any) -> Any:
    """Answer an OPTIONS preflight with 204, and a refusal as a 400 with a JSON message."""

    def wrapped(*args: Any, **kwargs: Any) -> Response:
        if request.method == "OPTIONS":
            return preflight(Response(status=204))
        try:
            response: Response = view(*args, **kwargs)
            return response
        except (Refused, BadQuery, BadDate) as error:
            return refused(error)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- input ------------------------------------------------------------------------------------------
def parsed(raw: str, what: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as error:
        raise Refused(f"{what} is not valid JSON: {error}") from None
    except RecursionError:
        raise Refused(f"{what} is nested too deeply") from None


def json_body() -> Any:
    if request.is_json or (request.data and not request.form):
        return parsed(request.get_data(as_text=True), "the request body")
    return None


def day_asked(raw: object) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise Refused("at must be a day written YYYY-MM-DD")
    return parse_date(raw, "at")


def limit_of(raw: object) -> int:
    if raw is None:
        return LIMIT
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != int(raw) or not 0 < raw <= MAX_LIMIT:
        raise Refused(f"limit must be a whole number between 1 and {MAX_LIMIT}")
    return int(raw)


def limit_param(default: int) -> int:
    """The ``limit`` request parameter (1 to :data:`MAX_LIMIT`)."""
    raw = request.values.get("limit")
    if raw is None:
        return default
    return limit_of(int(raw) if raw.isdigit() else -1)


def values_of(v: object) -> list[str]:
    items = v if isinstance(v, list) else [v]
    found = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found.append(item["id"])
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            found.append(str(item))
        else:
            raise Refused("a property value is a string, a number or an object with an id")
    return found


def types_of(idx: ReconcileIndex, raw: object) -> list[str]:
    if raw is None:
        return []
    asked = raw if isinstance(raw, list) else [raw]
    names = [t for t in asked if isinstance(t, str)]
    if len(names) != len(asked):
        raise Refused("type is a type identifier or a list of them")
    return [idx.resolve_type(t) for t in names]


def run_query(idx: ReconcileIndex, q: object, version: str, lang: str) -> list[dict[str, Any]]:
    """The candidates of one query, in the shape of ``version`` (0.2 or 1.0-draft)."""
    if not isinstance(q, dict):
        raise Refused("each query is a JSON object")
    name, properties = "", []
    if version == "0.2":
        text = q.get("query")
        if not isinstance(text, str):
            raise Refused("each query needs a string 'query'")
        name = text
        for p in q.get("properties") or []:
            if not isinstance(p, dict) or not isinstance(p.get("pid"), str):
                raise Refused("each property of a query needs a 'pid' and a 'v'")
            properties.append((p["pid"], values_of(p.get("v"))))
    else:
        conditions = q.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            raise Refused("each query needs a non-empty list 'conditions'")
        for c in conditions:
            if not isinstance(c, dict):
                raise Refused("each condition is a JSON object")
            kind, value = c.get("matchType"), c.get("propertyValue")
            if kind in ("name", "id") and isinstance(value, str):
                name = f"{name} {value}".strip()
            elif kind == "property" and isinstance(c.get("propertyId"), str):
                properties.append((c["propertyId"], values_of(value)))
            else:
                raise Refused("a condition has matchType name, id or property (with propertyId) and a propertyValue")
    day = day_asked(q.get("at", request.values.get("at")))
    types = types_of(idx, q.get("type"))
    candidates = idx.match(name, types, properties, day, limit_of(q.get("limit")))
    sure = is_match(candidates)
    shown = []
    for c in candidates:
        e = c.entity
        item: dict[str, Any] = {
            "id": e.key,
            "name": e.name(lang),
            "description": idx.description(e, lang),
            "score": c.score,
            "match": e.key in sure,
            "type": [{"id": t, "name": idx.type_name(t, lang)} for t in e.types],
        }
        if version == "0.2":
            item["features"] = [{"id": k, "value": v} for k, v in sorted(c.features.items())]
        else:
            item["features"] = [{"id": k, "name": k, "value": v} for k, v in sorted(c.features.items())]
        shown.append(item)
    return shown


def language() -> str:
    return "en" if request.values.get("lang") == "en" else "de"


# --- views ------------------------------------------------------------------------------------------
@guarded
def reconcile() -> Response:
    """/reconcile: the manifest, a 0.2 batch of queries (``queries=``) or a 0.2 data extension (``extend=``)."""
    st = state()
    idx = index(st)
    raw_queries, raw_extend = request.values.get("queries"), request.values.get("extend")
    body = json_body() if raw_queries is None and raw_extend is None else None
    if isinstance(body, dict) and "ids" in body:
        raw_extend = json.dumps(body)
    elif isinstance(body, dict):
        raw_queries = json.dumps(body)
    elif body is not None:
        raise Refused("the request body is a JSON object of queries")
    if raw_queries is not None:
        batch = parsed(raw_queries, "queries")
        if not isinstance(batch, dict) or len(batch) > MAX_QUERIES:
            raise Refused(f"queries is a JSON object of at most {MAX_QUERIES} queries keyed by any name")
        return answer({key: {"result": run_query(idx, q, "0.2", language())} for key, q in batch.items()})
    if raw_extend is not None:
        return answer(extension(idx, parsed(raw_extend, "extend"), "0.2"))
    return answer(manifest(st, idx, request.args.get("version") == "1.0-draft"))


def manifest(st: State, idx: ReconcileIndex, draft: bool) -> dict[str, Any]:
    root = f"{st.base}reconcile"
    types = [{"id": t, "name": idx.type_name(t)} for t in idx.default_types()]
    common = {
        "versions": ["0.2", "1.0-draft"],
        "name": "regiolod: German territories and public organisations",
        "identifierSpace": f"{st.base}id/",
        "schemaSpace": f"{st.base}def#",
        "documentation": f"{st.base}",
        "defaultTypes": types,
        "view": {"url": f"{st.base}id/{{{{id}}}}"},
    }
    if draft:
        settings = [{"type": "text", "id": "at", "name": "at (YYYY-MM-DD)", "default": ""}]
        return {
            **common,
            "suggest": {"entity": True, "type": True, "property": True},
            "preview": {"width": 400, "height": 120},
            "extend": {"proposeProperties": True, "propertySettings": settings},
            "standardizedScore": True,
        }
    service = {"service_url": root}
    return {
        **common,
        "suggest": {
            "entity": {**service, "service_path": "/suggest/entity"},
            "type": {**service, "service_path": "/suggest/type"},
            "property": {**service, "service_path": "/suggest/property"},
        },
        "preview": {"url": f"{root}/preview?id={{{{id}}}}", "width": 400, "height": 120},
        "extend": {
            "propose_properties": {**service, "service_path": "/propose_properties"},
            "property_settings": [{"type": "text", "label": "at (YYYY-MM-DD)", "name": "at", "default": ""}],
        },
    }


@guarded
def match() -> Response:
    """/reconcile/match (1.0 draft): ``{"queries": [...]}`` as the JSON body (or the ``queries`` form field)."""
    idx = index(state())
    raw = request.values.get("queries")
    batch = parsed(raw, "queries") if raw is not None else json_body()
    if isinstance(batch, dict) and isinstance(batch.get("queries"), list) and len(batch["queries"]) <= MAX_QUERIES:
        return answer({"results": [{"candidates": run_query(idx, q, "1.0-draft", language())}
                                   for q in batch["queries"]]})  # fmt: skip
    raise Refused(f'the body is {{"queries": [...]}} with at most {MAX_QUERIES} queries')


def prefix_asked() -> str:
    prefix = request.values.get("prefix")
    if prefix is None:
        raise Refused("prefix is required")
    return prefix


@guarded
def suggest_entity() -> Response:
    idx = index(state())
    prefix, lang = prefix_asked(), language()
    types = types_of(idx, request.values.get("type")) if request.values.get("type") else []
    found = idx.suggest(prefix, types, limit_param(10))
    return answer({"result": [{"id": e.key, "name": e.name(lang), "description": idx.description(e, lang),
                               "notable": [{"id": t, "name": idx.type_name(t, lang)} for t in e.types]}
                              for e in found]})  # fmt: skip


@guarded
def suggest_type() -> Response:
    idx = index(state())
    prefix = prefix_asked().lower()
    found = [t for t in idx.known_types() if prefix in idx.type_name(t).lower() or prefix in t.lower()]
    return answer({"result": [{"id": t, "name": idx.type_name(t)} for t in found[:25]]})


@guarded
def suggest_property() -> Response:
    prefix, lang = prefix_asked().lower(), language()
    found = [(pid, names) for pid, names in PROPERTIES.items() if any(prefix in n.lower() for n in (pid, *names))]
    return answer({"result": [{"id": pid, "name": names[lang == "en"]} for pid, names in found]})


def proposal() -> dict[str, Any]:
    idx = index(state())
    lang, asked = language(), request.values.get("type")
    chosen = idx.resolve_type(asked) if asked else None
    offered = [{"id": pid, "name": names[lang == "en"]} for pid, names in PROPERTIES.items()]
    found: dict[str, Any] = {"properties": offered}
    if chosen:
        found["type"] = chosen
    if request.values.get("limit") is not None:
        found["limit"] = limit_param(MAX_LIMIT)
        found["properties"] = found["properties"][: found["limit"]]
    return found


@guarded
def propose_properties() -> Response:
    return answer(proposal())


def extension(idx: ReconcileIndex, query: object, version: str) -> dict[str, Any]:
    """Values of the asked properties of the asked things (0.2: rows by id; 1.0 draft: a list of rows)."""
    if not isinstance(query, dict) or not all(isinstance(query.get(k), list) for k in ("ids", "properties")):
        raise Refused('an extension query is {"ids": [...], "properties": [{"id": ...}]}')
    ids, props = query["ids"], query["properties"]
    if len(ids) > MAX_QUERIES or not all(isinstance(i, str) for i in ids):
        raise Refused(f"ids is a list of at most {MAX_QUERIES} identifiers")
    lang = language()
    asked: list[tuple[str, dt.date | None]] = []
    for p in props:
        if not isinstance(p, dict) or p.get("id") not in PROPERTIES:
            raise Refused(f"unknown property: the properties are {', '.join(sorted(PROPERTIES))}")
        settings = p.get("settings") or {}
        asked.append((p["id"], day_asked(settings.get("at") if isinstance(settings, dict) else None)
                      or day_asked(request.values.get("at"))))  # fmt: skip
    meta = [{"id": pid, "name": PROPERTIES[pid][lang == "en"]} for pid, _ in asked]
    values = {i: {pid: idx.extend(i, pid, day, lang) for pid, day in asked} for i in ids}
    if version == "0.2":
        return {"meta": meta, "rows": values}
    rows = [{"id": i, "properties": [{"id": pid, "values": v} for pid, v in values[i].items()]} for i in ids]
    return {"meta": meta, "rows": rows}


@guarded
def extend() -> Response:
    """/reconcile/extend (1.0 draft): the JSON body (or the ``extend`` form field) is the extension query."""
    idx = index(state())
    raw = request.values.get("extend")
    return answer(extension(idx, parsed(raw, "extend") if raw is not None else json_body(), "1.0-draft"))


@guarded
def preview() -> Response:
    """A small HTML card of one thing, for a client's iframe (its own CSP: no scripts, inline style only)."""
    st = state()
    idx = index(st)
    key = request.values.get("id", "")
    e = idx.entities.get(key)
    if e is None:
        raise Refused(f"no territory or organisation has the id {key!r}", 404)
    lang = language()
    population = f"<p>{e.population[1]:,} ({e.population[0].isoformat()})</p>".replace(",", ".") if e.population else ""
    body = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(e.name(lang))}</title></head>"
        f'<body style="font:14px sans-serif;margin:4px"><p><a href="{html.escape(e.iri)}" target="_blank">'
        f"<strong>{html.escape(e.name(lang))}</strong></a></p><p>{html.escape(idx.description(e, lang))}</p>"
        f"{population}</body></html>"
    )
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


#: The service's routes, registered by :func:`publisher.web.register` (each answers OPTIONS itself).
ROUTES = [
    ("/reconcile", "reconcile", reconcile),
    ("/reconcile/match", "reconcile_match", match),
    ("/reconcile/suggest/entity", "reconcile_suggest_entity", suggest_entity),
    ("/reconcile/suggest/type", "reconcile_suggest_type", suggest_type),
    ("/reconcile/suggest/property", "reconcile_suggest_property", suggest_property),
    ("/reconcile/preview", "reconcile_preview", preview),
    ("/reconcile/extend", "reconcile_extend", extend),
    ("/reconcile/extend/propose", "reconcile_extend_propose", propose_properties),
    ("/reconcile/propose_properties", "reconcile_propose_properties", propose_properties),
]
