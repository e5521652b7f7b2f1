"""What a remote store's engine does differently, declared once per engine (setting ``store_engine``).

SPARQL 1.1 leaves engines free in a few places that matter for serving the same documents and rows from
every store: what the default graph is, how blank nodes are labelled in answers, which literals come back
in another lexical form than they were loaded in, and what the engine does not support at all. The remote
store (``publisher.store.remote``) asks the :class:`Engine` of its setting and adapts every answer with it,
so the pages and the rows of client queries are the same on every store.

- ``oxigraph``: Oxigraph server. Its default graph is the union of the graphs only when started with
  ``--union-default-graph`` (then ``store_dataset = union`` is safe: it holds nothing but the build).
- ``virtuoso``: OpenLink Virtuoso 7. Its default graph is the union of *all* its graphs, its own system
  graphs too: with ``store_dataset = union`` every query leaves those out with Virtuoso's
  ``define input:default-graph-exclude`` / ``input:named-graph-exclude`` (naming the build's 40-odd graphs
  instead, ``store_dataset = named``, is correct too but makes Virtuoso plan a description 100× slower,
  past the store's time limit). Those pragmas break ``GRAPH <iri>`` (one statement found of hundreds), so
  a query that has one, and every client's query, names the build's graphs instead; it labels blank nodes
  ``nodeID://b123`` in answers; it loads ``geo:wktLiteral`` as its own geometry type and answers
  ``virtrdf:Geometry``, a POINT's coordinates in single precision; it writes ``true``/``false`` of
  ``xsd:boolean`` as ``1``/``0`` (and a boolean a query computes, from ``EXISTS`` or ``BOUND``, as the integer
  ``1``/``0``: the project's queries bind the strings ``"true"``/``"false"`` instead); it does not know
  RDF 1.2 triple terms (a query using them is refused as the store's syntax error, 400).
- ``sparql``: any other SPARQL 1.1 endpoint, taken at its word.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import pyoxigraph as ox

from publisher.vocab import GEO, VIRTRDF, XSD

#: How Virtuoso writes a blank node in SPARQL JSON results (and ``nodeID://`` IRIs in other formats).
VIRTUOSO_BLANK_NODE = "nodeID://"
#: The graphs a new Virtuoso 7 database holds of its own (its RDF views, LDP and URIQA descriptions).
VIRTUOSO_SYSTEM_GRAPHS = (VIRTRDF, "http://www.w3.org/ns/ldp#", "http://localuriqaserver/sparql")
XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")
GEO_WKT_LITERAL = ox.NamedNode(GEO + "wktLiteral")
VIRTRDF_GEOMETRY = ox.NamedNode(VIRTRDF + "Geometry")
BOOLEANS = {"1": "true", "0": "false"}
#: A number in a WKT text.
WKT_NUMBER = re.compile(r"[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?")


def single(value: float) -> float:
    """``value`` rounded to the nearest single-precision float."""
    return float(struct.unpack("f", struct.pack("f", value))[0])


def shortest_single(text: str) -> str:
    """The shortest decimal whose single-precision float is that of ``text`` (``9.7692003250122`` → ``9.7692``):
    the loaded text again wherever it had no more than 7 significant digits (and no trailing zeros)."""
    target = single(float(text))
    for digits in range(1, 10):
        shortest = f"{target:.{digits}g}"
        if single(float(shortest)) == target:
            return text if "e" in shortest else shortest
    return text


def points_as_loaded(wkt: str) -> str:
    """A POINT's WKT with each coordinate as its shortest single-precision decimal; any other geometry as it is."""
    if not wkt.lstrip().upper().startswith("POINT"):
        return wkt
    return WKT_NUMBER.sub(lambda number: shortest_single(number.group(0)), wkt)


@dataclass(frozen=True)
class Engine:
    """One engine's declaration: its default graph, its answers' quirks and what it lacks."""

    name: str
    #: The graphs of its own that the engine holds besides the build's: left out of the union default graph
    #: (and of ``GRAPH ?g``) of every query sent without a dataset, with the pragmas of ``excluding``.
    system_graphs: tuple[str, ...] = ()
    #: The prefix the engine puts before a blank node's label in answers (taken off again here).
    blank_node_prefix: str = ""
    #: The engine answers ``xsd:boolean`` values as ``1`` and ``0``.
    numeric_booleans: bool = False
    #: The engine answers ``geo:wktLiteral`` values typed as this datatype of its own (same lexical form).
    geometry_datatype: ox.NamedNode | None = None
    #: The engine evaluates RDF 1.2 triple terms (``<<( s p o )>>``).
    triple_terms: bool = True
    #: The engine keeps a geometry POINT's coordinates as single-precision floats and writes them with 14 digits
    #: (``POINT(9.7692 52.92841)`` back as ``POINT(9.7692003250122 52.928409576416)``); the shortest decimals of
    #: those floats are the loaded text for coordinates of up to 7 significant digits (all the build's points).
    single_precision_points: bool = False

    def blank_node(self, label: str) -> ox.BlankNode:
        """A blank node of an answer, its label without the engine's prefix (and valid as a Turtle label)."""
        if self.blank_node_prefix and label.startswith(self.blank_node_prefix):
            label = label[len(self.blank_node_prefix) :]
        return ox.BlankNode(label)

    def literal(self, value: str, datatype: str | None = None, language: str | None = None) -> ox.Literal:
        """A literal of an answer in the lexical form and datatype it was loaded with."""
        if language:
            return ox.Literal(value, language=language)
        if datatype is None:
            return ox.Literal(value)
        if self.numeric_booleans and datatype == XSD_BOOLEAN.value and value in BOOLEANS:
            value = BOOLEANS[value]
        if self.geometry_datatype is not None and datatype == self.geometry_datatype.value:
            wkt = points_as_loaded(value) if self.single_precision_points else value
            return ox.Literal(wkt, datatype=GEO_WKT_LITERAL)
        return ox.Literal(value, datatype=ox.NamedNode(datatype))

    def excluding(self) -> str:
        """The prologue that leaves the engine's own graphs out of a query sent without a dataset (Virtuoso's
        ``define`` pragmas, which come before the query's PREFIX declarations)."""
        return "".join(
            f"define input:default-graph-exclude <{g}>\ndefine input:named-graph-exclude <{g}>\n"
            for g in self.system_graphs
        )

    @property
    def adapts(self) -> bool:
        """Whether answers need adapting at all (an RDF answer is then parsed and written again)."""
        return bool(self.blank_node_prefix or self.numeric_booleans or self.geometry_datatype)

    def adapt_term(self, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
        """A term of a parsed RDF answer (CONSTRUCT, DESCRIBE) as it was loaded."""
        if isinstance(term, ox.Literal) and term.language is None:
            return self.literal(term.value, term.datatype.value)
        if isinstance(term, ox.NamedNode) and self.blank_node_prefix and term.value.startswith(self.blank_node_prefix):
            return self.blank_node(term.value)
        return term

    def adapt_triple(self, triple: ox.Triple) -> ox.Triple:
        s, p, o = (self.adapt_term(t) for t in (triple.subject, triple.predicate, triple.object))
        return ox.Triple(s, p, o)  # type: ignore[arg-type]


ENGINES = {
    "oxigraph": Engine("oxigraph"),
    "virtuoso": Engine(
        "virtuoso",
        system_graphs=VIRTUOSO_SYSTEM_GRAPHS,
        blank_node_prefix=VIRTUOSO_BLANK_NODE,
        numeric_booleans=True,
        geometry_datatype=VIRTRDF_GEOMETRY,
        triple_terms=False,
        single_precision_points=True,
    ),
    "sparql": Engine("sparql"),
}


def engine_named(name: str) -> Engine:
    """The declaration of the engine the setting ``store_engine`` names."""
    try:
        return ENGINES[name]
    except KeyError:
        raise ValueError(f"store_engine must be one of {', '.join(sorted(ENGINES))}: {name!r}") from None
