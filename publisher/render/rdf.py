"""Serialize quads in every RDF format with the project's prefixes, in a stable order."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from json.encoder import encode_basestring
from typing import TypeVar

import pyoxigraph as ox

from publisher.negotiation import JSONLD, NQUADS, RDFXML, TURTLE, Format
from publisher.render.jsonld_terms import BY_IRI, IRI, LANGUAGE, Term, context_terms
from publisher.vocab import PREFIXES, RDF_TYPE, XSD, XSD_INTEGER, XSD_STRING

#: Any term of a statement; a renamed one is of the same kind, or the blank node it was.
AnyTerm = TypeVar("AnyTerm", bound=ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple)

#: The prefixes of the JSON-LD context.
JSONLD_PREFIXES: dict[str, str] = {p: ns for p, ns in PREFIXES.items() if p not in ("sh", "rlsh")}
#: The JSON-LD context published at /context.jsonld and embedded in every JSON-LD document: the
#: prefixes and the terms of :mod:`publisher.render.jsonld_terms`.
JSONLD_CONTEXT: dict[str, object] = {**JSONLD_PREFIXES, **context_terms()}


def unique_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """Drop graph names and duplicates, keeping the first occurrence's order."""
    seen: set[ox.Triple] = set()
    triples = []
    for q in quads:
        triple = q.triple  # the quad's own triple: building one anew costs ten times as much
        if triple not in seen:
            seen.add(triple)
            triples.append(triple)
    return triples


#: A blank node's statements: (predicate, object, graph) by its label; and the (subject, predicate) pointing to it.
Edges = dict[str, list[tuple[str, object, object]]]
Incoming = dict[str, list[tuple[object, str]]]


def blank_node_names(quads: Iterable[ox.Quad]) -> dict[str, ox.BlankNode]:
    """Name every blank node after its content and where it hangs, so output never depends on load order.

    A blank node's name is a hash of its own statements (recursively, through nested blank nodes)
    and of the statements that point to it. Blank nodes with the same name are interchangeable, and
    are numbered in turn so that none is merged with another. Only statements with a blank node in
    them matter, so a caller may pass just those. Returns the new node for each old label.
    """
    edges: Edges = {}
    incoming: Incoming = {}
    blanks: set[str] = set()
    for q in quads:
        if isinstance(q.subject, ox.BlankNode):
            edges.setdefault(q.subject.value, []).append((q.predicate.value, q.object, q.graph_name))
            blanks.add(q.subject.value)
        if isinstance(q.object, ox.BlankNode):
            incoming.setdefault(q.object.value, []).append((q.subject, q.predicate.value))
            blanks.add(q.object.value)
    content: dict[str, str] = {}
    context: dict[str, str] = {}
    names: dict[str, ox.BlankNode] = {}
    used: dict[str, int] = {}
    for b in sorted(blanks, key=lambda b: (context_of(b, edges, incoming, content, context), b)):
        base = "b" + context[b]
        used[base] = used.get(base, 0) + 1
        names[b] = ox.BlankNode(base if used[base] == 1 else f"{base}x{used[base]}")
    return names


# The two below are functions of the module, not closures of blank_node_names: a closure that calls itself
# refers to itself, garbage that only the cycle collector frees, left by every document with a blank node.


def content_of(node: str, edges: Edges, content: dict[str, str], path: tuple[str, ...] = ()) -> str:
    """The hash of a blank node's own statements, through nested blank nodes (memoized in ``content``)."""
    if node in content:
        return content[node]
    if node in path:
        return "cycle"
    # The graph counts too: equal statements in two graphs are two different blank nodes.
    inner = (*path, node)
    parts = sorted(
        f"{p} {content_of(o.value, edges, content, inner) if isinstance(o, ox.BlankNode) else o} {g}"
        for p, o, g in edges.get(node, [])
    )
    content[node] = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
    return content[node]


def context_of(
    node: str,
    edges: Edges,
    incoming: Incoming,
    content: dict[str, str],
    context: dict[str, str],
    path: tuple[str, ...] = (),
) -> str:
    """The hash of what points to a blank node and of its content (memoized in ``context``)."""
    if node in context:
        return context[node]
    if node in path:
        return "cycle"
    inner = (*path, node)
    parents = sorted(
        f"{context_of(s.value, edges, incoming, content, context, inner) if isinstance(s, ox.BlankNode) else s} {p}"
        for s, p in incoming.get(node, [])
    )
    own = content_of(node, edges, content)
    context[node] = hashlib.sha256(("\n".join(parents) + own).encode("utf-8")).hexdigest()[:16]
    return context[node]


def renamer(names: dict[str, ox.BlankNode]) -> Callable[[AnyTerm], AnyTerm | ox.BlankNode]:
    """A function that gives a term its new blank-node name, or the term itself."""

    def term(t: AnyTerm) -> AnyTerm | ox.BlankNode:
        return names.get(t.value, t) if isinstance(t, ox.BlankNode) else t

    return term


def relabel_blank_nodes(quads: list[ox.Quad]) -> list[ox.Quad]:
    """``quads`` with every blank node named by :func:`blank_node_names`; statements without one are kept as
    they are (building a quad again costs more than anything else here, most of all in the default graph)."""
    blank = [q for q in quads if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)]
    if not blank:
        return list(quads)
    term = renamer(blank_node_names(blank))
    return [
        ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name)
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
        else q
        for q in quads
    ]


def by_graph(q: ox.Quad) -> tuple[str, str, str, str]:
    """Order statements by graph, subject, predicate, then object: the order of every serialization."""
    return (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))


#: Namespaces longest first, so that the most specific prefix wins.
_COMPACTION = sorted(((ns, p) for p, ns in JSONLD_PREFIXES.items()), key=lambda item: (-len(item[0]), item[1]))
#: Integers JSON carries natively without loss in every JSON-LD processor (IEEE doubles).
_SAFE_INTEGER = 2**53


def compact_iri(iri: str) -> str:
    """``prefix:local`` when a namespace of the context starts ``iri`` (JSON-LD 1.1 §4.1.5), else ``iri``."""
    for namespace, prefix in _COMPACTION:
        if iri.startswith(namespace) and len(iri) > len(namespace) and not iri.startswith("//", len(namespace)):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def jsonld_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
    """A JSON-LD value for an object: a node reference, a string, a native number or boolean when
    that converts back to the very same literal, else a typed or language-tagged value object."""
    if isinstance(term, ox.Triple):
        raise ValueError(f"JSON-LD 1.1 cannot express the triple term (RDF 1.2) {term}")
    if isinstance(term, ox.NamedNode):
        return {"@id": compact_iri(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@language": term.language, "@value": term.value}
    datatype = term.datatype
    if datatype == XSD_STRING:
        return term.value
    if datatype == XSD_INTEGER:
        try:
            number = int(term.value)
        except ValueError:
            number = None
        if number is not None and str(number) == term.value and abs(number) < _SAFE_INTEGER:
            return number
    if datatype.value == XSD + "boolean" and term.value in ("true", "false"):
        return term.value == "true"
    return {"@type": compact_iri(datatype.value), "@value": term.value}


#: A JSON string as json.dumps(ensure_ascii=False) writes it (the C encoder where there is one).
_string = encode_basestring


def _json_key(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def value_object(term: ox.Literal) -> dict[str, str]:
    """A literal as a value object, which every term reads back as the same literal."""
    if term.language:
        return {"@language": term.language, "@value": term.value}
    if term.datatype == XSD_STRING:
        return {"@value": term.value}
    return {"@type": compact_iri(term.datatype.value), "@value": term.value}


def term_value(term: Term, value: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
    """``value`` as written under ``term``, or None when the term would read it as another RDF term."""
    if isinstance(value, ox.Triple):
        return None
    if term.kind == IRI:
        if isinstance(value, ox.NamedNode):
            return compact_iri(value.value)
        if isinstance(value, ox.BlankNode):
            return f"_:{value.value}"
        return value_object(value)
    if term.kind == LANGUAGE:
        return None  # language maps are filled by the caller
    if term.kind:
        if isinstance(value, ox.Literal):
            if compact_iri(value.datatype.value) == term.kind and not value.language:
                return value.value
            return value_object(value)
        return jsonld_value(value)
    return jsonld_value(value)


def jsonld_node(subject: ox.NamedNode | ox.BlankNode | ox.Triple, triples: Iterable[ox.Triple]) -> dict[str, object]:
    """One node object of flattened, compacted JSON-LD: ``rdf:type`` as ``type``, a property with a
    term of the context under the term's name (JSON-LD 1.1 §4.1, see :mod:`publisher.render.jsonld_terms`),
    else under its prefixed name; a single value bare, several as an array in a stable order (values are
    unordered sets, JSON-LD 1.1 §4.3), always an array under a term with ``@container: @set``."""
    if isinstance(subject, ox.Triple):
        raise ValueError(f"JSON-LD 1.1 cannot express the triple term (RDF 1.2) {subject}")
    node: dict[str, object] = {"id": f"_:{subject.value}" if isinstance(subject, ox.BlankNode) else subject.value}
    values: dict[str, list[object]] = {}
    languages: dict[str, dict[str, list[str]]] = {}
    many: set[str] = set()
    for t in triples:
        if t.predicate == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            values.setdefault("type", []).append(compact_iri(t.object.value))
            continue
        term = BY_IRI.get(t.predicate.value)
        if term is not None:
            obj = t.object
            if term.kind == LANGUAGE:
                if isinstance(obj, ox.Literal) and obj.language:
                    languages.setdefault(term.name, {}).setdefault(obj.language, []).append(obj.value)
                    continue
            else:
                found = term_value(term, obj)
                if found is not None:
                    values.setdefault(term.name, []).append(found)
                    if term.many:
                        many.add(term.name)
                    continue
        values.setdefault(compact_iri(t.predicate.value), []).append(jsonld_value(t.object))
    for key, found in values.items():
        if len(found) == 1 and key not in many:
            node[key] = found[0]
        else:  # IRIs under a term are strings, which sort as themselves (and much faster than as JSON)
            strings = [v for v in found if isinstance(v, str)]
            node[key] = sorted(strings) if len(strings) == len(found) else sorted(found, key=_json_key)
    for key, by_language in languages.items():
        node[key] = {tag: texts[0] if len(texts) == 1 else sorted(texts) for tag, texts in by_language.items()}
    return node


def jsonld_nodes(triples: Iterable[ox.Triple]) -> list[dict[str, object]]:
    """Node objects for ``triples``, one per subject, in the order of the subjects' first statements."""
    by_subject: dict[str, tuple[ox.NamedNode | ox.BlankNode | ox.Triple, list[ox.Triple]]] = {}
    for t in triples:
        by_subject.setdefault(str(t.subject), (t.subject, []))[1].append(t)
    return [jsonld_node(subject, found) for subject, found in by_subject.values()]


def indented_json(value: object, indent: str = "") -> str:
    """``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)`` with every line after the first
    starting with ``indent``, byte for byte, but written with the C encoder for each string and number
    (``json.dumps`` with an indent encodes in Python, which made it most of the JSON-LD writer's time)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        items = (f"{inner}{_string(str(k))}: {indented_json(v, inner)}" for k, v in sorted(value.items()))
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + indented_json(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value)


def jsonld_members(nodes: Iterable[dict[str, object]]) -> str:
    """Node objects as members of the ``@graph`` array, laid out as ``json.dumps(indent=2)`` would."""
    return ",\n".join("    " + indented_json(n, "    ") for n in nodes)


#: Everything a JSON-LD document holds before its first node, and after its last.
JSONLD_HEAD = json.dumps({"@context": JSONLD_CONTEXT}, indent=2, sort_keys=True)[:-2] + ',\n  "@graph": [\n'
JSONLD_TAIL = "\n  ]\n}\n"


def serialize_jsonld(triples: list[ox.Triple]) -> bytes:
    """JSON-LD, flattened and compacted with the published context (embedded, so no client has to
    fetch it); nodes in the order of their subjects."""
    nodes = sorted(jsonld_nodes(triples), key=lambda n: (str(n["id"]).startswith("_:"), str(n["id"])))
    return (JSONLD_HEAD + jsonld_members(nodes) + JSONLD_TAIL).encode("utf-8")


_ORDER = {p: i for i, p in enumerate(PREFIXES)}


def order_prefixes(data: bytes) -> bytes:
    """Put RDF/XML's namespace declarations in the table's order (the serializer's own is not stable)."""
    text = data.decode("utf-8")
    start = text.find("<rdf:RDF")
    end = text.find(">", start)
    if start < 0:
        return data
    attributes = re.findall(r'\s(xmlns:[\w-]+="[^"]*")', text[start:end])
    attributes.sort(key=lambda a: (_ORDER.get(a[6 : a.index("=")], len(_ORDER)), a))
    return (text[:start] + "<rdf:RDF " + " ".join(attributes) + text[end:]).encode("utf-8")


def oxigraph_bytes(
    statements: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None
) -> bytes:
    """Serialize ``statements`` with Oxigraph into bytes (its stub does not say that no output means bytes)."""
    data = ox.serialize(statements, format=fmt, prefixes=prefixes)
    assert data is not None
    return data


#: The prefix declarations of every Turtle document, in the table's order, and the blank line after them.
TURTLE_HEAD = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()).encode("utf-8") + b"\n"


def turtle_body(triples: Iterable[ox.Triple]) -> bytes:
    """Turtle for ``triples`` written with the project's prefixes but without declaring them, so
    that the bodies of consecutive parts can follow one :data:`TURTLE_HEAD`."""
    data = oxigraph_bytes(triples, ox.RdfFormat.TURTLE, PREFIXES)
    start = 0
    while data.startswith(b"@prefix ", start):
        start = data.index(b"\n", start) + 1
    return data[start:]


def serialize(quads: list[ox.Quad], fmt: Format) -> bytes:
    """Serialize ``quads`` in ``fmt``; every format but N-Quads drops the graph names."""
    quads = sorted(relabel_blank_nodes(quads), key=by_graph)
    if fmt.key == NQUADS.key:
        return oxigraph_bytes(quads, ox.RdfFormat.N_QUADS)
    triples = unique_triples(quads)
    if fmt.key == JSONLD.key:
        return serialize_jsonld(triples)
    if fmt.key == TURTLE.key:
        return TURTLE_HEAD + turtle_body(triples)
    prefixes = PREFIXES if fmt.key == RDFXML.key else None
    rdf_format = ox.RdfFormat.from_media_type(fmt.media_type)
    if rdf_format is None:
        raise ValueError(f"Oxigraph writes no {fmt.media_type}")
    data = oxigraph_bytes(triples, rdf_format, prefixes)
    return order_prefixes(data) if prefixes else data
