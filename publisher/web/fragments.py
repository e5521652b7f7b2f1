"""/fragments: Quad Pattern Fragments of the data (render/fragments.py), for clients that query by pattern.

``GET /fragments?subject=&predicate=&object=&graph=[&page=N]``, negotiated (HTML, TriG, N-Quads, Turtle,
JSON-LD, N-Triples). A page depends only on the build and the address, so its ETag is made of them and
it may be cached for a day (a new build changes every ETag). Bad input is a 4xx in the negotiated format.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from flask import Response, render_template, request

from publisher.negotiation import HTML, Format, negotiate
from publisher.render.fragments import (
    FRAGMENT_FORMATS,
    PAGE_SIZE,
    PARTS,
    BadPattern,
    Fragment,
    Pattern,
    count,
    default_graph,
    fragment_quads,
    fragment_url,
    page_of,
    parse_pattern,
    serialize_fragment,
    written,
)
from publisher.vocab import RDFS_COMMENT, RDFS_SEE_ALSO
from publisher.web.paging import PAGE_NUMBER, here, last_page, message_response, past_the_end
from publisher.web.state import State, page_language, state, vary_for

#: A "%" that begins no escape (RFC 3986 §2.1): such a query makes no IRI.
MALFORMED_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
#: The parameters /fragments understands; any other is refused, so that a typo is not read as "any".
PARAMETERS = frozenset({*PARTS, "page", "lang"})
#: A page changes only with a new build, which changes its ETag: caches keep it a day, then revalidate.
CACHE_CONTROL = "public, max-age=86400"


class Refused(Exception):
    """A request /fragments answers with an error: the response to send."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


def fragments() -> Response:
    """GET /fragments: one page of the fragment of a quad pattern. A page asked before in this build is
    served from the render cache by its address without reading the request again."""
    st = state()
    fmt = negotiate(request.headers.get("Accept"), FRAGMENT_FORMATS)
    if fmt is None:
        return not_acceptable(st)
    if MALFORMED_ESCAPE.search(request.query_string):
        return bad(st, fmt, "The query holds a '%' that is not followed by two hexadecimal digits (RFC 3986 §2.1).")
    url = here(st)
    lang = page_language() if fmt is HTML else ""
    key = ("fragments", fmt.key, lang, url)
    try:
        body, content_type = st.rendered(key, lambda: make(st, fmt, lang, url))
        link = st.tags.get((st.build.version, "fragment-links", url), lambda: links(st, *asked_page(st, fmt)))
    except Refused as refused:
        return refused.response
    extra = [("Cache-Control", CACHE_CONTROL), ("Link", link)]
    if fmt is HTML:
        extra.append(("Content-Language", lang))
    return st.respond(body, content_type, key, vary=vary_for(None, fmt), extra=extra)


def asked_page(st: State, fmt: Format) -> tuple[Pattern, int, int, int]:
    """The pattern and page the request asks for, the number of matches and the last page; raises
    :class:`Refused` for bad input and for a page after the last."""
    unknown = sorted(set(request.args) - PARAMETERS)
    if unknown:
        message = f"Unknown parameter {unknown[0]!r}: /fragments takes {', '.join(PARTS)}, page and lang."
        raise Refused(bad(st, fmt, message))
    repeated = sorted(k for k in request.args if len(request.args.getlist(k)) > 1)
    if repeated:
        raise Refused(bad(st, fmt, f"The parameter {repeated[0]!r} is given more than once; give each part once."))
    raw_page = request.args.get("page")
    if raw_page is not None and (not PAGE_NUMBER.fullmatch(raw_page) or int(raw_page) < 1):
        message = f"page must be a whole number from 1 (page=1 is the first page), not {raw_page[:40]!r}."
        raise Refused(bad(st, fmt, message))
    try:
        pattern = parse_pattern({k: request.args.get(k, "") for k in PARTS}, st.base)
    except BadPattern as error:
        raise Refused(bad(st, fmt, str(error))) from None
    page = int(raw_page) if raw_page else 1
    canonical = fragment_url(st.base, pattern)
    total = int(st.tags.get((st.build.version, "fragment-count", canonical), lambda: str(count(st.store, pattern))))
    last = last_page(total, PAGE_SIZE)
    if page > last:
        raise Refused(past_the_end(st, page, last, fragment_url(st.base, pattern, last), fmt))
    return pattern, page, total, last


def make(st: State, fmt: Format, lang: str, url: str) -> tuple[bytes, str]:
    pattern, page, total, last = asked_page(st, fmt)
    st.tags.get((st.build.version, "fragment-links", url), lambda: links(st, pattern, page, total, last))
    return render(st, fmt, lang, pattern, page, total, url)


def render(st: State, fmt: Format, lang: str, pattern: Pattern, page: int, total: int, url: str) -> tuple[bytes, str]:
    fragment = Fragment(pattern, page, total, page_of(st.store, pattern, page), url)
    data, metadata = fragment_quads(fragment, st.base, st.base + "fragments#dataset")
    if fmt is HTML:
        return render_html(st, lang, fragment, data).encode("utf-8"), HTML.content_type
    return serialize_fragment(data, metadata, fmt), fmt.content_type


def render_html(st: State, lang: str, fragment: Fragment, data: list[ox.Quad]) -> str:
    base, pattern = st.base, fragment.pattern
    around = {
        "first": fragment_url(base, pattern, 1) if fragment.page > 1 else None,
        "previous": fragment_url(base, pattern, fragment.page - 1) if fragment.page > 1 else None,
        "next": fragment_url(base, pattern, fragment.page + 1) if fragment.page < fragment.last_page else None,
    }
    rows = sorted(
        (term_cell(q.subject), term_cell(q.predicate), term_cell(q.object), term_cell(q.graph_name)) for q in data
    )
    return render_template(
        "fragments.html",
        lang=lang,
        base=base,
        fragment=fragment,
        asked={part: written(term, base) for part, term in zip(PARTS, pattern.parts(), strict=True)},
        default_graph=default_graph(base),
        graphs=sorted(st.graph_names),
        rows=rows,
        around=around,
        page_size=PAGE_SIZE,
        formats=[(f, fragment_url(base, pattern, fragment.page)) for f in FRAGMENT_FORMATS if f is not HTML],
    )


def term_cell(term: object) -> tuple[str, str]:
    """A term in a table cell: its text and, for an IRI, where it links to."""
    if isinstance(term, ox.NamedNode):
        return term.value, term.value
    if isinstance(term, ox.DefaultGraph):
        return "", ""
    return str(term), ""


def links(st: State, pattern: Pattern, page: int, total: int, last: int) -> str:
    """Link header: the first, previous and next pages (RFC 8288; IANA relations)."""
    found = [f'<{fragment_url(st.base, pattern, 1)}>; rel="first"']
    if page > 1:
        found.append(f'<{fragment_url(st.base, pattern, page - 1)}>; rel="prev"')
    if page < last:
        found.append(f'<{fragment_url(st.base, pattern, page + 1)}>; rel="next"')
    return ", ".join(found)


def bad(st: State, fmt: Format, message: str) -> Response:
    """400 with the message in the negotiated format, and a link to the empty pattern's first page; in RDF
    said of the address asked for, or of /fragments when that address is no IRI (a malformed escape)."""
    links = [(f"{st.base}fragments", "/fragments")]
    if fmt is HTML:
        return message_response(st, 400, "Bad Request", message, links, fmt)
    try:
        page = ox.NamedNode(here(st))
    except ValueError:
        page = ox.NamedNode(f"{st.base}fragments")
    quads = [ox.Quad(page, RDFS_COMMENT, ox.Literal(message, language="en"))]
    quads += [ox.Quad(page, RDFS_SEE_ALSO, ox.NamedNode(href)) for href, _ in links]
    body = serialize_fragment([], quads, fmt)
    return Response(body, status=400, content_type=fmt.content_type, headers=[("Vary", "Accept")])


def not_acceptable(st: State) -> Response:
    """406 listing every format there is (RFC 9110 §15.5.7)."""
    lines = ["406 Not Acceptable: no representation of the fragment matches the Accept header.", "Available:"]
    lines += [f"  {f.media_type}" for f in FRAGMENT_FORMATS]
    response = Response("\n".join(lines) + "\n", status=406, content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response
