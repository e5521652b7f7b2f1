"""/search: things by name or code, as an HTML page with the search box or as plain JSON.

``GET /search?q=…[&at=YYYY-MM-DD][&limit=N][&page=N][&lang=de|en]``, negotiated like /projection: HTML or
JSON by ``Accept`` (``application/json``), or JSON fixed by the suffix (``/search.json?q=…``). JSON is
``{"query", "at", "page", "limit", "total", "results": [{iri, label, type, codes, begin, end, score}], "next"}``.
An empty ``q`` is the page with the box and no results. ``limit`` (1 to 100, default 20) and ``page``
(from 1) are checked: a bad one is 400 in the negotiated format. The index is read once per build and
process (render/search.py); searching never asks the store.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from urllib.parse import urlencode

from flask import Response, current_app, render_template, request

from publisher.negotiation import HTML, PLAIN_JSON, Format, by_suffix
from publisher.render.asof import parse_at
from publisher.render.html import iri_to_uri
from publisher.render.search import Hit, SearchIndex, read_index
from publisher.render.suggest import FRAMING
from publisher.validtime import BadDate
from publisher.web.paging import message_response, page_number
from publisher.web.state import State, page_language, state, suffix_or_accept, vary_for

SEARCH_FORMATS = (HTML, PLAIN_JSON)
BY_SUFFIX = by_suffix((PLAIN_JSON,))
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
LIMIT = re.compile(r"[0-9]{1,4}")
_LOCK = threading.Lock()


def index_of(st: State) -> SearchIndex:
    """The index of the current build, read once per app and build (over any store), when first searched."""
    found: tuple[str, SearchIndex] | None = current_app.extensions.get("regiolod-search")
    if found is not None and found[0] == st.build.version:
        return found[1]
    with _LOCK:
        found = current_app.extensions.get("regiolod-search")
        if found is None or found[0] != st.build.version:
            found = (st.build.version, read_index(st.store, st.base))
            current_app.extensions["regiolod-search"] = found
    return found[1]


class Refused(Exception):
    """A parameter that is not accepted, with the message saying what is."""


def limit_of(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise Refused(
            f"limit must be a whole number from 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}), not {raw[:40]!r}."
        )
    return int(raw)


def page_of(raw: str | None) -> int:
    if raw is not None and (not raw.isascii() or not raw.isdigit() or int(raw) < 1 or len(raw) > 9):
        raise Refused(f"page must be a whole number from 1 (page=1 is the first page), not {raw[:40]!r}.")
    return page_number(raw)


def day_of(raw: list[str]) -> dt.date | None:
    if not raw:
        return None
    if len(raw) > 1:
        raise Refused(f"at is given {len(raw)} times; give one day.")
    try:
        return parse_at(raw[0])
    except BadDate as exc:
        raise Refused(str(exc)) from exc


def code_name(datatype: str) -> str:
    """rl:AGS as "AGS", rl:DistrictKey as "DistrictKey"."""
    return re.split(r"[#/]", datatype)[-1] if datatype else ""


def search(ext: str | None = None) -> Response:
    """GET /search[.json]: the things the query finds, one page of them."""
    st = state()
    fixed, fmt = suffix_or_accept(ext, BY_SUFFIX, SEARCH_FORMATS)
    if fmt is None:
        lines = ["406 Not Acceptable: the search answers text/html or application/json.", ""]
        response = Response("\n".join(lines), status=406, content_type="text/plain; charset=utf-8")
        response.headers["Vary"] = "Accept"
        return response
    lang = page_language()
    query = request.args.get("q", "").strip()
    try:
        limit = limit_of(request.args.get("limit"))
        page = page_of(request.args.get("page"))
        day = day_of(request.args.getlist("at"))
        if any(c in query for c in FRAMING[1:]):
            raise Refused("q holds a line break or a NUL character; give words or a code.")
    except Refused as error:
        return refusal(st, fmt, str(error))
    index = index_of(st) if query else None
    hits = index.search(query, day) if index is not None else []
    shown = hits[(page - 1) * limit : page * limit]
    last = max(1, -(-len(hits) // limit))
    params = {"q": query, **({"at": day.isoformat()} if day else {})}
    if request.args.get("lang") in ("de", "en"):
        params["lang"] = request.args["lang"]
    if limit != DEFAULT_LIMIT:
        params["limit"] = str(limit)
    suffix = ".json" if fmt is PLAIN_JSON and fixed else ""

    def page_url(n: int) -> str:
        return f"{st.base}search{suffix}?{urlencode({**params, 'page': str(n)})}"

    results = [result(st, index, h, lang, day) for h in shown] if index is not None else []
    if fmt is PLAIN_JSON:
        body = {
            "query": query,
            "at": day.isoformat() if day else None,
            "page": page,
            "limit": limit,
            "total": len(hits),
            "results": [
                {k: r[k] for k in ("iri", "label", "type", "codes", "begin", "end", "score")} for r in results
            ],
            "next": page_url(page + 1) if page < last and hits else None,
        }
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
        response = Response(text, content_type="application/json")
    else:
        html = render_template(
            "search.html",
            lang=lang,
            base=st.base,
            query=query,
            day=day.isoformat() if day else "",
            results=results,
            total=len(hits),
            page=page,
            pages=last,
            first=(page - 1) * limit + 1,
            previous=page_url(page - 1) if page > 1 else None,
            following=page_url(page + 1) if page < last else None,
            json_url=f"{st.base}search.json?{urlencode({**params, 'page': str(page)})}",
        )
        response = Response(html, content_type=HTML.content_type)
        response.headers["Content-Language"] = lang
    vary = vary_for(fixed, fmt)
    if vary:
        response.headers["Vary"] = vary
    if day is not None:
        response.headers["Valid-At"] = day.isoformat()
    return response


def result(st: State, index: SearchIndex, hit: Hit, lang: str, day: dt.date | None) -> dict[str, object]:
    """What a result shows: label, type, codes, lifespan, its successors, and the link to its page."""
    thing = hit.thing
    return {
        "iri": thing.iri,
        "href": page_of_thing(st, thing.iri, day),
        "label": thing.label(lang),
        "type": index.type_label(thing, lang),
        "codes": [{"code": value, "kind": code_name(kind)} for value, kind in sorted(thing.codes)],
        "begin": thing.begin.isoformat() if thing.begin else None,
        "end": (thing.end - dt.timedelta(days=1)).isoformat() if thing.end else None,
        "became": [(page_of_thing(st, iri, day), index.label_of(iri, lang)) for iri in sorted(thing.replaced_by)],
        "score": hit.score,
    }


def page_of_thing(st: State, iri: str, day: dt.date | None) -> str:
    """The address of a thing's page, keeping the asked ``lang`` and ``at``."""
    things = st.base + "id/"
    href = iri_to_uri(st.base + "doc/" + iri[len(things) :] if iri.startswith(things) else iri)
    query = {**({"lang": request.args["lang"]} if request.args.get("lang") in ("de", "en") else {}),
             **({"at": day.isoformat()} if day else {})}  # fmt: skip
    return f"{href}?{urlencode(query)}" if query else href


def refusal(st: State, fmt: Format, message: str) -> Response:
    """400 in the negotiated format, saying what is accepted."""
    if fmt is PLAIN_JSON:
        body = {"status": 400, "error": "Bad Request", "message": message}
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
        response = Response(text, status=400, content_type="application/json")
        response.headers["Vary"] = "Accept"
        return response
    return message_response(st, 400, "Bad Request", message, [(f"{st.base}search", "Search")], fmt)
