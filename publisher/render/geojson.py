"""GeoJSON (RFC 7946) of every territory and cooperation with a boundary, at three generalisations.

The boundaries are the store's ``geo:asWKT`` literals (BKG VG5000 per territory, and the unions
publisher/dataset/union_geometry.py derives per period for cooperations). :class:`GeoIndex` reads them
all once per build (never per request) and generalises each with shapely's topology-preserving
simplification (Douglas-Peucker that keeps rings valid and holes inside), so that a request only picks
bytes: ``full`` is the boundary as stored, ``medium`` (the default) and ``coarse`` drop the points that
move the line less than their tolerance. Coordinates stay in CRS84 (longitude, latitude; RFC 7946 §4)
with the store's five decimals (at most six, §11.2).

A document ``/doc/{key}.geojson[?detail=coarse|medium|full][&at=YYYY-MM-DD]`` is one Feature: the
thing's IRI as ``id``, and in ``properties`` the IRI, labels, codes, the geometry's IRI, source date,
licence and attribution. Of a day, the geometry whose ``dct:temporal`` holds that day (a cooperation's
members changed); a thing that did not exist that day answers 404 naming what it was or became, as
the RDF documents of that day do (web/resources.py ``dated_statements``).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from publisher.dataset.geometry import as_multipolygon, from_wkt, to_geojson
from publisher.render import asof
from publisher.render.asof import values
from publisher.store.protocol import Store, lexical
from publisher.vocab import expand

MEDIA_TYPE = "application/geo+json"
SUFFIX = "geojson"
#: The generalisations, coarsest first, and their tolerance in degrees (0: as stored). At the sources'
#: scale of 1:5,000,000 one millimetre is 5 km (about 0.07° of longitude here); coarse is for overviews
#: of many shapes, medium for one thing's page, full for analysis.
TOLERANCE: dict[str, float] = {"coarse": 0.01, "medium": 0.002, "full": 0.0}
DETAILS = tuple(TOLERANCE)
DEFAULT_DETAIL = "medium"
TERRITORY = expand("rl:Territory")
#: Things per query that names them (VALUES), as render/asof.py asks
CHUNK = 500

#: Flags are bound to the string "true", not the boolean: Virtuoso 7.2 answers a boolean the query computes as
#: the integer 1.
GEOMETRIES = """
SELECT ?t ?g ?wkt ?default ?begin ?end ?date ?licence ?attribution WHERE {
  ?t geo:hasGeometry ?g . ?g geo:asWKT ?wkt .
  OPTIONAL { ?t geo:hasDefaultGeometry ?d FILTER (?d = ?g) BIND ("true" AS ?default) }
  OPTIONAL { ?g dct:temporal/time:hasBeginning/time:inXSDDate ?begin }
  OPTIONAL { ?g dct:temporal/time:hasEnd/time:inXSDDate ?end }
  OPTIONAL { ?g dct:date ?date }
  OPTIONAL { ?g dct:license ?licence }
  OPTIONAL { ?g dcatde:licenseAttributionByText ?attribution }
} ORDER BY ?t ?g"""

#: Organisations with a territory: cooperations get a GeoJSON document and a map; every one may be drawn
#: as a member of another.
SPATIAL = """
SELECT ?o ?t ?cooperation WHERE {
  ?o dct:spatial ?t . ?t geo:hasGeometry ?g .
  OPTIONAL { ?o a/rdfs:subClassOf* rl:Cooperation BIND ("true" AS ?cooperation) }
} ORDER BY ?o ?t"""

#: Of a chunk of the things above (``{things}``: a VALUES list), what a document and a map say of them. The
#: predicates are a FILTER, not a second VALUES: the embedded store joins two VALUES lists ~9x slower.
DESCRIBED = """
SELECT ?s ?p ?o WHERE {{
  VALUES ?s {{ {things} }} ?s ?p ?o FILTER (?p IN (skos:prefLabel, skos:notation, geo:sfWithin, rdf:type))
}} ORDER BY ?s ?p ?o"""

REPLACED = """
SELECT DISTINCT ?s ?x ?dir WHERE {
  { { ?s dct:replaces ?x } UNION { ?x dct:isReplacedBy ?s }
    UNION { ?e rl:resultingTerritory ?s ; rl:originalTerritory ?x } BIND ("before" AS ?dir) }
  UNION
  { { ?s dct:isReplacedBy ?x } UNION { ?x dct:replaces ?s }
    UNION { ?e rl:originalTerritory ?s ; rl:resultingTerritory ?x } BIND ("after" AS ?dir) }
  FILTER (isIRI(?s) && isIRI(?x) && ?x != ?s)
} ORDER BY ?s ?x"""


@dataclass(frozen=True)
class Shape:
    """One geometry of a territory, generalised at every detail."""

    iri: str
    default: bool
    begin: dt.date | None  # first day (None: unbounded)
    end: dt.date | None  # last day, inclusive (None: unbounded)
    date: str
    licence: str
    attribution: str
    forms: dict[str, MultiPolygon]
    texts: dict[str, str]

    def holds(self, day: dt.date) -> bool:
        return (self.begin is None or self.begin <= day) and (self.end is None or day <= self.end)


@dataclass
class Described:
    labels: dict[str, str] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    types: set[str] = field(default_factory=set)


def generalised(geometry: BaseGeometry) -> dict[str, MultiPolygon]:
    """The geometry at every detail: valid MultiPolygons, each at most as many points as the finer one."""
    forms: dict[str, MultiPolygon] = {}
    for detail, tolerance in TOLERANCE.items():
        form = geometry if tolerance == 0 else shapely.simplify(geometry, tolerance, preserve_topology=True)
        if not form.is_valid:
            form = shapely.make_valid(form)
        forms[detail] = as_multipolygon(form)
    return forms


def day_of(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


#: Of every geometry IRI, its GeoJSON geometry text at every detail, as the build wrote them (publish/boundaries.py).
Generalised = Mapping[str, Mapping[str, str]]


class MissingBoundary(LookupError):
    """The build's boundary files lack a geometry of the store: they belong to another build."""


class GeoIndex:
    """Every boundary of a build, generalised, with what a GeoJSON document and a map say of its thing.

    With ``boundaries`` (what the build generalised once, when it was made) nothing is simplified here: a
    server reads the forms; without, the index generalises each geometry itself, as the build does.
    """

    def __init__(self, store: Store, base: str, boundaries: Generalised | None = None):
        self.base = base
        self.shapes: dict[str, list[Shape]] = {}
        for r in store.select(GEOMETRIES):
            wkt, iri = lexical(r.get("wkt")), lexical(r.get("g"))
            if not wkt:
                continue
            if boundaries is None:
                forms = generalised(as_multipolygon(from_wkt(wkt)))
                texts = {d: to_geojson(f) for d, f in forms.items()}
            elif iri in boundaries:
                texts = {d: boundaries[iri][d] for d in DETAILS}
                forms = {d: as_multipolygon(shapely.from_geojson(t)) for d, t in texts.items()}
            else:
                raise MissingBoundary(f"the build's boundary files have no geometry <{iri}>; build it again")
            shape = Shape(
                iri=iri,
                default=lexical(r.get("default")) == "true",
                begin=day_of(lexical(r.get("begin"))),
                end=day_of(lexical(r.get("end"))),
                date=lexical(r.get("date")),
                licence=lexical(r.get("licence")),
                attribution=lexical(r.get("attribution")),
                forms=forms,
                texts=texts,
            )
            self.shapes.setdefault(lexical(r.get("t")), []).append(shape)
        self.territory_of: dict[str, str] = {}
        self.cooperations: set[str] = set()
        for r in store.select(SPATIAL):
            org, territory = lexical(r.get("o")), lexical(r.get("t"))
            self.territory_of.setdefault(org, territory)
            if lexical(r.get("cooperation")) == "true":
                self.cooperations.add(org)
        self.before: dict[str, list[str]] = {}
        self.after: dict[str, list[str]] = {}
        for r in store.select(REPLACED):
            side = self.before if lexical(r.get("dir")) == "before" else self.after
            side.setdefault(lexical(r.get("s")), []).append(lexical(r.get("x")))
        self.described: dict[str, Described] = {}
        replaced = {x for side in (self.before, self.after) for s, xs in side.items() for x in [s, *xs]}
        things = sorted(set(self.shapes) | set(self.territory_of) | replaced)
        chunks = [things[i : i + CHUNK] for i in range(0, len(things), CHUNK)]
        for r in (row for chunk in chunks for row in store.select(DESCRIBED.format(things=values(chunk)))):
            s, p, o = lexical(r.get("s")), lexical(r.get("p")), r.get("o")
            d = self.described.setdefault(s, Described())
            if p.endswith("#prefLabel") and o is not None and hasattr(o, "language"):
                d.labels.setdefault(o.language or "", o.value)
            elif p.endswith("#notation"):
                d.codes.append(lexical(o))
            elif p.endswith("#sfWithin"):
                d.parents.append(lexical(o))
            elif p.endswith("#type"):
                d.types.add(lexical(o))
        self.children: dict[str, list[str]] = {}
        for s, d in sorted(self.described.items()):
            for parent in d.parents:
                if s in self.shapes:
                    self.children.setdefault(parent, []).append(s)
        self.lives = asof.lifespans(store, things)
        self.tree_keys = sorted(self.shapes)
        self.tree = shapely.STRtree([self.default_shape(t).forms["full"] for t in self.tree_keys])

    # -- what has a document ---------------------------------------------------------------------------

    def thing_iri(self, key: str) -> str:
        return f"{self.base}id/{key}"

    def territory(self, iri: str) -> str | None:
        """The territory whose boundary stands for ``iri``: itself, or a cooperation's territory."""
        if iri in self.shapes:
            return iri
        if iri in self.cooperations:
            return self.territory_of[iri]
        return None

    def has(self, key: str) -> bool:
        return self.territory(self.thing_iri(key)) is not None

    def default_shape(self, territory: str) -> Shape:
        shapes = self.shapes[territory]
        return next((s for s in shapes if s.default), shapes[-1])

    def shape_at(self, territory: str, day: dt.date | None) -> Shape | None:
        """The geometry of ``territory`` on ``day`` (today's default without a day); None when no geometry
        holds that day (a cooperation with no members then)."""
        if day is None:
            return self.default_shape(territory)
        timed = [s for s in self.shapes.get(territory, []) if s.begin is not None or s.end is not None]
        if not timed:
            return self.default_shape(territory) if territory in self.shapes else None
        return next((s for s in timed if s.holds(day)), None)

    def attribution(self, iri: str) -> str:
        """The attribution the default boundary of ``iri`` (or of its territory) asks for."""
        territory = self.territory(iri) or self.territory_of.get(iri)
        return self.default_shape(territory).attribution if territory in self.shapes else ""

    def state(self, iri: str, day: dt.date) -> str:
        return self.lives.get(iri, asof.Lifespan()).state(day)

    def label(self, iri: str, lang: str) -> str:
        labels = self.described.get(iri, Described()).labels
        return labels.get(lang) or labels.get("de") or next(iter(sorted(labels.values())), iri.rsplit("/", 1)[-1])

    def touching(self, territory: str) -> list[str]:
        """Territories of the same kind whose boundary shares a line with this one's (from our own data)."""
        own = self.default_shape(territory).forms["full"]
        kind = self.described.get(territory, Described()).types
        found = []
        for i in self.tree.query(own, predicate="intersects"):
            other = self.tree_keys[int(i)]
            if other == territory or not (self.described.get(other, Described()).types & kind) - {TERRITORY}:
                continue
            common = own.intersection(self.default_shape(other).forms["full"])
            if common.length > 0 or common.area > 0:
                found.append(other)
        return sorted(found)

    # -- the document ----------------------------------------------------------------------------------

    def feature(self, iri: str, shape: Shape, detail: str, day: dt.date | None) -> bytes:
        territory = self.territory(iri) or iri
        described = self.described.get(iri, Described())
        properties: dict[str, object] = {
            "iri": iri,
            "label": dict(sorted(described.labels.items())),
            "codes": sorted(set(described.codes)),
            "territory": territory,
            "geometry": shape.iri,
            "detail": detail,
            "sourceDate": shape.date,
            "license": shape.licence,
            "attribution": shape.attribution,
        }
        if day is not None:
            properties["at"] = day.isoformat()
        head = json.dumps({"type": "Feature", "id": iri}, ensure_ascii=False, sort_keys=True)[:-1]
        tail = json.dumps(properties, ensure_ascii=False, sort_keys=True)
        return f'{head}, "geometry": {shape.texts[detail]}, "properties": {tail}}}\n'.encode()


#: The indexes of the builds this process serves, newest last: a server holds one (two while it switches
#: builds); a key is the same data (build version and base) in the same store object.
_INDEXES: dict[tuple[int, str, str], GeoIndex] = {}
_KEEP = 2
_LOCK = threading.Lock()


#: What has a boundary: a territory with a geometry (every geometry has its WKT: rlsh:GeometryShape), a
#: cooperation whose territory has one; the things :meth:`GeoIndex.has` names, found without reading or
#: simplifying any geometry, in three small queries without property paths (cheap on a remote store too).
BOUNDED_TERRITORIES = "SELECT DISTINCT ?x WHERE { ?x geo:hasGeometry ?g }"
COOPERATION_CLASSES = "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* rl:Cooperation }"
BOUNDED_COOPERATIONS = """
SELECT DISTINCT ?x WHERE {{ VALUES ?c {{ {classes} }} ?x a ?c ; dct:spatial ?t . ?t geo:hasGeometry ?g }}"""
_BOUNDED: dict[tuple[int, str], frozenset[str]] = {}


def bounded_of(store: Store, version: str) -> frozenset[str]:
    """The IRIs of the things with a GeoJSON document, once per build and process: every document's Link header
    asks, and must not wait for the whole :class:`GeoIndex` (seconds) on a worker's first request."""
    key = (id(store), version)
    with _LOCK:
        found = _BOUNDED.get(key)
    if found is None:
        things = {lexical(r.get("x")) for r in store.select(BOUNDED_TERRITORIES)}
        classes = values(lexical(r.get("c")) for r in store.select(COOPERATION_CLASSES))
        if classes:
            things |= {lexical(r.get("x")) for r in store.select(BOUNDED_COOPERATIONS.format(classes=classes))}
        found = frozenset(things)
        with _LOCK:
            _BOUNDED.clear()
            _BOUNDED[key] = found
    return found


def index_of(
    store: Store, version: str, base: str, boundaries: Callable[[], Generalised | None] | None = None
) -> GeoIndex:
    """The build's index, read once per build and process (the first request that needs it waits for it);
    ``boundaries`` reads the forms the build generalised (None: the index generalises them)."""
    key = (id(store), version, base)
    with _LOCK:
        found = _INDEXES.pop(key, None)
        if found is None:
            found = GeoIndex(store, base, boundaries() if boundaries is not None else None)
        _INDEXES[key] = found
        while len(_INDEXES) > _KEEP:
            del _INDEXES[next(iter(_INDEXES))]
        return found
