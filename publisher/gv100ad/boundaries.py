"""Boundaries of BKG VG5000 (Gebietsstand 2021-01-01) as GeoSPARQL 1.1 geometries of territories.

A territory gets the polygon whose key equals its own, at its level: the 5-digit district key in the
Kreise file, the 9-digit association key in the Gemeindeverbände file, the municipality in the
Gemeinden file (by its 12-digit ARS, else by its 8-digit AGS: a Gemeinde whose association was
re-keyed keeps its AGS and its area). Names are never compared.

A key present in the boundary file and in the register is not always the same area: when a
neighbour of the same level ended after the boundary file's date (its key is not in the register)
and the territory's area in the register exceeds its polygon's by more than half the ended
neighbour's polygon, the territory took over (part of) that neighbour, and the polygon of
2021-01-01 is not the territory's. Such territories and those whose key the file lacks (formed or
re-keyed later) get no geometry and a note saying why. Länder, Regierungsbezirke and Regionen, which
the files do not hold, get the union of their districts' polygons, said to be derived in a note.
A district or association that a Gemeinde joined or left since (its AGS under this key in the
Gemeinden file and under another in the register, or the reverse) has changed too, and gets a note.
A geometry version is not a territorial version: the geometry has its own date (``dct:date``, the
Gebietsstand of the file), not an interval.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from shapely import STRtree
from shapely.geometry import MultiPolygon

from publisher.dataset.geometry import area_ha, from_geojson, shares_boundary, to_geojson, to_wkt, union
from publisher.gv100ad.records import Register, RegisterError
from publisher.gv100ad.turtle import Node, date, english_date, german_date, iri, literal, typed
from publisher.vocab import DL_BY_DE_2_0

SOURCE_KEY = "bkg-vg5000-2021-01-01"
SOURCE = iri(f"id/source/{SOURCE_KEY}")
STATUS = dt.date(2021, 1, 1)
ATTRIBUTION = "© GeoBasis-DE / BKG 2021 (Daten verändert)"
BKG_SITE = "<http://www.bkg.bund.de>"
SCALE_NOTE_DE = "Generalisiert im Maßstab 1:5.000.000 (BKG VG5000); Koordinaten in CRS84 mit fünf Nachkommastellen."
SCALE_NOTE_EN = "Generalised at a scale of 1:5,000,000 (BKG VG5000); coordinates in CRS84 with five decimals."
LEVELS = {5: "district", 9: "association", 12: "municipality"}
#: Levels above the districts, whose boundaries are derived as the union of their districts' polygons.
UPPER_LEVELS = {2: ("state", "10"), 3: ("government district", "20"), 4: ("region", "30")}
DERIVED_NOTE_DE = (
    "Abgeleitet: Vereinigung der Kreisgrenzen in BKG VG5000 (Gebietsstand 01.01.2021), deren Kreisschlüssel mit "
    "diesem Schlüssel beginnt; die Dateien enthalten diese Ebene nicht."
)
DERIVED_NOTE_EN = (
    "Derived: union of the district boundaries in BKG VG5000 (as of 1 Jan 2021) whose key begins with this key; "
    "the files do not hold this level."
)


@dataclass
class Feature:
    key: str
    name: str
    geometry: MultiPolygon
    derived: bool = False


@dataclass
class Layer:
    """One boundary file: its features by key (and, for municipalities, by AGS)."""

    level: str
    features: dict[str, Feature]
    by_ags: dict[str, Feature] = field(default_factory=dict)


@dataclass
class Boundaries:
    """The boundary layers, and per territory key the feature it gets or why it gets none."""

    layers: dict[str, Layer] = field(default_factory=dict)
    changed: dict[str, str] = field(default_factory=dict)  # key → the ended neighbour's name and key
    regrouped: dict[str, str] = field(default_factory=dict)  # key → the AGS of Gemeinden that came or went

    def feature(self, key: str) -> Feature | None:
        level = LEVELS.get(len(key)) or UPPER_LEVELS.get(len(key), ("", ""))[0]
        layer = self.layers.get(level or "")
        if layer is None or key in self.changed or key in self.regrouped:
            return None
        found = layer.features.get(key)
        if found is None and level == "municipality":
            found = layer.by_ags.get(key[:5] + key[9:])
        return found

    def missing_reason(self, key: str) -> tuple[str, str]:
        """Why a territory has no polygon, in German and English."""
        if key in self.changed:
            return (
                "Keine Grenze: das Polygon mit diesem Schlüssel in BKG VG5000 (Gebietsstand 01.01.2021) zeigt das "
                f"Gebiet vor einer späteren Änderung; {self.changed[key]} ist seither darin aufgegangen "
                "(Fläche laut GV100AD).",
                "No boundary: the polygon with this key in BKG VG5000 (as of 1 Jan 2021) shows the area before a later "
                f"change; {self.changed[key]} has since been merged into it (area per GV100AD).",
            )
        if key in self.regrouped:
            return (
                "Keine Grenze: das Polygon mit diesem Schlüssel in BKG VG5000 (Gebietsstand 01.01.2021) umfasst "
                f"andere Gemeinden als das Gebiet laut GV100AD ({self.regrouped[key]}).",
                "No boundary: the polygon with this key in BKG VG5000 (as of 1 Jan 2021) holds other municipalities "
                f"than the territory per GV100AD ({self.regrouped[key]}).",
            )
        if (LEVELS.get(len(key)) or UPPER_LEVELS.get(len(key), ("", ""))[0]) in self.layers:
            return (
                "Keine Grenze: BKG VG5000 (Gebietsstand 01.01.2021) hat kein Polygon mit diesem Schlüssel; das Gebiet "
                "ist danach entstanden oder neu verschlüsselt worden.",
                "No boundary: BKG VG5000 (as of 1 Jan 2021) has no polygon with this key; the area was formed or "
                "re-keyed later.",
            )
        return (
            "Keine Grenze: die verwendeten Grenzdateien (BKG VG5000) enthalten diese Ebene nicht; ohne die Datei "
            "der Kreise wird auch keine Grenze aus ihnen abgeleitet.",
            "No boundary: the boundary files used (BKG VG5000) do not hold this level; without the districts' file "
            "none is derived from them.",
        )


def read_layer(path: Path) -> Layer:
    """Read one BKG VG5000 GeoJSON file; its level follows from the length of its keys (ARS 5, 9 or 12)."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
        raw = collection["features"]
        lengths = {len(f["properties"]["ARS"]) for f in raw}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegisterError(path, f"not a BKG boundary file with ARS keys ({exc})") from None
    if len(lengths) != 1 or next(iter(lengths)) not in LEVELS:
        raise RegisterError(path, f"keys of lengths {sorted(lengths)}; expected one of 5, 9 or 12 digits")
    level = LEVELS[lengths.pop()]
    features = {}
    by_ags = {}
    for f in raw:
        props = f["properties"]
        feature = Feature(props["ARS"], props["GEN"], from_geojson(f["geometry"]))
        features[feature.key] = feature
        if props.get("AGS"):
            by_ags[props["AGS"]] = feature
    return Layer(level, features, by_ags)


def register_areas(register: Register) -> dict[str, int]:
    """Area in hectares of every municipality (by ARS and AGS), association and district: sums of municipalities."""
    areas: dict[str, int] = defaultdict(int)
    for key, m in register.levels["60"].items():
        areas[key] += m.area_ha
        areas[key[:5] + key[9:]] += m.area_ha
        areas[key[:9]] += m.area_ha
        areas[key[:5]] += m.area_ha
    return areas


def changed_since(layer: Layer, register: Register) -> dict[str, str]:
    """The keys whose territory took over a neighbour that ended after the file's date (rule in the module doc)."""
    level_code = {"district": "40", "association": "50", "municipality": "60"}[layer.level]
    present = set(register.levels[level_code])
    if layer.level == "municipality":
        present |= {k[:5] + k[9:] for k in present}
        ended = [f for f in layer.features.values() if f.key[:5] + f.key[9:] not in present]
    else:
        ended = [f for f in layer.features.values() if f.key not in present]
    keys = sorted(layer.features)
    tree = STRtree([layer.features[k].geometry for k in keys])
    areas = register_areas(register)
    changed: dict[str, str] = {}
    for gone in ended:
        gone_area = area_ha(gone.geometry)
        for i in tree.query(gone.geometry, predicate="intersects"):
            neighbour = layer.features[keys[int(i)]]
            own = neighbour.key if layer.level != "municipality" else neighbour.key[:5] + neighbour.key[9:]
            if neighbour is gone or own not in present or not shares_boundary(gone.geometry, neighbour.geometry):
                continue
            if areas[own] - area_ha(neighbour.geometry) > gone_area / 2:
                changed[neighbour.key] = f"{gone.name} ({gone.key})"
    if layer.level == "municipality":  # the register keys municipalities by ARS; the file may by an older ARS
        for key in list(changed):
            ags = key[:5] + key[9:]
            changed.update({k: changed[key] for k in register.levels["60"] if k[:5] + k[9:] == ags})
    return changed


def regrouped_since(layer: Layer, municipalities: Layer, register: Register) -> dict[str, str]:
    """Districts and associations that a Gemeinde joined or left since the file's date: its AGS is in both
    the file and the register, under this key in one and another key in the other (a merger inside the
    unit changes the AGS but not the unit's outline, and is not counted)."""
    length = {"district": 5, "association": 9}[layer.level]
    then: dict[str, set[str]] = defaultdict(set)
    now: dict[str, set[str]] = defaultdict(set)
    for key in municipalities.features:
        then[key[:length]].add(key[:5] + key[9:])
    for key in register.levels["60"]:
        now[key[:length]].add(key[:5] + key[9:])
    both = set().union(*then.values()) & set().union(*now.values())
    found = {}
    for key in sorted(k for k in layer.features if k in now):
        came, went = sorted((now[key] - then[key]) & both), sorted((then[key] - now[key]) & both)
        if came or went:
            parts = [f"+ {', '.join(came)}" if came else "", f"− {', '.join(went)}" if went else ""]
            found[key] = "; ".join(part for part in parts if part)
    return found


def upper_layers(districts: Layer, register: Register) -> list[Layer]:
    """Länder, Regierungsbezirke and Regionen of the register as unions of their districts' polygons."""
    layers = []
    for length, (level, code) in UPPER_LEVELS.items():
        features = {}
        for key, record in sorted(register.levels[code].items()):
            parts = [f.geometry for k, f in sorted(districts.features.items()) if k.startswith(key)]
            if len(key) == length and parts:
                features[key] = Feature(key, record.name, union(parts), derived=True)
        layers.append(Layer(level, features))
    return layers


def read_boundaries(paths: list[Path], register: Register) -> Boundaries:
    """Read the boundary files and judge, against the register, which polygons still fit their key."""
    boundaries = Boundaries()
    for path in paths:
        layer = read_layer(path)
        if layer.level in boundaries.layers:
            raise RegisterError(path, f"a second boundary file of the {layer.level} level")
        boundaries.layers[layer.level] = layer
        boundaries.changed.update(changed_since(layer, register))
    if "municipality" in boundaries.layers:
        for level in ("district", "association"):
            if level in boundaries.layers:
                regrouped = regrouped_since(boundaries.layers[level], boundaries.layers["municipality"], register)
                boundaries.regrouped.update(regrouped)
    if "district" in boundaries.layers:
        upper = upper_layers(boundaries.layers["district"], register)
        boundaries.layers.update({layer.level: layer for layer in upper})
    return boundaries


def geometry_iri(key: str) -> str:
    return iri(f"id/geometry/{key}/{SOURCE_KEY}")


def geometry_nodes(key: str, feature: Feature) -> list[Node]:
    """The territory's links to its geometry, and the geometry with literals, source, date, licence and scale."""
    geometry = geometry_iri(key)
    day = STATUS
    territory = Node(
        iri(f"id/territory/{key}"), [("geo:hasGeometry", [geometry]), ("geo:hasDefaultGeometry", [geometry])]
    )
    node = Node(
        geometry,
        [
            ("a", ["geo:Geometry"]),
            (
                "skos:prefLabel",
                [
                    literal(f"Grenze: {feature.name} (BKG VG5000, {german_date(day)})"),
                    literal(f"Boundary: {feature.name} (BKG VG5000, {english_date(day)})", "en"),
                ],
            ),
            ("geo:asWKT", [typed(to_wkt(feature.geometry), "geo:wktLiteral")]),
            ("geo:asGeoJSON", [typed(to_geojson(feature.geometry).replace('"', '\\"'), "geo:geoJSONLiteral")]),
            ("dct:date", [date(day)]),
            ("dct:source", [SOURCE]),
            ("dct:license", [f"<{DL_BY_DE_2_0}>"]),
            ("dcatde:licenseAttributionByText", [literal(ATTRIBUTION)]),
            ("dct:rightsHolder", [BKG_SITE]),
            ("skos:note", [literal(SCALE_NOTE_DE), literal(SCALE_NOTE_EN, "en")]),
            ("skos:note", [literal(DERIVED_NOTE_DE), literal(DERIVED_NOTE_EN, "en")] if feature.derived else []),
        ],
    )
    return [territory, node]


def missing_node(key: str, boundaries: Boundaries) -> Node:
    german, english = boundaries.missing_reason(key)
    return Node(iri(f"id/territory/{key}"), [("skos:note", [literal(german), literal(english, "en")])])


def territory_nodes(keys: list[str], boundaries: Boundaries) -> tuple[list[Node], int]:
    """The geometry nodes of the territories with a polygon, notes for the others; and how many have one."""
    nodes: list[Node] = []
    found = 0
    for key in sorted(set(keys)):
        feature = boundaries.feature(key)
        if feature is None:
            nodes.append(missing_node(key, boundaries))
        else:
            nodes += geometry_nodes(key, feature)
            found += 1
    return nodes, found
