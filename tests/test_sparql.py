"""The SPARQL endpoint's promises: safe refusals, limits that tell the truth, every format, examples."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from publisher.config import Settings
from publisher.sparql.examples import load_examples
from tests.conftest import BASE, ROOT, make_client

SELECT = (
    "SELECT ?t ?name WHERE { ?t a <https://w3id.org/regiolod/def#Territory> ; "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> ?name } ORDER BY ?t ?name"
)
EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def ask(client, query: str, **kwargs):
    return client.get("/sparql", query_string={"query": query, **kwargs}, headers=JSON_RESULTS)


@pytest.mark.parametrize("example", load_examples(Settings(root=ROOT)), ids=lambda e: e.name)
def test_every_example_query_returns_rows(client, example) -> None:
    assert example.title and example.description
    response = ask(client, example.query)
    assert response.status_code == 200, response.data
    assert len(json.loads(response.data)["results"]["bindings"]) >= 1


def test_there_are_the_seven_example_queries() -> None:
    assert len(load_examples(Settings(root=ROOT))) >= 7


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
    ],
)
def test_select_in_every_result_format(client, sparql, accept: str, media: str) -> None:
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media
    expected = len(sparql(SELECT))
    if media == "application/sparql-results+json":
        assert len(json.loads(response.data)["results"]["bindings"]) == expected
    elif media == "text/csv":
        rows = list(csv.reader(io.StringIO(response.data.decode())))
        assert rows[0] == ["t", "name"] and len(rows) - 1 == expected
    elif media == "text/tab-separated-values":
        lines = response.data.decode().rstrip("\n").split("\n")
        assert lines[0] == "?t\t?name" and len(lines) - 1 == expected
        assert lines[1].startswith(f"<{BASE}id/territory/")
    else:
        parsed = rdflib.query.Result.parse(io.BytesIO(response.data), format="xml")
        assert len(list(parsed)) == expected


@pytest.mark.parametrize(
    ("accept", "parser"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
    ],
)
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_construct_and_describe_are_rdf_not_results(client, accept: str, parser: str) -> None:
    construct = f"CONSTRUCT {{ ?t ?p ?o }} WHERE {{ BIND (<{BASE}id/territory/03358> AS ?t) ?t ?p ?o }}"
    for query in (construct, f"DESCRIBE <{BASE}id/territory/03358>"):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.mimetype == accept
        graph = rdflib.Graph().parse(data=response.data, format=parser)
        assert (rdflib.URIRef(f"{BASE}id/territory/03358"), None, None) in graph


def test_format_parameter_overrides_accept(client) -> None:
    response = client.get("/sparql", query_string={"query": SELECT, "format": "csv"}, headers={"Accept": "text/html"})
    assert response.mimetype == "text/csv"
    unknown = client.get("/sparql", query_string={"query": SELECT, "format": "ttl"}, headers=JSON_RESULTS)
    assert unknown.mimetype == "application/sparql-results+json"  # a format that does not fit is ignored
    graph = client.get("/sparql", query_string={"query": f"DESCRIBE <{BASE}id/territory/03358>", "format": "xml"})
    assert graph.mimetype == "application/rdf+xml"


def test_post_form_and_post_direct(client) -> None:
    form = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers=JSON_RESULTS)
    assert json.loads(form.data)["boolean"] is True
    direct = client.post(
        "/sparql",
        data=b"ASK { ?s ?p ?o }",
        headers={**JSON_RESULTS, "Content-Type": "application/sparql-query"},
    )
    assert json.loads(direct.data)["boolean"] is True


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", 400, "SERVICE"),
        ("SELECT * WHERE { SERVICE SILENT <http://10.0.0.1/sparql> { ?s ?p ?o } }", 400, "SERVICE"),
        ("LOAD <http://example.org/data.ttl>", 400, "read-only"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", 403, "read-only"),
        ("DELETE WHERE { ?s ?p ?o }", 403, "read-only"),
        ("CLEAR ALL", 403, "read-only"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 400, "not a graph of this endpoint"),
        ("SELECT * FROM NAMED <http://example.org/> WHERE { GRAPH ?g { ?s ?p ?o } }", 400, "not a graph"),
        ("SELECT * WHERE " + "{" * 2000 + "}" * 2000, 400, "nests groups"),
        ("SELECT * WHERE { ?s ?p }", 400, "Syntax error"),
        ("this is not sparql", 400, "Not a SPARQL query"),
    ],
)
def test_refusals_are_clear_and_never_a_stack_trace(client, query: str, status: int, words: str) -> None:
    response = ask(client, query)
    assert response.status_code == status
    assert words in response.data.decode()
    assert response.mimetype == "text/plain"
    assert b"Traceback" not in response.data and b"/work/" not in response.data


def test_syntax_error_names_the_position(client) -> None:
    response = ask(client, "SELECT * WHERE {\n  ?s ?p \n}")
    assert response.status_code == 400
    assert "Syntax error at line 3, column 2" in response.data.decode()


def test_updates_in_every_form_are_refused(client) -> None:
    assert client.get("/sparql", query_string={"update": "CLEAR ALL"}).status_code == 403
    assert client.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
    direct = client.post("/sparql", data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert direct.status_code == 403
    assert ask(client, "ASK { ?s ?p ?o }").status_code == 200  # and nothing was cleared


def test_protocol_dataset_outside_our_graphs_is_refused(client) -> None:
    response = ask(client, "ASK {}", **{"default-graph-uri": "http://127.0.0.1/"})
    assert response.status_code == 400


LEADER = f"{BASE}id/graph/leader"
CHANGES = f"{BASE}id/graph/changes"
COUNT = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ {pattern} }}"


def count(client, query: str, **protocol) -> int:
    """The single ?n a COUNT query answers, read from SPARQL JSON."""
    response = ask(client, query, **protocol)
    assert response.status_code == 200, response.data
    return int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])


def test_from_scopes_the_default_graph_to_that_graph(client) -> None:
    """SPARQL 1.1 Query §13.2.1: FROM <g> makes g the default graph, as GRAPH <g> and default-graph-uri do."""
    scoped = count(client, COUNT.format(dataset=f"FROM <{LEADER}>", pattern="?s ?p ?o"))
    in_graph = count(client, COUNT.format(dataset="", pattern=f"GRAPH <{LEADER}> {{ ?s ?p ?o }}"))
    by_protocol = count(client, COUNT.format(dataset="", pattern="?s ?p ?o"), **{"default-graph-uri": LEADER})
    union = count(client, COUNT.format(dataset="", pattern="?s ?p ?o"))
    assert 0 < scoped == in_graph == by_protocol < union


def test_from_of_two_graphs_merges_them(client) -> None:
    """Two FROM clauses: the default graph is the RDF merge of both (SPARQL 1.1 Query §13.2.1)."""
    both = count(client, COUNT.format(dataset=f"FROM <{LEADER}> FROM <{CHANGES}>", pattern="?s ?p ?o"))
    by_protocol = count(
        client, COUNT.format(dataset="", pattern="?s ?p ?o"), **{"default-graph-uri": [LEADER, CHANGES]}
    )
    assert both == by_protocol
    assert both > count(client, COUNT.format(dataset=f"FROM <{LEADER}>", pattern="?s ?p ?o"))


def test_from_named_alone_leaves_the_default_graph_empty(client) -> None:
    """SPARQL 1.1 Query §13.2: a dataset of only FROM NAMED has an empty default graph, and only those named graphs."""
    named = f"FROM NAMED <{LEADER}>"
    assert count(client, COUNT.format(dataset=named, pattern="?s ?p ?o")) == 0
    in_named = count(client, COUNT.format(dataset=named, pattern="GRAPH ?g { ?s ?p ?o }"))
    assert in_named == count(client, COUNT.format(dataset="", pattern=f"GRAPH <{LEADER}> {{ ?s ?p ?o }}"))
    graphs = json.loads(ask(client, f"SELECT DISTINCT ?g {named} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}").data)
    assert [b["g"]["value"] for b in graphs["results"]["bindings"]] == [LEADER]


def test_from_and_from_named_together(client) -> None:
    """FROM sets the default graph and FROM NAMED the named graphs, each apart from the other (§13.2)."""
    dataset = f"FROM <{CHANGES}> FROM NAMED <{LEADER}>"
    default = count(client, COUNT.format(dataset=dataset, pattern="?s ?p ?o"))
    named = count(client, COUNT.format(dataset=dataset, pattern="GRAPH ?g { ?s ?p ?o }"))
    assert default == count(client, COUNT.format(dataset="", pattern=f"GRAPH <{CHANGES}> {{ ?s ?p ?o }}"))
    assert named == count(client, COUNT.format(dataset="", pattern=f"GRAPH <{LEADER}> {{ ?s ?p ?o }}"))
    # FROM alone names no graph: GRAPH ?g finds nothing.
    assert count(client, COUNT.format(dataset=f"FROM <{CHANGES}>", pattern="GRAPH ?g { ?s ?p ?o }")) == 0


def test_ask_honours_from(client) -> None:
    """ASK over FROM NAMED alone sees an empty default graph; over FROM, the graph's triples."""
    assert json.loads(ask(client, f"ASK FROM NAMED <{LEADER}> {{ ?s ?p ?o }}").data)["boolean"] is False
    assert json.loads(ask(client, f"ASK FROM <{LEADER}> {{ ?s ?p ?o }}").data)["boolean"] is True


def graph_of(client, query: str) -> rdflib.Graph:
    """The N-Triples answer of a CONSTRUCT or DESCRIBE, parsed."""
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.data
    return rdflib.Graph().parse(data=response.data, format="nt")


def test_construct_and_describe_honour_from(client) -> None:
    """CONSTRUCT and DESCRIBE over FROM <g> see only g: the same triples as the GRAPH <g>-scoped CONSTRUCT."""
    scoped = graph_of(client, f"CONSTRUCT {{ ?s ?p ?o }} FROM <{LEADER}> WHERE {{ ?s ?p ?o }}")
    in_graph = graph_of(client, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{LEADER}> {{ ?s ?p ?o }} }}")
    assert len(scoped) > 0 and isomorphic(scoped, in_graph)  # blank nodes are relabelled in each answer
    assert len(graph_of(client, f"CONSTRUCT {{ ?s ?p ?o }} FROM NAMED <{LEADER}> WHERE {{ ?s ?p ?o }}")) == 0
    # A thing described in two graphs: DESCRIBE over FROM says only what that graph says about it.
    thing = first_subject_in_two_graphs(client)
    described = graph_of(client, f"DESCRIBE <{thing}> FROM <{LEADER}>")
    own = graph_of(client, f"CONSTRUCT {{ <{thing}> ?p ?o }} WHERE {{ GRAPH <{LEADER}> {{ <{thing}> ?p ?o }} }}")
    everywhere = graph_of(client, f"CONSTRUCT {{ <{thing}> ?p ?o }} WHERE {{ <{thing}> ?p ?o }}")
    about = rdflib.Graph()
    for triple in described.triples((rdflib.URIRef(thing), None, None)):
        about.add(triple)
    assert isomorphic(about, own)
    assert len(everywhere) > len(own)


def first_subject_in_two_graphs(client) -> str:
    """A subject of the LEADER graph that some other graph says more about."""
    query = (
        f"SELECT ?s WHERE {{ GRAPH <{LEADER}> {{ ?s ?p ?o }} GRAPH ?g {{ ?s ?q ?x }} "
        f"FILTER(?g != <{LEADER}> && isIRI(?s)) }} ORDER BY ?s LIMIT 1"
    )
    return json.loads(ask(client, query).data)["results"]["bindings"][0]["s"]["value"]


def test_protocol_dataset_wins_over_from(client) -> None:
    """SPARQL 1.1 Protocol §2.1.4: default-graph-uri and named-graph-uri replace the query's FROM and FROM NAMED."""
    query = COUNT.format(dataset=f"FROM <{LEADER}>", pattern="?s ?p ?o")
    overridden = count(client, query, **{"default-graph-uri": CHANGES})
    assert overridden == count(client, COUNT.format(dataset="", pattern=f"GRAPH <{CHANGES}> {{ ?s ?p ?o }}"))
    named_query = COUNT.format(dataset=f"FROM NAMED <{LEADER}>", pattern="GRAPH ?g { ?s ?p ?o }")
    renamed = count(client, named_query, **{"named-graph-uri": CHANGES})
    assert renamed == overridden


#: Triples of one graph, and the same triples bound as triple terms (SPARQL 1.2 `<<( s p o )>>`).
PLAIN = (
    f"SELECT ?s ?p ?o WHERE {{ GRAPH <{LEADER}> {{ ?s ?p ?o }} FILTER(isIRI(?s) && !isBlank(?o)) }} "
    "ORDER BY ?s ?p ?o LIMIT 8"
)
QUOTING = PLAIN.replace("SELECT ?s ?p ?o WHERE", "SELECT ?s ?p ?o ?t WHERE").replace(
    "!isBlank(?o)) }", "!isBlank(?o)) BIND(<<( ?s ?p ?o )>> AS ?t) }"
)
TRICKY = (
    'SELECT ?t WHERE { BIND(<<( <http://example.org/a> <http://example.org/p> "say \\"hi\\", then\\tgo"@en )>> AS ?t) }'
)


def xml_term(element: ET.Element) -> dict:
    """A term of SPARQL Results XML as the JSON format writes it, so that both compare alike."""
    kind = element.tag.split("}", 1)[1]
    if kind == "triple":
        return {"type": "triple", "value": {part.tag.split("}", 1)[1]: xml_term(part[0]) for part in element}}
    term = {"type": kind, "value": element.text or ""}
    if "{http://www.w3.org/XML/1998/namespace}lang" in element.attrib:
        term["xml:lang"] = element.attrib["{http://www.w3.org/XML/1998/namespace}lang"]
    if "datatype" in element.attrib:
        term["datatype"] = element.attrib["datatype"]
    return term


def result_rows(response) -> list[dict[str, dict]]:
    """The bindings of a SPARQL JSON or XML answer, as JSON terms."""
    assert response.status_code == 200, response.data
    if response.mimetype == "application/sparql-results+json":
        return json.loads(response.data)["results"]["bindings"]
    ns = "{http://www.w3.org/2005/sparql-results#}"
    root = ET.fromstring(response.data)
    return [
        {b.attrib["name"]: xml_term(b[0]) for b in result.iter(f"{ns}binding")} for result in root.iter(f"{ns}result")
    ]


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_triple_terms_are_written_as_sparql_12_results(client, accept: str) -> None:
    """SPARQL 1.2 Query Results JSON and XML: a triple term carries its subject, predicate and object as terms."""
    rows = result_rows(client.get("/sparql", query_string={"query": QUOTING}, headers={"Accept": accept}))
    plain = result_rows(ask(client, PLAIN))
    assert len(rows) == len(plain) > 0
    for row in rows:
        assert row["t"]["type"] == "triple"
        assert row["t"]["value"] == {"subject": row["s"], "predicate": row["p"], "object": row["o"]}
    parts = [(r["t"]["value"]["subject"], r["t"]["value"]["predicate"], r["t"]["value"]["object"]) for r in rows]
    assert parts == [(r["s"], r["p"], r["o"]) for r in plain]


def test_triple_terms_in_csv_and_tsv(client) -> None:
    """SPARQL 1.2 Query Results CSV and TSV write a triple term as << s p o >>, its terms as the format writes terms."""
    plain = result_rows(ask(client, PLAIN))
    table = list(csv.reader(io.StringIO(ask_as(client, QUOTING, "text/csv"))))
    assert table[0] == ["s", "p", "o", "t"] and len(table) - 1 == len(plain) > 0
    for (s, p, o, t), expected in zip(table[1:], plain, strict=True):
        assert [s, p, o] == [expected["s"]["value"], expected["p"]["value"], expected["o"]["value"]]
        written = f'"{o.replace(chr(34), chr(34) * 2)}"' if expected["o"]["type"] == "literal" else o
        assert t == f"<< {s} {p} {written} >>"  # a literal object in quotation marks
    lines = ask_as(client, QUOTING, "text/tab-separated-values").rstrip("\n").split("\n")
    assert lines[0] == "?s\t?p\t?o\t?t" and len(lines) - 1 == len(plain)
    for line in lines[1:]:
        s, p, o, t = line.split("\t")
        assert t == f"<< {s} {p} {o} >>"  # the row's own terms, in the same Turtle syntax


def test_triple_terms_quote_and_escape_as_the_formats_need(client) -> None:
    """A literal with quotation marks, a comma and a tab: CSV quotes recursively, TSV escapes (SPARQL 1.2 CSV/TSV)."""
    field = list(csv.reader(io.StringIO(ask_as(client, TRICKY, "text/csv"))))[1][0]
    assert field == '<< http://example.org/a http://example.org/p "say ""hi"", then\tgo" >>'
    line = ask_as(client, TRICKY, "text/tab-separated-values").split("\n")[1]
    assert line == '<< <http://example.org/a> <http://example.org/p> "say \\"hi\\", then\\tgo"@en >>'
    (row,) = result_rows(ask(client, TRICKY))
    assert row["t"]["value"]["object"] == {"type": "literal", "value": 'say "hi", then\tgo', "xml:lang": "en"}


def ask_as(client, query: str, accept: str) -> str:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200, response.data
    assert response.mimetype == accept
    return response.data.decode("utf-8")


def test_triple_terms_on_the_results_page(client) -> None:
    """The HTML table shows a triple term as << subject predicate object >>, its IRIs as links."""
    plain = result_rows(ask(client, PLAIN))
    page = client.get("/sparql", query_string={"query": QUOTING, "format": "html"}).data.decode()
    first = plain[0]
    assert f'&lt;&lt; <a href="{first["s"]["value"]}">{first["s"]["value"]}</a> ' in page
    assert "{&#39;subject&#39;" not in page and "{'subject'" not in page  # not a Python dict


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/rdf+xml"])
def test_construct_with_triple_terms(client, accept: str) -> None:
    """CONSTRUCT answers holding triple terms in RDF 1.2 syntaxes; JSON-LD, which cannot say them, is a clear 400."""
    construct = PLAIN.replace("SELECT ?s ?p ?o WHERE", "CONSTRUCT { ?s <urn:x:says> <<( ?s ?p ?o )>> } WHERE")
    construct = construct.replace(" ORDER BY ?s ?p ?o", "")
    response = client.get("/sparql", query_string={"query": construct}, headers={"Accept": accept})
    assert response.status_code == 200, response.data
    formats = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES}
    parsed = list(ox.parse(response.data, format=formats.get(accept, ox.RdfFormat.RDF_XML)))
    quoted = {(t.object.subject.value, t.object.predicate.value, str(t.object.object)) for t in parsed}
    plain = client.get(
        "/sparql", query_string={"query": PLAIN.replace("LIMIT 8", "")}, headers={"Accept": "text/tab-separated-values"}
    )
    rows = {tuple(line.split("\t")) for line in plain.data.decode().rstrip("\n").split("\n")[1:]}
    assert quoted and {(f"<{s}>", f"<{p}>", o) for s, p, o in quoted} <= rows
    refused = client.get("/sparql", query_string={"query": construct}, headers={"Accept": "application/ld+json"})
    assert refused.status_code == 400
    assert "JSON-LD cannot express" in refused.data.decode() and "Turtle" in refused.data.decode()


def test_query_options_survive_the_trip_to_the_query_process() -> None:
    """Queries run in another process (the query processes, the shared query service): every option crosses."""
    from publisher.negotiation import NTRIPLES, TSV
    from publisher.sparql.processes import options_from_json, options_to_json
    from publisher.sparql.runner import QueryOptions

    options = QueryOptions(
        TSV, NTRIPLES, 2.5, 7, BASE + "sparql", (CHANGES,), (LEADER,), "DESCRIBE", (LEADER, CHANGES), (CHANGES,)
    )
    assert options_from_json(json.loads(options_to_json(options))) == options


def test_too_long_query_is_413(client) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 70_000
    assert client.post("/sparql", data={"query": query}).status_code == 413


def test_two_queries_are_refused(client) -> None:
    response = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert response.status_code == 400


def test_runaway_query_is_stopped_at_the_limit(client) -> None:
    start = time.monotonic()
    response = ask(client, EXPLOSION, timeout="1")
    elapsed = time.monotonic() - start
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "time limit of 1 s" in response.data.decode()
    assert elapsed < 5
    assert ask(client, "ASK { ?s ?p ?o }").status_code == 200


def test_queries_beyond_those_running_and_waiting_are_refused_at_once() -> None:
    """One query runs, one waits for it; a third finds the queue full and is told at once when to come back
    (Retry-After from the queue), so requests for SPARQL never pile up in the server's threads."""
    busy = make_client(sparql_max_concurrent=1, sparql_queue=2, sparql_queue_wait=2)  # one runs, one waits
    assert busy.get("/sparql", query_string={"query": "ASK {}"}, headers=JSON_RESULTS).status_code == 200
    answers: dict[str, tuple[int, float, str]] = {}

    def run(name: str) -> None:
        start = time.monotonic()
        response = busy.application.test_client(use_cookies=False).get(
            "/sparql", query_string={"query": EXPLOSION, "timeout": "6"}, headers=JSON_RESULTS
        )
        answers[name] = (response.status_code, time.monotonic() - start, response.data.decode())

    running = threading.Thread(target=run, args=("running",))
    running.start()
    time.sleep(1)  # the first query now holds the only query process
    waiting = threading.Thread(target=run, args=("waiting",))
    waiting.start()
    time.sleep(0.5)  # the second now waits (up to 2 s, while the first runs until 6 s) for it
    run("refused")
    running.join()
    waiting.join()
    status, elapsed, body = answers["refused"]
    assert status == 503 and "queue is full" in body
    assert elapsed < 1.5
    assert answers["waiting"][0] == 503 and "busy" in answers["waiting"][2]
    assert answers["waiting"][1] >= 1.5
    assert answers["running"][0] == 503 and "time limit of 6 s" in answers["running"][2]
    assert busy.get("/sparql", query_string={"query": "ASK {}"}, headers=JSON_RESULTS).status_code == 200


def test_truncation_is_announced() -> None:
    small = make_client(sparql_row_limit=5)
    response = small.get("/sparql", query_string={"query": SELECT}, headers=JSON_RESULTS)
    assert response.headers["X-Regiolod-Truncated"] == "true"
    assert len(json.loads(response.data)["results"]["bindings"]) == 5
    page = small.get("/sparql", query_string={"query": SELECT, "format": "html"})
    assert "abgeschnitten" in page.data.decode()
    whole = small.get("/sparql", query_string={"query": "ASK {}"}, headers=JSON_RESULTS)
    assert "X-Regiolod-Truncated" not in whole.headers


def test_html_results_page_works_without_javascript(client) -> None:
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/html"})
    html = response.data.decode()
    assert response.mimetype == "text/html"
    assert "<table" in html and "Heidekreis" in html and "format=csv" in html  # rendered on the server
    assert '<form method="post"' in html  # the fallback when the editor's script does not load
    assert 'integrity="sha384-' in html


def test_head_and_cors_preflight(client) -> None:
    head = client.head("/sparql", query_string={"query": "ASK {}"}, headers=JSON_RESULTS)
    assert head.status_code == 200 and head.data == b""
    preflight = client.options(
        "/sparql", headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert client.put("/sparql").status_code == 405
