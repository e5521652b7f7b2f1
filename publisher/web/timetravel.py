"""``?at=YYYY-MM-DD`` on every page and document: read it, refuse a bad one, keep it in links, say it.

The day is valid time (DESIGN §5): what held on that day, not what the server knew then. The answer
says its day three ways: visibly in the HTML, in the headers (``Valid-At: D``, ``Content-Location``
with ``?at=D``, ``Link: <…>; rel="latest-version"`` to today's document and ``rel="predecessor-version"``
/ ``"successor-version"`` to the days before the last change and of the next one, RFC 5829), and in the
RDF (``<doc?at=D> dct:temporal [ dcat:startDate D ; dcat:endDate D ]``). Memento (RFC 7089) is not used:
its ``Accept-Datetime`` asks for the representation a server held at a time (transaction time); a day of
the data's own validity is a different question with a different answer, so it is a query parameter
(cacheable as part of the URL, no ``Vary`` needed), as INSEE's ``date=`` and BAG's ``geldigOp``.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import abort, request

from publisher.render.asof import parse_at
from publisher.validtime import BadDate
from publisher.web.paging import html_or_text, message_response
from publisher.web.state import State, with_day

__all__ = ["keep_day", "requested_day", "with_day"]

#: Routes whose answers depend on the day; links to them keep ``at``. The ontology, shapes, query page,
#: catalog and downloads describe no day and are linked without it.
DATED_ROUTES = ("doc/", "id/", "incoming/", "territories", "organizations")


def requested_day(st: State) -> dt.date | None:
    """The day of ``?at=`` (None without it), or a 400 in the negotiated format saying what is accepted."""
    if "at" not in request.args:
        return None
    raw = request.args.getlist("at")
    try:
        if len(raw) > 1:
            raise BadDate(f"at is given {len(raw)} times; give one day.")
        return parse_at(raw[0])
    except BadDate as exc:
        abort(message_response(st, 400, "Bad Request", str(exc), [(st.base, "regiolod")], html_or_text()))


def keep_day(html: str, base: str, day: dt.date | None) -> str:
    """Add ``at=`` to every link of an HTML page to a page that depends on the day (its base IRI's
    home, documents, things, links and listings), so that a page viewed at D links to pages at D."""
    if day is None:
        return html
    routes = "|".join(re.escape(r) for r in DATED_ROUTES)
    # Today's document (rel="latest-version") is the one link that leaves the day.
    link = re.compile(r'(?<!rel="latest-version" )href="(' + re.escape(base) + r'(?:(?:' + routes + r')[^"]*)?)"')

    def dated(match: re.Match[str]) -> str:
        url = match.group(1)
        if re.search(r"(?:\?|&amp;)at=", url):
            return match.group(0)
        path, hash_, fragment = url.partition("#")
        return f'href="{path}{"&amp;" if "?" in path else "?"}at={day.isoformat()}{hash_}{fragment}"'

    return link.sub(dated, html)
