"""GET /doc/{key}.geojson: a territory's or cooperation's boundary as GeoJSON (render/geojson.py).

Not one of the document formats (negotiation.DOCUMENT_FORMATS, which every document has): only things
with a boundary have it, so it is asked for by its suffix and listed beside them in the ``Link`` header
and the page's alternates.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Response, request

from publisher.errors import Problem
from publisher.publish.boundaries import read_boundaries
from publisher.render import asof, maps
from publisher.render.assets import LEAFLET, STATIC, integrity
from publisher.render.geojson import DEFAULT_DETAIL, DETAILS, MEDIA_TYPE, SUFFIX, GeoIndex, bounded_of, index_of
from publisher.render.html import iri_to_uri
from publisher.render.maps import PageMap
from publisher.web.state import State, with_day
from publisher.web.timetravel import requested_day

MAP_SCRIPT = "map.js"
LOG = logging.getLogger(__name__)


def index(st: State) -> GeoIndex:
    """The build's boundaries as the build generalised them (publish/boundaries.py): never simplified here."""
    dumps = st.dumps
    return index_of(st.store, st.build.version, st.base, (lambda: read_boundaries(dumps.folder)) if dumps else None)


def url(st: State, key: str, day: dt.date | None = None) -> str:
    return with_day(iri_to_uri(f"{st.base}doc/{key}.{SUFFIX}"), day)


def has_boundary(st: State, key: str) -> bool:
    """Whether ``key`` has a GeoJSON document (and its page a map), without the geometry index; False (no link,
    no map script) while a store cannot answer in time."""
    try:
        return st.thing_iri(key) in bounded_of(st.store, st.build.version)
    except Problem as exc:
        LOG.warning("no GeoJSON link for %s: the store could not say what has a boundary (%s)", key, exc)
        return False


def link(st: State, key: str, day: dt.date | None = None) -> str:
    """``, <…/doc/{key}.geojson>; rel="alternate"; type="application/geo+json"`` when ``key`` has a boundary."""
    if not has_boundary(st, key):
        return ""
    return f', <{url(st, key, day)}>; rel="alternate"; type="{MEDIA_TYPE}"'


def plain(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, content_type="text/plain; charset=utf-8")


def document(st: State, raw_key: str) -> Response | None:
    """The GeoJSON answer to ``/doc/{raw_key}`` when it names ``{key}.geojson`` of a thing with a boundary
    (None otherwise: the path is then some other document's)."""
    key, dot, suffix = raw_key.rpartition(".")
    if not dot or suffix != SUFFIX or not key or st.exists(raw_key) or not st.exists(key):
        return None
    day = requested_day(st)
    detail = request.args.get("detail", DEFAULT_DETAIL)
    if detail not in DETAILS:
        return plain(400, f"400 Bad Request: detail must be one of {', '.join(DETAILS)} (default {DEFAULT_DETAIL}).")
    geo = index(st)
    iri = st.thing_iri(key)
    if day is not None and (status := asof.status_at(st.timeline(), iri, day)).state != "exists":
        others = status.predecessors if status.state == "not-yet" else status.successors
        what = "did not exist yet" if status.state == "not-yet" else "no longer existed"
        lines = [f"404 Not Found: <{iri}> {what} on {day.isoformat()}."]
        side = "before" if status.state == "not-yet" else "after"
        lines += [f"  {side}: <{o.iri}>  {with_day(iri_to_uri(o.iri), day)}" for o in others]
        return plain(404, "\n".join(lines))
    territory = geo.territory(iri)
    if territory is None:
        return plain(404, f"404 Not Found: <{iri}> has no boundary in this dataset.")
    shape = geo.shape_at(territory, day)
    if shape is None:
        return plain(404, f"404 Not Found: no boundary of <{iri}> holds on {day}.")
    parts = ("geojson", key, detail) + ((day.isoformat(),) if day else ())
    body, content_type = st.rendered(parts, lambda: (geo.feature(iri, shape, detail, day), MEDIA_TYPE))
    extra = [("Link", st.document_links(key, day) + link(st, key, day))]
    if day is not None:
        extra.append(("Valid-At", day.isoformat()))
    return st.respond(body, content_type, parts, extra=extra)


def page_map(st: State, key: str, iri: str, day: dt.date | None, lang: str) -> PageMap | None:
    """The map of the page of ``key`` (render/maps.py): its members are those of the page's day. A store that
    cannot give every boundary within its time limit (a remote store, the first page of a process) leaves the
    page without its map rather than without the page; the next page tries again."""
    try:
        geo = index(st)
    except Problem as exc:
        LOG.warning("page of %s without its map: the boundaries could not be read (%s)", key, exc)
        return None
    on = day or dt.date.today()
    cooperations = sorted(o for o in geo.cooperations if o == iri or geo.territory_of[o] == iri)
    members: set[str] = set()
    for org in cooperations:  # today's page reads its cooperation's memberships only (State.changes_of)
        timeline = st.timeline() if day else st.changes_of(org)
        members |= {span.member for span in timeline.members(org, on)}
    found = maps.page_map(geo, iri, on, lang, sorted(members), url(st, key, day) if geo.has(key) else "")
    if found is not None and found.geojson and LEAFLET:
        found.scripts = [
            ("css", f"{st.base}static/{LEAFLET.css}", LEAFLET.css_integrity or ""),
            ("js", f"{st.base}static/{LEAFLET.js}", LEAFLET.js_integrity or ""),
            ("js", f"{st.base}static/{MAP_SCRIPT}", integrity(STATIC / MAP_SCRIPT) or ""),
        ]
        found.tile_url, found.tile_attribution = st.settings.tile_url, st.settings.tile_attribution
    return found


def map_csp(st: State) -> str:
    """The CSP of a page with an interactive map (:func:`publisher.render.maps.map_csp`)."""
    return maps.map_csp(st.settings.tile_url, bool(LEAFLET))


def page_headers(st: State, key: str) -> list[tuple[str, str]]:
    """The CSP of the page of ``key`` when it has a map to run (:func:`map_csp`); other pages keep the page CSP."""
    csp = map_csp(st)
    return [("Content-Security-Policy", csp)] if csp and has_boundary(st, key) else []
