"""Serialize quads in every RDF format with the project's prefixes, in a stable order."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pyoxigraph as ox
import rdflib

from publisher.namespaces import PREFIXES
from publisher.negotiation import JSONLD, NQUADS, NTRIPLES, RDFXML, TURTLE, Format
from publisher.terms import to_rdflib

OX_FORMATS = {
    TURTLE.key: ox.RdfFormat.TURTLE,
    NTRIPLES.key: ox.RdfFormat.N_TRIPLES,
    RDFXML.key: ox.RdfFormat.RDF_XML,
    NQUADS.key: ox.RdfFormat.N_QUADS,
}

#: The JSON-LD context published at /context.jsonld and embedded in every JSON-LD document.
JSONLD_CONTEXT: dict[str, str] = {p: ns for p, ns in PREFIXES.items() if p not in ("sh", "rlsh")}


def unique_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """Drop graph names and duplicates, keeping the first occurrence's order."""
    seen: set[tuple[str, str, str]] = set()
    triples = []
    for q in quads:
        key = (str(q.subject), str(q.predicate), str(q.object))
        if key not in seen:
            seen.add(key)
            triples.append(ox.Triple(q.subject, q.predicate, q.object))
    return triples


def relabel_blank_nodes(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Name blank nodes b0, b1, … in order of appearance, so output does not depend on load order."""
    names: dict[str, ox.BlankNode] = {}

    def term(t):
        if isinstance(t, ox.BlankNode):
            return names.setdefault(t.value, ox.BlankNode(f"b{len(names)}"))
        return t

    return [ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name) for q in quads]


def serialize_jsonld(triples: list[ox.Triple]) -> bytes:
    """JSON-LD compacted with the published context (embedded, so no client has to fetch it)."""
    g = rdflib.Graph()
    for t in triples:
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    text = g.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True, sort_keys=True)
    doc = json.loads(text)
    if isinstance(doc, dict):
        doc["@context"] = JSONLD_CONTEXT
    else:
        doc = {"@context": JSONLD_CONTEXT, "@graph": doc}
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"


_ORDER = {p: i for i, p in enumerate(PREFIXES)}


def order_prefixes(data: bytes, fmt: Format) -> bytes:
    """Put the prefix declarations in the table's order (the serializer's own order is not stable)."""
    text = data.decode("utf-8")
    if fmt.key == TURTLE.key:
        lines = text.split("\n")
        n = 0
        while n < len(lines) and lines[n].startswith("@prefix "):
            n += 1
        head = sorted(lines[:n], key=lambda line: _ORDER.get(line.split()[1].rstrip(":"), len(_ORDER)))
        return "\n".join(head + [""] + lines[n:]).encode("utf-8")
    start = text.find("<rdf:RDF")
    end = text.find(">", start)
    if start < 0:
        return data
    attributes = re.findall(r'\s(xmlns:[\w-]+="[^"]*")', text[start:end])
    attributes.sort(key=lambda a: (_ORDER.get(a[6 : a.index("=")], len(_ORDER)), a))
    return (text[:start] + "<rdf:RDF " + " ".join(attributes) + text[end:]).encode("utf-8")


def serialize(quads: list[ox.Quad], fmt: Format) -> bytes:
    """Serialize ``quads`` in ``fmt``; every format but N-Quads drops the graph names."""
    quads = relabel_blank_nodes(quads)
    if fmt.key == NQUADS.key:
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    triples = unique_triples(quads)
    if fmt.key == JSONLD.key:
        return serialize_jsonld(triples)
    prefixes = PREFIXES if fmt.key in (TURTLE.key, RDFXML.key) else None
    data = ox.serialize(triples, format=OX_FORMATS[fmt.key], prefixes=prefixes)
    return order_prefixes(data, fmt) if prefixes else data
