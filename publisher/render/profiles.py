"""Profiles: the same thing described to the rules of another model (W3C "Content Negotiation by Profile").

A client asks for a profile with ``?_profile=`` (a token or the profile's IRI) or ``Accept-Profile``; the answer
names the profile it conforms to in ``Content-Profile`` and ``Link: <…>; rel="profile"``. Each profile is a
function of the thing's description (plus a few look-ups) to statements, and has SHACL shapes that every
representation it makes conforms to (tests/test_profiles.py validates each kind of thing against them):

| token        | profile IRI                          | for                        | shapes                        |
|--------------|--------------------------------------|----------------------------|-------------------------------|
| `regiolod`   | https://w3id.org/regiolod/shapes     | every thing (the default)  | shapes/ (this project's)      |
| `schema`     | https://schema.org/                  | territories, organisations | shapes/profiles/schema.ttl    |
| `geosparql`  | http://www.opengis.net/ont/geosparql | territories and features   | shapes/profiles/geosparql.ttl |
| `cpov`       | http://data.europa.eu/m8g/           | public organisations       | SEMIC CPOV 2.1.2 (official)   |
| `dcat-ap-de` | http://dcat-ap.de/def/dcatde/        | datasets of the catalog    | DCAT-AP.de 3.0 (official)     |
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from publisher.render.asof import values
from publisher.store.protocol import Description, Store
from publisher.vocab import (
    DCAT,
    DCATDE,
    DCT,
    FOAF,
    GEO,
    M8G,
    ORG,
    OWL,
    PROV,
    RDF_TYPE,
    RDFS_LABEL,
    RL,
    SCHEMA,
    SHAPES_IRI,
    SKOS,
    SKOS_PREF_LABEL,
)

#: The types that make a thing a place (schema:AdministrativeArea) or an organisation.
TERRITORY_TYPES = frozenset({RL + "Territory"})
ORGANISATION_TYPES = frozenset(
    {RL + "AdministrativeBody", ORG + "Organization", ORG + "FormalOrganization", ORG + "OrganizationalCollaboration",
     M8G + "PublicOrganisation"}
)
FEATURE_TYPES = frozenset({RL + "Territory", GEO + "Feature"})
PUBLIC_ORGANISATION = M8G + "PublicOrganisation"
DATASET = DCAT + "Dataset"


@dataclass(frozen=True)
class Source:
    """What a profile reads besides the description: the store, and the catalog's statements (datasets)."""

    store: Store
    catalog: list[ox.Quad]


@dataclass(frozen=True)
class Profile:
    token: str
    iri: str
    label: str
    #: The types of the things it describes (any of them); empty: every thing.
    applies_to: frozenset[str]
    make: Callable[[Description, Source], list[ox.Quad]]

    def applies(self, types: Iterable[str]) -> bool:
        return not self.applies_to or not self.applies_to.isdisjoint(types)


def nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def own(desc: Description) -> list[ox.Quad]:
    """The thing's own statements (not those of its blank nodes)."""
    return [q for q in desc.quads if isinstance(q.subject, ox.NamedNode) and q.subject.value == desc.subject]


def objects(desc: Description, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
    """The distinct objects of the thing's ``predicate`` statements, sorted (stable output)."""
    found = {q.object for q in own(desc) if q.predicate.value == predicate and not isinstance(q.object, ox.Triple)}
    return sorted(found, key=str)


def iris(desc: Description, *predicates: str) -> list[str]:
    return sorted({o.value for p in predicates for o in objects(desc, p) if isinstance(o, ox.NamedNode)})


def literals(desc: Description, predicate: str) -> list[ox.Literal]:
    return [o for o in objects(desc, predicate) if isinstance(o, ox.Literal)]


def types_of(store: Store, things: Iterable[str]) -> dict[str, set[str]]:
    """The rdf:types of each of ``things`` in the store."""
    listed = values(things)
    found: dict[str, set[str]] = {}
    if not listed:
        return found
    for r in store.select(f"SELECT ?x ?t WHERE {{ VALUES ?x {{ {listed} }} ?x a ?t }}"):
        x, t = r.get("x"), r.get("t")
        if isinstance(x, ox.NamedNode) and isinstance(t, ox.NamedNode):
            found.setdefault(x.value, set()).add(t.value)
    return found


def regiolod_model(desc: Description, source: Source) -> list[ox.Quad]:
    """The description as it is (it passed this project's shapes at load)."""
    return list(desc.quads)


def schema_org(desc: Description, source: Source) -> list[ox.Quad]:
    """schema.org: AdministrativeArea for a territory, GovernmentOrganization for a public body, else
    Organization; names, codes as PropertyValue, links to Wikidata and the like, containment and membership."""
    s = nn(desc.subject)
    types = set(iris(desc, RDF_TYPE.value))
    place = not TERRITORY_TYPES.isdisjoint(types)
    kind = "AdministrativeArea" if place else (
        "GovernmentOrganization" if types & {RL + "AdministrativeBody", PUBLIC_ORGANISATION} else "Organization"
    )
    out = [ox.Quad(s, RDF_TYPE, nn(SCHEMA + kind)), ox.Quad(s, nn(SCHEMA + "url"), s)]
    out += [ox.Quad(s, nn(SCHEMA + "name"), label) for label in literals(desc, SKOS_PREF_LABEL.value)]
    out += [ox.Quad(s, nn(SCHEMA + "alternateName"), label) for label in literals(desc, SKOS + "altLabel")]
    out += [ox.Quad(s, nn(SCHEMA + "description"), text) for text in literals(desc, DCT + "description")]
    for code in literals(desc, SKOS + "notation"):
        # One PropertyValue per code, named by its content so that the same code gets the same node.
        node = ox.BlankNode("code" + re.sub(r"[^A-Za-z0-9]", "", code.datatype.value.rsplit("/", 1)[-1] + code.value))
        out += [
            ox.Quad(s, nn(SCHEMA + "identifier"), node),
            ox.Quad(node, RDF_TYPE, nn(SCHEMA + "PropertyValue")),
            ox.Quad(node, nn(SCHEMA + "propertyID"), ox.Literal(code.datatype.value)),
            ox.Quad(node, nn(SCHEMA + "value"), ox.Literal(code.value)),
        ]
    out += [ox.Quad(s, nn(SCHEMA + "sameAs"), nn(i)) for i in iris(desc, SKOS + "exactMatch", OWL + "sameAs")]
    links = (
        [("containedInPlace", GEO + "sfWithin"), ("containsPlace", GEO + "sfContains")]
        if place
        else [("areaServed", DCT + "spatial"), ("memberOf", ORG + "memberOf"), ("member", ORG + "hasMember")]
    )
    for term, predicate in links:
        out += [ox.Quad(s, nn(SCHEMA + term), nn(i)) for i in iris(desc, predicate)]
    if not place:
        out += [ox.Quad(s, nn(SCHEMA + "foundingDate"), d) for d in literals(desc, RL + "founded")]
        out += [ox.Quad(s, nn(SCHEMA + "dissolutionDate"), d) for d in literals(desc, PROV + "invalidatedAtTime")]
    return out


def geosparql(desc: Description, source: Source) -> list[ox.Quad]:
    """GeoSPARQL only: the feature, its label, its geometries with their serialisations, and the simple-features
    relations the data states."""
    s = nn(desc.subject)
    out = [ox.Quad(s, RDF_TYPE, nn(GEO + "Feature"))]
    out += [ox.Quad(s, RDFS_LABEL, label) for label in literals(desc, SKOS_PREF_LABEL.value)]
    geometries = iris(desc, GEO + "hasGeometry", GEO + "hasDefaultGeometry")
    for predicate in ("hasGeometry", "hasDefaultGeometry", "sfWithin", "sfContains", "sfOverlaps", "sfTouches",
                      "sfEquals", "sfDisjoint", "sfIntersects", "sfCrosses"):
        out += [ox.Quad(s, nn(GEO + predicate), nn(i)) for i in iris(desc, GEO + predicate)]
    keep = {GEO + "asWKT", GEO + "asGeoJSON", RDF_TYPE.value}
    for geometry in geometries:
        out.append(ox.Quad(nn(geometry), RDF_TYPE, nn(GEO + "Geometry")))
        for q in source.store.describe(geometry, 0).quads:
            if q.subject == nn(geometry) and q.predicate.value in keep and q.object != nn(GEO + "Geometry"):
                out.append(ox.Quad(q.subject, q.predicate, q.object))
    return out


def cpov(desc: Description, source: Source) -> list[ox.Quad]:
    """SEMIC's Core Public Organisation Vocabulary: names, the area served as a dct:Location, membership among
    public organisations only (the shapes require the other side to be one), change events, homepage."""
    s = nn(desc.subject)
    out = [ox.Quad(s, RDF_TYPE, nn(PUBLIC_ORGANISATION))]
    for predicate in (SKOS_PREF_LABEL.value, SKOS + "altLabel", DCT + "description"):
        out += [ox.Quad(s, nn(predicate), v) for v in literals(desc, predicate) if v.language]
    for place in iris(desc, DCT + "spatial"):
        out += [ox.Quad(s, nn(DCT + "spatial"), nn(place)), ox.Quad(nn(place), RDF_TYPE, nn(DCT + "Location"))]
    linked = {p: iris(desc, ORG + p) for p in ("memberOf", "hasMember")}
    kinds = types_of(source.store, [i for found in linked.values() for i in found])
    for p, found in linked.items():
        for other in found:
            if PUBLIC_ORGANISATION in kinds.get(other, set()):
                out += [ox.Quad(s, nn(ORG + p), nn(other)), ox.Quad(nn(other), RDF_TYPE, nn(PUBLIC_ORGANISATION))]
    for p in ("changedBy", "resultedFrom"):
        for event in iris(desc, ORG + p):
            out += [ox.Quad(s, nn(ORG + p), nn(event)), ox.Quad(nn(event), RDF_TYPE, nn(ORG + "ChangeEvent"))]
    for page in iris(desc, FOAF + "homepage"):
        out += [ox.Quad(s, nn(FOAF + "homepage"), nn(page)), ox.Quad(nn(page), RDF_TYPE, nn(FOAF + "Document"))]
    return out


def dcat_ap_de(desc: Description, source: Source) -> list[ox.Quad]:
    """DCAT-AP.de: the catalog's record of the dataset, its distributions and the agents and checksums they name
    (the statements of the catalog that the catalog's own tests hold to DCAT-AP.de's shapes)."""
    by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Quad]] = {}
    for q in source.catalog:
        if isinstance(q.subject, ox.NamedNode | ox.BlankNode):
            by_subject.setdefault(q.subject, []).append(ox.Quad(q.subject, q.predicate, q.object))
    stop = {nn(DCAT + "Dataset"), nn(DCAT + "Catalog"), nn(DCAT + "DataService")}
    start: ox.NamedNode | ox.BlankNode = nn(desc.subject)
    seen, queue, out = {start}, [start], []
    while queue:
        node = queue.pop()
        for q in by_subject.get(node, []):
            out.append(q)
            o = q.object
            if isinstance(o, ox.NamedNode | ox.BlankNode) and o not in seen and o in by_subject:
                if not stop.intersection(x.object for x in by_subject[o] if x.predicate == RDF_TYPE):
                    seen.add(o)
                    queue.append(o)
    return sorted(out, key=str)


PROFILES: tuple[Profile, ...] = (
    Profile("regiolod", SHAPES_IRI, "regiolod's own model (its SHACL shapes)", frozenset(), regiolod_model),
    Profile("schema", SCHEMA, "schema.org", TERRITORY_TYPES | ORGANISATION_TYPES, schema_org),
    Profile("geosparql", GEO.rstrip("#"), "GeoSPARQL 1.1 features and geometries", FEATURE_TYPES, geosparql),
    Profile("cpov", M8G, "SEMIC Core Public Organisation Vocabulary 2.1", frozenset({PUBLIC_ORGANISATION}), cpov),
    Profile("dcat-ap-de", DCATDE, "DCAT-AP.de 3.0", frozenset({DATASET}), dcat_ap_de),
)
DEFAULT = PROFILES[0]
BY_TOKEN = {p.token: p for p in PROFILES}
BY_IRI = {p.iri: p for p in PROFILES}


def find(name: str) -> Profile | None:
    """The profile a ``_profile`` value or an ``Accept-Profile`` IRI names (token or IRI), None if unknown."""
    return BY_TOKEN.get(name) or BY_IRI.get(name)


ACCEPT_PROFILE_ITEM = re.compile(r"\s*<([^<>\s]*)>\s*((?:;\s*[A-Za-z]+\s*=\s*[^,;]*)*)")


def accepted(header: str) -> list[str] | None:
    """The profile IRIs of an ``Accept-Profile`` header (``<iri>;q=0.9, <iri>``), best first; None when the
    header is malformed (the caller answers 400)."""
    found: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",") if len(header) <= 2048 else [None]):
        if item is None:
            return None
        match = ACCEPT_PROFILE_ITEM.fullmatch(item)
        if not match:
            return None
        weight = 1.0
        for parameter in filter(None, match.group(2).split(";")):
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    return None
                if not 0 <= weight <= 1:
                    return None
        if weight > 0:
            found.append((-weight, index, match.group(1)))
    return [iri for _, _, iri in sorted(found)]
