"""The LEADER regions of Lower Saxony 2023–2027: the generated file is what the generator makes of the reference
lists, and the build holds every region and every member row of those lists, each read a second way (the csv
module over the lists, SPARQL over the build)."""

from __future__ import annotations

import csv
import re
from collections import defaultdict

import pytest
import rdflib

from publisher.reference.leader import MEMBERS_FILE, OUTPUT, REGIONS_FILE, generate
from tests.conftest import BASE, ROOT

REFERENCE = ROOT.parent / "shared" / "data"
needs_reference = pytest.mark.skipif(
    not (REFERENCE / REGIONS_FILE).is_file(), reason="the reference files (../shared/data) are not next to the project"
)
GRAPH = f"{BASE}id/graph/leader-niedersachsen"
PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX rl: <https://w3id.org/regiolod/def#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dct: <http://purl.org/dc/terms/>
    PREFIX time: <http://www.w3.org/2006/time#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
#: The reference list's period column → the funding period concept.
PERIODS = {"2023-2027": "https://w3id.org/regiolod/def#period-2023-2027",
           "2014-2020": "https://w3id.org/regiolod/def#period-2014-2020"}


def rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def region_name(text: str) -> str:
    """A region's name without the abbreviation in brackets ("Nördliches Emstal (NET)")."""
    return re.sub(r"\s*\([^()]+\)$", "", text)


def member_iri(row: dict[str, str]) -> str:
    """A kreisfreie Stadt's Gemeinde (ARS ending in seven zeros) is its district's body, keyed by 5 digits."""
    key = row["member_ars"]
    if row["member_level"] == "Gemeinde" and key[5:] == "0000000":
        key = key[:5]
    return f"{BASE}id/organization/{key}"


def groups_by_region(sparql) -> dict[str, str]:
    """Region name → the group whose dct:spatial is the LEADER region with that German label, in the build."""
    found = sparql(PREFIXES + """SELECT ?lag ?name WHERE {
        ?lag dct:spatial ?t . ?t a rl:LeaderRegion ; skos:prefLabel ?label .
        FILTER (LANG(?label) = "de" && STRSTARTS(?label, "LEADER-Region "))
        BIND (STRAFTER(?label, "LEADER-Region ") AS ?name) }""")
    return {r["name"]: r["lag"] for r in found}


@needs_reference
def test_regenerating_gives_the_committed_bytes() -> None:
    assert generate(REFERENCE, ROOT) == (ROOT / OUTPUT).read_text(encoding="utf-8")


@needs_reference
def test_every_named_region_has_a_group_and_a_territory(sparql) -> None:
    names = {region_name(r["leader_region"]) for r in rows(REGIONS_FILE)}
    assert len(names) == 57
    groups = groups_by_region(sparql)
    assert names <= set(groups)
    described = sparql(PREFIXES + """SELECT DISTINCT ?lag WHERE { ?lag a rl:LocalActionGroup ; dct:spatial ?t .
        ?t a rl:LeaderRegion }""")
    assert len({groups[n] for n in names}) == 57 and {groups[n] for n in names} <= {r["lag"] for r in described}


@needs_reference
def test_memberships_per_region_are_the_rows(sparql) -> None:
    expected: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for row in rows(MEMBERS_FILE):
        expected[region_name(row["leader_region"])][member_iri(row)] = row
    groups = groups_by_region(sparql)
    curated = set(groups_by_region_in(sparql, "leader"))
    for name, members in expected.items():
        found = sparql(PREFIXES + f"""SELECT ?member ?role ?coverage ?period WHERE {{
            ?m org:organization <{groups[name]}> ; org:member ?member ; org:role ?role ; rl:fundingPeriod ?period .
            OPTIONAL {{ ?m rl:coverage ?coverage }} }}""")
        by_member: dict[str, list[dict[str, str | None]]] = defaultdict(list)
        for r in found:
            by_member[str(r["member"])].append(r)
        assert set(members) <= set(by_member), name
        if name not in curated:  # leader.ttl's regions have members of earlier periods and places too
            assert len(found) == len(members) == len(by_member), name
        for iri, row in members.items():
            facts = by_member[iri]
            assert PERIODS[row["period"]] in {f["period"] for f in facts}, (name, iri)
            roles, coverages = {f["role"] for f in facts}, {f["coverage"] for f in facts}
            if row["coverage"] == "partner":
                assert roles == {"https://w3id.org/regiolod/def#role-partner"} and coverages == {None}, (name, iri)
            else:
                assert "https://w3id.org/regiolod/def#role-member" in roles, (name, iri)
                kind = "partial" if row["coverage"].startswith("partial") else "full"
                # a member may also be lead partner (leader.ttl), a role without coverage
                coverages = {f["coverage"] for f in facts if f["role"] == "https://w3id.org/regiolod/def#role-member"}
                assert coverages == {f"https://w3id.org/regiolod/def#coverage-{kind}"}, (name, iri, row["coverage"])


def groups_by_region_in(sparql, file: str) -> dict[str, str]:
    """The regions whose territory the named graph of a data file describes."""
    found = sparql(PREFIXES + f"""SELECT ?name ?lag WHERE {{ GRAPH <{BASE}id/graph/{file}> {{
        ?t a rl:LeaderRegion ; skos:prefLabel ?label . FILTER (LANG(?label) = "de") }}
        ?lag dct:spatial ?t . BIND (STRAFTER(?label, "LEADER-Region ") AS ?name) }}""")
    return {r["name"]: r["lag"] for r in found}


def test_no_generated_membership_is_dated() -> None:
    """No reference row dates a membership; above all, the funding period's end (2027) is not its end."""
    graph = rdflib.Graph().parse(ROOT / OUTPUT, format="turtle", publicID=BASE)
    memberships = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/org#Membership")))
    assert len(memberships) == 171
    during = rdflib.URIRef("http://www.w3.org/ns/org#memberDuring")
    assert [(m, i) for m in memberships for i in graph.objects(m, during)] == []


def test_no_leader_membership_of_the_new_regions_ends(sparql) -> None:
    """In the build (enrichment included), no membership of a group this file describes has an end."""
    ended = sparql(PREFIXES + f"""SELECT ?m WHERE {{ GRAPH <{GRAPH}> {{ ?lag a rl:LocalActionGroup }}
        ?m org:organization ?lag ; org:memberDuring/time:hasEnd ?end }}""")
    assert ended == []


def test_every_new_group_and_region_has_an_english_label(sparql) -> None:
    missing = sparql(PREFIXES + f"""SELECT ?thing WHERE {{ GRAPH <{GRAPH}> {{
        {{ ?thing a rl:LocalActionGroup }} UNION {{ ?thing a rl:LeaderRegion }} UNION {{ ?thing a org:Membership }}
        FILTER NOT EXISTS {{ ?thing skos:prefLabel ?en FILTER (LANG(?en) = "en") }} }} }}""")
    assert missing == []
    count = sparql(PREFIXES + f"SELECT (COUNT(?g) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?g a rl:LocalActionGroup }} }}")
    assert count == [{"n": "52"}]  # 57 named, 5 of them described in leader.ttl


@needs_reference
def test_regions_not_seen_recognised_are_not_claimed_recognised(sparql) -> None:
    regions = rows(REGIONS_FILE)
    unseen = [region_name(r["leader_region"]) for r in regions if not r["recognition"].startswith("recognised")]
    assert len(unseen) == 11
    groups = groups_by_region(sparql)
    for name in unseen:
        claimed = sparql(PREFIXES + f"""SELECT ?x WHERE {{ <{groups[name]}> dct:spatial ?t . ?t rl:recognised ?x }}""")
        notes = sparql(PREFIXES + f"""SELECT ?n WHERE {{ <{groups[name]}> skos:note ?n }}""")
        assert claimed == [] and notes, name


def test_the_graph_says_how_many_regions_it_publishes(sparql) -> None:
    """The description names the Land's 68, the 57 published and the 38 with members (as numbers in its text)."""
    found = sparql(PREFIXES + f"""SELECT ?d WHERE {{ <{GRAPH}> dct:description ?d FILTER (LANG(?d) = "en") }}""")
    numbers = set(re.findall(r"\b\d+\b", str(found[0]["d"])))
    assert {"68", "57", "38", "194"} <= numbers
