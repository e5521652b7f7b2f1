"""Geometries as GeoSPARQL 1.1 literals: read GeoJSON, write WKT and GeoJSON, measure, unite.

GeoSPARQL 1.1 §8.5.1: a ``geo:wktLiteral`` without a leading CRS IRI is in OGC CRS84 (longitude,
latitude on WGS 84), the CRS of the BKG files we read, so the literals name none. Coordinates are
written with five decimals (about one metre), the precision of the municipality files; at the
sources' scale of 1:5,000,000 one millimetre on the map is five kilometres, so nothing is lost.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

DECIMALS = 5
EARTH_RADIUS_M = 6371008.8  # IUGG mean radius


def rounded(geometry: BaseGeometry) -> BaseGeometry:
    """Round every coordinate to :data:`DECIMALS` places."""
    return shapely.transform(geometry, lambda c: np.round(c, DECIMALS))


def from_geojson(member: dict[str, Any]) -> MultiPolygon:
    """Read a GeoJSON geometry object (RFC 7946 §3.1) as a (multi)polygon with rounded coordinates."""
    return as_multipolygon(rounded(shape(member)))


def as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    """Write every areal geometry as a MultiPolygon, so that all boundaries have one type."""
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    polygons = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    parts = [p for g in polygons for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon(parts)


def number(value: float) -> str:
    """A coordinate with at most :data:`DECIMALS` places and no trailing zeros."""
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def rings(polygon: Polygon) -> list[list[tuple[float, ...]]]:
    return [list(polygon.exterior.coords)] + [list(r.coords) for r in polygon.interiors]


def to_wkt(geometry: MultiPolygon) -> str:
    """WKT of a MultiPolygon in CRS84 (OGC 06-103r4 §7), five decimals, no CRS IRI (GeoSPARQL 1.1 §8.5.1)."""

    def ring(coords: list[tuple[float, ...]]) -> str:
        return "(" + ",".join(f"{number(c[0])} {number(c[1])}" for c in coords) + ")"

    polygons = ",".join("(" + ",".join(ring(r) for r in rings(p)) + ")" for p in geometry.geoms)
    return f"MULTIPOLYGON({polygons})"


def to_geojson(geometry: MultiPolygon) -> str:
    """GeoJSON geometry object of a MultiPolygon (RFC 7946 §3.1.7), five decimals, no spaces."""

    def ring(coords: list[tuple[float, ...]]) -> str:
        return "[" + ",".join(f"[{number(c[0])},{number(c[1])}]" for c in coords) + "]"

    polygons = ",".join("[" + ",".join(ring(r) for r in rings(p)) + "]" for p in geometry.geoms)
    return '{"type":"MultiPolygon","coordinates":[' + polygons + "]}"


def from_wkt(text: str) -> BaseGeometry:
    """Read a geo:wktLiteral, with or without a leading CRS IRI."""
    if text.startswith("<"):
        text = text.split(">", 1)[1]
    return shapely.from_wkt(text.strip())


def from_geojson_text(text: str) -> BaseGeometry:
    return shape(json.loads(text))


def area_ha(geometry: BaseGeometry) -> float:
    """The area in hectares, on the sinusoidal projection of a sphere (equal-area), good to well under 1 %."""

    def project(c: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        lon, lat = np.radians(c[:, 0]), np.radians(c[:, 1])
        return np.column_stack([EARTH_RADIUS_M * lon * np.cos(lat), EARTH_RADIUS_M * lat])

    return float(shapely.transform(geometry, project).area) / 10_000


def union(geometries: Iterable[BaseGeometry]) -> MultiPolygon:
    """The union of polygons, rounded again so that it is written like its parts."""
    united = shapely.union_all(list(geometries))
    result = as_multipolygon(rounded(united))
    return result if result.is_valid else as_multipolygon(shapely.make_valid(result))


def points(geometry: BaseGeometry) -> int:
    return int(shapely.get_num_coordinates(geometry))


def shares_boundary(a: BaseGeometry, b: BaseGeometry) -> bool:
    """Whether two areas touch along a line or overlap (a common point is not enough)."""
    common = a.intersection(b)
    return bool(common.length > 0 or common.area > 0) and not math.isnan(common.length)
