"""Dereferencing and content negotiation, in process, the way linked-data clients ask."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from tests.conftest import BASE, make_client

DOC = "/doc/territory/03358"
THING = f"{BASE}id/territory/03358"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
RDFLIB = (
    "application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json, "
    "application/n-quads, application/trig;q=0.9, */*;q=0.1"
)

MATRIX = [
    (None, 200, "text/html; charset=utf-8"),
    ("*/*", 200, "text/html; charset=utf-8"),
    (FIREFOX, 200, "text/html; charset=utf-8"),
    (CHROME, 200, "text/html; charset=utf-8"),
    ("text/turtle", 200, "text/turtle; charset=utf-8"),
    ("application/ld+json", 200, "application/ld+json"),
    ("application/json", 200, "application/ld+json"),
    ("application/rdf+xml", 200, "application/rdf+xml"),
    ("application/n-triples", 200, "application/n-triples"),
    ("application/n-quads", 200, "application/n-quads"),
    ("text/plain", 200, "application/n-triples"),
    ("application/rdf+xml, text/turtle;q=0.9, */*;q=0.1", 200, "application/rdf+xml"),
    ("text/turtle;q=0.5, application/ld+json", 200, "application/ld+json"),
    ("text/turtle; charset=utf-8; q=0.8, application/rdf+xml;q=0.7", 200, "text/turtle; charset=utf-8"),
    ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"', 200, "application/ld+json"),
    ("text/*", 200, "text/html; charset=utf-8"),
    ("application/*", 200, "application/ld+json"),
    (RDFLIB, 200, "text/turtle; charset=utf-8"),  # a tie at q=1: the server prefers Turtle
    ("application/sparql-results+json,application/json;q=0.9,*/*;q=0.1", 200, "application/ld+json"),
    ("text/html;q=0, */*", 200, "text/turtle; charset=utf-8"),
    ("image/png", 406, "text/plain; charset=utf-8"),
    ("text/turtle;q=0", 406, "text/plain; charset=utf-8"),
    ("application/pdf, image/*", 406, "text/plain; charset=utf-8"),
]


@pytest.mark.parametrize(("accept", "status", "content_type"), MATRIX)
def test_negotiation_matrix(client, accept: str | None, status: int, content_type: str) -> None:
    response = client.get(DOC, headers={"Accept": accept} if accept else {})
    assert response.status_code == status
    assert response.headers["Content-Type"] == content_type
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_id_answers_303_see_other_to_the_document(client, method: str) -> None:
    response = client.open("/id/territory/03358", method=method, headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}doc/territory/03358"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_redirect_setting_200_serves_the_document_at_the_id() -> None:
    response = make_client(redirect="200").get("/id/territory/03358", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Location"] == f"{BASE}doc/territory/03358.ttl"
    assert f'<{BASE}doc/territory/03358>; rel="describedby"' in response.headers["Link"]
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    assert (rdflib.URIRef(THING), None, None) in graph


SUFFIXES = [
    ("ttl", "turtle", "text/turtle; charset=utf-8"),
    ("nt", "nt", "application/n-triples"),
    ("jsonld", "json-ld", "application/ld+json"),
    ("rdf", "xml", "application/rdf+xml"),
    ("nq", "nquads", "application/n-quads"),
    ("html", None, "text/html; charset=utf-8"),
]


@pytest.mark.parametrize(("suffix", "parser", "content_type"), SUFFIXES)
def test_suffix_fixes_the_format_whatever_the_accept_header(client, suffix, parser, content_type) -> None:
    response = client.get(f"{DOC}.{suffix}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Location"] == f"{BASE}doc/territory/03358.{suffix}"
    assert "Accept," not in response.headers.get("Vary", "") and response.headers.get("Vary") != "Accept"


def expected_graph(build, finished: Path) -> rdflib.Graph:
    """The description as every store holds it: own statements, blank-node closure, incoming links.

    Every store serves the data with the catalog (which links to the thing), so the expectation does
    not depend on whether an in-memory app has added the catalog to the shared build yet.
    """
    from dataclasses import replace

    import pyoxigraph as ox

    from publisher.dataset.terms import to_rdflib
    from publisher.store.embedded import EmbeddedStore

    store = ox.Store()
    store.extend(build.oxigraph)
    store.extend(ox.parse(path=str(finished / "current" / "catalog.nq"), format=ox.RdfFormat.N_QUADS))
    desc = EmbeddedStore(replace(build, oxigraph=store)).describe(THING, 10_000)
    graph = rdflib.Graph()
    for q in desc.quads + desc.incoming:
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    doc = rdflib.URIRef(f"{BASE}doc/territory/03358")
    graph.add((doc, rdflib.FOAF.primaryTopic, rdflib.URIRef(THING)))
    graph.add((doc, rdflib.VOID.inDataset, rdflib.URIRef(f"{BASE}id/dataset/regiolod")))
    return graph


# rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize(("suffix", "parser"), [(s, p) for s, p, _ in SUFFIXES if p and p != "nquads"])
def test_every_rdf_format_parses_back_to_the_same_graph(
    client, build, finished: Path, suffix: str, parser: str
) -> None:
    graph = rdflib.Graph().parse(data=client.get(f"{DOC}.{suffix}").data, format=parser)
    assert isomorphic(graph, expected_graph(build, finished))


def test_description_has_incoming_links_and_blank_node_closure(client) -> None:
    graph = rdflib.Graph().parse(data=client.get(f"{DOC}.ttl").data, format="turtle")
    geo = rdflib.Namespace("http://www.opengis.net/ont/geosparql#")
    rl = rdflib.Namespace("https://w3id.org/regiolod/def#")
    walsrode = rdflib.URIRef(f"{BASE}id/territory/033580024024")
    assert (walsrode, geo.sfWithin, rdflib.URIRef(THING)) in graph
    populations = list(graph.objects(rdflib.URIRef(THING), rl.population))
    assert 145394 in {graph.value(p, rdflib.RDF.value).toPython() for p in populations}


def test_nquads_keep_the_named_graphs(client) -> None:
    import pyoxigraph as ox

    quads = ox.parse(client.get(f"{DOC}.nq").data, format=ox.RdfFormat.N_QUADS)
    names = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    assert {f"{BASE}id/graph/heidekreis", f"{BASE}id/graph/derived"} <= names


def test_jsonld_is_compacted_with_the_published_context(client) -> None:
    import json

    doc = json.loads(client.get(f"{DOC}.jsonld").data)
    context = json.loads(client.get("/context.jsonld").data)["@context"]
    assert doc["@context"] == context
    heidekreis = next(node for node in doc["@graph"] if node["id"] == f"{BASE}id/territory/03358")
    assert heidekreis["name"]["de"] == "Heidekreis"  # the context's terms, not skos:prefLabel


def test_headers_of_a_negotiated_document(client, app) -> None:
    response = client.get(DOC, headers={"Accept": "text/turtle"})
    assert response.headers["Vary"] == "Accept, Accept-Profile"  # a document's RDF also has profiles
    assert response.headers["Content-Location"] == f"{BASE}doc/territory/03358.ttl"
    links = response.headers["Link"]
    for suffix, media in [
        ("html", "text/html"),
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
        ("nq", "application/n-quads"),
    ]:
        assert f'<{BASE}doc/territory/03358.{suffix}>; rel="alternate"; type="{media}"' in links
    assert response.headers["ETag"].startswith(f'"{app.extensions["regiolod"].build.version}-')
    assert response.headers["Last-Modified"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_revalidation_gives_304(client) -> None:
    first = client.get(DOC, headers={"Accept": "text/turtle"})
    again = client.get(DOC, headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    other = client.get(DOC, headers={"Accept": "application/ld+json", "If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200
    since = client.get(DOC, headers={"Accept": "text/turtle", "If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_head_has_headers_and_no_body(client) -> None:
    get = client.get(DOC, headers={"Accept": "text/turtle"})
    head = client.head(DOC, headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_unknown_thing_is_404_with_a_hint(client) -> None:
    html = client.get("/doc/territory/0335802", headers={"Accept": "text/html"})
    assert html.status_code == 404
    assert b"033580024024" in html.data or b"Walsrode" in html.data
    turtle = client.get("/doc/territory/walsrod", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 404
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    assert rdflib.URIRef(f"{BASE}id/territory/033580024024") in set(graph.objects(None, rdflib.RDFS.seeAlso))
    assert client.get("/id/territory/nothing").status_code == 404


def test_406_lists_the_alternatives(client) -> None:
    response = client.get(DOC, headers={"Accept": "image/png"})
    assert response.status_code == 406
    for suffix in ("html", "ttl", "jsonld", "rdf", "nt", "nq"):
        assert f"{BASE}doc/territory/03358.{suffix}".encode() in response.data
    assert 'rel="alternate"' in response.headers["Link"]


def test_post_is_not_allowed(client) -> None:
    response = client.post(DOC)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_forwarded_headers_are_not_trusted(client) -> None:
    response = client.get(
        "/id/territory/03358",
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "Host": "evil.example"},
    )
    assert response.headers["Location"] == f"{BASE}doc/territory/03358"
    page = client.get(DOC, headers={"X-Forwarded-Host": "evil.example", "Host": "evil.example"})
    assert b"evil.example" not in page.data


@pytest.fixture(scope="module")
def iris_client():
    return make_client(data_dir="tests/data/iris")


ROUND_TRIP = [
    ("organization/zweckverband-stra%C3%9Fe-%C3%BCber", "organization/zweckverband-straße-über"),
    ("organization/zweckverband-straße-über", "organization/zweckverband-straße-über"),
    ("organization/a%20b", "organization/a%20b"),
    ("organization/c+d", "organization/c+d"),
    ("organization/c%2Bd", "organization/c%2Bd"),
    ("organization/e%2Ff", "organization/e%2Ff"),
    ("organization/e%2ff", "organization/e%2Ff"),
    ("organization/e/f", "organization/e/f"),
]


@pytest.mark.parametrize(("requested", "key"), ROUND_TRIP)
def test_unusual_iris_round_trip_exactly(iris_client, requested: str, key: str) -> None:
    response = iris_client.get(f"/doc/{requested}.ttl")
    if key == "organization/c%2Bd":  # "+" and "%2B" are different IRIs; only "+" is in the data
        assert response.status_code == 404
        return
    assert response.status_code == 200, requested
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    [topic] = list(graph.objects(None, rdflib.FOAF.primaryTopic))
    assert str(topic) == f"{BASE}id/{key}"
    assert (topic, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), None) in graph


def test_unicode_redirect_location_is_a_valid_uri(iris_client) -> None:
    response = iris_client.get("/id/organization/zweckverband-stra%C3%9Fe-%C3%BCber")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}doc/organization/zweckverband-stra%C3%9Fe-%C3%BCber"
    response.headers["Location"].encode("ascii")


TRAILING_SLASH = [
    ("/doc/territory/03358/", "doc/territory/03358"),
    ("/doc/territory/03358/?lang=en&at=2020-01-01", "doc/territory/03358?lang=en&at=2020-01-01"),
    ("/doc/territory/03358.ttl/", "doc/territory/03358.ttl"),
    ("/id/territory/03358/", "id/territory/03358"),
    ("/id/territory/03358/?x=%C3%A4", "id/territory/03358?x=%C3%A4"),
    ("/incoming/territory/03358/?page=1", "incoming/territory/03358?page=1"),
]


@pytest.mark.parametrize(("requested", "location"), TRAILING_SLASH)
def test_a_trailing_slash_after_a_thing_redirects_to_it(client, requested: str, location: str) -> None:
    """``/doc/{key}/`` is the address a person types or a tool appends to; it names no thing of its own."""
    response = client.get(requested, headers={"Accept": "text/turtle"})
    assert response.status_code == 301
    assert response.headers["Location"] == BASE + location
    assert client.get(response.headers["Location"][len(BASE) - 1 :]).status_code in (200, 303)


@pytest.mark.parametrize("requested", ["/doc/territory/99999/", "/id/territory/99999/", "/doc/territory/03358//"])
def test_a_trailing_slash_after_an_unknown_thing_stays_404(client, requested: str) -> None:
    assert client.get(requested, headers={"Accept": "text/turtle"}).status_code == 404


@pytest.mark.parametrize(
    ("requested", "status", "location"),
    [
        ("/doc/organization/g/", 200, None),  # a thing whose key ends in "/" is served, not redirected
        ("/id/organization/g/", 303, "doc/organization/g/"),
        ("/doc/organization/e%2Ff/", 301, "doc/organization/e%2Ff"),  # the escaped slash stays escaped
        ("/doc/organization/e/f/", 301, "doc/organization/e/f"),
    ],
)
def test_a_trailing_slash_redirects_only_where_the_key_with_it_is_no_thing(
    iris_client, requested: str, status: int, location: str | None
) -> None:
    response = iris_client.get(requested, headers={"Accept": "text/turtle"})
    assert response.status_code == status
    if location is None:
        graph = rdflib.Graph().parse(data=response.data, format="turtle")
        assert [str(t) for t in graph.objects(None, rdflib.FOAF.primaryTopic)] == [f"{BASE}id/organization/g/"]
    else:
        assert response.headers["Location"] == BASE + location
