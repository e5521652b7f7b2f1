"""The example queries are published in the endpoint as sh:SPARQLExecutable (the SIB/UniProt convention)."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import rdflib.plugins.sparql

from tests.conftest import BASE, ROOT

SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "https://schema.org/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
EXECUTABLES = f"""
SELECT ?q ?text ?label ?comment ?target WHERE {{
  ?q a <{SH}SPARQLExecutable> ; <{RDFS}label> ?label ; <{SCHEMA}target> ?target .
  ?q <{SH}select>|<{SH}ask>|<{SH}construct> ?text .
  OPTIONAL {{ ?q <{RDFS}comment> ?comment }}
}}
"""


def query_files() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))}


def executables(client) -> dict[str, dict[str, str]]:
    response = client.post("/sparql", data={"query": EXECUTABLES}, headers=JSON_RESULTS)
    assert response.status_code == 200, response.data
    rows = json.loads(response.data)["results"]["bindings"]
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        iri = row["q"]["value"]
        assert iri not in found, f"{iri} has more than one text, label, comment or target"
        found[iri] = {k: v["value"] for k, v in row.items()}
    return found


def test_the_executables_in_the_store_are_the_files_of_queries(client) -> None:
    files = query_files()
    endpoint = BASE + "sparql"
    found = executables(client)
    assert sorted(found) == sorted(f"{endpoint}#example-{name}" for name in files)
    for name, text in files.items():
        row = found[f"{endpoint}#example-{name}"]
        assert row["text"] == text
        assert row["target"] == endpoint
        # the file's own comment lines, read here a second way
        assert row["label"] == re.search(r"^# title: (.+)$", text, re.MULTILINE).group(1).strip()  # type: ignore[union-attr]
        assert row["comment"] == re.search(r"^# description: (.+)$", text, re.MULTILINE).group(1).strip()  # type: ignore[union-attr]
        # the text is a query (parsed by a second SPARQL implementation) ...
        rdflib.plugins.sparql.prepareQuery(row["text"])


def test_every_executable_runs_over_the_endpoint(client) -> None:
    for iri, row in sorted(executables(client).items()):
        response = client.post(
            "/sparql", data={"query": row["text"]}, headers=JSON_RESULTS
        )
        assert response.status_code == 200, (iri, response.data)
        doc = json.loads(response.data)
        assert doc.get("boolean") is not None or len(doc["results"]["bindings"]) >= 1, iri


def test_the_service_description_names_every_executable(client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    sd = ox.Store()
    sd.load(response.data, format=ox.RdfFormat.TURTLE, base_iri=BASE)
    named = {
        q.subject.value
        for q in sd.quads_for_pattern(None, ox.NamedNode(SCHEMA + "target"), ox.NamedNode(BASE + "sparql"))
    }
    typed = {q.subject.value for q in sd.quads_for_pattern(None, None, ox.NamedNode(SH + "SPARQLExecutable"))}
    assert named == typed == set(executables(client))


def test_each_example_is_an_anchor_of_the_query_page(client) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html"}).data.decode("utf-8")
    ids = set(re.findall(r'\bid="(example-[^"]+)"', page))
    assert ids == {iri.split("#", 1)[1] for iri in executables(client)}
