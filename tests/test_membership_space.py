"""Membership and space agree (DESIGN §5): "which metropolitan regions is X in?" has one answer.

For every district the served SPARQL endpoint knows, the answer by membership (its body's org:memberOf a
metropolitan region's body, plus bodies listed for their territory only) equals the answer by territory (its
territory geo:sfWithin, or with partial coverage geo:sfOverlaps, a metropolitan region's territory). Written over
all districts and regions, so that it keeps holding as more regions and members arrive.
"""

from __future__ import annotations

import datetime as dt
import json

PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX rl: <https://w3id.org/regiolod/def#>
PREFIX time: <http://www.w3.org/2006/time#> """

BY_MEMBERSHIP = PREFIXES + """SELECT DISTINCT ?district ?region WHERE {
  ?district a rl:DistrictTerritory . ?body dct:spatial ?district ; org:memberOf ?cooperation .
  ?cooperation dct:spatial ?region . ?region a rl:MetropolitanRegion }"""

#: Bodies listed with a region for their territory only: no member, but their territory lies in the region.
#: Whether such a listing holds today is decided here from its interval alone (DESIGN §5, "intersects").
TERRITORY_ONLY = PREFIXES + """SELECT ?district ?region ?begin ?end WHERE {
  ?district a rl:DistrictTerritory . ?body dct:spatial ?district .
  ?m org:member ?body ; org:organization ?cooperation ; org:role rl:role-territory-only .
  ?cooperation dct:spatial ?region . ?region a rl:MetropolitanRegion .
  OPTIONAL { ?m org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYear) ?begin }
  OPTIONAL { ?m org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYear) ?end } }"""

BY_TERRITORY = PREFIXES + """SELECT DISTINCT ?district ?region WHERE {
  ?district a rl:DistrictTerritory ; geo:sfWithin|geo:sfOverlaps ?region . ?region a rl:MetropolitanRegion }"""

DISTRICTS = PREFIXES + "SELECT ?district WHERE { ?district a rl:DistrictTerritory }"


def rows(client, query: str) -> list[dict[str, str]]:
    """A SELECT asked of the served endpoint (SPARQL 1.1 Protocol §2.1.1), its JSON results as plain values."""
    accept = {"Accept": "application/sparql-results+json"}
    response = client.get("/sparql", query_string={"query": query}, headers=accept)
    assert response.status_code == 200, response.data
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(response.data)["results"]["bindings"]]


def holds_today(begin: str | None, end: str | None) -> bool:
    today = dt.date.today().isoformat()
    return (begin is None or begin[:10] <= today) and (end is None or end >= today[: len(end)])


def regions_of(found: list[dict[str, str]], districts: list[str]) -> dict[str, set[str]]:
    answer: dict[str, set[str]] = {d: set() for d in districts}
    for r in found:
        if r["district"] in answer:
            answer[r["district"]].add(r["region"])
    return answer


def test_metropolitan_regions_by_membership_and_by_territory_agree(client) -> None:
    districts = [r["district"] for r in rows(client, DISTRICTS)]
    assert len(districts) >= 400
    listed = [r for r in rows(client, TERRITORY_ONLY) if holds_today(r.get("begin"), r.get("end"))]
    by_membership = regions_of(rows(client, BY_MEMBERSHIP) + listed, districts)
    by_territory = regions_of(rows(client, BY_TERRITORY), districts)
    assert any(by_territory.values())  # the question has answers at all
    differing = {d: (by_membership[d], by_territory[d]) for d in districts if by_membership[d] != by_territory[d]}
    assert differing == {}


def test_heidekreis_is_in_hamburg_by_membership_and_by_territory(client) -> None:
    """The audit's case: Heidekreis was a member of the Hamburg body only, and within the HBGW territory only."""
    heidekreis = "http://regiolod.test/id/territory/03358"
    hamburg = "http://regiolod.test/id/territory/metropolregion-hamburg"
    assert hamburg in regions_of(rows(client, BY_MEMBERSHIP), [heidekreis])[heidekreis]
    assert hamburg in regions_of(rows(client, BY_TERRITORY), [heidekreis])[heidekreis]


def test_every_cooperation_has_a_territory_that_holds_its_full_members(client) -> None:
    """Each current member with full coverage lies in its cooperation's territory (LEADER regions included)."""
    found = rows(client, PREFIXES + """SELECT ?member ?territory WHERE {
      ?body org:memberOf ?cooperation ; dct:spatial ?member . ?cooperation a rl:Cooperation ; dct:spatial ?territory .
      ?m org:member ?body ; org:organization ?cooperation ; org:role rl:role-member .
      FILTER NOT EXISTS { ?m rl:coverage rl:coverage-partial }
      FILTER NOT EXISTS { ?member geo:sfWithin ?territory } }""")
    assert found == []
    without = rows(client, PREFIXES + "SELECT ?c WHERE { ?c a rl:Cooperation FILTER NOT EXISTS { ?c dct:spatial ?t } }")
    assert without == []
