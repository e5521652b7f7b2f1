"""/reconcile: every answer validates against the Reconciliation API's JSON Schemas (0.2 and the 1.0 draft),
200 names of the register are matched as the data says (read a second way, with rdflib over data/), the
manifest is read the way OpenRefine reads it, and bad input is a 400 with a JSON message."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import rdflib
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from tests.conftest import BASE, ROOT

SCHEMAS = ROOT.parent / "shared" / "conformance" / "reconciliation-api"
needs_schemas = pytest.mark.skipif(
    not SCHEMAS.is_dir(), reason="the Reconciliation API's JSON Schemas are not in ../shared/conformance/"
)
RL = rdflib.Namespace("https://w3id.org/regiolod/def#")
SKOS = rdflib.namespace.SKOS
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCT = rdflib.namespace.DCTERMS
ID = BASE + "id/"
TYPES = (RL.MunicipalityTerritory, RL.DistrictTerritory, RL.StateTerritory, RL.Gemeinde, RL.Landkreis)


def validator(version: str, name: str) -> Draft7Validator:
    """The schema ``name`` of ``version``, its references resolved among the files of that version."""
    folder = SCHEMAS / version
    resources = []
    for path in sorted(folder.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents.get("$id", "").rstrip("#"), DRAFT7.create_resource(contents)))
    registry: Registry[Any] = Registry().with_resources(resources)
    schema = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    schema.pop("$schema", None)
    return Draft7Validator(schema, registry=registry)


def valid(version: str, name: str, body: object) -> None:
    errors = sorted(validator(version, name).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def post_queries(client, queries: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


# --- the manifest, as OpenRefine reads it -----------------------------------------------------------
@needs_schemas
def test_manifest_read_the_way_openrefine_reads_it(client) -> None:
    first = client.get("/reconcile")
    assert first.status_code == 200 and first.mimetype == "application/json"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    manifest = first.get_json()
    valid("0.2", "manifest", manifest)
    assert {"0.2", "1.0-draft"} <= set(manifest["versions"])
    assert manifest["identifierSpace"] == ID
    assert manifest["view"]["url"].replace("{{id}}", "territory/03358") == ID + "territory/03358"
    default = {t["id"] for t in manifest["defaultTypes"]}
    assert {str(RL.MunicipalityTerritory), str(RL.DistrictTerritory), str(RL.Land), str(RL.Cooperation)} <= default
    # JSONP, which 0.2 clients use from a browser: the same manifest inside the callback
    jsonp = client.get("/reconcile?callback=jsonp123").get_data(as_text=True)
    assert jsonp.startswith("/**/jsonp123(") and jsonp.endswith(");")
    assert json.loads(jsonp[len("/**/jsonp123(") : -2]) == manifest
    # then the queries as the form field, with the type the user picked from defaultTypes
    body = post_queries(client, {"q0": {"query": "Heidekreis", "type": str(RL.DistrictTerritory), "limit": 3}})
    valid("0.2", "reconciliation-result-batch", body)
    assert [c["id"] for c in body["q0"]["result"] if c["match"]] == ["territory/03358"]
    asked = {"q0": {"query": "03358", "type": "rl:Landkreis"}}
    by_get = client.get("/reconcile", query_string={"queries": json.dumps(asked)})
    assert [c["id"] for c in by_get.get_json()["q0"]["result"] if c["match"]] == ["organization/03358"]
    # the suggest services the manifest names answer at the address it builds
    entity = manifest["suggest"]["entity"]
    path = (entity["service_url"] + entity["service_path"]).removeprefix(BASE.rstrip("/"))
    suggested = client.get(path, query_string={"prefix": "Heidekr"}).get_json()
    valid("0.2", "suggest-entities-response", suggested)
    assert "territory/03358" in [s["id"] for s in suggested["result"]]
    preview = manifest["preview"]["url"].replace("{{id}}", "territory/03358").removeprefix(BASE.rstrip("/"))
    page = client.get(preview)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "script-src" not in page.headers["Content-Security-Policy"] and "Heidekreis" in page.get_data(as_text=True)


@needs_schemas
def test_the_draft_manifest_and_endpoints_validate(client) -> None:
    manifest = client.get("/reconcile?version=1.0-draft").get_json()
    valid("1.0-draft", "manifest", manifest)
    queries = {"queries": [{"conditions": [{"matchType": "name", "propertyValue": "Bomlitz"}],
                            "type": str(RL.MunicipalityTerritory)},
                           {"conditions": [{"matchType": "name", "propertyValue": "Walsrode"},
                                           {"matchType": "property", "propertyId": "parent",
                                            "propertyValue": "Heidekreis"}]}]}  # fmt: skip
    valid("1.0-draft", "reconciliation-query-batch", queries)
    body = client.post("/reconcile/match", json=queries).get_json()
    valid("1.0-draft", "reconciliation-result-batch", body)
    assert len(body["results"]) == 2
    for kind, schema in (("entity", "entities"), ("type", "types"), ("property", "properties")):
        found = client.get(f"/reconcile/suggest/{kind}", query_string={"prefix": "Ge"}).get_json()
        valid("1.0-draft", f"suggest-{schema}-response", found)
        valid("0.2", f"suggest-{schema}-response", found)
        assert found["result"], kind
    proposal = client.get("/reconcile/extend/propose", query_string={"type": str(RL.Gemeinde)}).get_json()
    valid("1.0-draft", "data-extension-property-proposal", proposal)
    valid("0.2", "data-extension-property-proposal", client.get("/reconcile/propose_properties").get_json())


# --- 200 names of the register ------------------------------------------------------------------------
def register_names(data_files: dict[Path, rdflib.Graph]) -> list[tuple[str, str, str]]:
    """(name, type, IRI) of 196 things of the register, chosen by a hash of their IRI (stable, spread)."""
    found = set()
    for path, graph in data_files.items():
        if "register" not in path.parts:
            continue
        for kind in TYPES:
            for thing in graph.subjects(rdflib.RDF.type, kind):
                for label in graph.objects(thing, SKOS.prefLabel):
                    if isinstance(label, rdflib.Literal) and label.language == "de":
                        found.add((str(label), str(kind), str(thing)))
    return sorted(found, key=lambda row: hashlib.sha256("\0".join(row).encode()).hexdigest())[:196]


def expected_matches(union: rdflib.Graph, name: str, kind: str, day: str | None) -> set[str]:
    """Things of ``kind`` that bear ``name`` as a label (case-insensitive) and exist that day (today when None)."""
    found = set()
    for thing in union.subjects(rdflib.RDF.type, rdflib.URIRef(kind)):
        written = [str(o) for p in (SKOS.prefLabel, SKOS.altLabel, RL.formerLabel) for o in union.objects(thing, p)]
        # a qualifier in brackets may be left out: "Walsrode (bis 2019)", "Verden (Aller)"
        labels = {w.casefold() for w in written} | {re.sub(r"\s*\([^()]*\)$", "", w).casefold() for w in written}
        if name.casefold() not in labels:
            continue
        ended = [str(o)[:10] for o in union.objects(thing, PROV.invalidatedAtTime)]
        begun = [str(o)[:10] for o in union.objects(thing, PROV.generatedAtTime)]
        if day is None and ended:
            continue
        if day is not None and (any(e <= day for e in ended) or any(b > day for b in begun)):
            continue
        found.add(str(thing).removeprefix(ID))
    return found


@needs_schemas
def test_two_hundred_register_names_match_as_the_data_says(client, data_files, data_union) -> None:
    chosen = [(name, kind, None) for name, kind, _ in register_names(data_files)]
    # renamed and merged ones, today and on a day before the change
    town = str(RL.MunicipalityTerritory)
    chosen += [("Soltau-Fallingbostel", str(RL.DistrictTerritory), None), ("Bomlitz", town, "2019-06-01"),
               ("Walsrode", town, "2019-06-01"), ("Walsrode", town, None)]  # fmt: skip
    assert len(chosen) == 200
    queries = {f"q{i}": {"query": name, "type": kind, "limit": 10, **({"at": day} if day else {})}
               for i, (name, kind, day) in enumerate(chosen)}  # fmt: skip
    body = post_queries(client, queries)
    valid("0.2", "reconciliation-result-batch", body)
    matched = 0
    for i, (name, kind, day) in enumerate(chosen):
        expected = expected_matches(data_union, name, kind, day)
        assert expected, (name, kind, day)
        result = body[f"q{i}"]["result"]
        full = {c["id"] for c in result if c["score"] == 100}
        sure = {c["id"] for c in result if c["match"]}
        assert expected <= full, (name, kind, day, result[:3])
        assert sure == (full if len(full) == 1 else set()), (name, result[:3])
        matched += len(sure)
    assert matched >= 180  # namesakes of one type in the register (e.g. several "Neustadt") are not matches
    # the renamed district: found by its former name today; the merged town: its old key on a day before
    renamed, bomlitz, old, new = (body[f"q{i}"]["result"] for i in range(196, 200))
    assert [c["id"] for c in renamed if c["match"]] == ["territory/03358"]
    assert [c["id"] for c in bomlitz if c["match"]] == ["territory/03358004"]
    assert [c["id"] for c in old if c["match"]] == ["territory/03358022"]
    assert [c["id"] for c in new if c["match"]] == ["territory/033580024024"]


def test_names_as_people_write_them(client) -> None:
    """Umlauts and ß written out, designations before or after the name, any code."""
    queries = {"umlaut": {"query": "Goettingen", "type": "rl:Gemeinde"}, "eszett": {"query": "GROSSEFEHN"},
               "prefix": {"query": "Stadt Walsrode", "type": "rl:Gemeinde"},
               "suffix": {"query": "Walsrode, Stadt", "type": "rl:Gemeinde"},
               "ags": {"query": "03358024", "type": "rl:MunicipalityTerritory"},
               "ars": {"query": "033580024024", "type": "rl:Gemeinde"},
               "nuts": {"query": "DE938", "type": "rl:DistrictTerritory"}, "qid": {"query": "Q5922"},
               "district": {"query": "Landkreis Heidekreis"}}  # fmt: skip
    body = post_queries(client, queries)
    sure = {key: [c["id"] for c in value["result"] if c["match"]] for key, value in body.items()}
    assert sure["prefix"] == ["organization/033580024024"]
    assert sure["suffix"] == ["organization/033580024024"]
    assert sure["ags"] == ["territory/033580024024"] and sure["ars"] == ["organization/033580024024"]
    assert sure["nuts"] == ["territory/03358"] and sure["qid"] == ["territory/03358"]
    assert sure["district"] == ["organization/03358"]
    assert sure["umlaut"] == ["organization/031590016016"]  # Stadt Göttingen
    assert {c["name"] for c in body["eszett"]["result"] if c["score"] == 100} >= {"Großefehn"}


# --- data extension -------------------------------------------------------------------------------------
@needs_schemas
def test_extension_returns_what_the_data_says(client, data_union, sparql) -> None:
    ids = ["territory/03358004", "territory/03358", "organization/033580024024"]
    asked = ("ags", "nuts", "wikidata", "parent", "population", "successor", "memberships")
    query = {"ids": ids, "properties": [{"id": p} for p in asked]}
    valid("0.2", "data-extension-query", query)
    old = client.post("/reconcile", data={"extend": json.dumps(query)}).get_json()
    valid("0.2", "data-extension-response", old)
    new = client.post("/reconcile/extend", json=query).get_json()
    valid("1.0-draft", "data-extension-response", new)
    rows = {row["id"]: {p["id"]: p["values"] for p in row["properties"]} for row in new["rows"]}
    assert rows == {i: {p: v for p, v in old["rows"][i].items()} for i in ids}
    bomlitz = rdflib.URIRef(ID + "territory/03358004")
    assert {v["id"] for v in rows["territory/03358004"]["successor"]} == {
        str(o).removeprefix(ID) for o in data_union.objects(bomlitz, DCT.isReplacedBy)
    }
    heidekreis = rdflib.URIRef(ID + "territory/03358")
    notations = {str(o) for o in data_union.objects(heidekreis, SKOS.notation) if o.datatype == RL.NUTS}
    assert {v["str"] for v in rows["territory/03358"]["nuts"]} == notations
    figures = [(str(data_union.value(f, RL.referenceDate)), int(data_union.value(f, rdflib.RDF.value)))
               for f in data_union.objects(heidekreis, RL.population)]  # fmt: skip
    assert rows["territory/03358"]["population"] == [{"int": max(figures)[1]}]
    assert {v["id"] for v in rows["territory/03358"]["parent"]} == {"territory/03"}
    # memberships of the new town today, and none of the old one's (it ended) on that day
    today = {v["id"] for v in rows["organization/033580024024"]["memberships"]}
    member_of = sparql(f"SELECT ?o WHERE {{ <{ID}organization/033580024024> org:memberOf ?o }}")
    assert today == {str(r["o"]).removeprefix(ID) for r in member_of} and today
    on_a_day = {"ids": ["organization/03358004"],
                "properties": [{"id": "memberships", "settings": {"at": "2019-06-01"}}]}  # fmt: skip
    earlier = client.post("/reconcile/extend", json=on_a_day).get_json()
    valid("1.0-draft", "data-extension-response", earlier)


# --- bad input and CORS -------------------------------------------------------------------------------
BAD = [
    ("malformed queries", "post", "/reconcile", {"data": {"queries": "{not json"}}),
    ("queries not an object", "post", "/reconcile", {"data": {"queries": "[1, 2]"}}),
    ("query without text", "post", "/reconcile", {"data": {"queries": '{"q": {"type": "rl:Gemeinde"}}'}}),
    ("unknown type", "post", "/reconcile", {"data": {"queries": '{"q": {"query": "x", "type": "rl:Nothing"}}'}}),
    ("unknown property", "post", "/reconcile",
     {"data": {"queries": '{"q": {"query": "x", "properties": [{"pid": "eye", "v": "blue"}]}}'}}),
    ("absurd limit", "post", "/reconcile", {"data": {"queries": '{"q": {"query": "x", "limit": 1000000000}}'}}),
    ("negative limit", "post", "/reconcile", {"data": {"queries": '{"q": {"query": "x", "limit": -1}}'}}),
    ("bad day", "post", "/reconcile", {"data": {"queries": '{"q": {"query": "x", "at": "2019-13-45"}}'}}),
    ("malformed body", "post", "/reconcile/match", {"data": "{oops", "content_type": "application/json"}),
    ("no conditions", "post", "/reconcile/match", {"json": {"queries": [{"type": "rl:Gemeinde"}]}}),
    ("malformed extend", "post", "/reconcile", {"data": {"extend": "{oops"}}),
    ("unknown extension property", "post", "/reconcile/extend", {"json": {"ids": ["x"], "properties": [{"id": "x"}]}}),
    ("suggest without prefix", "get", "/reconcile/suggest/entity", {}),
    ("suggest absurd limit", "get", "/reconcile/suggest/entity", {"query_string": {"prefix": "a", "limit": "999999"}}),
    ("bad callback", "get", "/reconcile", {"query_string": {"callback": "alert(1)//"}}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "method", "path", "kwargs"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_400_with_a_json_message(
    client, case: str, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400, (case, response.get_data(as_text=True)[:200])
    body = response.get_json()
    assert body["status"] == 400 and body["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_preview_is_a_404_and_preflight_is_allowed(client) -> None:
    missing = client.get("/reconcile/preview", query_string={"id": "territory/00000"})
    assert missing.status_code == 404 and missing.get_json()["status"] == 404
    for path in ("/reconcile", "/reconcile/match", "/reconcile/extend", "/reconcile/suggest/entity"):
        asking = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
        preflight = client.options(path, headers=asking)
        assert preflight.status_code == 204, path
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_the_index_is_read_from_a_remote_store_the_same(client, finished, remote_endpoint) -> None:
    """Over a remote SPARQL store the index comes from its queries at start: the same answers as in memory."""
    from dataclasses import replace

    from publisher import create_app

    remote_app = client.application
    settings = remote_app.extensions["regiolod"].settings
    remote = create_app(replace(settings, store="sparql+" + remote_endpoint, download_dir=str(finished))).test_client()
    queries = {"a": {"query": "Soltau-Fallingbostel"}, "b": {"query": "Bomlitz", "at": "2019-06-01"},
               "c": {"query": "03358024"}, "d": {"query": "Göttingen", "type": "rl:Gemeinde"}}  # fmt: skip
    assert post_queries(remote, queries) == post_queries(client, queries)
    extension = {"ids": ["territory/03358004", "organization/033580024024"],
                 "properties": [{"id": p} for p in ("successor", "memberships", "population", "parent")]}  # fmt: skip
    assert remote.post("/reconcile/extend", json=extension).get_json() == client.post(
        "/reconcile/extend", json=extension
    ).get_json()


def test_a_former_name_is_a_full_match_on_a_day_it_was_borne(client, data_union) -> None:
    """Every rl:formerLabel finds its thing with 100 on the day before its renaming, shown by today's name."""
    rows = sorted((str(s), str(o)) for s, o in data_union.subject_objects(RL.formerLabel))
    renamings = {str(e): str(data_union.value(e, DCT.date))[:10]
                 for e in data_union.subjects(DCT.type, RL["change-renaming"])}  # fmt: skip
    assert rows and renamings
    before = (dt.date.fromisoformat(min(renamings.values())) - dt.timedelta(days=1)).isoformat()
    for thing, label in rows:
        key = thing.removeprefix(ID)
        then = post_queries(client, {"q": {"query": label, "at": before}})["q"]["result"]
        found = [c for c in then if c["id"] == key and c["score"] == 100]
        assert found, (label, then[:2])
        names = {str(o) for o in data_union.objects(rdflib.URIRef(thing), SKOS.prefLabel) if o.language == "de"}
        assert found[0]["name"] in names
