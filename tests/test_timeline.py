"""Membership timelines and the memberships a page reaches through a body, checked against SPARQL over the build.

The expected sets and intervals are read from the store with queries written out here (membership on the
organisation's or member's side, a territory's body through dct:spatial, containing territories through
geo:sfWithin), apart from the publisher's own code; the drawing is parsed as XML.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pytest

from publisher.vocab import NOT_MEMBER_ROLES, expand
from tests.test_timetravel import MRH, members_by_sparql

SVG = "{http://www.w3.org/2000/svg}"
PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
PREFIX rl: <https://w3id.org/regiolod/def#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX prov: <http://www.w3.org/ns/prov#>
"""
NOT_MEMBER = ", ".join(f"<{expand(r)}>" for r in NOT_MEMBER_ROLES)


def page(client, iri: str, query: str = "") -> str:
    response = client.get(iri.replace("/id/", "/doc/", 1) + query)
    assert response.status_code == 200, iri
    return response.get_data(as_text=True)


def chart(html: str, key: str) -> ET.Element | None:
    """The SVG of the page's timeline section ``key`` (members or memberships), parsed as XML."""
    found = re.search(r'<section class="timeline timeline-' + key + r'">.*?(<svg .*?</svg>)', html, re.S)
    return ET.fromstring(found.group(1)) if found else None


def bars(svg: ET.Element) -> list[ET.Element]:
    return [a for a in svg.iter(f"{SVG}a") if "bar" in a.get("class", "").split()]


def via_links(html: str, side: str) -> set[str]:
    """The things the tables of the sections that list memberships through a body link to (first column)."""
    links = set()
    for section in re.findall(r'<section class="via-members ' + side + r'">(.*?)</section>', html, re.S):
        links |= {unquote(h) for h in re.findall(r'<tr>\s*<td><a href="([^"]+)"', section)}
    return links


def cooperations(sparql) -> dict[str, set[str]]:
    """Every organisation with members (memberships of a role that is membership) → its members."""
    rows = sparql(PREFIXES + f"""
        SELECT ?org ?member WHERE {{
          ?m a org:Membership ; org:organization ?org ; org:member ?member .
          FILTER NOT EXISTS {{ ?m org:role ?r FILTER (?r IN ({NOT_MEMBER})) }}
        }}""")
    found: dict[str, set[str]] = {}
    for r in rows:
        found.setdefault(r["org"], set()).add(r["member"])
    return found


def test_every_cooperation_draws_one_linked_bar_per_member(client, sparql) -> None:
    expected = cooperations(sparql)
    assert len(expected) > 20
    for org, members in sorted(expected.items()):
        svg = chart(page(client, org), "members")
        assert svg is not None, org
        drawn = {unquote(a.get("href", "")) for a in bars(svg)}
        assert drawn == members, org
        assert all(a.find(f"{SVG}title") is not None for a in bars(svg))


def test_bars_span_the_memberships_intervals(client, sparql) -> None:
    """A bar begins on the membership's first day and ends on its last (a year: 1 January to 31 December),
    or earlier when its member ended before; no end is an open bar."""
    rows = sparql(PREFIXES + f"""
        SELECT ?m ?org ?b ?e ?gone WHERE {{
          ?m a org:Membership ; org:organization ?org .
          FILTER NOT EXISTS {{ ?m org:role ?r FILTER (?r IN ({NOT_MEMBER})) }}
          OPTIONAL {{ ?m org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYear) ?b }}
          OPTIONAL {{ ?m org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYear) ?e }}
          OPTIONAL {{ ?m org:member/prov:invalidatedAtTime ?gone }}
        }}""")
    expected = {}
    for r in rows:
        begin = (r["b"] or "")[:10]
        begin = f"{begin}-01-01" if len(begin) == 4 else begin
        end = (r["e"] or "")[:10]
        end = f"{end}-12-31" if len(end) == 4 else end
        expected[r["m"]] = (r["org"], begin, end, r["gone"])
    assert any(b for _, b, _, _ in expected.values()) and any(e for _, _, e, _ in expected.values())
    seen = 0
    for org in sorted({o for o, _, _, _ in expected.values()}):
        for a in bars(chart(page(client, org), "members")):
            _, begin, end, gone = expected[unquote(a.get("data-membership", ""))]
            assert a.get("data-begin") == begin
            if gone is None:
                assert a.get("data-end") == end
            else:  # ended with its member: not after the membership's own end, nor after the member's
                assert a.get("data-end", "") and a.get("data-end", "") < gone[:10] or a.get("data-end") == end
            assert (a.find(f"{SVG}path[@class='open']") is not None) == (a.get("data-end") == "")
            seen += 1
    assert seen == len(expected)


def test_a_leader_regions_page_lists_its_members(client, sparql) -> None:
    rows = sparql(PREFIXES + """
        SELECT ?region ?member WHERE {
          ?region a rl:LeaderRegion . ?body dct:spatial ?region . ?m org:organization ?body ; org:member ?member .
        }""")
    expected: dict[str, set[str]] = {}
    for r in rows:
        expected.setdefault(r["region"], set()).add(r["member"])
    assert len(expected) > 20
    for region, members in sorted(expected.items()):
        html = page(client, region)
        assert via_links(html, "members") == members, region
        svg = chart(html, "members")
        assert svg is not None and {unquote(a.get("href", "")) for a in bars(svg)} <= members


def test_a_municipalitys_page_lists_its_cooperations(client, sparql) -> None:
    """Its body's cooperations, and those of the bodies (no cooperations) whose territory contains it."""
    rows = sparql(PREFIXES + """
        SELECT DISTINCT ?t ?coop WHERE {
          ?body dct:spatial ?t ; a org:FormalOrganization . ?t a rl:Territory .
          ?m0 org:member ?body . FILTER NOT EXISTS { ?body a rl:Cooperation }
          FILTER (STRLEN(STRAFTER(STR(?t), "/territory/")) = 12)
          { ?m org:member ?body ; org:organization ?coop }
          UNION { ?t geo:sfWithin+ ?up . ?upper dct:spatial ?up ; ^org:member/org:organization ?coop .
                  FILTER NOT EXISTS { ?upper a rl:Cooperation } }
        }""")
    expected: dict[str, set[str]] = {}
    for r in rows:
        expected.setdefault(r["t"], set()).add(r["coop"])
    assert len(expected) > 20
    for territory, coops in sorted(expected.items()):
        assert via_links(page(client, territory), "memberof") == coops, territory


@pytest.mark.parametrize("day", ["2005-06-15", "2024-03-01"])
def test_the_at_day_is_marked_and_its_members_are_current(client, sparql, day: str) -> None:
    svg = chart(page(client, MRH, f"?at={day}"), "members")
    assert svg is not None
    line = svg.find(f".//{SVG}line[@class='at']")
    assert line is not None and line.get("data-at") == day
    ticks = sorted(
        (int(g.find(f"{SVG}text").text or ""), float(g.find(f"{SVG}line").get("x1", "")))
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "tick"
    )
    on = dt.date.fromisoformat(day)
    (y1, x1), (y2, x2) = next((a, b) for a, b in zip(ticks, ticks[1:], strict=False) if a[0] <= on.year < b[0])
    start, stop = dt.date(y1, 1, 1), dt.date(y2, 1, 1)
    expected_x = x1 + (x2 - x1) * (on - start).days / (stop - start).days
    assert abs(float(line.get("x1", "")) - expected_x) < 1
    current = {unquote(a.get("href", "").split("?")[0]) for a in bars(svg) if "current" in a.get("class", "").split()}
    assert current == members_by_sparql(sparql, MRH, day)


def test_the_timeline_speaks_the_pages_language(client) -> None:
    de, en = page(client, MRH, "?lang=de"), page(client, MRH, "?lang=en")
    assert "Mitglieder im Zeitverlauf" in de and "Members over time" in en
