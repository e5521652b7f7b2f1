"""GeoJSON alternates of territories and cooperations: each compared with the store's WKT through shapely."""

from __future__ import annotations

import json
import re

import pytest
import shapely
from requests.utils import parse_header_links
from shapely.geometry import shape

from publisher.dataset.geometry import area_ha
from publisher.render.geojson import DETAILS, TOLERANCE
from tests.conftest import BASE

GEOJSON = "application/geo+json"


def key_of(iri: str) -> str:
    return iri.removeprefix(f"{BASE}id/")


def feature(client, key: str, query: str = "") -> dict:
    response = client.get(f"/doc/{key}.geojson{query}")
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == GEOJSON
    return json.loads(response.data)


def districts(sparql) -> list[tuple[str, str]]:
    """Every district territory with its default WKT, from the store."""
    rows = sparql("""
        SELECT ?t ?wkt WHERE { ?t a rl:DistrictTerritory ; geo:hasDefaultGeometry/geo:asWKT ?wkt } ORDER BY ?t""")
    return [(r["t"], r["wkt"]) for r in rows]


def test_every_district_is_small_at_the_coarsest_and_sizes_are_ordered(client, sparql) -> None:
    found = districts(sparql)
    assert len(found) > 300, "every German district has a boundary"
    for territory, wkt in found:
        bodies = [client.get(f"/doc/{key_of(territory)}.geojson?detail={d}").data for d in DETAILS]
        assert len(bodies[0]) <= 50_000, (territory, len(bodies[0]))
        points = [shapely.get_num_coordinates(shape(json.loads(b)["geometry"])) for b in bodies]
        assert points == sorted(points), (territory, points)
        assert points[-1] == shapely.get_num_coordinates(shapely.from_wkt(wkt)), territory


@pytest.mark.parametrize("key", ["territory/03358", "territory/03", "territory/033580024024"])
def test_geojson_is_the_stored_boundary_within_its_tolerance(client, sparql, key: str) -> None:
    iri = f"{BASE}id/{key}"
    wkt = sparql(f"SELECT ?wkt WHERE {{ <{iri}> geo:hasDefaultGeometry/geo:asWKT ?wkt }}")[0]["wkt"]
    stored = shapely.from_wkt(wkt)
    for detail in DETAILS:
        doc = feature(client, key, f"?detail={detail}")
        assert doc["type"] == "Feature" and doc["id"] == iri and doc["properties"]["iri"] == iri
        geometry = shape(doc["geometry"])
        assert geometry.is_valid and doc["geometry"]["type"] == "MultiPolygon"
        # longitude first (RFC 7946 §3.1.1): Germany lies at 5–16° E, 47–56° N
        minx, miny, maxx, maxy = geometry.bounds
        assert 5 < minx < maxx < 16 and 47 < miny < maxy < 56
        numbers = re.findall(r"-?\d+(?:\.\d+)?", json.dumps(doc["geometry"]["coordinates"]))
        assert all(len(n.partition(".")[2]) <= 6 for n in numbers)  # RFC 7946 §11.2
        tolerance = TOLERANCE[detail]
        assert geometry.hausdorff_distance(stored) <= tolerance + 1e-9
        # the area changes by at most the band of the tolerance along the boundary
        assert abs(geometry.area - stored.area) <= stored.length * tolerance + 1e-9
        labels = sparql(f"SELECT ?l WHERE {{ <{iri}> skos:prefLabel ?l FILTER (lang(?l) = 'de') }}")
        assert doc["properties"]["label"]["de"] == labels[0]["l"]
        codes = sparql(f"SELECT ?c WHERE {{ <{iri}> skos:notation ?c }} ORDER BY ?c")
        assert doc["properties"]["codes"] == [r["c"] for r in codes]
    assert area_ha(shape(feature(client, key, "?detail=full")["geometry"])) == pytest.approx(area_ha(stored))


def test_a_cooperation_has_its_derived_territory_boundary(client, sparql) -> None:
    org = f"{BASE}id/organization/metropolregion-hamburg"
    rows = sparql(f"SELECT ?wkt WHERE {{ <{org}> dct:spatial/geo:hasDefaultGeometry/geo:asWKT ?wkt }}")
    doc = feature(client, "organization/metropolregion-hamburg", "?detail=full")
    assert doc["id"] == org
    assert shape(doc["geometry"]).equals_exact(shapely.from_wkt(rows[0]["wkt"]), 1e-9)


def test_the_document_links_its_geojson(client) -> None:
    response = client.get("/doc/territory/03358", headers={"Accept": "text/turtle"})
    links = [link for link in parse_header_links(response.headers["Link"]) if link.get("type") == GEOJSON]
    assert [link["url"] for link in links] == [f"{BASE}doc/territory/03358.geojson"]
    assert links[0]["rel"] == "alternate"
    # a thing without a boundary lists none
    response = client.get("/doc/organization/03358", headers={"Accept": "text/turtle"})
    assert GEOJSON not in response.headers["Link"]


def test_a_detail_that_is_not_offered_is_a_400_naming_those_that_are(client) -> None:
    response = client.get("/doc/territory/03358.geojson?detail=fine")
    assert response.status_code == 400
    assert all(d in response.get_data(as_text=True) for d in DETAILS)


def test_geojson_revalidates_by_etag(client) -> None:
    first = client.get("/doc/territory/03358.geojson")
    again = client.get("/doc/territory/03358.geojson", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/doc/territory/03358.geojson?detail=coarse").headers["ETag"] != first.headers["ETag"]


def test_of_a_day_bomlitz_is_what_it_became(client, sparql) -> None:
    """Bomlitz existed in 2019 (with no boundary of its own in the 2021 source) and not today: today's answer
    names what replaced it, as the RDF documents of the day do."""
    bomlitz = f"{BASE}id/territory/03358004"
    successors = {r["x"] for r in sparql(f"SELECT ?x WHERE {{ <{bomlitz}> dct:isReplacedBy ?x }}")}
    assert successors
    today = client.get("/doc/territory/03358004.geojson?at=2024-01-01")
    assert today.status_code == 404
    assert all(s in today.get_data(as_text=True) for s in successors)
    then = client.get("/doc/territory/03358004.geojson?at=2019-06-01")
    assert then.status_code == 404 and "no boundary" in then.get_data(as_text=True)
    # its successor has one today, and the geometry of a day says its day
    (successor,) = successors
    doc = feature(client, key_of(successor), "?at=2024-01-01")
    assert doc["properties"]["at"] == "2024-01-01"


def test_a_cooperations_boundary_of_a_day_is_the_one_of_its_members_then(client, sparql) -> None:
    org = f"{BASE}id/organization/vogelpark-region"
    rows = sparql(f"""
        SELECT ?wkt ?b ?e WHERE {{ <{org}> dct:spatial/geo:hasGeometry ?g . ?g geo:asWKT ?wkt .
          OPTIONAL {{ ?g dct:temporal/time:hasBeginning/time:inXSDDate ?b }}
          OPTIONAL {{ ?g dct:temporal/time:hasEnd/time:inXSDDate ?e }} }}""")
    holding = [r for r in rows if (r["b"] or "") <= "2024-01-01" <= (r["e"] or "9999")]
    assert len(holding) == 1
    doc = feature(client, "organization/vogelpark-region", "?detail=full&at=2024-01-01")
    assert shape(doc["geometry"]).equals_exact(shapely.from_wkt(holding[0]["wkt"]), 1e-9)
    none_then = [r for r in rows if (r["b"] or "") <= "2019-06-01" <= (r["e"] or "9999")]
    status = client.get("/doc/organization/vogelpark-region.geojson?at=2019-06-01").status_code
    assert status == (200 if none_then else 404)


def test_what_links_a_geojson_is_what_has_one(build) -> None:
    """Every document's Link header asks :func:`bounded_of` (a cheap query) instead of the geometry index; the
    two name the same things, so no Link promises a GeoJSON that is not there, and none is left unlinked."""
    from publisher.render.geojson import GeoIndex, bounded_of
    from publisher.store.embedded import EmbeddedStore

    store = EmbeddedStore(build)
    index = GeoIndex(store, BASE)
    subjects = {r["s"].value for r in build.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER isIRI(?s) }")}
    has_one = {s for s in subjects if s.startswith(f"{BASE}id/") and index.has(s.removeprefix(f"{BASE}id/"))}
    assert len(has_one) > 700
    assert bounded_of(store, build.version) == has_one
