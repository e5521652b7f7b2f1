"""Read the shapes graphs into shape records the validator in :mod:`publisher.shacl.evaluator` evaluates.

Only the SHACL Core subset regiolod's shapes use is supported (SHACL §2-4), plus SPARQL-based
constraints with ``sh:select`` (§5). A shape that uses anything else makes loading fail with
"unsupported SHACL feature …", so a new kind of rule is never skipped silently.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.vocab import RDF, RDF_TYPE, RDFS, RDFS_SUBCLASS_OF, SH, shorten

Term = ox.NamedNode | ox.BlankNode | ox.Literal

# Parameters that say something about a shape without being a constraint of their own (SHACL §2.1, §3).
DESCRIPTIVE = {
    "path", "message", "severity", "deactivated", "name", "description", "order", "group", "defaultValue",
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf",
    "flags", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint",
}
SHAPE_VALUED = ("node", "property", "qualifiedValueShape", "not")
SHAPE_LISTS = ("and", "or", "xone")
LIST_VALUED = (*SHAPE_LISTS, "in", "languageIn")
SPARQL_PARAMETERS = {"select", "message", "prefixes", "deactivated"}
# Constructs whose meaning depends on SHACL's pre-binding of $this (§5.3.1); every other query runs once
# over the whole data graph with $this as an ordinary variable.
PREBINDING_SENSITIVE = re.compile(r"\b(OPTIONAL|UNION|MINUS|VALUES|SERVICE|GRAPH)\b|\$(currentShape|shapesGraph)")
# Constructs that can make a query lose solutions when triples are added (the rest is monotone).
NON_MONOTONE = re.compile(
    r"(\bNOT|!)\s*EXISTS\b|\b(GROUP|HAVING|LIMIT|OFFSET|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\b", re.IGNORECASE
)


class UnsupportedShapeError(ValueError):
    """The shapes use a SHACL feature this validator does not implement (or are malformed)."""


@dataclass(frozen=True)
class Constraint:
    """One constraint of a shape: the local name of its SHACL constraint component and its parameter."""

    component: str
    parameter: object


@dataclass(frozen=True)
class SparqlConstraint:
    """A SPARQL-based constraint (SHACL §5): a SELECT over the data graph, with its messages."""

    node: Term
    query: str
    messages: tuple[str, ...]
    monotone: bool  # more triples can only give more solutions (no NOT EXISTS, aggregates, LIMIT)


@dataclass(eq=False)
class Shape:
    """A node or property shape with its targets and constraints."""

    node: Term
    name: str  # for error messages: says where a blank-node shape sits
    label: str  # for validation messages
    path: ox.NamedNode | None = None
    severity: str = "Violation"
    messages: tuple[str, ...] = ()
    deactivated: bool = False
    target_classes: tuple[ox.NamedNode, ...] = ()
    target_nodes: tuple[Term, ...] = ()
    target_subjects_of: tuple[ox.NamedNode, ...] = ()
    target_objects_of: tuple[ox.NamedNode, ...] = ()
    constraints: list[Constraint] = field(default_factory=list)

    @property
    def is_property_shape(self) -> bool:
        return self.path is not None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_classes or self.target_nodes or self.target_subjects_of or self.target_objects_of)


class ShapesGraph:
    """The union of the shapes graphs, indexed by subject, and the shapes compiled from it."""

    def __init__(self, store: ox.Store, graphs: Iterable[str]):
        self.props: dict[Term, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.parents: dict[Term, list[Term]] = defaultdict(list)
        for graph in graphs:
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
                subject, obj = q.subject, q.object
                if isinstance(subject, ox.Triple) or isinstance(obj, ox.Triple):  # RDF 1.2; SHACL 1.0 has none
                    raise UnsupportedShapeError(f"unsupported SHACL feature: a triple term in {q.triple}")
                values = self.props[subject][q.predicate.value]
                if obj not in values:
                    values.append(obj)
                    self.parents[obj].append(subject)
        self.shapes: dict[Term, Shape] = {}
        self._compiling: set[Term] = set()

    def values(self, node: Term, predicate: str) -> list[Term]:
        return self.props.get(node, {}).get(predicate, [])

    def one(self, node: Term, predicate: str) -> Term | None:
        """Return the only value of ``predicate``; more than one is an error (SHACL §4: "at most one")."""
        found = self.values(node, predicate)
        if len(found) > 1:
            raise UnsupportedShapeError(f"{shorten(predicate)} has {len(found)} values in shape {self.name(node)}")
        return found[0] if found else None

    def items(self, head: Term) -> list[Term]:
        """Return the members of an RDF list (RDF 1.1 Semantics, collections)."""
        members, seen = [], set()
        while head != ox.NamedNode(RDF + "nil"):
            first = self.one(head, RDF + "first")
            if first is None or head in seen:
                raise UnsupportedShapeError(f"malformed RDF list {head} in the shapes graph")
            seen.add(head)
            members.append(first)
            head = self.one(head, RDF + "rest") or ox.NamedNode(RDF + "nil")
        return members

    def label(self, node: Term) -> str:
        """Show a shape in messages: its IRI, or its parameters in brackets when it is a blank node."""
        if isinstance(node, ox.NamedNode):
            return shorten(node.value)
        parts = []
        for predicate, values in sorted(self.props.get(node, {}).items()):
            local = predicate.removeprefix(SH)
            if predicate.startswith(SH) and local not in ("message", "property", "sparql", "name", "description"):
                shown = [self.show_list(v) if local in LIST_VALUED else show_term(v) for v in values]
                parts.append(f"sh:{local} {', '.join(shown)}")
        return f"[ {' ; '.join(parts)} ]" if parts else "[]"

    def show_list(self, head: Term) -> str:
        shown = (self.label(m) if isinstance(m, ox.BlankNode) else show_term(m) for m in self.items(head))
        return f"( {' '.join(shown)} )"

    def name(self, node: Term) -> str:
        """Name a shape in error messages: its label and, for a blank node, the named shape that holds it."""
        label = self.label(node)
        if isinstance(node, ox.NamedNode):
            return label
        seen, parents = {node}, list(self.parents.get(node, []))
        while parents:
            parent = parents.pop(0)
            if isinstance(parent, ox.NamedNode):
                return f"{label} in {shorten(parent.value)}"
            if parent not in seen:
                seen.add(parent)
                parents += self.parents.get(parent, [])
        return label

    def shape_nodes(self) -> list[Term]:
        """Return every node the shapes graph makes a shape (SHACL §2.1: typed, targeted or referenced)."""
        found = []
        for node, props in self.props.items():
            types = {t.value for t in props.get(RDF_TYPE.value, []) if isinstance(t, ox.NamedNode)}
            if types & {SH + "NodeShape", SH + "PropertyShape"} or any(
                SH + p in props for p in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "path")
            ):
                found.append(node)
            for p in SHAPE_VALUED:
                found += props.get(SH + p, [])
            for p in SHAPE_LISTS:
                found += [m for head in props.get(SH + p, []) for m in self.items(head)]
        return sorted(set(found), key=lambda n: (isinstance(n, ox.BlankNode), str(n)))

    def compile(self, node: Term) -> Shape:
        """Compile a shape once; a shape that reaches itself through its constraints is refused."""
        if node in self.shapes:
            return self.shapes[node]
        if node in self._compiling:
            raise UnsupportedShapeError(f"unsupported SHACL feature: recursive shape {self.name(node)}")
        self._compiling.add(node)
        try:
            shape = self._compile(node)
        finally:
            self._compiling.discard(node)
        self.shapes[node] = shape
        return shape

    def _compile(self, node: Term) -> Shape:
        props = self.props.get(node, {})
        if not props:
            raise UnsupportedShapeError(f"{self.name(node)} is used as a shape but not defined in the shapes graph")
        shape = Shape(node, self.name(node), self.label(node), messages=messages(self.values(node, SH + "message")))
        for predicate in props:
            if predicate.startswith(SH) and not self._known(predicate[len(SH) :]):
                raise UnsupportedShapeError(f"unsupported SHACL feature sh:{predicate[len(SH):]} in shape {shape.name}")
        path = self.one(node, SH + "path")
        if path is not None and not isinstance(path, ox.NamedNode):
            raise UnsupportedShapeError(f"unsupported SHACL feature: a path expression in shape {shape.name}")
        shape.path = path
        severity = self.one(node, SH + "severity")
        shape.severity = severity.value.rsplit("#", 1)[-1] if isinstance(severity, ox.NamedNode) else "Violation"
        shape.deactivated = is_true(self.one(node, SH + "deactivated"))
        shape.target_classes = tuple(self.iris(node, "targetClass")) + self.implicit_class(node)
        shape.target_nodes = tuple(self.values(node, SH + "targetNode"))
        shape.target_subjects_of = tuple(self.iris(node, "targetSubjectsOf"))
        shape.target_objects_of = tuple(self.iris(node, "targetObjectsOf"))
        shape.constraints = self.constraints(node, shape)
        return shape

    @staticmethod
    def _known(local: str) -> bool:
        return local in DESCRIPTIVE or local in CONSTRAINT_PARSERS

    def iris(self, node: Term, local: str) -> list[ox.NamedNode]:
        found = [v for v in self.values(node, SH + local) if isinstance(v, ox.NamedNode)]
        if len(found) != len(self.values(node, SH + local)):
            raise UnsupportedShapeError(f"sh:{local} must be an IRI in shape {self.name(node)}")
        return found

    def implicit_class(self, node: Term) -> tuple[ox.NamedNode, ...]:
        """A shape that is also an rdfs:Class targets its own instances (SHACL §2.1.3.3)."""
        metaclasses = {RDFS + "Class"} | {
            s.value
            for s, props in self.props.items()
            if isinstance(s, ox.NamedNode) and ox.NamedNode(RDFS + "Class") in props.get(RDFS_SUBCLASS_OF.value, [])
        }
        types = {t.value for t in self.values(node, RDF_TYPE.value) if isinstance(t, ox.NamedNode)}
        return (node,) if isinstance(node, ox.NamedNode) and types & metaclasses else ()

    def constraints(self, node: Term, shape: Shape) -> list[Constraint]:
        """Parse every constraint parameter of the shape, in a stable order."""
        found = []
        for predicate in sorted(self.props.get(node, {})):
            local = predicate[len(SH) :] if predicate.startswith(SH) else ""
            parser = CONSTRAINT_PARSERS.get(local)
            if parser is not None:
                found += parser(self, node, shape)
        return found

    def prefixes(self, node: Term) -> str:
        """Return PREFIX lines for the sh:declare entries of the nodes named by sh:prefixes (SHACL §5.2.1)."""
        lines = []
        for owner in self.values(node, SH + "prefixes"):
            for declaration in self.values(owner, SH + "declare"):
                prefix, namespace = self.one(declaration, SH + "prefix"), self.one(declaration, SH + "namespace")
                if prefix is None or namespace is None:
                    raise UnsupportedShapeError(f"incomplete sh:declare on {self.name(owner)}")
                lines.append(f"PREFIX {prefix.value}: <{namespace.value}>\n")
        return "".join(sorted(set(lines)))


def show_term(term: Term | None) -> str:
    """Show a term the way reports do: a prefixed name, a quoted literal or a blank node."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return short(term.value)
    if isinstance(term, ox.BlankNode):
        return "[] (a blank node)"
    if term.language:
        return f'"{term.value}"@{term.language}'
    return f'"{term.value}"^^{short(term.datatype.value)}'


short = functools.lru_cache(maxsize=65536)(shorten)


def messages(values: Iterable[Term]) -> tuple[str, ...]:
    return tuple(sorted({v.value for v in values if isinstance(v, ox.Literal)}))


def is_true(term: Term | None) -> bool:
    return isinstance(term, ox.Literal) and term.value in ("true", "1")


#: Reads one constraint parameter of a shape into its constraints.
Parser = Callable[[ShapesGraph, Term, Shape], list[Constraint]]


def count(sg: ShapesGraph, node: Term, local: str) -> int:
    """Read a cardinality parameter: a non-negative xsd:integer (SHACL §4.2)."""
    term = sg.one(node, SH + local)
    if not isinstance(term, ox.Literal) or not re.fullmatch(r"\+?[0-9]+", term.value.strip()):
        raise UnsupportedShapeError(f"sh:{local} must be a non-negative integer in shape {sg.name(node)}")
    return int(term.value)


def parse_simple(component: str, local: str) -> Parser:
    """Make a parser for a parameter that gives one constraint per value."""

    def parse(sg: ShapesGraph, node: Term, shape: Shape) -> list[Constraint]:
        return [Constraint(component, value) for value in sg.values(node, SH + local)]

    return parse


def parse_count(component: str, local: str) -> Parser:
    def parse(sg: ShapesGraph, node: Term, shape: Shape) -> list[Constraint]:
        if not shape.is_property_shape:
            raise UnsupportedShapeError(f"sh:{local} is only allowed on property shapes, in shape {shape.name}")
        return [Constraint(component, count(sg, node, local))]

    return parse


def parse_shape_valued(component: str, local: str) -> Parser:
    def parse(sg: ShapesGraph, node: Term, shape: Shape) -> list[Constraint]:
        return [Constraint(component, sg.compile(value)) for value in sg.values(node, SH + local)]

    return parse


def parse_shape_list(component: str, local: str) -> Parser:
    def parse(sg: ShapesGraph, node: Term, shape: Shape) -> list[Constraint]:
        return [
            Constraint(component, tuple(sg.compile(member) for member in sg.items(head)))
            for head in sg.values(node, SH + local)
        ]

    return parse


def parse_list(component: str, local: str) -> Parser:
    def parse(sg: ShapesGraph, node: Term, shape: Shape) -> list[Constraint]:
        return [Constraint(component, tuple(sg.items(head))) for head in sg.values(node, SH + local)]

    return parse


def parse_pattern(sg: ShapesGraph, node: Term, shape: Shape) -> list[Constraint]:
    """sh:pattern with optional sh:flags (SHACL §4.4.2); compiled with Python's re, as pySHACL does."""
    flags_term = sg.one(node, SH + "flags")
    flags = 0
    for letter in flags_term.value if flags_term is not None else "":
        if letter not in "imsx":
            raise UnsupportedShapeError(f"unsupported SHACL feature: sh:flags {letter!r} in shape {shape.name}")
        flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[letter]
    patterns = sg.values(node, SH + "pattern")
    return [Constraint("PatternConstraintComponent", re.compile(p.value, flags)) for p in patterns]


def parse_unique_lang(sg: ShapesGraph, node: Term, shape: Shape) -> list[Constraint]:
    if not shape.is_property_shape:
        raise UnsupportedShapeError(f"sh:uniqueLang is only allowed on property shapes, in shape {shape.name}")
    return [Constraint("UniqueLangConstraintComponent", True)] if is_true(sg.one(node, SH + "uniqueLang")) else []


def parse_qualified(sg: ShapesGraph, node: Term, shape: Shape) -> list[Constraint]:
    """sh:qualifiedValueShape with its counts (SHACL §4.7.3); disjoint siblings are not supported."""
    if is_true(sg.one(node, SH + "qualifiedValueShapesDisjoint")):
        raise UnsupportedShapeError(f"unsupported SHACL feature sh:qualifiedValueShapesDisjoint in shape {shape.name}")
    if not shape.is_property_shape:
        raise UnsupportedShapeError(f"sh:qualifiedValueShape is only allowed on property shapes, in {shape.name}")
    low = count(sg, node, "qualifiedMinCount") if sg.values(node, SH + "qualifiedMinCount") else None
    high = count(sg, node, "qualifiedMaxCount") if sg.values(node, SH + "qualifiedMaxCount") else None
    found = []
    for value in sg.values(node, SH + "qualifiedValueShape"):
        qualified = sg.compile(value)
        if low is not None:
            found.append(Constraint("QualifiedMinCountConstraintComponent", (qualified, low)))
        if high is not None:
            found.append(Constraint("QualifiedMaxCountConstraintComponent", (qualified, high)))
    return found


def parse_sparql(sg: ShapesGraph, node: Term, shape: Shape) -> list[Constraint]:
    """Read each sh:sparql constraint (SHACL §5.1): prefixes, SELECT, messages; $PATH is substituted."""
    found = []
    for constraint in sg.values(node, SH + "sparql"):
        for predicate in sg.props.get(constraint, {}):
            if predicate.startswith(SH) and predicate[len(SH) :] not in SPARQL_PARAMETERS:
                raise UnsupportedShapeError(f"unsupported SHACL feature sh:{predicate[len(SH):]} in shape {shape.name}")
        if is_true(sg.one(constraint, SH + "deactivated")):
            continue
        select = sg.one(constraint, SH + "select")
        if select is None:
            raise UnsupportedShapeError(f"sh:sparql without sh:select in shape {shape.name}")
        text = select.value
        if PREBINDING_SENSITIVE.search(text) or len(re.findall(r"\bSELECT\b", text, re.I)) > 1 or "?failure" in text:
            raise UnsupportedShapeError(
                f"unsupported SHACL feature: a SPARQL constraint that needs $this pre-bound in shape {shape.name}"
            )
        if not re.search(r"\bSELECT\b[^{]*[$?]this\b", text, re.I):
            raise UnsupportedShapeError(f"the SPARQL constraint of shape {shape.name} must select $this")
        if "$PATH" in text:
            if shape.path is None:
                raise UnsupportedShapeError(f"$PATH in the SPARQL constraint of node shape {shape.name}")
            text = text.replace("$PATH", f"<{shape.path.value}>")
        texts = messages(sg.values(constraint, SH + "message"))
        monotone = not NON_MONOTONE.search(text)
        parsed = SparqlConstraint(constraint, sg.prefixes(constraint) + text, texts, monotone)
        found.append(Constraint("SPARQLConstraintComponent", parsed))
    return found


CONSTRAINT_PARSERS: dict[str, Parser] = {
    "class": parse_simple("ClassConstraintComponent", "class"),
    "datatype": parse_simple("DatatypeConstraintComponent", "datatype"),
    "nodeKind": parse_simple("NodeKindConstraintComponent", "nodeKind"),
    "minCount": parse_count("MinCountConstraintComponent", "minCount"),
    "maxCount": parse_count("MaxCountConstraintComponent", "maxCount"),
    "hasValue": parse_simple("HasValueConstraintComponent", "hasValue"),
    "in": parse_list("InConstraintComponent", "in"),
    "pattern": parse_pattern,
    "languageIn": parse_list("LanguageInConstraintComponent", "languageIn"),
    "uniqueLang": parse_unique_lang,
    "equals": parse_simple("EqualsConstraintComponent", "equals"),
    "disjoint": parse_simple("DisjointConstraintComponent", "disjoint"),
    "node": parse_shape_valued("NodeConstraintComponent", "node"),
    "property": parse_shape_valued("PropertyConstraintComponent", "property"),
    "not": parse_shape_valued("NotConstraintComponent", "not"),
    "and": parse_shape_list("AndConstraintComponent", "and"),
    "or": parse_shape_list("OrConstraintComponent", "or"),
    "xone": parse_shape_list("XoneConstraintComponent", "xone"),
    "qualifiedValueShape": parse_qualified,
    "sparql": parse_sparql,
}


def load_shapes(store: ox.Store, graphs: Iterable[str]) -> list[Shape]:
    """Compile every shape of the shapes graphs; return those with targets, in a stable order."""
    sg = ShapesGraph(store, graphs)
    compiled = [sg.compile(node) for node in sg.shape_nodes()]
    return [s for s in compiled if s.has_targets]
