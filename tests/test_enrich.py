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
