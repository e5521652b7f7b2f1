"""The one rule for "current" memberships, case by case: what enrichment derives from it."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pytest

from publisher.dataset.enrich import derived_quads
from publisher.render.asof import Timeline
from publisher.vocab import sparql_prologue

TODAY = dt.date(2026, 11, 24)
EX = "http://example.org/"

# One membership per case, member ex:{case} in ex:org; True when it is current on TODAY.
CASES = {
    "open": ("", True),
    "ended-by-date": ("org:memberDuring [ time:hasEnd [ time:inXSDDate '2026-11-23'^^xsd:date ] ] ;", False),
    "ends-today": ("org:memberDuring [ time:hasEnd [ time:inXSDDate '2026-11-24'^^xsd:date ] ] ;", True),
    "ended-last-year": ("org:memberDuring [ time:hasEnd [ time:inXSDgYear '2025'^^xsd:gYear ] ] ;", False),
    "ends-this-year": ("org:memberDuring [ time:hasEnd [ time:inXSDgYear '2026'^^xsd:gYear ] ] ;", True),
    "begins-next-year": ("org:memberDuring [ time:hasBeginning [ time:inXSDgYear '2027'^^xsd:gYear ] ] ;", False),
    "began-this-year": ("org:memberDuring [ time:hasBeginning [ time:inXSDgYear '2026'^^xsd:gYear ] ] ;", True),
    "funding-not-begun": (
        "rl:fundingPeriod [ time:hasBeginning [ time:inXSDgYear '2027'^^xsd:gYear ] ; "
        "time:hasEnd [ time:inXSDgYear '2029'^^xsd:gYear ] ] ;",
        False,
    ),
    "funding-begun": (
        "rl:fundingPeriod [ time:hasBeginning [ time:inXSDgYear '2023'^^xsd:gYear ] ; "
        "time:hasEnd [ time:inXSDgYear '2027'^^xsd:gYear ] ] ;",
        True,
    ),
    "between-two-periods": (  # a funding period's end is not a membership's end
        "rl:fundingPeriod [ time:hasBeginning [ time:inXSDgYear '2014'^^xsd:gYear ] ; "
        "time:hasEnd [ time:inXSDgYear '2020'^^xsd:gYear ] ], "
        "[ time:hasBeginning [ time:inXSDgYear '2027'^^xsd:gYear ] ; "
        "time:hasEnd [ time:inXSDgYear '2028'^^xsd:gYear ] ] ;",
        True,
    ),
    "begins-tomorrow": ("org:memberDuring [ time:hasBeginning [ time:inXSDDate '2026-11-25'^^xsd:date ] ] ;", False),
    "began-today": ("org:memberDuring [ time:hasBeginning [ time:inXSDDate '2026-11-24'^^xsd:date ] ] ;", True),
    "funding-ended": ("rl:fundingPeriod [ time:hasEnd [ time:inXSDgYear '2025'^^xsd:gYear ] ] ;", False),
    "funding-running": ("rl:fundingPeriod [ time:hasEnd [ time:inXSDgYear '2027'^^xsd:gYear ] ] ;", True),
    "funding-one-of-two-running": (
        "rl:fundingPeriod [ time:hasEnd [ time:inXSDgYear '2020'^^xsd:gYear ] ], "
        "[ time:hasEnd [ time:inXSDgYear '2027'^^xsd:gYear ] ] ;",
        True,
    ),
}
#: What is said of the member itself besides its end: its beginning (neither side may not have begun yet).
MEMBER_FACTS = {
    "founded-tomorrow": ("rl:founded '2026-11-25'^^xsd:date", False),
    "founded-this-month": ("rl:founded '2026-11'^^xsd:gYearMonth", True),
    "founded-next-year": ("rl:founded '2027'^^xsd:gYear", False),
    "generated-tomorrow": ("prov:generatedAtTime '2026-11-25T00:00:00'^^xsd:dateTime", False),
    "generated-today": ("prov:generatedAtTime '2026-11-24T00:00:00'^^xsd:dateTime", True),
}
MEMBER_GONE = {  # the member itself was dissolved (prov:invalidatedAtTime)
    "dissolved": ("'2020-01-01T00:00:00'^^xsd:dateTime", False),
    "dissolved-tomorrow": ("'2026-11-25T00:00:00'^^xsd:dateTime", True),
}


@pytest.fixture(scope="module")
def cases_store() -> ox.Store:
    lines = [sparql_prologue(), f"PREFIX ex: <{EX}>"]
    for case, (extra, _) in CASES.items():
        lines.append(f"ex:m-{case} a org:Membership ; {extra} org:member ex:{case} ; org:organization ex:org .")
    for case, (when, _) in MEMBER_GONE.items():
        lines.append(f"ex:m-{case} a org:Membership ; org:member ex:{case} ; org:organization ex:org .")
        lines.append(f"ex:{case} prov:invalidatedAtTime {when} .")
    for case, (fact, _) in MEMBER_FACTS.items():
        lines.append(f"ex:m-{case} a org:Membership ; org:member ex:{case} ; org:organization ex:org .")
        lines.append(f"ex:{case} {fact} .")
    store = ox.Store()
    store.load("\n".join(lines).encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EX + "g"))
    return store


@pytest.fixture(scope="module")
def derived(cases_store: ox.Store) -> set[tuple[str, str, str]]:
    graph = ox.NamedNode(EX + "derived")
    return {(q.subject.value, q.predicate.value, q.object.value) for q in derived_quads(cases_store, graph, TODAY)}


ALL_CASES = {**CASES, **MEMBER_GONE, **MEMBER_FACTS}


@pytest.mark.parametrize("case", ALL_CASES)
def test_member_of_is_derived_for_current_memberships_only(derived, case: str) -> None:
    current = ALL_CASES[case][1]
    org = "http://www.w3.org/ns/org#"
    assert ((EX + case, org + "memberOf", EX + "org") in derived) is current
    assert ((EX + "org", org + "hasMember", EX + case) in derived) is current


@pytest.mark.parametrize("case", ALL_CASES)
def test_the_timeline_of_other_days_applies_the_same_rule(cases_store: ox.Store, case: str) -> None:
    """?at= answers from a timeline read once per build (render/asof.py): on today it holds exactly
    the memberships enrichment derives, case by case."""
    timeline = Timeline.load(OxigraphStore(cases_store))
    holding = {s.member for s in timeline.members(EX + "org", TODAY)}
    assert (EX + case in holding) is ALL_CASES[case][1]


class OxigraphStore:
    """Just enough of a store for the timeline: project-written SELECTs over a pyoxigraph store."""

    def __init__(self, store: ox.Store):
        self.store = store

    def select(self, query: str) -> list[dict]:
        result = self.store.query(sparql_prologue() + query, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names} for row in result]


GEO = "http://www.opengis.net/ont/geosparql#"
ORG = "http://www.w3.org/ns/org#"
#: DESIGN §5, membership and space: one member per case in ex:coop, whose territory is ex:coop-t; member
#: ex:{case} has territory ex:{case}-t. Expected: the relation derived between the territories (None: none)
#: and whether the body is listed as a member (org:memberOf, and a member of today's list in the timeline).
SPACE_CASES = {
    "full": ("org:role rl:role-member ; rl:coverage rl:coverage-full", "sfWithin", True),
    "no-coverage-stated": ("org:role rl:role-member", "sfWithin", True),
    "partial": ("org:role rl:role-member ; rl:coverage rl:coverage-partial", "sfOverlaps", True),
    "founding-member": ("org:role rl:role-founding-member", "sfWithin", True),
    "territory-only": ("org:role rl:role-territory-only", "sfWithin", False),
    "disputed": ("org:role rl:role-disputed-member", None, False),
    "partner": ("org:role rl:role-partner", None, True),
    "shareholder": ("org:role rl:role-shareholder", None, True),
    "ended": (
        "org:role rl:role-member ; org:memberDuring [ time:hasEnd [ time:inXSDgYear '2019'^^xsd:gYear ] ]",
        None,
        False,
    ),
}


@pytest.fixture(scope="module")
def space_store() -> ox.Store:
    lines = [sparql_prologue(), f"PREFIX ex: <{EX}>", "ex:coop dct:spatial ex:coop-t ."]
    for case, (facts, _, _) in SPACE_CASES.items():
        lines.append(f"ex:m-{case} a org:Membership ; org:member ex:{case} ; org:organization ex:coop ; {facts} .")
        lines.append(f"ex:{case} dct:spatial ex:{case}-t .")
    lines.append("ex:stated dct:spatial ex:stated-t . ex:stated-t geo:sfWithin ex:coop-t .")
    lines.append("ex:m-stated a org:Membership ; org:member ex:stated ; org:organization ex:coop .")
    lines.append("ex:m-stated org:role rl:role-member .")
    store = ox.Store()
    store.load("\n".join(lines).encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EX + "g"))
    return store


@pytest.fixture(scope="module")
def space_derived(space_store: ox.Store) -> list[tuple[str, str, str]]:
    graph = ox.NamedNode(EX + "derived")
    return [(q.subject.value, q.predicate.value, q.object.value) for q in derived_quads(space_store, graph, TODAY)]


@pytest.mark.parametrize("case", SPACE_CASES)
def test_a_members_territory_lies_in_its_cooperations_territory(space_derived, case: str) -> None:
    relation = SPACE_CASES[case][1]
    inner, outer = EX + case + "-t", EX + "coop-t"
    found = {p.removeprefix(GEO) for s, p, o in space_derived if (s, o) == (inner, outer) and p.startswith(GEO)}
    back = {p.removeprefix(GEO) for s, p, o in space_derived if (s, o) == (outer, inner) and p.startswith(GEO)}
    assert found == ({relation} if relation else set())
    assert back == ({"sfOverlaps" if relation == "sfOverlaps" else "sfContains"} if relation else set())


@pytest.mark.parametrize("case", SPACE_CASES)
def test_territory_only_and_disputed_are_no_members(space_derived, space_store: ox.Store, case: str) -> None:
    member = SPACE_CASES[case][2]
    assert ((EX + case, ORG + "memberOf", EX + "coop") in space_derived) is member
    timeline = Timeline.load(OxigraphStore(space_store))
    assert (EX + case in {s.member for s in timeline.members(EX + "coop", TODAY)}) is member


def test_stated_containment_is_not_derived_again(space_derived) -> None:
    """The derived graph holds what no curated graph says; each quad once."""
    assert (EX + "stated-t", GEO + "sfWithin", EX + "coop-t") not in space_derived
    assert (EX + "coop-t", GEO + "sfContains", EX + "stated-t") in space_derived
    assert len(space_derived) == len(set(space_derived))
