"""/projection: what a code (or IRI) valid on one day became on another, with the events on the way.

``GET /projection?code=…&from=YYYY-MM-DD[&to=YYYY-MM-DD]`` (or ``iri=`` instead of ``code=``), negotiated
(HTML, Turtle, plain JSON, JSON-LD, RDF/XML, N-Triples) or fixed by a suffix (``/projection.json``).
``to`` defaults to today. The answer depends only on the build and the two days, so its ETag is
made of them; bad input is a 4xx in the negotiated format, never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from flask import Response, render_template, request

from publisher.negotiation import HTML, PLAIN_JSON, PROJECTION_FORMATS, Format, by_suffix
from publisher.render.projection import Projection, Unanswerable, project
from publisher.render.projection_formats import projection_json, projection_quads, query_url
from publisher.render.rdf import serialize
from publisher.validtime import BadDate, parse_date
from publisher.web.paging import message_response
from publisher.web.state import State, page_language, state, suffix_or_accept, vary_for

BY_SUFFIX = by_suffix(PROJECTION_FORMATS)
#: The status of each reason a projection cannot be made.
STATUS = {"bad": (400, "Bad Request"), "unknown": (404, "Not Found"), "not-valid": (404, "Not Found"),
          "ambiguous": (409, "Conflict")}  # fmt: skip
PARAMETERS = ("code", "iri", "from", "to")


def projection(ext: str | None = None) -> Response:
    """GET /projection[.ext]: the projection in the negotiated or the suffix's format."""
    st = state()
    fixed, fmt = suffix_or_accept(ext, BY_SUFFIX, PROJECTION_FORMATS)
    if fmt is None:
        return not_acceptable(st)
    asked = {name: request.args.get(name) for name in PARAMETERS}
    try:
        first, last = days(asked)
    except BadDate as error:
        return refusal(st, fmt, Unanswerable("bad", str(error)), asked)
    lang = page_language() if fmt is HTML else ""
    key = ("projection", fmt.key, lang, asked["code"] or "", asked["iri"] or "", first.isoformat(), last.isoformat())
    try:
        body, content_type = st.rendered(key, lambda: render(st, fmt, lang, asked, first, last))
    except Unanswerable as error:
        return refusal(st, fmt, error, asked)
    extra = [("Content-Location", address(st, asked, first, last, fmt)), ("Link", links(st, asked, first, last))]
    if fmt is HTML:
        extra.append(("Content-Language", lang))
    return st.respond(body, content_type, key, vary=vary_for(fixed, fmt), extra=extra)


def days(asked: dict[str, str | None]) -> tuple[dt.date, dt.date]:
    """The two days asked for: ``from`` is required, ``to`` defaults to today."""
    if not asked["from"]:
        raise BadDate("from is required: the day on which the code was valid, written YYYY-MM-DD (e.g. 2019-01-01).")
    first = parse_date(asked["from"], "from")
    last = parse_date(asked["to"], "to") if asked["to"] else dt.date.today()
    return first, last


def address(st: State, asked: dict[str, str | None], first: dt.date, last: dt.date, fmt: Format | None = None) -> str:
    """The projection's own address: the input, both days (``to`` resolved), and the suffix of ``fmt``."""
    given = {name: asked[name] for name in ("code", "iri") if asked[name] is not None}
    query = urlencode({**given, "from": first.isoformat(), "to": last.isoformat()})
    return f"{st.base}projection{'.' + fmt.suffix if fmt else ''}?{query}"


def links(st: State, asked: dict[str, str | None], first: dt.date, last: dt.date) -> str:
    return st.alternates(lambda f: address(st, asked, first, last, f), PROJECTION_FORMATS)


def render(
    st: State, fmt: Format, lang: str, asked: dict[str, str | None], first: dt.date, last: dt.date
) -> tuple[bytes, str]:
    """Make the projection and write it in ``fmt``."""
    p = project(st.store, first, last, code=asked["code"], iri=asked["iri"])
    here, sparql = address(st, asked, first, last), query_url(st.endpoint, p)
    if fmt is PLAIN_JSON:
        shown = json.dumps(projection_json(p, here, sparql), ensure_ascii=False, indent=2)
        return (shown + "\n").encode("utf-8"), "application/json"
    if fmt is HTML:
        return render_html(st, p, lang, asked, sparql).encode("utf-8"), HTML.content_type
    return serialize(projection_quads(p, here, sparql, st.dataset_iri), fmt), fmt.content_type


def render_html(st: State, p: Projection, lang: str, asked: dict[str, str | None], sparql: str) -> str:
    return render_template(
        "projection.html",
        lang=lang,
        base=st.base,
        p=p,
        asked=asked,
        sparql=sparql,
        formats=[(f, address(st, asked, p.start, p.end, f)) for f in PROJECTION_FORMATS if f is not HTML],
    )


def refusal(st: State, fmt: Format, error: Unanswerable, asked: dict[str, str | None]) -> Response:
    """The 4xx of a projection that cannot be made, in the negotiated format, with the things meant."""
    status, title = STATUS[error.reason]
    hints = error.links or (suggestions(st, asked) if error.reason == "unknown" else [])
    # A thing the input named but not on that day: its document says when it was; else project the hint.
    day = asked["from"] if error.reason in ("unknown", "ambiguous") else None
    links = [(hint_url(st, iri, day, asked["to"]), f"{label} ({iri})") for iri, label in hints]
    if fmt is PLAIN_JSON:
        body = {"status": status, "error": title, "message": error.message,
                "suggestions": [{"href": href, "label": label} for href, label in links]}  # fmt: skip
        response = Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n", status=status,
                            content_type="application/json")  # fmt: skip
        response.headers["Vary"] = "Accept"
        return response
    return message_response(st, status, title, error.message, links, fmt)


def hint_url(st: State, iri: str, day: str | None, to: str | None) -> str:
    """A projection of a suggested thing (its document when no day is known)."""
    if day is None:
        return iri
    return f"{st.base}projection?{urlencode({'iri': iri, 'from': day, **({'to': to} if to else {})})}"


def suggestions(st: State, asked: dict[str, str | None]) -> list[tuple[str, str]]:
    """Territories and bodies whose key or label holds the code (or the IRI's last segment), cut from the
    end until something matches: ``03358099`` finds the municipalities of 0335809…, then 033580…"""
    word = (asked["code"] or (asked["iri"] or "").rstrip("/").rsplit("/", 1)[-1])[:64]
    while len(word) >= 2:
        found = st.labels.search(word, "territory/")
        if found:
            return [
                (st.thing_iri(key), label) for key, label in found if key.startswith(("territory/", "organization/"))
            ]
        word = word[:-1]
    return []


def not_acceptable(st: State) -> Response:
    """406 listing every representation there is (RFC 9110 §15.5.7)."""
    lines = ["406 Not Acceptable: no representation of the projection matches the Accept header.", "Available:"]
    lines += [f"  {f.media_type}  {st.base}projection.{f.suffix}" for f in PROJECTION_FORMATS]
    response = Response("\n".join(lines) + "\n", status=406, content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response
