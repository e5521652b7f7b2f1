"""The SPARQL 1.1 Protocol, run from the W3C test manifest, and the Service Description tests."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF

from publisher import create_app
from publisher.config import Settings
from publisher.dataset.build import load_build
from tests.conftest import BASE, DOWNLOADS, ROOT

CONFORMANCE = ROOT.parent / "shared" / "conformance" / "w3c-sparql11-protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")

pytestmark = pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="W3C protocol tests not found next to the project")

RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {"text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"}


def manifest() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(CONFORMANCE / "manifest.ttl", format="turtle", publicID=(CONFORMANCE / "manifest.ttl").as_uri())
    return graph


def protocol_tests() -> list[tuple[str, rdflib.URIRef]]:
    if not CONFORMANCE.is_dir():
        return []
    graph = manifest()
    root = next(graph.subjects(RDF.type, MF.Manifest))
    entries = Collection(graph, graph.value(root, MF.entries))
    return [(str(e).rsplit("#", 1)[-1], e) for e in entries]


@pytest.fixture(scope="module")
def protocol_client():
    """Our endpoint over our data plus the test graphs the manifest names (data0 is empty)."""
    settings = Settings(base_iri=BASE, root=ROOT, download_dir=str(DOWNLOADS), rate_limit=0)
    build = load_build(settings)
    for n in (1, 2, 3):
        build.oxigraph.load(
            path=str(CONFORMANCE / f"data{n}.nt"),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode(f"http://kasei.us/2009/09/sparql/data/data{n}.rdf"),
        )
    build.oxigraph.add_graph(ox.NamedNode("http://kasei.us/2009/09/sparql/data/data0.rdf"))
    for n in range(4):  # the endpoint knows its graphs from the build's counts
        graph = f"http://kasei.us/2009/09/sparql/data/data{n}.rdf"
        build.graph_sizes[graph] = sum(
            1 for _ in build.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        )
    return create_app(settings, build).test_client(use_cookies=False)


def run_request(client, graph: rdflib.Graph, request: rdflib.term.Node):
    path = str(graph.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
    method = str(graph.value(request, HT.methodName))
    headers = {}
    for header in Collection(graph, graph.value(request, HT.headers) or RDF.nil):
        headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    body = graph.value(request, HT.body)
    data = None
    if body is not None:
        encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
        data = str(graph.value(body, CNT.chars)).encode(encoding)
    return client.open(path, method=method, headers=headers, data=data)


def is_update_request(graph: rdflib.Graph, request: rdflib.term.Node) -> bool:
    """An update request of the manifest: update= in the URL or form, or a direct sparql-update body."""
    path = str(graph.value(request, HT.absolutePath))
    body = graph.value(request, HT.body)
    chars = str(graph.value(body, CNT.chars)) if body is not None else ""
    content_types = [
        str(graph.value(h, HT.fieldValue)) for h in Collection(graph, graph.value(request, HT.headers) or RDF.nil)
    ]
    direct_update = any(word in chars.upper() for word in ("INSERT", "DELETE", "CLEAR", "DROP"))
    return (
        "update=" in path
        or chars.startswith("update=")
        or "application/sparql-update" in content_types
        or (direct_update and "query=" not in chars)
    )


@pytest.mark.parametrize(("name", "test"), protocol_tests(), ids=[n for n, _ in protocol_tests()])
def test_w3c_protocol(protocol_client, name: str, test: rdflib.URIRef) -> None:
    graph = manifest()
    action = graph.value(test, MF.action)
    requests = list(Collection(graph, graph.value(action, HT.requests)))
    for request in requests:
        response = run_request(protocol_client, graph, request)
        expected = graph.value(request, HT.resp)
        classes = {str(s).replace(HTS, "")[0] for s in graph.objects(expected, MF.expectedStatus)}
        is_update = is_update_request(graph, request)
        if is_update:
            classes = {"4"}  # a query-only service answers every update with a client error
        assert str(response.status_code)[0] in classes, (name, response.status_code, response.data[:300])
        assert b"Traceback" not in response.data
        media = response.mimetype
        form = graph.value(expected, MF.expectedFormat)
        if form is not None and str(form) in ("boolean", "tabular"):
            assert media in RESULT_TYPES, (name, media)
        if form is not None and str(form) == "RDF":
            assert media in RDF_TYPES, (name, media)
        boolean = graph.value(expected, MF.expectedBoolean)
        if boolean is not None and not name.startswith("update_"):  # the update before it was refused
            if media == "application/sparql-results+json":
                assert json.loads(response.data)["boolean"] is boolean.toPython()
            else:
                assert f"<boolean>{str(boolean).lower()}</boolean>".encode() in response.data


def service_description(client, accept: str = "text/turtle") -> rdflib.Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    fmt = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt"}[response.mimetype]
    return rdflib.Graph().parse(data=response.data, format=fmt)


@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml", "application/n-triples", "*/*"])
def test_service_description_returns_rdf(client, accept: str) -> None:
    assert len(service_description(client, accept)) > 10


def test_service_description_has_the_matching_endpoint(client) -> None:
    graph = service_description(client)
    assert set(graph.objects(None, SD.endpoint)) == {rdflib.URIRef(f"{BASE}sparql")}


def test_service_description_conforms_to_the_schema(client) -> None:
    graph = service_description(client)
    [service] = list(graph.subjects(RDF.type, SD.Service))
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = {str(f).rsplit("/", 1)[1] for f in graph.objects(service, SD.resultFormat)}
    assert {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
    } <= formats
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in graph
    names = {str(graph.value(n, SD.name)) for n in graph.objects(dataset, SD.namedGraph)}
    assert f"{BASE}id/graph/heidekreis" in names
    void_triples = rdflib.URIRef("http://rdfs.org/ns/void#triples")
    assert int(graph.value(graph.value(dataset, SD.defaultGraph), void_triples)) > 5000
    functions = set(graph.objects(service, SD.extensionFunction))
    assert rdflib.URIRef("http://www.opengis.net/def/function/geosparql/sfWithin") in functions


def test_browsers_get_the_query_page(client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    assert b'<form method="post"' in response.data and b'name="query"' in response.data


def test_advertised_geosparql_function_really_works(client) -> None:
    query = (
        "PREFIX geo: <http://www.opengis.net/ont/geosparql#> "
        "PREFIX geof: <http://www.opengis.net/def/function/geosparql/> "
        "SELECT ?t WHERE { ?t geo:hasCentroid/geo:asWKT ?wkt "
        'FILTER (geof:sfWithin(?wkt, "POLYGON((9 52, 11 52, 11 54, 9 54, 9 52))"^^geo:wktLiteral)) }'
    )
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    found = {b["t"]["value"].rsplit("/", 1)[1] for b in json.loads(response.data)["results"]["bindings"]}
    assert "03358" in found and "13004" not in found  # Heidekreis lies in the box, Schwerin (11.4 E) not
