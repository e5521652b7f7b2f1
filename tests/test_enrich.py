"""The one rule for "current" memberships, case by case: what enrichment derives from it."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pytest

from publisher.dataset.enrich import derived_quads
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
MEMBER_GONE = {  # the member itself was dissolved (prov:invalidatedAtTime)
    "dissolved": ("'2020-01-01T00:00:00'^^xsd:dateTime", False),
    "dissolved-tomorrow": ("'2026-11-25T00:00:00'^^xsd:dateTime", True),
}


@pytest.fixture(scope="module")
def derived() -> set[tuple[str, str, str]]:
    lines = [sparql_prologue(), f"PREFIX ex: <{EX}>"]
    for case, (extra, _) in CASES.items():
        lines.append(f"ex:m-{case} a org:Membership ; {extra} org:member ex:{case} ; org:organization ex:org .")
    for case, (when, _) in MEMBER_GONE.items():
        lines.append(f"ex:m-{case} a org:Membership ; org:member ex:{case} ; org:organization ex:org .")
        lines.append(f"ex:{case} prov:invalidatedAtTime {when} .")
    store = ox.Store()
    store.load("\n".join(lines).encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EX + "g"))
    graph = ox.NamedNode(EX + "derived")
    return {(q.subject.value, q.predicate.value, q.object.value) for q in derived_quads(store, graph, TODAY)}


@pytest.mark.parametrize("case", [*CASES, *MEMBER_GONE])
def test_member_of_is_derived_for_current_memberships_only(derived, case: str) -> None:
    current = {**CASES, **MEMBER_GONE}[case][1]
    org = "http://www.w3.org/ns/org#"
    assert ((EX + case, org + "memberOf", EX + "org") in derived) is current
    assert ((EX + "org", org + "hasMember", EX + case) in derived) is current
