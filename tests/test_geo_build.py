"""The boundaries are generalised once, when the build is made (publish/boundaries.py), and listed in the catalog.

The served GeoJSON of a thing is the geometry the build wrote into its file of that detail (compared as parsed
JSON); a server never simplifies: with the simplification made to fail, documents and maps still answer; the
catalog describes each boundaries file with its real size and checksum.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
import shapely

from publisher.render import geojson
from publisher.render.geojson import DETAILS
from publisher.vocab import DCAT, DCATDE, DCT, EU, IANA, SPDX, VOID
from tests.conftest import BASE

GEOJSON = "application/geo+json"
NAMES = {d: f"boundaries-{d}.geojson.gz" for d in DETAILS}
#: A district, a municipality, a Land and a cooperation (its territory is the union of its members').
KEYS = ["territory/03358", "territory/033580024024", "territory/03", "organization/metropolregion-hamburg"]


def folder_of(app) -> Path:
    return app.extensions["regiolod"].dumps.folder


def written(app, detail: str) -> dict:
    with gzip.open(folder_of(app) / NAMES[detail], "rt", encoding="utf-8") as f:
        return json.load(f)


def served(client, key: str, detail: str) -> dict:
    response = client.get(f"/doc/{key}.geojson?detail={detail}")
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == GEOJSON
    return json.loads(response.data)


@pytest.mark.parametrize("detail", DETAILS)
def test_the_build_writes_one_feature_collection_per_detail_of_every_boundary(app, sparql, detail: str) -> None:
    collection = written(app, detail)
    assert collection["type"] == "FeatureCollection"
    rows = sparql("SELECT ?t ?g WHERE { ?t geo:hasGeometry ?g . ?g geo:asWKT ?wkt } ORDER BY ?t ?g")
    assert [(f["properties"]["territory"], f["id"]) for f in collection["features"]] == [(r["t"], r["g"]) for r in rows]
    for feature in collection["features"]:
        assert feature["properties"]["detail"] == detail and feature["properties"]["geometry"] == feature["id"]
        assert shapely.from_geojson(json.dumps(feature["geometry"])).is_valid
    cooperations = sparql("""
        SELECT ?o ?t WHERE { ?o a/rdfs:subClassOf* rl:Cooperation ; dct:spatial ?t . ?t geo:hasGeometry ?g }""")
    listed = {
        (o, f["properties"]["territory"]) for f in collection["features"] for o in f["properties"]["cooperations"]
    }
    assert listed == {(r["o"], r["t"]) for r in cooperations}


@pytest.mark.parametrize("key", KEYS)
def test_a_served_geojson_is_the_geometry_the_build_wrote(app, client, key: str) -> None:
    for detail in DETAILS:
        doc = served(client, key, detail)
        features = {f["id"]: f for f in written(app, detail)["features"]}
        feature = features[doc["properties"]["geometry"]]
        assert doc["geometry"] == feature["geometry"]
        assert feature["properties"]["territory"] == doc["properties"]["territory"]
        assert feature["properties"]["default"] is True
        if key.startswith("organization/"):
            assert doc["id"] in feature["properties"]["cooperations"]
        else:
            assert feature["properties"]["territory"] == doc["id"] == f"{BASE}id/{key}"


def test_a_server_never_simplifies_a_boundary(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server process that has not read the boundaries yet answers GeoJSON and map pages with the simplification
    made to fail: the forms are read from the build's files."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a boundary was simplified while serving")

    monkeypatch.setattr(geojson, "_INDEXES", {})  # as a fresh process: no index read yet
    monkeypatch.setattr(geojson, "generalised", refuse)
    monkeypatch.setattr(shapely, "simplify", refuse)
    client = app.test_client(use_cookies=False)
    for key in KEYS:
        for detail in DETAILS:
            assert served(client, key, detail)["type"] == "Feature"
        page = client.get(f"/doc/{key}.html")
        assert page.status_code == 200
        assert b'class="map"' in page.data, key
    assert geojson._INDEXES, "the index was read from the build's files"


def test_the_catalog_lists_each_boundaries_file_with_its_size_and_checksum(app, client) -> None:
    st = app.extensions["regiolod"]
    quads = st.catalog
    by_subject: dict[str, dict[str, list[str]]] = {}
    for q in quads:
        by_subject.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(q.object.value)
    dcat, dct = DCAT, DCT
    for detail, name in NAMES.items():
        url = f"{BASE}download/{name}"
        dists = [s for s, props in by_subject.items() if props.get(dcat + "downloadURL") == [url]]
        assert len(dists) == 1, name
        props = by_subject[dists[0]]
        assert props[dcat + "mediaType"] == [IANA + "application/geo+json"]
        assert props[dct + "format"] == [EU + "file-type/GEOJSON"]
        assert props[dcat + "compressFormat"] == [IANA + "application/gzip"]
        assert props[dct + "license"] == [st.settings.licence]
        attribution = props[DCATDE + "licenseAttributionByText"]
        assert len(attribution) == 1 and "BKG" in attribution[0]
        with client.get(f"/download/{name}") as response:
            body = response.get_data()
        assert body == (folder_of(app) / name).read_bytes()
        assert props[dcat + "byteSize"] == [str(len(body))]
        (checksum,) = props[SPDX + "checksum"]
        assert by_subject[checksum][SPDX + "checksumValue"] == [hashlib.sha256(body).hexdigest()]
        datasets = [s for s, p in by_subject.items() if dists[0] in p.get(dcat + "distribution", [])]
        assert datasets and all(url not in by_subject[d].get(VOID + "dataDump", []) for d in datasets)
        assert json.loads(gzip.decompress(body))["features"], detail
