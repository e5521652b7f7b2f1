"""The dump writers: every statement exactly once, a thing at a time, in files that parse back to the data."""

from __future__ import annotations

import gzip
import json

import pyoxigraph as ox
import pytest
import rdflib

from publisher.dataset.terms import to_rdflib
from publisher.publish.dumps import blank_names, dump_graphs, statement_groups, write_dumps
from publisher.render.rdf import serialize_jsonld
from publisher.store.embedded import blank_node_closure
from tests.conftest import isomorphic

# rdflib's JSON-LD and Turtle parsers still go through its deprecated ConjunctiveGraph.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def node(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


def graph_of(triples) -> rdflib.Graph:
    graph = rdflib.Graph()
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def read_jsonld(text: str) -> rdflib.Graph:
    """Parse JSON-LD as RDF 1.1 does (a plain string is an xsd:string, which rdflib keeps apart)."""
    return graph_of(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.JSON_LD))


@pytest.fixture
def tangled() -> ox.Store:
    """Two graphs with what a naive walk loses or repeats: nested and shared blank nodes, a cycle of
    blank nodes no IRI points to, a lone blank node, and one statement that is in both graphs."""
    one, two = node("g1"), node("g2")
    a, b = node("a"), node("b")
    nested, inner, shared = ox.BlankNode("n1"), ox.BlankNode("n2"), ox.BlankNode("n3")
    left, right, lone = ox.BlankNode("c1"), ox.BlankNode("c2"), ox.BlankNode("l1")
    p, q = node("p"), node("q")
    store = ox.Store()
    for s, o, g in [
        (a, ox.Literal("A"), one),
        (a, nested, one),
        (nested, inner, one),
        (inner, ox.Literal("deep"), one),
        (a, shared, one),
        (b, shared, one),
        (shared, ox.Literal("shared"), one),
        (b, ox.Literal("B"), one),
        (b, ox.Literal("B"), two),
        (left, right, two),
        (right, left, two),
        (lone, ox.Literal("alone"), two),
        (a, ox.Literal("elsewhere"), node("g3")),
    ]:
        store.add(ox.Quad(s, p if isinstance(o, ox.Literal) else q, o, g))
    return store


def test_groups_hold_every_distinct_triple_of_the_graphs_once(tangled: ox.Store) -> None:
    graphs = [EX + "g1", EX + "g2"]
    names = blank_names(tangled)
    triples = [t for found in statement_groups(tangled, graphs, names) for t in found]
    assert len(triples) == len({str(t) for t in triples}) == 11  # the statement in both graphs once, g3 left out
    expected = {
        ox.Triple(q.subject, q.predicate, q.object)
        for g in graphs
        for q in tangled.quads_for_pattern(None, None, None, node(g[len(EX) :]))
    }
    assert isomorphic(graph_of(triples), graph_of(expected))
    assert {t.subject.value for t in triples if isinstance(t.subject, ox.BlankNode)} <= {
        n.value for n in names.values()
    }


def test_a_thing_comes_with_its_blank_nodes_and_quads_keep_their_graph(tangled: ox.Store) -> None:
    groups = list(statement_groups(tangled, [EX + "g1"], blank_names(tangled), with_graph=True))
    first = groups[0]
    assert first[0].subject == node("a")
    assert len(first) == 6  # a's three statements, the nested pair and the shared node's
    assert all(q.graph_name == node("g1") for found in groups for q in found)
    assert [len(found) for found in groups] == [6, 2]  # b's shared node was written with a already


def test_blank_node_names_do_not_depend_on_the_labels_of_the_load(tangled: ox.Store) -> None:
    def relabelled(suffix: str) -> ox.Store:
        copy = ox.Store()
        for q in tangled:
            s, o = (ox.BlankNode(t.value + suffix) if isinstance(t, ox.BlankNode) else t for t in (q.subject, q.object))
            copy.add(ox.Quad(s, q.predicate, o, q.graph_name))
        return copy

    def written(store: ox.Store) -> list[str]:
        return [str(t) for found in statement_groups(store, [EX + "g1", EX + "g2"], blank_names(store)) for t in found]

    assert written(relabelled("x")) == written(relabelled("yz")) == written(tangled)


LITERALS = [
    ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("007", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("-0", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("123456789012345678901234567890", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("1", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("1.5E0", datatype=ox.NamedNode(XSD + "double")),
    ox.Literal("2022-12-31", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("POINT(9.7 52.4)", datatype=ox.NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")),
    ox.Literal("x", datatype=ox.NamedNode(EX + "ownType")),
    ox.Literal("Heidekreis", language="de"),
    ox.Literal('with "quotes" and\nnewline'),
]


def test_jsonld_keeps_every_literal_exactly() -> None:
    """Numbers and booleans are native JSON only where that reads back as the same literal."""
    subject = ox.NamedNode("http://regiolod.test/id/territory/03358")
    triples = [ox.Triple(subject, node(f"p{i}"), o) for i, o in enumerate(LITERALS)]
    doc = json.loads(serialize_jsonld(triples))
    assert isomorphic(read_jsonld(json.dumps(doc)), graph_of(triples))
    values = doc["@graph"][0]
    assert values[EX + "p0"] == 42 and values[EX + "p4"] is True
    assert values[EX + "p1"] == {"@type": "xsd:integer", "@value": "007"}


def test_jsonld_compacts_only_iris_that_read_back_the_same() -> None:
    subject = node("thing")
    objects = [
        ox.NamedNode("https://w3id.org/regiolod/def#Territory"),
        ox.NamedNode("http://www.w3.org/ns/dcat#"),  # a namespace itself: no empty local name
        ox.NamedNode("https://schema.org///odd"),  # "schema://odd" would read as an IRI of its own
        ox.BlankNode("b1"),
    ]
    triples = [ox.Triple(subject, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), objects[0])]
    triples += [ox.Triple(subject, ox.NamedNode("http://www.w3.org/2004/02/skos/core#related"), o) for o in objects]
    triples.append(ox.Triple(ox.BlankNode("b1"), node("p"), ox.Literal("inner")))
    doc = json.loads(serialize_jsonld(triples))
    assert isomorphic(read_jsonld(json.dumps(doc)), graph_of(triples))
    thing = doc["@graph"][0]
    assert thing["type"] == "rl:Territory"
    assert {"@id": "http://www.w3.org/ns/dcat#"} in thing["skos:related"]
    assert {"@id": "https://schema.org///odd"} in thing["skos:related"]


def test_jsonld_names_a_triple_term_it_cannot_express() -> None:
    """JSON-LD 1.1 has no triple terms (RDF 1.2): the writer names the term instead of failing on an attribute."""
    quoted = ox.Triple(node("a"), node("b"), node("c"))
    with pytest.raises(ValueError, match=r"JSON-LD 1\.1 cannot express the triple term .*http://example"):
        serialize_jsonld([ox.Triple(node("thing"), node("says"), quoted)])


def test_the_territories_dump_is_every_territory_with_its_blank_nodes(build, tmp_path) -> None:
    dumps = write_dumps(build, tmp_path)
    data = gzip.decompress((dumps.folder / "territories.ttl.gz").read_bytes())
    rows = build.query("SELECT DISTINCT ?s WHERE { ?s a rl:Territory }")
    territories = [r["s"] for r in rows]
    assert len(territories) > 50
    expected = blank_node_closure(build.oxigraph, territories, set(dump_graphs(build)))
    graph = rdflib.Graph().parse(data=data, format="turtle")
    assert isomorphic(graph, graph_of(expected))
    assert dumps.file("territories.ttl.gz").triples == len(graph)
