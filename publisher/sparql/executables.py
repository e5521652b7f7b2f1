"""The example queries as data: each file of queries/ an ``sh:SPARQLExecutable`` in a graph of the store.

The convention of the SIB SPARQL examples (also used by UniProt): the query text under ``sh:select``,
``sh:ask`` or ``sh:construct``, ``rdfs:label`` and ``rdfs:comment`` for people, and
``schema:target`` naming the endpoint it runs on. So ``SELECT ?q WHERE { ?q a sh:SPARQLExecutable }`` over
/sparql lists every example the query page shows. Each example is ``{endpoint}#example-{name}``, the anchor
of the example on the query page (and the Service Description, which describes them too, is at the endpoint).
"""

from __future__ import annotations

import pyoxigraph as ox

from publisher.config import Settings
from publisher.errors import Problem
from publisher.sparql.examples import Example, load_examples
from publisher.sparql.guard import check_query
from publisher.vocab import EXAMPLES_IRI, RDF_TYPE, RDFS_COMMENT, RDFS_LABEL, SCHEMA, SH

#: The query form's property and its subclass of sh:SPARQLExecutable. SHACL names SELECT, ASK and CONSTRUCT
#: only: a DESCRIBE example is refused by the build rather than described with an invented term.
FORMS = {
    "SELECT": ("select", "SPARQLSelectExecutable"),
    "ASK": ("ask", "SPARQLAskExecutable"),
    "CONSTRUCT": ("construct", "SPARQLConstructExecutable"),
}


def example_iri(endpoint: str, name: str) -> str:
    return f"{endpoint}#example-{name}"


def executable_triples(examples: list[Example], endpoint: str, graphs: set[str]) -> list[ox.Triple]:
    """Describe each example; raise ValueError naming the file when its form has no SHACL term."""
    triples = []
    target = ox.NamedNode(endpoint)
    for e in examples:
        try:
            form = check_query(e.query, graphs, endpoint).form
        except Problem as problem:
            raise ValueError(f"queries/{e.name}.rq: {problem.message}") from None
        if form not in FORMS:
            raise ValueError(f"queries/{e.name}.rq: a {form} query has no SHACL executable form")
        prop, kind = FORMS[form]
        s = ox.NamedNode(example_iri(endpoint, e.name))
        triples += [
            ox.Triple(s, RDF_TYPE, ox.NamedNode(SH + "SPARQLExecutable")),
            ox.Triple(s, RDF_TYPE, ox.NamedNode(SH + kind)),
            ox.Triple(s, RDFS_LABEL, ox.Literal(e.title, language="en")),
            ox.Triple(s, ox.NamedNode(SH + prop), ox.Literal(e.query)),
            ox.Triple(s, ox.NamedNode(SCHEMA + "target"), target),
        ]
        if e.description:
            triples.append(ox.Triple(s, RDFS_COMMENT, ox.Literal(e.description, language="en")))
    return triples


def add_executables(store: ox.Store, settings: Settings, graph_iri: str = EXAMPLES_IRI) -> int:
    """Put the examples of ``settings`` into ``graph_iri`` of ``store``; return how many there are.

    Their graph is named like the ontology's and the shapes' (not under ``{base}id/graph/``, where every graph
    but the catalog is the dataset that the dumps, VoID and the home page count)."""
    endpoint = settings.base_iri + "sparql"
    graphs = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    examples = load_examples(settings)
    graph = ox.NamedNode(graph_iri)
    triples = executable_triples(examples, endpoint, graphs)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    return len(examples)
