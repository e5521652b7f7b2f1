"""The server-drawn SVG map of territory and cooperation pages: what it links, compared with SPARQL over the build."""

from __future__ import annotations

import re

import pytest
import shapely

from tests.conftest import BASE
from tests.test_timetravel import html, members_by_sparql, without_day

MRH = f"{BASE}id/organization/metropolregion-hamburg"
VOGELPARK = f"{BASE}id/organization/vogelpark-region"


def figure(page: str) -> str:
    found = re.search(r'<figure class="map".*?</figure>', page, re.S)
    assert found, "the page has a map"
    return found.group(0)


def linked(page: str, role: str) -> set[str]:
    """The things the map's shapes of one role link to (without the page's day)."""
    return {without_day(h) for h in re.findall(rf'<a href="([^"]+)" class="map-{role}">', figure(page))}


def with_boundary(sparql, iris: set[str]) -> set[str]:
    """Those of ``iris`` that have a boundary: their own territory's, or their own."""
    rows = sparql("SELECT DISTINCT ?x WHERE { { ?x dct:spatial/geo:hasGeometry ?g } UNION { ?x geo:hasGeometry ?g } }")
    return iris & {r["x"] for r in rows}


def path_of(iri: str, day: str = "") -> str:
    return iri.removeprefix(BASE).replace("id/", "doc/", 1).join(["/", ""]) + (f"?at={day}" if day else "")


@pytest.mark.parametrize(("org", "day"), [(MRH, "2011-06-01"), (MRH, "2024-06-01"), (VOGELPARK, "2019-06-01"),
                                          (VOGELPARK, "2024-06-01")])  # fmt: skip
def test_a_cooperations_map_links_its_members_of_the_day(client, sparql, org: str, day: str) -> None:
    page = html(client, path_of(org, day))
    expected = with_boundary(sparql, members_by_sparql(sparql, org, day))
    assert expected, "members with a boundary"
    assert linked(page, "member") == expected
    # each shape links at the page's day and has a title
    assert all("at=" + day in h for h in re.findall(r'<a href="([^"]+)" class="map-', figure(page)))
    assert figure(page).count("<title>") == figure(page).count("<path ") + 1


def test_a_districts_map_shows_its_parts_and_the_districts_it_touches(client, sparql) -> None:
    heidekreis = f"{BASE}id/territory/03358"
    page = html(client, "/doc/territory/03358")
    rows = sparql(f"""SELECT ?t WHERE {{ ?t geo:sfWithin <{heidekreis}> ; geo:hasGeometry ?g
                       FILTER NOT EXISTS {{ ?t prov:invalidatedAtTime ?gone }} }}""")
    assert linked(page, "part") == {r["t"] for r in rows}
    assert linked(page, "thing") == {heidekreis}
    # neighbours: the other districts whose stored boundary shares a line with Heidekreis's (shapely, from WKT)
    districts = sparql("SELECT ?t ?wkt WHERE { ?t a rl:DistrictTerritory ; geo:hasDefaultGeometry/geo:asWKT ?wkt }")
    shapes = {r["t"]: shapely.from_wkt(r["wkt"]) for r in districts}
    own = shapes.pop(heidekreis)
    touching = {t for t, s in shapes.items() if own.intersection(s).length > 0}
    assert len(touching) >= 6
    assert linked(page, "neighbour") == touching


def test_a_merged_municipality_outlines_what_replaced_it(client, sparql) -> None:
    bomlitz = f"{BASE}id/territory/03358004"
    successors = {r["x"] for r in sparql(f"SELECT ?x WHERE {{ <{bomlitz}> dct:isReplacedBy ?x }}")}
    for day in ("2019-06-01", ""):
        page = html(client, path_of(bomlitz, day))
        assert linked(page, "after") == successors
        assert not linked(page, "thing")  # no boundary of Bomlitz itself in the 2021 source


def test_every_map_names_the_attribution_the_boundaries_ask_for(client, sparql) -> None:
    rows = sparql(f"SELECT ?a WHERE {{ <{BASE}id/graph/boundaries> dcatde:licenseAttributionByText ?a }}")
    for path in ("/doc/territory/03358", "/doc/organization/metropolregion-hamburg?lang=en"):
        assert rows[0]["a"] in figure(html(client, path))


def test_the_page_lists_its_geojson_and_only_map_pages_may_run_scripts(client) -> None:
    response = client.get("/doc/territory/03358")
    page = response.get_data(as_text=True)
    assert f'<a href="{BASE}doc/territory/03358.geojson" rel="alternate" type="application/geo+json">' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"] or "<script src" not in page
    plain = client.get("/doc/organization/03358")
    assert '<figure class="map"' not in plain.get_data(as_text=True)
    assert "script-src" not in plain.headers["Content-Security-Policy"]


def test_svg_maps_stay_small(client) -> None:
    for path in ("/doc/territory/03358", "/doc/organization/metropolregion-hamburg"):
        svg = re.search(r"<svg class=\"map-svg\".*?</svg>", html(client, path), re.S)
        assert svg and len(svg.group(0).encode()) < 40_000, path
