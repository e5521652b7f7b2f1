"""The SPARQL 1.1 Service Description of /sparql (W3C Recommendation 2013, §3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyoxigraph as ox

from publisher.negotiation import GRAPH_FORMATS, RESULT_FORMATS
from publisher.vocab import FORMATS, GEO, GEOF, RDF_TYPE, RDFS_LABEL, SCHEMA, SD, SD_GRAPH, SH, VOID, XSD_INTEGER

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


def function_probes() -> list[tuple[str, str]]:
    """For each candidate function, a query whose answer is bound only if the engine evaluates it."""
    probes = []
    for name in CANDIDATE_FUNCTIONS:
        query = (
            f'SELECT ?x WHERE {{ BIND (<{GEOF}{name}>("POINT(1 1)"^^<{GEO}wktLiteral>, '
            f'"POLYGON((0 0, 0 2, 2 2, 2 0, 0 0))"^^<{GEO}wktLiteral>) AS ?x) }}'
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


def service_description(
    endpoint: str, graph_sizes: dict[str, int], functions: list[str], examples: Sequence[str] = ()
) -> list[ox.Triple]:
    """Describe the endpoint: query only, its result formats, features and its dataset with sizes; and name its
    example queries (``examples``, IRIs of sh:SPARQLExecutable described in the store) as targeting it."""

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def t(
        s: ox.NamedNode | ox.BlankNode, p: str | ox.NamedNode, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> ox.Triple:
        return ox.Triple(s, n(p) if isinstance(p, str) else p, o)

    triples_p = VOID + "triples"
    service = n(endpoint + "#service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    out = [
        t(service, RDF_TYPE, n(SD + "Service")),
        t(service, SD + "endpoint", n(endpoint)),
        t(service, SD + "supportedLanguage", n(SD + "SPARQL11Query")),
        t(service, SD + "feature", n(SD + "UnionDefaultGraph")),
        t(service, RDFS_LABEL, ox.Literal("regiolod SPARQL endpoint (read-only)", language="en")),
        t(service, SD + "defaultDataset", dataset),
        t(dataset, RDF_TYPE, n(SD + "Dataset")),
        t(dataset, SD + "defaultGraph", default),
        t(default, RDF_TYPE, SD_GRAPH),
        t(default, triples_p, ox.Literal(str(sum(graph_sizes.values())), datatype=XSD_INTEGER)),
    ]
    out += [t(service, SD + "resultFormat", n(FORMATS + f.w3c)) for f in (*RESULT_FORMATS, *GRAPH_FORMATS)]
    out += [t(service, SD + "extensionFunction", n(f)) for f in functions]
    for example in examples:
        out += [t(n(example), RDF_TYPE, n(SH + "SPARQLExecutable")), t(n(example), SCHEMA + "target", n(endpoint))]
    out += [t(n(f), RDF_TYPE, n(SD + "Function")) for f in functions]
    for i, (graph, size) in enumerate(sorted(graph_sizes.items())):
        named, desc = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        out += [
            t(dataset, SD + "namedGraph", named),
            t(named, RDF_TYPE, n(SD + "NamedGraph")),
            t(named, SD + "name", n(graph)),
            t(named, SD + "graph", desc),
            t(desc, RDF_TYPE, SD_GRAPH),
            t(desc, triples_p, ox.Literal(str(size), datatype=XSD_INTEGER)),
        ]
    return out
