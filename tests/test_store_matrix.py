"""The same answers from every store: the example queries' rows, the things' documents and the catalog.

Run against every store mode (conftest.ALL_STORES): in memory, on disk, Oxigraph server (graphs named, or its
union default graph) and Virtuoso. The reference is the finished build's on-disk store (embedded Oxigraph),
asked through the same app; answers are parsed and compared as rows or as datasets, blank nodes as blank nodes.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.store.engines import ENGINES
from publisher.store.remote import term
from tests.conftest import BASE, ROOT

JSON_RESULTS = {"Accept": "application/sparql-results+json"}
#: Things of each kind whose documents are compared (evenly spread over the kind's sorted list).
PER_KIND = 6


@pytest.fixture(scope="session")
def reference(settings, finished: Path):
    """A client of the app over the finished build's on-disk store: the answers every store must give."""
    from publisher import create_app

    return create_app(replace(settings, store=str(finished), download_dir=str(finished))).test_client(use_cookies=False)


def example_queries() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))}


#: ``(GROUP_CONCAT(?x; separator=", ") AS ?xs)``: SPARQL leaves the order of the concatenated values open.
GROUP_CONCAT = re.compile(
    r'GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?\?\w+\s*;\s*separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', re.I
)


def rows(client, query: str) -> Counter[tuple[object, ...]]:
    """The rows of a SELECT as terms (read as SPARQL JSON results), each blank node only a blank node, and the
    values a GROUP_CONCAT joined in the order the engine met them as the sorted list of those values."""
    response = client.post("/sparql", data={"query": query}, headers=JSON_RESULTS)
    assert response.status_code == 200, response.data
    doc = json.loads(response.data)
    names = doc["head"]["vars"]
    concatenated = {name: separator for separator, name in GROUP_CONCAT.findall(query)}

    def value(name: str, binding: dict[str, str] | None) -> object:
        if binding is None:
            return None
        found = term(binding, ENGINES["oxigraph"])  # as our endpoint writes it, whatever the store behind
        if name in concatenated and isinstance(found, ox.Literal) and concatenated[name]:
            return tuple(sorted(found.value.split(concatenated[name])))
        return "_:" if isinstance(found, ox.BlankNode) else found

    return Counter(tuple(value(n, row.get(n)) for n in names) for row in doc["results"]["bindings"])


#: What Virtuoso 7.2 truly answers otherwise (no adapter can undo it), per example query.
VIRTUOSO_DIFFERS = {
    "01-members-of-a-cooperation": "GROUP_CONCAT of no values: Virtuoso binds an empty string, Oxigraph leaves it "
    "unbound",
    "06-population-per-cooperation": "EXISTS as a value: Virtuoso gives the integers 1 and 0, not xsd:boolean, "
    "so MAX(?isPartial) is an integer",
}
#: Kinds of things whose documents Virtuoso truly gives otherwise.
VIRTUOSO_DOCUMENTS_DIFFER = {
    "distribution": "dcat:byteSize is loaded as xsd:nonNegativeInteger: Virtuoso answers it so, Oxigraph (the "
    "reference, and Oxigraph server) as xsd:integer",
}
KINDS = ("change", "dataset", "distribution", "geometry", "graph", "membership", "organization", "source", "territory")


def differs(request: pytest.FixtureRequest, store_mode: str, known: dict[str, str], key: str) -> None:
    if store_mode == "virtuoso" and key in known:
        request.applymarker(pytest.mark.xfail(strict=True, reason=known[key]))


@pytest.mark.parametrize("name", sorted(example_queries()))
def test_every_example_query_gives_the_same_rows_on_every_store(
    client, reference, name: str, store_mode: str, request: pytest.FixtureRequest
) -> None:
    differs(request, store_mode, VIRTUOSO_DIFFERS, name)
    query = example_queries()[name]
    expected = rows(reference, query)
    assert expected, f"{name} gives no rows on the reference store"
    assert rows(client, query) == expected


def sample(things: list[str]) -> list[str]:
    """Up to PER_KIND things of each kind (the path segment after id/), evenly spread, sorted."""
    kinds: dict[str, list[str]] = {}
    for iri in sorted(things):
        kinds.setdefault(iri[len(BASE + "id/") :].split("/", 1)[0], []).append(iri)
    picked = []
    for members in kinds.values():
        step = max(1, len(members) // PER_KIND)
        picked += members[::step][:PER_KIND]
    return picked


def listed(finished: Path) -> list[str]:
    with gzip.open(finished / "current" / "subjects.txt.gz", "rt", encoding="utf-8") as lines:
        return sample([line.rstrip("\n") for line in lines if "#" not in line])


def dataset(client, path: str) -> set[ox.Quad]:
    """A document in N-Quads (it keeps the graphs) as a set of quads, its blank nodes named canonically."""
    response = client.get(path, headers={"Accept": "application/n-quads"})
    assert response.status_code == 200, (path, response.data[:500])
    parsed = ox.Dataset(ox.parse(response.data, format=ox.RdfFormat.N_QUADS))
    parsed.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(parsed)


@pytest.mark.parametrize("kind", KINDS)
def test_the_documents_of_things_of_every_kind_are_the_same_on_every_store(
    client, reference, finished, kind: str, store_mode: str, request: pytest.FixtureRequest
) -> None:
    differs(request, store_mode, VIRTUOSO_DOCUMENTS_DIFFER, kind)
    things = [iri for iri in listed(finished) if iri.startswith(f"{BASE}id/{kind}/")]
    assert things
    for iri in things:
        path = "/doc/" + iri[len(BASE + "id/") :]
        expected = dataset(reference, path)
        assert expected, path
        assert dataset(client, path) == expected, path


@pytest.mark.parametrize("path", ["/catalog", "/.well-known/void"])
def test_the_catalog_and_void_are_the_same_on_every_store(client, reference, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/turtle"})
    expected = reference.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == expected.status_code == 200, response.data[:500]
    graphs = []
    for answer in (response, expected):
        parsed = ox.Dataset(
            ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(answer.data, format=ox.RdfFormat.TURTLE)
        )
        parsed.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        graphs.append(set(parsed))
    assert graphs[0] == graphs[1]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
    ],
)
def test_a_client_sees_the_build_and_nothing_else_on_every_store(client, reference, query: str) -> None:
    """No graph of the store's own (Virtuoso's system graphs) shows in the graphs, counts or classes a client asks."""
    assert rows(client, query) == rows(reference, query)


GEO = "http://www.opengis.net/ont/geosparql#"
POINTS = f'SELECT ?wkt WHERE {{ ?g <{GEO}asWKT> ?wkt FILTER (STRSTARTS(STR(?wkt), "POINT")) }}'


def test_every_point_comes_back_as_it_was_loaded(client, finished: Path) -> None:
    """Virtuoso keeps a POINT in single precision; its adapter gives back the text the build loaded."""
    with gzip.open(finished / "current" / "store.nq.gz", "rt", encoding="utf-8") as image:
        loaded = Counter(re.findall(r'"(POINT\([^"]*\))"\^\^<' + re.escape(GEO + "wktLiteral>"), image.read()))
    assert loaded
    answered = rows(client, POINTS)
    wkt = ox.NamedNode(GEO + "wktLiteral")
    assert answered == Counter({(ox.Literal(text, datatype=wkt),): n for text, n in loaded.items()})


def test_single_precision_points_are_read_back_as_the_shortest_decimals() -> None:
    from publisher.store.engines import points_as_loaded

    assert points_as_loaded("POINT(9.7692003250122 52.928409576416)") == "POINT(9.7692 52.92841)"
    assert points_as_loaded("POINT(-0.5 1)") == "POINT(-0.5 1)"
    polygon = "POLYGON((9.7692003250122 52.928409576416,9 52,9 53,9.7692003250122 52.928409576416))"
    assert points_as_loaded(polygon) == polygon
