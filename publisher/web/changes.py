"""/changes/: the change feed (render/changes.py), a Linked Data Event Stream of the build's history.

``GET /changes/`` is the root node, ``GET /changes/YYYY-MM`` a month's members; negotiated (Turtle,
N-Quads, JSON-LD, N-Triples). A month page other than the newest is immutable (``ldes:immutable`` and
``Cache-Control: immutable``, a year); the newest may still gain members and the root new pages, so
both are kept a minute. Every ETag is made of the body, so a page that did not change keeps its ETag
from build to build. The feed is the history itself: it takes no parameter, not even ``at``.
Overload is answered by the app's rate limiter (429 with Retry-After).
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from flask import Response, request

from publisher.negotiation import Format, negotiate
from publisher.render.changes import (
    FEED_FORMATS,
    BadPage,
    Member,
    feed_members,
    months,
    page_quads,
    page_url,
    parse_month,
    root_quads,
    root_url,
    serialize_feed,
)
from publisher.vocab import RDFS_COMMENT, RDFS_SEE_ALSO
from publisher.web.state import State, state

IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "public, max-age=60"


class Refused(Exception):
    """A request the feed answers with an error: the response to send."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


def root() -> Response:
    """GET /changes/: the event stream and the relations to every month page."""
    return answer(None)


def page(month: str) -> Response:
    """GET /changes/YYYY-MM: the members of one month."""
    return answer(month)


def answer(month: str | None) -> Response:
    st = state()
    fmt = negotiate(request.headers.get("Accept"), FEED_FORMATS)
    if fmt is None:
        return plain(406, "no representation of the feed matches the Accept header. Available: "
                     + ", ".join(f.media_type for f in FEED_FORMATS))  # fmt: skip
    try:
        if request.args:
            raise Refused(refuse(st, fmt, 400, parameter_message(sorted(request.args)[0]), month))
        if month is not None:
            try:
                parse_month(month)
            except BadPage as error:
                raise Refused(refuse(st, fmt, 400, str(error), None)) from None
        computed: list[dict[str, list[Member]]] = []
        pages = month_names(st, computed)
        newest = pages[-1] if pages else None
        if month is not None:
            if month not in pages:
                root_address = root_url(st.base)
                message = (
                    f"No change in this dataset is dated in {month}; {root_address} lists every month with changes."
                )
                raise Refused(refuse(st, fmt, 404, message, month))
    except Refused as refused:
        return refused.response
    key = ("changes", fmt.key, month or "")
    body, content_type = st.rendered(key, lambda: render(st, fmt, month, newest, computed))
    etag = st.tags.get((st.build.version, "changes-etag", *key), lambda: hashlib.sha256(body).hexdigest()[:32])
    cache = IMMUTABLE if month is not None and month != newest else MUTABLE
    url = page_url(st.base, month) if month else root_url(st.base)
    headers = [("Vary", "Accept"), ("ETag", f'"{etag}"'), ("Cache-Control", cache), ("Content-Location", url)]
    response = Response(body, content_type=content_type, headers=headers)
    response.make_conditional(request)
    return response


def month_names(st: State, computed: list[dict[str, list[Member]]]) -> list[str]:
    """The months that have members in this build, oldest first, read from the store once per build; when
    read now, the members are kept in ``computed`` for the page to be rendered from."""

    def read() -> str:
        computed.append(months(feed_members(st.store)))
        return " ".join(computed[0])

    return st.tags.get((st.build.version, "changes-months"), read).split()


def render(
    st: State, fmt: Format, month: str | None, newest: str | None, computed: list[dict[str, list[Member]]]
) -> tuple[bytes, str]:
    pages = computed[0] if computed else months(feed_members(st.store))
    if month is None:
        quads = root_quads(st.store, st.base, list(pages))
    else:
        quads = page_quads(st.store, st.base, month, pages[month], immutable=month != newest)
    return serialize_feed(quads, fmt), fmt.content_type


def parameter_message(name: str) -> str:
    if name == "at":
        return "The change feed is the history itself and has no day: it takes no 'at'. Read every month from the root."
    return f"Unknown parameter {name[:40]!r}: the change feed takes no parameters; its pages are /changes/YYYY-MM."


def refuse(st: State, fmt: Format, status: int, message: str, month: str | None) -> Response:
    """A 4xx in the negotiated format: the message said of the address asked for, with a link to the root."""
    subject = ox.NamedNode(page_url(st.base, month) if month else root_url(st.base))
    quads = [
        ox.Quad(subject, RDFS_COMMENT, ox.Literal(message, language="en")),
        ox.Quad(subject, RDFS_SEE_ALSO, ox.NamedNode(root_url(st.base))),
    ]
    body = serialize_feed(quads, fmt)
    return Response(
        body, status=status, content_type=fmt.content_type, headers=[("Vary", "Accept"), ("Cache-Control", "no-store")]
    )


def plain(status: int, message: str) -> Response:
    return Response(f"{status}: {message}\n", status=status, content_type="text/plain; charset=utf-8",
                    headers=[("Vary", "Accept")])  # fmt: skip
