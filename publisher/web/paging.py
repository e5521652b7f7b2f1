"""Page numbers of every paged listing, and the one answer for a page that is not there.

Every listing (``/territories``, ``/organizations``, ``/catalog``, ``/incoming/{key}``, the sitemap
pages) counts its pages from 1 and has at least one. A ``?page=`` that is not a whole number from 1
is a bad parameter (400); a page after the last is 404 in the negotiated format, saying which page
is the last and linking to it, also as ``Link: <…>; rel="last"`` (RFC 8288 §3.3; "last" is in the
IANA link relation registry).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from math import ceil

import pyoxigraph as ox
from flask import Response, abort, render_template, request

from publisher.negotiation import HTML, Format, negotiate
from publisher.render.html import iri_to_uri
from publisher.render.rdf import serialize
from publisher.vocab import RDFS_COMMENT, RDFS_SEE_ALSO
from publisher.web.state import State, page_language, request_key, request_query

#: A page number as a client writes it: digits only (Python's int() would also take " 2", "+2", "1_0"). Any
#: length is a page number (a long one is past the end, 404) up to what int() converts (4,300 digits).
PAGE_NUMBER = re.compile(r"[0-9]{1,4000}")


def page_number(raw: str | None) -> int:
    """The ``?page=`` parameter (absent: 1), or a 400 that says what a page number is."""
    if raw is None:
        return 1
    if not PAGE_NUMBER.fullmatch(raw) or int(raw) < 1:
        abort(400, f"page must be a whole number from 1 (page=1 is the first page), not {raw!r}.")
    return int(raw)


def last_page(total: int, size: int) -> int:
    """How many pages ``total`` entries fill at ``size`` a page; an empty listing has its first page."""
    return max(1, ceil(total / size)) if size > 0 else 1


def here(st: State) -> str:
    """The address the client asked for, under the base IRI."""
    return iri_to_uri(st.base + request_key("")) + request_query()


def html_or_text() -> Format | None:
    """The format of an error about a listing that is HTML only (or not RDF): HTML, else plain text."""
    return negotiate(request.headers.get("Accept"), (HTML,))


def message_response(
    st: State, status: int, title: str, message: str, links: Sequence[tuple[str, str]], fmt: Format | None
) -> Response:
    """An error page in ``fmt`` (HTML, an RDF format, else plain text) with the links the client can take."""
    if fmt is HTML:
        body = render_template(
            "error.html", lang=page_language(), base=st.base, status=status, title=title, message=message, links=links
        )
        response = Response(body, status=status, content_type=HTML.content_type)
    elif fmt is not None:
        page = ox.NamedNode(here(st))
        quads = [ox.Quad(page, RDFS_COMMENT, ox.Literal(message, language="en"))]
        quads += [ox.Quad(page, RDFS_SEE_ALSO, ox.NamedNode(href)) for href, _ in links]
        response = Response(serialize(quads, fmt), status=status, content_type=fmt.content_type)
    else:
        text = f"{status} {title}: {message}\n" + "".join(f"{label}: {href}\n" for href, label in links)
        response = Response(text, status=status, content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def past_the_end(st: State, page: int, last: int, last_url: str, fmt: Format | None) -> Response:
    """404 for a page after the last: which page is the last, and a link to it."""
    message = f"There is no page {page}: the last page is {last}."
    label = "Letzte Seite" if fmt is HTML and page_language() == "de" else "Last page"
    response = message_response(st, 404, "Not Found", message, [(last_url, label)], fmt)
    response.headers["Link"] = f'<{last_url}>; rel="last"'
    return response
