"""The map of a territory's or cooperation's page: one inline SVG, drawn on the server.

It works without JavaScript and in the static export; publisher/static/map.js may lay an interactive
map over it. It shows, at the page's day: the thing's boundary (the ``medium`` generalisation of
render/geojson.py), its members (a cooperation) or parts (a territory's territories within it) on top,
its neighbours (territories of the same kind whose boundaries share a line, computed from our own
boundaries) and its parent behind, and dashed outlines of what it replaced or what replaced it. Context
shapes use the ``coarse`` generalisation and are cut to the view, so the SVG stays small.

The projection is equirectangular with the longitude scaled by the cosine of the view's middle latitude
(true to shape at that latitude; at Germany's size the error is a few per cent). Every shape is a link
to its thing's page with a ``<title>``; the attribution the boundaries' data names
(``dcatde:licenseAttributionByText``) is printed under every map.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from html import escape

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from publisher.render.geojson import GeoIndex
from publisher.render.html import iri_to_uri

#: viewBox width; coordinates are whole units of it
WIDTH = 640
#: the margin around the thing, as a share of its extent
MARGIN = 0.12
#: the order shapes are drawn in (later on top), and their legend words
ROLES: dict[str, tuple[str, str]] = {
    "parent": ("übergeordnet", "parent"),
    "neighbour": ("Nachbarn", "neighbours"),
    "thing": ("dieses Gebiet", "this area"),
    "part": ("Teile", "parts"),
    "member": ("Mitglieder", "members"),
    "before": ("Vorgänger", "predecessors"),
    "after": ("Nachfolger", "successors"),
}


@dataclass(frozen=True)
class Drawn:
    role: str
    iri: str
    title: str
    geometry: BaseGeometry


@dataclass
class PageMap:
    """What the page template needs: the SVG, the GeoJSON it stands for, the attribution and the legend."""

    svg: str
    geojson: str
    attribution: str
    roles: list[tuple[str, str]] = field(default_factory=list)  # (role, words in the page's language)
    counts: dict[str, int] = field(default_factory=dict)
    #: the interactive map's files, (kind, URL, integrity), when the page has GeoJSON and Leaflet is there
    scripts: list[tuple[str, str, str]] = field(default_factory=list)
    tile_url: str = ""
    tile_attribution: str = ""


def path_data(geometry: BaseGeometry, to_xy: tuple[float, float, float, float]) -> str:
    """SVG path data of polygons: absolute first point, then relative whole-unit steps (zero steps dropped)."""
    x0, y0, scale_x, scale_y = to_xy
    parts: list[str] = []
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    for polygon in polygons:
        if not isinstance(polygon, Polygon) or polygon.is_empty:
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            points = [(round((x - x0) * scale_x), round((y0 - y) * scale_y)) for x, y in ring.coords]
            steps: list[str] = []
            last = points[0]
            for p in points[1:]:
                dx, dy = p[0] - last[0], p[1] - last[1]
                if dx or dy:
                    steps.append(f"{dx} {dy}")
                    last = p
            if len(steps) >= 2:
                parts.append(f"M{points[0][0]} {points[0][1]}l" + " ".join(steps) + "z")
    return "".join(parts).replace(" -", "-")


def draw(shapes: list[Drawn], view: tuple[float, float, float, float], label: str) -> str:
    minx, miny, maxx, maxy = view
    scale_x = WIDTH / (maxx - minx)
    scale_y = scale_x / math.cos(math.radians((miny + maxy) / 2))
    height = max(1, round((maxy - miny) * scale_y))
    to_xy = (minx, maxy, scale_x, scale_y)
    out = [
        f'<svg class="map-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img"'
        f' aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    order = list(ROLES)
    for shape in sorted(shapes, key=lambda s: (order.index(s.role), s.iri)):
        clipped = shapely.clip_by_rect(shape.geometry, minx, miny, maxx, maxy)
        d = path_data(clipped, to_xy)
        if not d:
            continue
        out.append(
            f'<a href="{escape(iri_to_uri(shape.iri))}" class="map-{shape.role}"><path d="{d}">'
            f"<title>{escape(shape.title)}</title></path></a>"
        )
    out.append("</svg>")
    return "".join(out)


def page_map(
    geo: GeoIndex,
    iri: str,
    day: dt.date,
    lang: str,
    members: list[str],
    geojson_url: str,
) -> PageMap | None:
    """The map of the page of ``iri`` on ``day`` (a ``datetime.date``; today's when the page has none),
    with ``members`` the IRIs of a cooperation's members that day; None when there is nothing to draw."""
    territory = geo.territory(iri) or (iri if iri in geo.described else None)
    if territory is None:
        return None
    shapes: list[Drawn] = []
    exists = geo.state(iri, day) == "exists"
    own = geo.shape_at(territory, day) if territory in geo.shapes and exists else None
    if own is not None:
        shapes.append(Drawn("thing", iri, geo.label(iri, lang), own.forms["medium"]))
    focus = [own.forms["medium"]] if own is not None else []
    for role, side in (("before", geo.before), ("after", geo.after)):
        for other in side.get(territory, []):
            if other in geo.shapes:
                outline = geo.default_shape(other).forms["coarse"]
                shapes.append(Drawn(role, other, geo.label(other, lang), outline))
                if own is None:
                    focus.append(outline)
    if members:
        for member in members:
            where = geo.territory_of.get(member)
            if where is not None and (part := geo.shape_at(where, day)) is not None:
                shapes.append(Drawn("member", member, geo.label(member, lang), part.forms["medium"]))
                if own is None:
                    focus.append(part.forms["medium"])
    else:
        for child in geo.children.get(territory, []):
            if geo.state(child, day) == "exists" and (part := geo.shape_at(child, day)) is not None:
                shapes.append(Drawn("part", child, geo.label(child, lang), part.forms["medium"]))
    if not focus:
        return None
    if territory in geo.shapes:
        for neighbour in geo.touching(territory):
            if geo.state(neighbour, day) == "exists" and (shape := geo.shape_at(neighbour, day)) is not None:
                shapes.append(Drawn("neighbour", neighbour, geo.label(neighbour, lang), shape.forms["coarse"]))
    for parent in geo.described[territory].parents if territory in geo.described else []:
        if parent in geo.shapes and (shape := geo.shape_at(parent, day)) is not None:
            shapes.append(Drawn("parent", parent, geo.label(parent, lang), shape.forms["coarse"]))
    minx, miny, maxx, maxy = shapely.union_all(focus).bounds
    pad = MARGIN * max(maxx - minx, (maxy - miny) / math.cos(math.radians((miny + maxy) / 2)), 0.01)
    view = (minx - pad, miny - pad * 0.7, maxx + pad, maxy + pad * 0.7)
    title = ("Karte: " if lang == "de" else "Map: ") + geo.label(iri, lang)
    svg = draw(shapes, view, title)
    used = {s.role for s in shapes}
    roles = [(r, words[0] if lang == "de" else words[1]) for r, words in ROLES.items() if r in used]
    counts = {r: sum(1 for s in shapes if s.role == r) for r in used}
    attribution = " · ".join(sorted({geo.attribution(s.iri) for s in shapes} - {""}))
    geojson = geojson_url if own is not None else ""  # no boundary that day: its GeoJSON answers 404
    return PageMap(svg=svg, geojson=geojson, attribution=attribution, roles=roles, counts=counts)


def map_csp(tile_url: str, leaflet: bool) -> str:
    """The CSP of a page with an interactive map: its own scripts ('self' only), its GeoJSON fetched from
    this origin, and images from the tile server when one is set; "" without Leaflet (no scripts to run)."""
    if not leaflet:
        return ""
    tile_origin = " " + "/".join(tile_url.split("/", 3)[:3]) if tile_url else ""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:{tile_origin}; connect-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
