"""Serialize quads in every RDF format with the project's prefixes, in a stable order."""

from __future__ import annotations

import hashlib
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
    """Name every blank node after its content and where it hangs, so output never depends on load order.

    A blank node's name is a hash of its own statements (recursively, through nested blank nodes)
    and of the statements that point to it. Blank nodes with the same name are interchangeable, and
    are numbered in turn so that none is merged with another.
    """
    edges: dict[str, list[tuple[str, object, object]]] = {}
    incoming: dict[str, list[tuple[object, str]]] = {}
    for q in quads:
        if isinstance(q.subject, ox.BlankNode):
            edges.setdefault(q.subject.value, []).append((q.predicate.value, q.object, q.graph_name))
        if isinstance(q.object, ox.BlankNode):
            incoming.setdefault(q.object.value, []).append((q.subject, q.predicate.value))
    content: dict[str, str] = {}

    def content_of(node: str, path: tuple[str, ...] = ()) -> str:
        if node in content:
            return content[node]
        if node in path:
            return "cycle"
        # The graph counts too: equal statements in two graphs are two different blank nodes.
        parts = sorted(
            f"{p} {content_of(o.value, (*path, node)) if isinstance(o, ox.BlankNode) else o} {g}"
            for p, o, g in edges.get(node, [])
        )
        content[node] = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
        return content[node]

    context: dict[str, str] = {}

    def context_of(node: str, path: tuple[str, ...] = ()) -> str:
        if node in context:
            return context[node]
        if node in path:
            return "cycle"
        parents = sorted(
            f"{context_of(s.value, (*path, node)) if isinstance(s, ox.BlankNode) else s} {p}"
            for s, p in incoming.get(node, [])
        )
        context[node] = hashlib.sha256(("\n".join(parents) + content_of(node)).encode("utf-8")).hexdigest()[:16]
        return context[node]

    blanks = sorted(
        {t.value for q in quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)},
        key=lambda b: (context_of(b), b),
    )
    names: dict[str, ox.BlankNode] = {}
    used: dict[str, int] = {}
    for b in blanks:
        base = "b" + context_of(b)
        used[base] = used.get(base, 0) + 1
        names[b] = ox.BlankNode(base if used[base] == 1 else f"{base}x{used[base]}")

    def term(t):
        return names[t.value] if isinstance(t, ox.BlankNode) else t

    return [ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name) for q in quads]


def sort_key(q: ox.Quad) -> tuple[str, str, str, str]:
    return (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))


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
    return json.dumps(sorted_arrays(doc), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"


def sorted_arrays(node: object, key: str = "") -> object:
    """Sort JSON-LD arrays (unordered sets of values, JSON-LD 1.1 §4.3) for byte-stable output; keep @list."""
    if isinstance(node, dict):
        return {k: sorted_arrays(v, k) for k, v in node.items()}
    if isinstance(node, list):
        items = [sorted_arrays(v) for v in node]
        return items if key == "@list" else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return node


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
    quads = sorted(relabel_blank_nodes(quads), key=sort_key)
    if fmt.key == NQUADS.key:
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    triples = unique_triples(quads)
    if fmt.key == JSONLD.key:
        return serialize_jsonld(triples)
    prefixes = PREFIXES if fmt.key in (TURTLE.key, RDFXML.key) else None
    data = ox.serialize(triples, format=OX_FORMATS[fmt.key], prefixes=prefixes)
    return order_prefixes(data, fmt) if prefixes else data
