"""/fragments: Quad Pattern Fragments, checked against SPARQL over the same build, and queried by Comunica.

Every count and every set of statements is compared with a second computation (a SPARQL query over the
build, or the build's store asked directly); the client test runs Comunica (npm, pinned in
package-lock.json) with node against a real server and compares each example query's rows with /sparql's.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import rdflib
import requests

from publisher.render.fragments import PAGE_SIZE, SD_DEFAULT_GRAPH, VOID_SUBSET, VOID_TRIPLES, default_graph
from publisher.vocab import (
    FOAF_PRIMARY_TOPIC,
    HYDRA_MAPPING,
    HYDRA_NEXT,
    HYDRA_PREVIOUS,
    HYDRA_PROPERTY,
    HYDRA_SEARCH,
    HYDRA_TEMPLATE,
    HYDRA_TOTAL_ITEMS,
    HYDRA_VARIABLE,
    RDFS_COMMENT,
    SKOS_PREF_LABEL,
)
from tests.conftest import BASE, ROOT
from tests.processes import BIN, clean_env, free_port, running

DEFAULT = default_graph(BASE)
HEIDEKREIS = f"{BASE}id/territory/03358"
QUADS = {"Accept": "application/n-quads"}


def fragment(client, **parts: str) -> str:
    """The address of a fragment, each part percent-encoded as a URI template would."""
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in parts.items())
    return "/fragments" + (f"?{query}" if query else "")


def read_pages(client, url: str) -> tuple[list[ox.Quad], list[int], int]:
    """Follow hydra:next from ``url``: the data quads of every page, each page's size, and the count."""
    data: list[ox.Quad] = []
    sizes: list[int] = []
    total = -1
    while url:
        response = client.get(url.removeprefix(BASE.rstrip("/")), headers=QUADS)
        assert response.status_code == 200, response.get_data(as_text=True)
        quads = list(ox.parse(response.data, format=ox.RdfFormat.N_QUADS))
        meta_graphs = {q.subject for q in quads if q.predicate == FOAF_PRIMARY_TOPIC}
        page = [q for q in quads if q.graph_name not in meta_graphs]
        meta = [q for q in quads if q.graph_name in meta_graphs]
        data += page
        sizes.append(len(page))
        counts = {int(q.object.value) for q in meta if q.predicate in (VOID_TRIPLES, HYDRA_TOTAL_ITEMS)}
        assert len(counts) == 1, "void:triples and hydra:totalItems say the same"
        total = counts.pop()
        following = [q.object.value for q in meta if q.predicate == HYDRA_NEXT]
        url = following[0] if following else ""
    return data, sizes, total


def select(build, query: str) -> list[dict[str, str]]:
    """A SELECT over the build (the union default graph, as /sparql), each term in N-Triples form and a blank
    node as the skolem IRI the fragments name it with."""
    result = build.query(query)
    names = [v.value for v in result.variables]
    return [{n: skolem(row[n]) for n in names if row[n] is not None} for row in result]


def skolem(term: object) -> str:
    return f"<{BASE}.well-known/genid/{term.value}>" if isinstance(term, ox.BlankNode) else str(term)


def test_a_pattern_in_the_default_graph_is_the_union_as_sparql_sees_it(client, build) -> None:
    data, sizes, total = read_pages(client, fragment(client, predicate=SKOS_PREF_LABEL.value, graph=DEFAULT))
    expected = Counter((r["s"], r["o"]) for r in select(build, "SELECT DISTINCT ?s ?o WHERE { ?s skos:prefLabel ?o }"))
    got = Counter((str(q.subject), str(q.object)) for q in data)
    assert total == sum(expected.values()) == len(data) > PAGE_SIZE
    assert all(isinstance(q.graph_name, ox.DefaultGraph) for q in data)
    assert all(size == PAGE_SIZE for size in sizes[:-1]) and 0 < sizes[-1] <= PAGE_SIZE
    assert got == expected


def test_a_subject_in_every_named_graph_matches_graph_queries(client, build) -> None:
    data, _, total = read_pages(client, fragment(client, subject=HEIDEKREIS))
    rows = select(build, f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{HEIDEKREIS}> ?p ?o }} }}")
    expected = Counter((r["p"], r["o"], r["g"]) for r in rows)
    assert total == len(data) == sum(expected.values()) > 0
    assert Counter((str(q.predicate), str(q.object), str(q.graph_name)) for q in data) == expected


@pytest.mark.parametrize(
    "written",
    ['"Heidekreis"@de', '"Heidekreis"@DE'],
)
def test_literals_are_read_as_clients_write_them(client, build, written: str) -> None:
    data, _, total = read_pages(client, fragment(client, object=written, graph=DEFAULT))
    rows = select(build, 'SELECT DISTINCT ?s ?p WHERE { ?s ?p "Heidekreis"@de }')
    assert total == len(rows) == len(data) > 0


def test_typed_literals_with_and_without_angle_brackets(client, build) -> None:
    row = select(build, "SELECT ?o WHERE { ?s ?p ?o FILTER(DATATYPE(?o) = xsd:date) } ORDER BY ?o LIMIT 1")[0]
    literal = next(ox.parse(f"<x:s> <x:p> {row['o']} .", format=ox.RdfFormat.N_TRIPLES)).object
    assert isinstance(literal, ox.Literal)
    expected = len(select(build, f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {row['o']} }}"))
    for written in (f'"{literal.value}"^^{literal.datatype.value}', f'"{literal.value}"^^<{literal.datatype.value}>'):
        _, _, total = read_pages(client, fragment(client, object=written, graph=DEFAULT))
        assert total == expected > 0


def test_blank_nodes_are_named_so_that_a_client_can_follow_them(client, build) -> None:
    """A blank node in a fragment is a skolem IRI, and that IRI asks for the blank node's own statements."""
    data, _, _ = read_pages(client, fragment(client, subject=HEIDEKREIS, graph=DEFAULT))
    skolems = sorted({q.object.value for q in data if "/.well-known/genid/" in str(q.object)})
    assert skolems, "Heidekreis has blank nodes (its population figures)"
    label = skolems[0].rsplit("/", 1)[1]
    expected = list(build.oxigraph.quads_for_pattern(ox.BlankNode(label), None, None, None))
    got, _, total = read_pages(client, fragment(client, subject=skolems[0]))
    assert total == len(expected) == len(got) > 0
    assert {str(q.predicate) for q in got} == {str(q.predicate) for q in expected}


def test_the_page_describes_itself_and_the_search_form(client) -> None:
    url = fragment(client, predicate=SKOS_PREF_LABEL.value)
    response = client.get(url + "&page=2", headers={"Accept": "application/trig"})
    assert response.status_code == 200 and response.mimetype == "application/trig"
    quads = list(ox.parse(response.data, format=ox.RdfFormat.TRIG))

    def objects(subject: ox.NamedNode, predicate: ox.NamedNode) -> list[ox.NamedNode | ox.Literal]:
        return [q.object for q in quads if q.subject == subject and q.predicate == predicate]  # type: ignore[misc]

    page = ox.NamedNode(BASE.rstrip("/") + url + "&page=2")
    sources = [q.subject for q in quads if q.predicate == VOID_SUBSET and q.object == page]
    assert len(sources) == 1
    source = sources[0]
    assert isinstance(source, ox.NamedNode)
    meta = {q.graph_name for q in quads if q.predicate == FOAF_PRIMARY_TOPIC and q.object == source}
    assert len(meta) == 1, "the metadata graph names the dataset as its primary topic (as Comunica finds it)"
    assert objects(source, SD_DEFAULT_GRAPH) == [ox.NamedNode(DEFAULT)]
    forms = objects(source, HYDRA_SEARCH)
    assert len(forms) == 1 and isinstance(forms[0], ox.NamedNode)
    template = objects(forms[0], HYDRA_TEMPLATE)[0].value
    mappings = {
        objects(m, HYDRA_VARIABLE)[0].value: objects(m, HYDRA_PROPERTY)[0].value
        for m in objects(forms[0], HYDRA_MAPPING)
        if isinstance(m, ox.NamedNode)
    }
    assert template == f"{BASE}fragments{{?subject,predicate,object,graph}}"
    assert mappings == {
        "subject": str(rdflib.RDF.subject),
        "predicate": str(rdflib.RDF.predicate),
        "object": str(rdflib.RDF.object),
        "graph": "http://www.w3.org/ns/sparql-service-description#graph",
    }
    assert objects(page, HYDRA_PREVIOUS) == [ox.NamedNode(BASE.rstrip("/") + url)]


FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD}


@pytest.mark.parametrize("accept", FORMATS)
def test_triple_formats_hold_the_same_statements(client, accept: str) -> None:
    """Turtle and JSON-LD hold the data and the metadata as triples: every statement of the N-Quads page."""
    url = fragment(client, subject=HEIDEKREIS, graph=DEFAULT)
    quads = list(ox.parse(client.get(url, headers=QUADS).data, format=ox.RdfFormat.N_QUADS))
    expected = {(str(q.subject), str(q.predicate), str(q.object)) for q in quads}
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    got = {(str(q.subject), str(q.predicate), str(q.object)) for q in ox.parse(response.data, format=FORMATS[accept])}
    assert got == expected


def test_html_page_with_form_and_links(client) -> None:
    url = fragment(client, predicate=SKOS_PREF_LABEL.value)
    response = client.get(url + "&lang=en", headers={"Accept": "text/html"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert 'name="subject"' in text and 'name="graph"' in text and 'rel="next"' in text
    assert "<script" not in text


def test_a_page_is_cacheable_and_revalidates(client) -> None:
    url = fragment(client, subject=HEIDEKREIS)
    first = client.get(url, headers=QUADS)
    assert first.status_code == 200
    assert "max-age=86400" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    again = client.get(url, headers={**QUADS, "If-None-Match": etag})
    assert again.status_code == 304
    assert client.get(url, headers=QUADS).data == first.data


BAD = [
    ("not-an-iri", {"subject": "Heidekreis"}, 400),
    ("relative-iri", {"predicate": "/id/territory/03358"}, 400),
    ("iri-with-space", {"subject": "http://example.org/a b"}, 400),
    ("blank-node-label", {"subject": "_:b0"}, 400),
    ("unterminated-literal", {"object": '"Heidekreis'}, 400),
    ("bad-language-tag", {"object": '"Heidekreis"@de_DE'}, 400),
    ("relative-datatype", {"object": '"5"^^integer'}, 400),
    ("bad-variable", {"object": "?a b"}, 400),
    ("page-zero", {"page": "0"}, 400),
    ("page-not-a-number", {"page": "two"}, 400),
    ("page-past-the-end", {"page": "100000"}, 404),
    ("unknown-parameter", {"subjekt": HEIDEKREIS}, 400),
]


@pytest.mark.parametrize(("case", "parts", "status"), BAD, ids=[c[0] for c in BAD])
@pytest.mark.parametrize("accept", ["text/turtle", "text/html", "application/ld+json"])
def test_bad_input_is_refused_in_the_negotiated_format(client, case: str, parts: dict, status: int, accept: str):
    response = client.get(fragment(client, **parts), headers={"Accept": accept})
    assert response.status_code == status
    assert response.mimetype == accept
    if accept == "text/html":
        assert f"<h1>{status}" in response.get_data(as_text=True)
        return
    statements = list(ox.parse(response.data, format=FORMATS[accept]))
    assert [q for q in statements if q.predicate == RDFS_COMMENT], "the message is in the body"


def test_a_literal_subject_matches_nothing(client) -> None:
    _, _, total = read_pages(client, fragment(client, subject='"Heidekreis"@de'))
    assert total == 0


# --- Comunica over a real server --------------------------------------------------------------------------

COMUNICA = ROOT / "node_modules" / "@comunica" / "query-sparql"
CLIENT = Path(__file__).with_name("fragments_client.cjs")
QUERIES = sorted((ROOT / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`regiolod serve` without a rate limit: a pattern client sends hundreds of requests for one query."""
    if shutil.which("node") is None or not COMUNICA.is_dir():
        pytest.skip("Comunica needs Debian's nodejs and `make vendor` (npm ci installs @comunica/query-sparql)")
    port = free_port()
    env = clean_env()
    env["REGIOLOD_DOWNLOAD_DIR"] = str(tmp_path_factory.mktemp("download"))
    env["REGIOLOD_RATE_LIMIT"] = "0"
    base = f"http://127.0.0.1:{port}/"
    command = [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--port", str(port)]
    with running(command, base, tmp_path_factory.mktemp("server") / "serve.log", env=env):
        yield base


#: ``GROUP_CONCAT(…; separator="…") AS ?v``: SPARQL 1.1 §18.5.1.7 leaves the order of the parts to the engine
#: (Oxigraph and Comunica join them in different orders), so those values compare as sorted lists of parts.
GROUP_CONCAT = re.compile(
    r'GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?\?\w+\s*;\s*separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', re.IGNORECASE
)

Row = tuple[tuple[str, str], ...]


def written_literal(value: str, suffix: str, separator: str | None) -> str:
    """A literal as the rows compare it: N-Triples-like, the parts of a GROUP_CONCAT in sorted order."""
    if separator:
        value = separator.join(sorted(value.split(separator)))
    return json.dumps(value, ensure_ascii=False) + suffix


def sparql_rows(base: str, query: str) -> Counter[Row]:
    concatenated = {name: separator for separator, name in GROUP_CONCAT.findall(query)}
    response = requests.post(
        base + "sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=120
    )
    response.raise_for_status()
    rows = []
    for binding in response.json()["results"]["bindings"]:
        row = []
        for name, value in binding.items():
            if value["type"] == "uri":
                row.append((name, f"<{value['value']}>"))
            elif value["type"] == "bnode":
                row.append((name, "_:"))
            else:
                suffix = f"@{value['xml:lang']}" if "xml:lang" in value else f"^^<{value.get('datatype', XSD_STRING)}>"
                row.append((name, written_literal(value["value"], suffix, concatenated.get(name))))
        rows.append(tuple(sorted(row)))
    return Counter(rows)


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def comunica_rows(base: str, path: Path) -> Counter[Row]:
    """The rows Comunica finds over /fragments (tests/fragments_client.cjs), written as :func:`sparql_rows` does."""
    concatenated = {name: separator for separator, name in GROUP_CONCAT.findall(path.read_text(encoding="utf-8"))}
    done = subprocess.run(
        ["node", str(CLIENT), base + "fragments", str(path)], capture_output=True, text=True, timeout=600, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = []
    for found in json.loads(done.stdout):
        row = []
        for name, term in found.items():
            if term.startswith('"'):
                end = term.rindex('"')
                term = written_literal(json.loads(term[: end + 1]), term[end + 1 :], concatenated.get(name))
            row.append((name, term))
        rows.append(tuple(sorted(row)))
    return Counter(rows)


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_comunica_answers_every_example_query_as_sparql_does(server: str, path: Path) -> None:
    query = path.read_text(encoding="utf-8")
    expected = sparql_rows(server, query)
    assert expected, "the example query has answers"
    assert comunica_rows(server, path) == expected


def test_a_remote_store_answers_the_same_fragments(settings, client, request: pytest.FixtureRequest) -> None:
    """Over a remote SPARQL store (an Oxigraph server with the same build) the fragments hold the same
    statements and counts; its blank nodes have the labels the store gives them, so they compare as "_:"."""
    from dataclasses import replace

    from publisher import create_app

    folder = request.getfixturevalue("finished")
    url = request.getfixturevalue("remote_endpoint")
    remote = create_app(replace(settings, store="sparql+" + url, download_dir=str(folder))).test_client()

    def statements(c, address: str) -> tuple[Counter[tuple[str, str, str, str]], int]:
        data, _, total = read_pages(c, address)
        terms = ((q.subject, q.predicate, q.object, q.graph_name) for q in data)
        shown = Counter(tuple("_:" if "/.well-known/genid/" in str(t) else str(t) for t in quad) for quad in terms)
        return shown, total  # type: ignore[return-value]

    for address in (
        fragment(client, subject=HEIDEKREIS, graph=DEFAULT),
        fragment(client, subject=HEIDEKREIS),
        fragment(client, predicate=SKOS_PREF_LABEL.value, object='"Heidekreis"@de'),
    ):
        assert statements(remote, address) == statements(client, address)
