"""The SPARQL 1.1 Service Description of /sparql (W3C Recommendation 2013, §3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyoxigraph as ox

from publisher.vocab import PREFIXES

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
GEOF = "http://www.opengis.net/def/function/geosparql/"
CANDIDATE_FUNCTIONS = [
    "sfEquals",
    "sfDisjoint",
    "sfIntersects",
    "sfTouches",
    "sfCrosses",
    "sfWithin",
    "sfContains",
    "sfOverlaps",
]
RESULT_FORMATS = [
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "JSON-LD",
    "RDF_XML",
    "N-Triples",
]


def function_probes() -> list[tuple[str, str]]:
    """For each candidate function, a query whose answer is bound only if the engine evaluates it."""
    probes = []
    for name in CANDIDATE_FUNCTIONS:
        query = (
            f'SELECT ?x WHERE {{ BIND (<{GEOF}{name}>("POINT(1 1)"^^<{PREFIXES["geo"]}wktLiteral>, '
            f'"POLYGON((0 0, 0 2, 2 2, 2 0, 0 0))"^^<{PREFIXES["geo"]}wktLiteral>) AS ?x) }}'
        )
        probes.append((GEOF + name, query))
    return probes


def supported_functions(select: Callable[[str], Sequence[object]]) -> list[str]:
    """The GeoSPARQL functions the engine evaluates, found by asking it (never assumed).

    ``select`` runs a query and returns the values of ?x (an empty store of the same engine will
    do: the answer depends on the engine, not on the data).
    """
    found = []
    for iri, query in function_probes():
        try:
            values = select(query)
        except Exception:  # noqa: BLE001 - any refusal by the engine means "not supported"
            continue
        if values and values[0] is not None:
            found.append(iri)
    return found


def service_description(endpoint: str, graph_sizes: dict[str, int], functions: list[str]) -> list[ox.Triple]:
    """Describe the endpoint: query only, its result formats, features and its dataset with sizes."""

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def t(s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.Triple:
        return ox.Triple(s, n(p), o)

    rdf_type = PREFIXES["rdf"] + "type"
    triples_p = PREFIXES["void"] + "triples"
    integer = n(PREFIXES["xsd"] + "integer")
    service = n(endpoint + "#service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    out = [
        t(service, rdf_type, n(SD + "Service")),
        t(service, SD + "endpoint", n(endpoint)),
        t(service, SD + "supportedLanguage", n(SD + "SPARQL11Query")),
        t(service, SD + "feature", n(SD + "UnionDefaultGraph")),
        t(service, PREFIXES["rdfs"] + "label", ox.Literal("regiolod SPARQL endpoint (read-only)", language="en")),
        t(service, SD + "defaultDataset", dataset),
        t(dataset, rdf_type, n(SD + "Dataset")),
        t(dataset, SD + "defaultGraph", default),
        t(default, rdf_type, n(SD + "Graph")),
        t(default, triples_p, ox.Literal(str(sum(graph_sizes.values())), datatype=integer)),
    ]
    out += [t(service, SD + "resultFormat", n(FORMATS + f)) for f in RESULT_FORMATS]
    out += [t(service, SD + "extensionFunction", n(f)) for f in functions]
    out += [t(n(f), rdf_type, n(SD + "Function")) for f in functions]
    for i, (graph, size) in enumerate(sorted(graph_sizes.items())):
        named, desc = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        out += [
            t(dataset, SD + "namedGraph", named),
            t(named, rdf_type, n(SD + "NamedGraph")),
            t(named, SD + "name", n(graph)),
            t(named, SD + "graph", desc),
            t(desc, rdf_type, n(SD + "Graph")),
            t(desc, triples_p, ox.Literal(str(size), datatype=integer)),
        ]
    return out
