"""Materialise triples that the curated data implies, into a graph of their own.

Derived triples never mix with curated ones: they live in ``{base}id/graph/derived`` so that a
consumer can always tell what a person wrote from what the publisher inferred. Each rule is
one CONSTRUCT query over the union of all graphs.
"""

from __future__ import annotations

import datetime as dt
import re

import pyoxigraph as ox

from publisher.dataset.union_geometry import derived_geometries
from publisher.vocab import NOT_MEMBER_ROLES, RDF_TYPE, SD_GRAPH, SKOS_PREF_LABEL, expand, sparql_prologue

DERIVED_GRAPH_PATH = "id/graph/derived"

INVERSES = [
    ("geo:sfWithin", "geo:sfContains"),
    ("dct:isReplacedBy", "dct:replaces"),
]

RULES: dict[str, str] = {
    # DESIGN §5: labels in skos:prefLabel and rdfs:label, for clients that know only one of them.
    "rdfs:label from skos:prefLabel": """
        CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s skos:prefLabel ?l FILTER NOT EXISTS { ?s rdfs:label ?l } }""",
    # ORG §5.4: org:hasMembership is the member's side of org:member.
    "org:hasMembership": """
        CONSTRUCT { ?member org:hasMembership ?m } WHERE { ?m a org:Membership ; org:member ?member }""",
    # ORG §5.7: the organizations of a change event point back to it.
    "org:changedBy / org:resultedFrom": """
        CONSTRUCT { ?o org:changedBy ?e . ?r org:resultedFrom ?e }
        WHERE { ?e a org:ChangeEvent ; org:originalOrganization ?o ; org:resultingOrganization ?r }""",
}

#: The one rule for "holds on a day" (DESIGN §5, valid time, "intersects"): used to derive today's
#: org:memberOf, to split tables into current and past, and for every view of another day (``?at=``,
#: render/asof.py). Needs ?m bound to a membership and ?today, ?now, ?year bound by :func:`today_bindings`.
#: A membership holds when its interval holds the day (a year begins 1 January and ends 31 December;
#: an open end is unbounded), neither side had ended (prov:invalidatedAtTime) or not yet begun
#: (prov:generatedAtTime, rl:founded: "2009-06" sorts before every day of June 2009 and after May's),
#: and, with funding periods, the day lies between the first period's first year and the last one's
#: last (a funding period's end is not a membership's end: gaps between periods do not end it).
#: Written as OPTIONAL + !BOUND rather than FILTER NOT EXISTS: pyoxigraph evaluates each NOT EXISTS
#: once per membership without the outer bindings (1 M triples: 320 s), the left joins once (0.4 s).
MEMBERSHIP_HOLDS = """
      ?m org:member ?member .
      OPTIONAL { ANCHOR ?m org:member|org:organization ?curGoneParty .
                 ?curGoneParty prov:invalidatedAtTime ?curGone FILTER (?curGone <= ?now) }
      OPTIONAL { ANCHOR ?m org:member|org:organization ?curBornParty .
                 ?curBornParty prov:generatedAtTime ?curBorn FILTER (?curBorn > ?now) }
      OPTIONAL { ANCHOR ?m org:member|org:organization ?curFoundedParty .
                 ?curFoundedParty rl:founded ?curFounded FILTER (STR(?curFounded) > STR(?today)) }
      OPTIONAL { ANCHOR ?m org:memberDuring/time:hasEnd/time:inXSDDate ?curEnd FILTER (?curEnd < ?today) }
      OPTIONAL { ANCHOR ?m org:memberDuring/time:hasEnd/time:inXSDgYear ?curEndYear
                 FILTER (xsd:integer(STR(?curEndYear)) < ?year) }
      OPTIONAL { ANCHOR ?m org:memberDuring/time:hasBeginning/time:inXSDDate ?curBegin
                 FILTER (?curBegin > ?today) }
      OPTIONAL { ANCHOR ?m org:memberDuring/time:hasBeginning/time:inXSDgYear ?curBeginYear
                 FILTER (xsd:integer(STR(?curBeginYear)) > ?year) }
      OPTIONAL { ANCHOR ?m rl:fundingPeriod ?curPeriod }
      OPTIONAL { ANCHOR ?m rl:fundingPeriod/time:hasEnd/time:inXSDgYear ?curPeriodEnd
                 FILTER (xsd:integer(STR(?curPeriodEnd)) >= ?year) }
      OPTIONAL { ANCHOR ?m rl:fundingPeriod ?curPeriodBegun .
                 OPTIONAL { ?curPeriodBegun time:hasBeginning/time:inXSDgYear ?curPeriodBegin }
                 FILTER (!BOUND(?curPeriodBegin) || xsd:integer(STR(?curPeriodBegin)) <= ?year) }
      FILTER (!BOUND(?curGone) && !BOUND(?curBorn) && !BOUND(?curFounded) && !BOUND(?curEnd)
              && !BOUND(?curEndYear) && !BOUND(?curBegin) && !BOUND(?curBeginYear)
              && (!BOUND(?curPeriod) || (BOUND(?curPeriodEnd) && BOUND(?curPeriodBegun))))
"""


def membership_holds(anchor: str = "") -> str:
    """The rule of :data:`MEMBERSHIP_HOLDS`; ``anchor`` (a pattern that binds ?m, e.g. ``?m org:member <x> .``)
    is repeated in every OPTIONAL so that the engine asks about those memberships only, not about every
    membership's interval before joining (a thing's page: 15 ms without, 1 ms with)."""
    return MEMBERSHIP_HOLDS.replace("ANCHOR ", anchor + " " if anchor else "")


CURRENT_MEMBERSHIP = membership_holds()

#: An OPTIONAL + !BOUND (not FILTER NOT EXISTS, see MEMBERSHIP_HOLDS) that drops memberships of those roles.
WITHOUT_NOT_MEMBER_ROLES = f"""
      OPTIONAL {{ ?m org:role ?notMemberRole FILTER (?notMemberRole IN ({", ".join(NOT_MEMBER_ROLES)})) }}
      FILTER (!BOUND(?notMemberRole))
"""

CURRENT_MEMBERSHIPS = (
    """
    CONSTRUCT { ?member org:memberOf ?org . ?org org:hasMember ?member }
    WHERE { TODAY ?m a org:Membership ; org:organization ?org . """
    + CURRENT_MEMBERSHIP
    + WITHOUT_NOT_MEMBER_ROLES
    + "}"
)

#: Roles whose member's territory lies in the cooperation's territory (a member, a founding member, a body
#: listed for its territory only); partners, shareholders and lead partners say nothing about space.
SPATIAL_ROLES = ("rl:role-member", "rl:role-founding-member", "rl:role-territory-only")

#: DESIGN §5, membership and space agree: a cooperation's territory (dct:spatial of its body) contains the
#: territory of each member whose membership holds today (the rule of MEMBERSHIP_HOLDS, as org:memberOf) with
#: full coverage (rl:coverage-full or none stated) and overlaps the territory of a member with partial
#: coverage. geo:sfWithin has no time, so like org:memberOf it says what holds on the day of the build.
#: ?m org:member ?member comes first and what is already stated is dropped in Python (:func:`containment_quads`):
#: a join of memberships with territories as a cross product, or a FILTER NOT EXISTS per pair, took 189 s on
#: the Germany import; this takes 0.2 s.
CONTAINMENT = (
    f"""
    SELECT DISTINCT ?memberTerritory ?territory ?partial
    WHERE {{ TODAY ?m org:member ?member ; a org:Membership ; org:organization ?org ; org:role ?role .
      VALUES ?role {{ {" ".join(SPATIAL_ROLES)} }}
      ?member dct:spatial ?memberTerritory . ?org dct:spatial ?territory .
      OPTIONAL {{ ?m rl:coverage ?partial FILTER (?partial = rl:coverage-partial) }}
      FILTER (?memberTerritory != ?territory)"""
    + CURRENT_MEMBERSHIP
    + "}"
)


def membership_holds_on(day: dt.date, anchor: str = "") -> str:
    """The rule of :func:`membership_holds` on ``day``, its values written into the rule instead of bound to
    ?today, ?now and ?year: Virtuoso 7.2 loses such a BIND's value in the rule's OPTIONAL filters when it
    plans a group of memberships (every membership of a body counted as current)."""
    values = {"today": f'"{day.isoformat()}"^^xsd:date', "now": f'"{day.isoformat()}T00:00:00"^^xsd:dateTime',
              "year": str(day.year)}  # fmt: skip
    return re.sub(r"\?(today|now|year)\b", lambda name: values[name.group(1)], membership_holds(anchor))


def today_bindings(today: dt.date) -> str:
    """Return BIND clauses for ?today, ?now and ?year."""
    return (
        f'BIND ("{today.isoformat()}"^^xsd:date AS ?today) '
        f'BIND ("{today.isoformat()}T00:00:00"^^xsd:dateTime AS ?now) BIND ({today.year} AS ?year) '
    )


def containment_quads(store: ox.Store, graph: ox.NamedNode, today: dt.date) -> list[ox.Quad]:
    """Return geo:sfWithin/geo:sfContains (partial coverage: geo:sfOverlaps both ways) of :data:`CONTAINMENT`
    that no graph states yet (GeoSPARQL 1.1 §6.1.2, Simple Features relation family)."""
    within, contains, overlaps = (ox.NamedNode(expand(n)) for n in ("geo:sfWithin", "geo:sfContains", "geo:sfOverlaps"))
    rows = store.query(
        sparql_prologue() + CONTAINMENT.replace("TODAY", today_bindings(today)), use_default_graph_as_union=True
    )
    assert isinstance(rows, ox.QuerySolutions)
    triples: set[ox.Triple] = set()
    for row in rows:
        inner, outer = row["memberTerritory"], row["territory"]
        assert isinstance(inner, ox.NamedNode | ox.BlankNode) and isinstance(outer, ox.NamedNode | ox.BlankNode)
        if row["partial"] is not None:
            triples |= {ox.Triple(inner, overlaps, outer), ox.Triple(outer, overlaps, inner)}
        else:
            triples |= {ox.Triple(inner, within, outer), ox.Triple(outer, contains, inner)}
    stated = [t for t in triples if next(store.quads_for_pattern(t.subject, t.predicate, t.object), None) is not None]
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in sorted(set(triples) - set(stated), key=str)]


def derived_quads(store: ox.Store, graph: ox.NamedNode, today: dt.date) -> list[ox.Quad]:
    """Return the quads every rule derives, without adding them."""
    queries = [
        f"CONSTRUCT {{ ?o {inv} ?s }} WHERE {{ ?s {prop} ?o FILTER NOT EXISTS {{ ?o {inv} ?s }} }}"
        for a, b in INVERSES
        for prop, inv in ((a, b), (b, a))
    ] + list(RULES.values())
    queries.append(CURRENT_MEMBERSHIPS.replace("TODAY", today_bindings(today)))
    quads = []
    for q in queries:
        triples = store.query(sparql_prologue() + q, use_default_graph_as_union=True)
        assert isinstance(triples, ox.QueryTriples)  # every rule is a CONSTRUCT
        quads += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    # The inverse rule above derives geo:sfContains of stated geo:sfWithin too: keep each quad once.
    return list(dict.fromkeys(quads + containment_quads(store, graph, today)))


def graph_description(store: ox.Store, graph: ox.NamedNode, today: dt.date) -> list[ox.Quad]:
    """Describe the derived graph like every data file describes its own (sd:Graph with provenance)."""
    sources = sorted(
        {
            q.subject.value
            for q in store.quads_for_pattern(None, RDF_TYPE, SD_GRAPH)
            if isinstance(q.subject, ox.NamedNode)
        }
    )

    def p(name: str) -> ox.NamedNode:
        return ox.NamedNode(expand(name))

    quads: list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (RDF_TYPE, SD_GRAPH),
        (RDF_TYPE, p("prov:Entity")),
        (SKOS_PREF_LABEL, ox.Literal("Abgeleitete Aussagen", language="de")),
        (SKOS_PREF_LABEL, ox.Literal("Derived statements", language="en")),
        (
            p("dct:description"),
            ox.Literal(
                "Aussagen, die der Publisher aus den kuratierten Dateien ableitet: Umkehrbeziehungen, rdfs:label, "
                "die heute gültigen Mitgliedschaften (org:memberOf, org:hasMember), die Lage der Gebiete der "
                "Mitglieder im Gebiet ihrer Kooperation (geo:sfWithin, geo:sfContains; teilweise: geo:sfOverlaps) "
                "und die Geometrien der Kooperationsgebiete als Vereinigung der Gebiete ihrer Mitglieder mit voller "
                "Abdeckung, je Zeitraum gleicher Mitglieder (aus BKG VG5000: © GeoBasis-DE / BKG 2021 (Daten "
                "verändert)).",
                language="de",
            ),
        ),
        (p("dct:modified"), ox.Literal(today.isoformat(), datatype=p("xsd:date"))),
        *((p("prov:wasDerivedFrom"), ox.NamedNode(s)) for s in sources),
    ]
    return [ox.Quad(graph, pred, obj, graph) for pred, obj in quads]


def enrich(store: ox.Store, graph_iri: str, today: dt.date | None = None) -> int:
    """Add the derived triples to ``graph_iri``; return how many were added."""
    graph = ox.NamedNode(graph_iri)
    today = today or dt.date.today()
    quads = derived_quads(store, graph, today) + graph_description(store, graph, today)
    quads += derived_geometries(store, graph, today)
    store.extend(quads)
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
