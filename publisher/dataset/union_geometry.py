"""Derive a cooperation territory's geometry: the union of its members' territories, per period (DESIGN §5).

A member counts when its membership covers its whole territory (``rl:coverage rl:coverage-full``) and
its role is membership (``rl:role-member`` or narrower) or ``rl:role-territory-only`` (its territory
belongs to the region though its body is no member); ``rl:role-disputed-member``, partners and
shareholders do not count. The members' intervals (``org:memberDuring``; a year begins 1 January
and ends 31 December, an open end is unbounded) cut time into periods in which the set of counted
members is constant; each period with members gets one geometry with that interval as
``dct:temporal``. The one holding today (else the latest) is the default geometry. Each derived
geometry names the member geometries it was derived from, and their source and date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from publisher.dataset.geometry import from_wkt, points, to_geojson, to_wkt, union
from publisher.vocab import RDF_TYPE, SKOS_PREF_LABEL, expand, sparql_prologue

EARLIEST, LATEST = dt.date.min, dt.date.max

MEMBERS = """
SELECT ?t ?m ?mt ?begin ?beginYear ?end ?endYear WHERE {
  ?o dct:spatial ?t . ?m a org:Membership ; org:organization ?o ; org:member ?member ; org:role ?role ;
     rl:coverage rl:coverage-full .
  { ?role skos:broader* rl:role-member } UNION { VALUES ?role { rl:role-territory-only } }
  ?member dct:spatial ?mt .
  OPTIONAL { ?m org:memberDuring/time:hasBeginning/time:inXSDDate ?begin }
  OPTIONAL { ?m org:memberDuring/time:hasBeginning/time:inXSDgYear ?beginYear }
  OPTIONAL { ?m org:memberDuring/time:hasEnd/time:inXSDDate ?end }
  OPTIONAL { ?m org:memberDuring/time:hasEnd/time:inXSDgYear ?endYear }
}"""


@dataclass(frozen=True)
class Counted:
    territory: str
    begin: dt.date
    end: dt.date  # inclusive


def term(row: ox.QuerySolution, name: str) -> str:
    value = row[name]
    return value.value if value is not None else ""


def interval(row: ox.QuerySolution) -> tuple[dt.date, dt.date]:
    begin, end = term(row, "begin"), term(row, "end")
    begin_year, end_year = term(row, "beginYear"), term(row, "endYear")
    first = dt.date.fromisoformat(begin[:10]) if begin else dt.date(int(begin_year), 1, 1) if begin_year else EARLIEST
    last = dt.date.fromisoformat(end[:10]) if end else dt.date(int(end_year), 12, 31) if end_year else LATEST
    return first, last


def counted_members(store: ox.Store) -> dict[str, list[Counted]]:
    """Per cooperation territory without a geometry of its own, the member territories that count, with intervals."""
    has_default = ox.NamedNode(expand("geo:hasDefaultGeometry"))
    quads = store.quads_for_pattern(None, has_default, None)
    own = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    found: dict[str, set[Counted]] = defaultdict(set)
    rows = store.query(sparql_prologue() + MEMBERS, use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        territory = term(row, "t")
        if territory in own:
            continue
        first, last = interval(row)
        found[territory].add(Counted(term(row, "mt"), first, last))
    return {t: sorted(members, key=lambda c: (c.territory, c.begin)) for t, members in found.items()}


def periods(members: list[Counted]) -> list[tuple[dt.date, dt.date, frozenset[str]]]:
    """Cut time where a member joins or leaves; merge neighbouring periods with the same members; drop empty ones."""
    cuts = sorted({c.begin for c in members} | {c.end + dt.timedelta(days=1) for c in members if c.end < LATEST})
    cuts = [EARLIEST, *[c for c in cuts if c > EARLIEST]]
    found: list[tuple[dt.date, dt.date, frozenset[str]]] = []
    for i, start in enumerate(cuts):
        stop = cuts[i + 1] - dt.timedelta(days=1) if i + 1 < len(cuts) else LATEST
        present = frozenset(c.territory for c in members if c.begin <= start and c.end >= stop)
        if found and found[-1][2] == present:
            found[-1] = (found[-1][0], stop, present)
        else:
            found.append((start, stop, present))
    return [p for p in found if p[2]]


@dataclass(frozen=True)
class Part:
    """A member territory's default geometry: IRI, WKT, and what the union inherits (source, date, licence)."""

    iri: str
    wkt: str
    source: str
    date: str
    licence: str
    attribution: str


def geometry_of(store: ox.Store, territory: str) -> Part | None:
    rows = store.query(
        sparql_prologue()
        + f"""SELECT ?g ?wkt ?source ?date ?licence ?attribution WHERE {{
              <{territory}> geo:hasDefaultGeometry ?g . ?g geo:asWKT ?wkt .
              OPTIONAL {{ ?g dct:source ?source }} OPTIONAL {{ ?g dct:date ?date }}
              OPTIONAL {{ ?g dct:license ?licence }} OPTIONAL {{ ?g dcatde:licenseAttributionByText ?attribution }}
            }} ORDER BY ?g ?source LIMIT 1""",
        use_default_graph_as_union=True,
    )
    assert isinstance(rows, ox.QuerySolutions)
    row = next(iter(rows), None)
    if row is None:
        return None
    names = ("g", "wkt", "source", "date", "licence", "attribution")
    return Part(*(term(row, n) for n in names))


def slug(day: dt.date) -> str:
    return "open" if day == EARLIEST else day.isoformat()


def instant(day: dt.date, graph: ox.NamedNode, quads: list[ox.Quad]) -> ox.BlankNode:
    node = ox.BlankNode()
    quads.append(ox.Quad(node, RDF_TYPE, ox.NamedNode(expand("time:Instant")), graph))
    quads.append(ox.Quad(node, p("time:inXSDDate"), ox.Literal(day.isoformat(), datatype=p("xsd:date")), graph))
    return node


def p(name: str) -> ox.NamedNode:
    return ox.NamedNode(expand(name))


def label(store: ox.Store, iri: str) -> str:
    for q in store.quads_for_pattern(ox.NamedNode(iri), SKOS_PREF_LABEL, None):
        if isinstance(q.object, ox.Literal) and q.object.language == "de":
            return q.object.value
    return iri.rsplit("/", 1)[-1]


def span(first: dt.date, last: dt.date) -> str:
    return f"{'…' if first == EARLIEST else first.isoformat()} – {'…' if last == LATEST else last.isoformat()}"


def missing_note(
    territory: str, first: dt.date, last: dt.date, lacking: list[str], graph: ox.NamedNode
) -> list[ox.Quad]:
    """Say that a period has no derived geometry because members of it have no geometry of their own."""
    keys = ", ".join(m.rsplit("/", 1)[-1] for m in lacking)
    when = span(first, last)
    texts = [
        (f"Keine abgeleitete Grenze für {when}: Mitglieder ohne eigene Grenze ({keys}).", "de"),
        (f"No derived boundary for {when}: members without a boundary of their own ({keys}).", "en"),
    ]
    subject = ox.NamedNode(territory)
    return [ox.Quad(subject, p("skos:note"), ox.Literal(t, language=lang), graph) for t, lang in texts]


def derived_geometries(store: ox.Store, graph: ox.NamedNode, today: dt.date) -> list[ox.Quad]:
    """The quads of every cooperation territory's derived geometries (see the module's doc)."""
    quads: list[ox.Quad] = []
    members = counted_members(store)
    parts: dict[str, Part | None] = {}
    for territory in sorted(members):
        found = []
        for first, last, present in periods(members[territory]):
            for member in present:
                if member not in parts:
                    parts[member] = geometry_of(store, member)
            lacking = sorted(m for m in present if parts[m] is None)
            if lacking:
                quads += missing_note(territory, first, last, lacking, graph)
            else:
                found.append((first, last, present))
        holding = [x for x in found if x[0] <= today <= x[1]]
        default = (holding or found or [(EARLIEST, EARLIEST, frozenset())])[-1]
        for first, last, present in found:
            used = [part for m in sorted(present) if (part := parts[m]) is not None]
            shape = union(from_wkt(u.wkt) for u in used)
            iri = ox.NamedNode(f"{territory.replace('/id/territory/', '/id/geometry/', 1)}/union-{slug(first)}")
            name = label(store, territory)
            period = ox.BlankNode()
            statements: list[tuple[ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]] = [
                (RDF_TYPE, p("geo:Geometry")),
                (SKOS_PREF_LABEL, ox.Literal(f"Gebiet der Mitglieder: {name} ({span(first, last)})", language="de")),
                (SKOS_PREF_LABEL, ox.Literal(f"Area of the members: {name} ({span(first, last)})", language="en")),
                (p("geo:asWKT"), ox.Literal(to_wkt(shape), datatype=p("geo:wktLiteral"))),
                (p("geo:asGeoJSON"), ox.Literal(to_geojson(shape), datatype=p("geo:geoJSONLiteral"))),
                (p("dct:temporal"), period),
                *((p("dct:source"), ox.NamedNode(s)) for s in sorted({u.source for u in used if u.source})),
                # the date of the newest part: the union shows the members' boundaries of that status
                *((p("dct:date"), ox.Literal(d, datatype=p("xsd:date"))) for d in sorted({u.date for u in used})[-1:]),
                *((p("dct:license"), ox.NamedNode(x)) for x in sorted({u.licence for u in used if u.licence})),
                *(
                    (p("dcatde:licenseAttributionByText"), ox.Literal(x, language="de"))
                    for x in sorted({u.attribution for u in used if u.attribution})
                ),
                *((p("prov:wasDerivedFrom"), ox.NamedNode(g)) for g in sorted({u.iri for u in used})),
                (
                    p("skos:note"),
                    ox.Literal(
                        f"Abgeleitet: Vereinigung der Gebiete der {len(present)} Mitglieder mit voller Abdeckung in "
                        f"diesem Zeitraum ({points(shape)} Punkte).",
                        language="de",
                    ),
                ),
                (
                    p("skos:note"),
                    ox.Literal(
                        f"Derived: union of the territories of the {len(present)} members with full coverage in this "
                        "period.",
                        language="en",
                    ),
                ),
            ]
            quads += [ox.Quad(iri, pred, obj, graph) for pred, obj in statements]
            quads.append(ox.Quad(period, RDF_TYPE, p("time:ProperInterval"), graph))
            if first != EARLIEST:
                quads.append(ox.Quad(period, p("time:hasBeginning"), instant(first, graph, quads), graph))
            if last != LATEST:
                quads.append(ox.Quad(period, p("time:hasEnd"), instant(last, graph, quads), graph))
            subject = ox.NamedNode(territory)
            quads.append(ox.Quad(subject, p("geo:hasGeometry"), iri, graph))
            if (first, last) == default[:2]:
                quads.append(ox.Quad(subject, p("geo:hasDefaultGeometry"), iri, graph))
    return quads
