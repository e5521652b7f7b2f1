"""Quad Pattern Fragments: the statements that match one quad pattern, a page at a time, with the Hydra
controls a client (Comunica) needs to ask for any other pattern (the LDF "Triple Pattern Fragments"
specification and its quad extension).

A pattern has four parts, each a variable (empty or ``?name``), an IRI (``http://…`` or ``<http://…>``)
or, as object, a literal (``"text"``, ``"text"@de``, ``"5"^^http://…#integer`` or ``^^<…>``: the lexical
form is everything between the first and the last quote, as Comunica sends it, unescaped). The graph is
one of the named graphs the data lives in, :func:`default_graph` (the union of all of them, the default
graph /sparql answers from, declared as ``sd:defaultGraph`` so that a client's query without ``GRAPH``
asks for it), or a variable: every named graph. Blank nodes are written as skolem IRIs under
``/.well-known/genid/`` (RDF 1.1 §3.5), so a client can ask for them in another pattern.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from publisher.negotiation import HTML, JSONLD, NQUADS, NTRIPLES, TURTLE, Format
from publisher.render.rdf import TURTLE_HEAD, oxigraph_bytes, serialize
from publisher.store.embedded import EmbeddedStore
from publisher.store.protocol import Store
from publisher.vocab import (
    FOAF_PRIMARY_TOPIC,
    HYDRA,
    HYDRA_COLLECTION,
    HYDRA_EXPLICIT_REPRESENTATION,
    HYDRA_FIRST,
    HYDRA_IRI_TEMPLATE,
    HYDRA_IRI_TEMPLATE_MAPPING,
    HYDRA_ITEMS_PER_PAGE,
    HYDRA_MAPPING,
    HYDRA_NEXT,
    HYDRA_PREVIOUS,
    HYDRA_PROPERTY,
    HYDRA_SEARCH,
    HYDRA_TEMPLATE,
    HYDRA_TOTAL_ITEMS,
    HYDRA_VARIABLE,
    HYDRA_VARIABLE_REPRESENTATION,
    HYDRA_VIEW,
    PREFIXES,
    RDF_OBJECT,
    RDF_PREDICATE,
    RDF_SUBJECT,
    RDF_TYPE,
    RDFS_LABEL,
    SD,
    VOID,
    XSD_INTEGER,
    XSD_STRING,
)

TRIG = Format(
    "trig", "application/trig", "trig", "TriG", ("application/x-trig",),
    words=("trig",), w3c="TriG", file_type="RDF_TRIG",
)  # fmt: skip
#: What /fragments answers in, HTML first for browsers; TriG and N-Quads keep the metadata in a graph of its own.
FRAGMENT_FORMATS: tuple[Format, ...] = (HTML, TRIG, NQUADS, TURTLE, JSONLD, NTRIPLES)
# Terms other modules spell from their namespace too (so vocab.py names no node for them).
SD_DEFAULT_GRAPH = ox.NamedNode(SD + "defaultGraph")
SD_GRAPH_PROPERTY = ox.NamedNode(SD + "graph")
VOID_DATASET = ox.NamedNode(VOID + "Dataset")
VOID_SUBSET = ox.NamedNode(VOID + "subset")
VOID_TRIPLES = ox.NamedNode(VOID + "triples")
HYDRA_PARTIAL_VIEW = ox.NamedNode(HYDRA + "PartialCollectionView")
#: Statements a page holds: a page of 100 costs less than a thing's document (bench/fragments.py).
PAGE_SIZE = 100
#: The four parts of a pattern, in the order of the search form, and the property each one maps to.
PARTS = ("subject", "predicate", "object", "graph")
MAPPED = {"subject": RDF_SUBJECT, "predicate": RDF_PREDICATE, "object": RDF_OBJECT, "graph": SD_GRAPH_PROPERTY}
#: Where the skolem IRIs of blank nodes live, under the base (RDF 1.1 Concepts §3.5).
GENID = ".well-known/genid/"

Term = ox.NamedNode | ox.BlankNode | ox.Literal
GraphTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_LITERAL = re.compile(
    r'"(?P<lex>.*)"(?:@(?P<lang>[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)|\^\^(?P<dt><[^<>]*>|[^<>"]+))?', re.DOTALL
)


class BadPattern(ValueError):
    """A part of a pattern that is neither a variable, nor an IRI, nor a literal."""


@dataclass(frozen=True)
class Pattern:
    """One quad pattern; ``None`` is a variable."""

    subject: Term | None = None
    predicate: Term | None = None
    object: Term | None = None
    graph: GraphTerm | None = None

    def parts(self) -> tuple[Term | None, Term | None, Term | None, GraphTerm | None]:
        return (self.subject, self.predicate, self.object, self.graph)


def default_graph(base: str) -> str:
    """The name the fragments give the default graph: the union of every named graph, as on /sparql."""
    return f"{base}fragments#default-graph"


def parse_term(raw: str, part: str, base: str) -> Term | ox.DefaultGraph | None:
    """One part of a pattern as the client wrote it (see the module); raises :class:`BadPattern`."""
    raw = raw.strip()
    if raw == "" or raw.startswith("?"):
        if raw[1:] and not re.fullmatch(r"[A-Za-z0-9_]+", raw[1:]):
            raise BadPattern(f"{part}: {raw!r} is not a variable (a variable is empty or ?name).")
        return None
    if raw.startswith('"'):
        return parse_literal(raw, part)
    if raw.startswith("_:"):
        raise BadPattern(
            f"{part}: a blank node cannot be asked for by its label; the fragments name each blank node "
            f"with an IRI under {base}{GENID} instead."
        )
    iri = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
    if not _SCHEME.match(iri) or any(c in iri for c in '<>" {}|\\^`') or any(ord(c) < 0x21 for c in iri):
        raise BadPattern(
            f"{part}: {raw[:200]!r} is neither an IRI (absolute, such as {base}id/…), nor a literal "
            '(in quotes: "Heidekreis"@de), nor a variable (empty).'
        )
    try:
        node = ox.NamedNode(iri)
    except ValueError as error:
        raise BadPattern(f"{part}: {raw[:200]!r} is not a valid IRI ({error}).") from None
    if part == "graph" and iri == default_graph(base):
        return ox.DefaultGraph()
    if iri.startswith(base + GENID):
        try:
            return ox.BlankNode(iri[len(base + GENID) :])
        except ValueError:
            raise BadPattern(f"{part}: {raw[:200]!r} names no blank node of this dataset.") from None
    return node


def parse_literal(raw: str, part: str) -> ox.Literal:
    """A literal written ``"lexical form"``, optionally with ``@language`` or ``^^datatype``."""
    found = _LITERAL.fullmatch(raw)
    if found is None:
        raise BadPattern(
            f"{part}: {raw[:200]!r} is not a literal: write it in double quotes, optionally followed by "
            '@language or ^^datatype IRI ("Heidekreis"@de, "3"^^<http://www.w3.org/2001/XMLSchema#integer>).'
        )
    lex, lang, datatype = found.group("lex"), found.group("lang"), found.group("dt")
    try:
        if lang:
            return ox.Literal(lex, language=lang.lower())
        if datatype:
            iri = datatype[1:-1] if datatype.startswith("<") else datatype
            if not _SCHEME.match(iri):
                raise ValueError("the datatype is not an absolute IRI")
            return ox.Literal(lex, datatype=ox.NamedNode(iri))
        return ox.Literal(lex)
    except ValueError as error:
        raise BadPattern(f"{part}: {raw[:200]!r} is not a valid literal ({error}).") from None


def parse_pattern(asked: dict[str, str], base: str) -> Pattern:
    """The pattern of ``?subject=&predicate=&object=&graph=``."""
    terms = {part: parse_term(asked.get(part, ""), part, base) for part in PARTS}
    for part in ("subject", "predicate", "object"):
        if isinstance(terms[part], ox.DefaultGraph):  # only the graph can be the default graph
            terms[part] = ox.NamedNode(default_graph(base))
    return Pattern(*terms.values())  # type: ignore[arg-type]


def written(term: Term | ox.DefaultGraph | None, base: str) -> str:
    """A part of a pattern as the fragments' own links write it (the form Comunica sends, too)."""
    if term is None:
        return ""
    if isinstance(term, ox.DefaultGraph):
        return default_graph(base)
    if isinstance(term, ox.BlankNode):
        return f"{base}{GENID}{term.value}"
    if isinstance(term, ox.NamedNode):
        return term.value
    if term.language:
        return f'"{term.value}"@{term.language}'
    if term.datatype == XSD_STRING:
        return f'"{term.value}"'
    return f'"{term.value}"^^{term.datatype.value}'


def fragment_url(base: str, pattern: Pattern, page: int = 1) -> str:
    """The canonical address of a page of the fragment of ``pattern``."""
    asked = [(part, written(term, base)) for part, term in zip(PARTS, pattern.parts(), strict=True)]
    query = urlencode([(k, v) for k, v in asked if v] + ([("page", str(page))] if page > 1 else []), quote_via=quote)
    return f"{base}fragments" + (f"?{query}" if query else "")


def skolem(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, base: str) -> ox.NamedNode | ox.Literal:
    """A term as the fragments write it: a blank node as its skolem IRI."""
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(f"{base}{GENID}{term.value}")
    if isinstance(term, ox.Triple):  # the data holds no RDF 1.2 triple terms; never one in a fragment
        raise ValueError("a triple term in a fragment")
    return term


def matches(store: Store, pattern: Pattern) -> Iterator[ox.Quad]:
    """Every statement that matches ``pattern``, in the store's stable order; in the default graph each
    statement once, however many named graphs hold it."""
    s, p, o, g = pattern.parts()
    if isinstance(s, ox.Literal) or isinstance(p, ox.Literal | ox.BlankNode) or isinstance(g, ox.Literal):
        return iter(())
    if isinstance(store, EmbeddedStore):
        return embedded_matches(store.oxigraph, s, p, o, g)
    return remote_matches(store, s, p, o, g)


def embedded_matches(
    oxigraph: ox.Store,
    s: ox.NamedNode | ox.BlankNode | None,
    p: ox.NamedNode | None,
    o: Term | None,
    g: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None,
) -> Iterator[ox.Quad]:
    if isinstance(g, ox.DefaultGraph):
        seen: set[tuple[object, object, object]] = set()
        for q in oxigraph.quads_for_pattern(s, p, o, None):
            key = (q.subject, q.predicate, q.object)
            if key not in seen:
                seen.add(key)
                yield ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
        return
    for q in oxigraph.quads_for_pattern(s, p, o, g):
        if not isinstance(q.graph_name, ox.DefaultGraph):  # the data lives in named graphs only
            yield q


def remote_matches(
    store: Store,
    s: ox.NamedNode | ox.BlankNode | None,
    p: ox.NamedNode | None,
    o: Term | None,
    g: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None,
) -> Iterator[ox.Quad]:
    """The same over a remote store, asked in SPARQL (a blank node cannot be named in a query: none matches)."""
    if any(isinstance(t, ox.BlankNode) for t in (s, o, g)):
        return
    terms = [str(t) if t is not None else f"?{v}" for t, v in ((s, "s"), (p, "p"), (o, "o"))]
    inner = f"{terms[0]} {terms[1]} {terms[2]}"
    if isinstance(g, ox.DefaultGraph):
        query = f"SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ {inner} }} }} ORDER BY ?s ?p ?o"
    else:
        named = str(g) if g is not None else "?g"
        query = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH {named} {{ {inner} }} }} ORDER BY ?s ?p ?o ?g"
    for row in store.select(query):
        subject, predicate, obj = row.get("s") or s, row.get("p") or p, row.get("o") or o
        graph = ox.DefaultGraph() if isinstance(g, ox.DefaultGraph) else (row.get("g") or g)
        if isinstance(subject, ox.NamedNode | ox.BlankNode) and isinstance(predicate, ox.NamedNode) and obj is not None:
            if isinstance(graph, ox.NamedNode | ox.BlankNode | ox.DefaultGraph):
                yield ox.Quad(subject, predicate, obj, graph)


@dataclass
class Fragment:
    """One page of a fragment: its statements, how many match in all, and the addresses around it."""

    pattern: Pattern
    page: int
    total: int
    quads: list[ox.Quad]
    url: str  # the page as the client asked for it (Comunica finds the metadata by this address)

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def count(store: Store, pattern: Pattern) -> int:
    """How many statements match ``pattern``, exactly: counted by the engine where SPARQL can name every
    part (two to three times faster than reading them here), else by reading them."""
    s, p, o, g = pattern.parts()
    misplaced = isinstance(s, ox.Literal) or isinstance(p, ox.Literal | ox.BlankNode) or isinstance(g, ox.Literal)
    blank = any(isinstance(t, ox.BlankNode) for t in (s, o, g))
    if not isinstance(store, EmbeddedStore) or misplaced or blank or (s and p and o):
        return sum(1 for _ in matches(store, pattern))
    named = [str(t) if t is not None else f"?{v}" for t, v in ((s, "s"), (p, "p"), (o, "o"))]
    inner = " ".join(named)
    if isinstance(g, ox.DefaultGraph):
        variables = " ".join(n for n in named if n.startswith("?"))
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT {variables} WHERE {{ GRAPH ?g {{ {inner} }} }} }}"
    else:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {str(g) if g is not None else '?g'} {{ {inner} }} }}"
    solutions = store.oxigraph.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    found = next(iter(solutions))["n"]
    return int(found.value) if isinstance(found, ox.Literal) else 0


def page_of(store: Store, pattern: Pattern, page: int) -> list[ox.Quad]:
    """The statements of page ``page`` (from 1)."""
    start = (page - 1) * PAGE_SIZE
    return list(itertools.islice(matches(store, pattern), start, start + PAGE_SIZE))


def fragment_quads(fragment: Fragment, base: str, dataset: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The data of the page (blank nodes skolemized) and its metadata (in a graph of its own, whose
    ``foaf:primaryTopic`` is the dataset, as Comunica finds it): the counts, the links to the first,
    previous and next pages, and the search form with its four variables."""
    data = [
        ox.Quad(skolem(q.subject, base), q.predicate, skolem(q.object, base), q.graph_name)  # type: ignore[arg-type]
        if isinstance(q.graph_name, ox.DefaultGraph)
        else ox.Quad(skolem(q.subject, base), q.predicate, skolem(q.object, base), skolem(q.graph_name, base))  # type: ignore[arg-type]
        for q in fragment.quads
    ]
    page = ox.NamedNode(fragment.url)
    here = ox.NamedNode(fragment_url(base, fragment.pattern, fragment.page))
    meta = ox.NamedNode(fragment.url + "#metadata")
    source = ox.NamedNode(dataset)
    search = ox.NamedNode(f"{base}fragments#search")
    total = ox.Literal(str(fragment.total), datatype=XSD_INTEGER)
    triples: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (meta, FOAF_PRIMARY_TOPIC, source),
        (source, RDF_TYPE, VOID_DATASET),
        (source, RDF_TYPE, HYDRA_COLLECTION),
        (source, VOID_SUBSET, page),
        (source, SD_DEFAULT_GRAPH, ox.NamedNode(default_graph(base))),
        (source, HYDRA_SEARCH, search),
        (search, RDF_TYPE, HYDRA_IRI_TEMPLATE),
        (search, HYDRA_TEMPLATE, ox.Literal(f"{base}fragments{{?{','.join(PARTS)}}}")),
        (search, HYDRA_VARIABLE_REPRESENTATION, HYDRA_EXPLICIT_REPRESENTATION),
        (page, RDF_TYPE, HYDRA_PARTIAL_VIEW),
        (page, VOID_TRIPLES, total),
        (page, HYDRA_TOTAL_ITEMS, total),
        (page, HYDRA_ITEMS_PER_PAGE, ox.Literal(str(PAGE_SIZE), datatype=XSD_INTEGER)),
        (page, HYDRA_FIRST, ox.NamedNode(fragment_url(base, fragment.pattern, 1))),
        (page, RDFS_LABEL, ox.Literal(f"Page {fragment.page} of {fragment.last_page}", language="en")),
    ]
    if page != here:
        triples.append((source, VOID_SUBSET, here))
        triples.append((here, RDF_TYPE, HYDRA_PARTIAL_VIEW))
    if fragment.page > 1:
        triples.append((page, HYDRA_PREVIOUS, ox.NamedNode(fragment_url(base, fragment.pattern, fragment.page - 1))))
    if fragment.page < fragment.last_page:
        triples.append((page, HYDRA_NEXT, ox.NamedNode(fragment_url(base, fragment.pattern, fragment.page + 1))))
    triples.append((ox.NamedNode(fragment_url(base, fragment.pattern)), HYDRA_VIEW, page))
    for part in PARTS:
        mapping = ox.NamedNode(f"{base}fragments#{part}")
        triples += [
            (search, HYDRA_MAPPING, mapping),
            (mapping, RDF_TYPE, HYDRA_IRI_TEMPLATE_MAPPING),
            (mapping, HYDRA_VARIABLE, ox.Literal(part)),
            (mapping, HYDRA_PROPERTY, MAPPED[part]),
        ]
    return data, [ox.Quad(s, p, o, meta) for s, p, o in triples]


def serialize_fragment(data: list[ox.Quad], metadata: list[ox.Quad], fmt: Format) -> bytes:
    """The page in ``fmt``: TriG and N-Quads keep the metadata in its own graph; the triple formats hold
    data and metadata together, as the triple pattern fragments of the specification do."""
    ordered = sorted(set(data), key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    ordered += sorted(metadata, key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))
    if fmt.key == "trig":  # Oxigraph declares the prefixes in an order of its own: declare them in the table's
        trig = oxigraph_bytes(ordered, ox.RdfFormat.TRIG, PREFIXES)
        start = 0
        while trig.startswith(b"@prefix ", start):
            start = trig.index(b"\n", start) + 1
        return TURTLE_HEAD + trig[start:]
    if fmt.key == "nquads":
        return oxigraph_bytes(ordered, ox.RdfFormat.N_QUADS)
    return serialize(ordered, fmt)
