"""The SHACL constraint components, each checked for all focus nodes of a shape at once.

Every check takes the value nodes of all focus nodes (SHACL §1.5) and returns (focus, result) pairs.
Nested shapes (sh:node, sh:property, the logical components, sh:qualifiedValueShape) are asked once
for all distinct value nodes through :meth:`Evaluation.failures`, which
:class:`publisher.shacl.evaluator.Evaluator` implements.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import pyoxigraph as ox

from publisher.shacl.data import DataGraph
from publisher.shacl.shapes import Shape, SparqlConstraint, Term, show_term
from publisher.vocab import RDF, RDFS, SH, XSD, XSD_DATE, XSD_INTEGER


@dataclass(slots=True)
class Result:
    """One validation result (SHACL §3.6.2); ``details`` holds the results that explain an sh:node failure.

    Nested shapes produce many results that only decide conformance, so a shape without sh:message
    gets its generic message worded when :attr:`messages` is read, not when the result is made.
    """

    focus: Term
    path: Term | None  # an IRI; pySHACL's report may also hold a path expression
    value: Term | None
    component: str
    severity: str
    source_shape: Term
    declared: tuple[str, ...]
    details: tuple[Result, ...] = ()
    shape: Shape | None = None
    parameter: Any = None

    @property
    def messages(self) -> tuple[str, ...]:
        if self.declared or self.shape is None:
            return self.declared
        return (GENERIC[self.component](self.shape, self.parameter, self.focus, self.value),)


Pairs = list[tuple[Term, Result]]  # (the focus node validated against the shape, a result)
ValueNodes = dict[Term, list[Term]]
#: Checks one constraint of a shape (its parameter) for the value nodes of all focus nodes.
Check = Callable[["Evaluation", Shape, Any, ValueNodes], Pairs]


class Evaluation(Protocol):
    """What a check asks of the validation it is part of (the evaluator implements it)."""

    data: DataGraph

    def failures(self, shape: Shape, nodes: Iterable[Term]) -> dict[Term, list[Result]]:
        """Map the nodes that do not conform to ``shape`` to their results."""

    def solutions(self, constraint: SparqlConstraint) -> dict[Term, list[dict[str, Term]]]:
        """Group the solutions of a SPARQL-based constraint by $this."""


def result(
    shape: Shape,
    focus: Term,
    component: str,
    parameter: Any,
    value: Term | None = None,
    details: tuple[Result, ...] = (),
) -> Result:
    """Build a result of ``shape`` (SHACL §3.6.2); its generic message is only worded when read."""
    return Result(focus, shape.path, value, component, shape.severity, shape.node, shape.messages, details,
                  shape, parameter)


def all_values(values: ValueNodes) -> list[Term]:
    return list(dict.fromkeys(v for vs in values.values() for v in vs))


def per_value(component: str, test: Callable[[Evaluation, Any, ValueNodes], Callable[[Term], bool]]) -> Check:
    """Make a check that gives a result with sh:value for each value node that fails ``test``."""

    def check(ev: Evaluation, shape: Shape, parameter: Any, values: ValueNodes) -> Pairs:
        ok = test(ev, parameter, values)
        return [(f, result(shape, f, component, parameter, v)) for f, vs in values.items() for v in vs if not ok(v)]

    return check


# --- value type and value range (SHACL §4.1, §4.3, §4.4) -------------------------------------------------

TZ = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
DATE = r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
TIME = r"(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
LEXICAL = {
    XSD_INTEGER.value: re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(NUMBER),
    XSD + "float": re.compile(rf"{NUMBER}([eE][+-]?[0-9]+)?|[+-]?INF|NaN"),
    XSD + "double": re.compile(rf"{NUMBER}([eE][+-]?[0-9]+)?|[+-]?INF|NaN"),
    XSD + "boolean": re.compile(r"true|false|1|0"),
    XSD_DATE.value: re.compile(DATE + TZ),
    XSD + "dateTime": re.compile(rf"{DATE}T{TIME}{TZ}"),
    XSD + "time": re.compile(TIME + TZ),
}


def well_formed(lexical: str, datatype: str) -> bool:
    """Tell whether a literal of a SPARQL-operand datatype is in its lexical space (SHACL §4.2.1).

    Other datatypes (xsd:gYear, rl:AGS, …) only need the same IRI, as SHACL and pySHACL say.
    """
    pattern = LEXICAL.get(datatype)
    if pattern is None:
        return True
    text = lexical.strip()
    if not pattern.fullmatch(text):
        return False
    if datatype in (XSD_DATE.value, XSD + "dateTime"):
        year, month, day = (int(part) for part in re.findall(r"\d+", text)[:3])  # the pattern matched: all three
        try:
            dt.date(year, month, day)
        except ValueError:
            return False
    return True


def datatype_test(ev: Evaluation, datatype: ox.NamedNode, values: ValueNodes) -> Callable[[Term], bool]:
    rule = datatype.value

    def ok(v: Term) -> bool:
        if not isinstance(v, ox.Literal):
            return False
        if rule == RDFS + "Literal":
            return True
        if v.language:
            return rule == RDF + "langString"
        return v.datatype.value == rule and well_formed(v.value, rule)

    return ok


NODE_KINDS = {
    ox.NamedNode: {"IRI", "BlankNodeOrIRI", "IRIOrLiteral"},
    ox.BlankNode: {"BlankNode", "BlankNodeOrIRI", "BlankNodeOrLiteral"},
    ox.Literal: {"Literal", "BlankNodeOrLiteral", "IRIOrLiteral"},
}


def node_kind_test(ev: Evaluation, kind: Any, values: ValueNodes) -> Callable[[Term], bool]:
    local = kind.value.removeprefix(SH)
    return lambda v: local in NODE_KINDS[type(v)]


def class_test(ev: Evaluation, cls: Any, values: ValueNodes) -> Callable[[Term], bool]:
    instances = ev.data.instances(cls)
    return lambda v: v in instances


def in_test(ev: Evaluation, members: Any, values: ValueNodes) -> Callable[[Term], bool]:
    allowed = set(members)
    return lambda v: v in allowed


def pattern_test(ev: Evaluation, regex: Any, values: ValueNodes) -> Callable[[Term], bool]:
    """sh:pattern (§4.4.2): blank nodes never match; literals by lexical form, IRIs by their text."""
    return lambda v: not isinstance(v, ox.BlankNode) and regex.search(v.value) is not None


def language_in_test(ev: Evaluation, ranges: Any, values: ValueNodes) -> Callable[[Term], bool]:
    """sh:languageIn (§4.4.3): a language tag matching one of the basic ranges, as SPARQL langMatches."""
    wanted = [r.value.lower() for r in ranges]

    def ok(v: Term) -> bool:
        tag = v.language.lower() if isinstance(v, ox.Literal) and v.language else ""
        return bool(tag) and any(r == "*" or tag == r or tag.startswith(r + "-") for r in wanted)

    return ok


# --- cardinality, string and property pair constraints (SHACL §4.2, §4.4.4, §4.5) ----------------------


def check_min_count(ev: Evaluation, shape: Shape, n: Any, values: ValueNodes) -> Pairs:
    component = "MinCountConstraintComponent"
    return [(f, result(shape, f, component, n)) for f, vs in values.items() if len(vs) < n]


def check_max_count(ev: Evaluation, shape: Shape, n: Any, values: ValueNodes) -> Pairs:
    component = "MaxCountConstraintComponent"
    return [(f, result(shape, f, component, n)) for f, vs in values.items() if len(vs) > n]


def check_has_value(ev: Evaluation, shape: Shape, wanted: Any, values: ValueNodes) -> Pairs:
    component = "HasValueConstraintComponent"
    return [(f, result(shape, f, component, wanted)) for f, vs in values.items() if wanted not in vs]


def check_unique_lang(ev: Evaluation, shape: Shape, _on: Any, values: ValueNodes) -> Pairs:
    """One result per language tag used by more than one value (§4.4.4), without sh:value as pySHACL."""
    found: Pairs = []
    for f, vs in values.items():
        tags = [v.language.lower() for v in vs if isinstance(v, ox.Literal) and v.language]
        repeated = sorted({t for t in tags if tags.count(t) > 1})
        found += [(f, result(shape, f, "UniqueLangConstraintComponent", tag)) for tag in repeated]
    return found


def check_equals(ev: Evaluation, shape: Shape, predicate: Any, values: ValueNodes) -> Pairs:
    other = ev.data.objects(predicate)
    found: Pairs = []
    for f, vs in values.items():
        mine, theirs = dict.fromkeys(vs), dict.fromkeys(other.get(f, ()))
        odd = [v for v in mine if v not in theirs] + [v for v in theirs if v not in mine]
        found += [(f, result(shape, f, "EqualsConstraintComponent", predicate, v)) for v in odd]
    return found


def check_disjoint(ev: Evaluation, shape: Shape, predicate: Any, values: ValueNodes) -> Pairs:
    other = ev.data.objects(predicate)
    found: Pairs = []
    for f, vs in values.items():
        theirs = set(other.get(f, ()))
        shared = [v for v in vs if v in theirs]
        found += [(f, result(shape, f, "DisjointConstraintComponent", predicate, v)) for v in shared]
    return found


# --- shape-based and logical constraints (SHACL §4.6, §4.7) ---------------------------------------------


def check_node(ev: Evaluation, shape: Shape, other: Any, values: ValueNodes) -> Pairs:
    """sh:node (§4.7.1): a result per non-conforming value node, explained by the nested results."""
    failing = ev.failures(other, all_values(values))
    component = "NodeConstraintComponent"
    return [
        (f, result(shape, f, component, other, v, details=tuple(failing[v])))
        for f, vs in values.items()
        for v in vs
        if v in failing
    ]


def check_property(ev: Evaluation, shape: Shape, other: Any, values: ValueNodes) -> Pairs:
    """sh:property (§4.7.2): the property shape's own results, reported for each value node."""
    failing = ev.failures(other, all_values(values))
    return [(f, r) for f, vs in values.items() for v in vs for r in failing.get(v, ())]


def failing_not(ev: Evaluation, members: Any, nodes: list[Term]) -> set[Term]:
    """sh:not (§4.6.1): the nodes that conform to the shape."""
    failing = ev.failures(members, nodes)
    return {n for n in nodes if n not in failing}


def failing_and(ev: Evaluation, members: Any, nodes: list[Term]) -> set[Term]:
    """sh:and (§4.6.2): nodes failing any member; each member only sees the nodes still passing."""
    bad: set[Term] = set()
    for member in members:
        remaining = [n for n in nodes if n not in bad]
        failing = ev.failures(member, remaining)
        bad.update(n for n in remaining if n in failing)
    return bad


def failing_or(ev: Evaluation, members: Any, nodes: list[Term]) -> set[Term]:
    """sh:or (§4.6.3): nodes failing every member; each member only sees the nodes still failing."""
    remaining = nodes
    for member in members:
        failing = ev.failures(member, remaining)
        remaining = [n for n in remaining if n in failing]
    return set(remaining)


def failing_xone(ev: Evaluation, members: Any, nodes: list[Term]) -> set[Term]:
    """sh:xone (§4.6.4): nodes conforming to no member or to more than one (counting stops at two)."""
    passed = dict.fromkeys(nodes, 0)
    for member in members:
        open_nodes = [n for n in nodes if passed[n] < 2]
        failing = ev.failures(member, open_nodes)
        for n in open_nodes:
            passed[n] += n not in failing
    return {n for n, count in passed.items() if count != 1}


def logical(component: str, failing_nodes: Callable[[Evaluation, Any, list[Term]], set[Term]]) -> Check:
    """Make a check for sh:not, sh:and, sh:or or sh:xone: a result for each value node that fails."""

    def test(ev: Evaluation, members: Any, values: ValueNodes) -> Callable[[Term], bool]:
        bad = failing_nodes(ev, members, all_values(values))
        return lambda v: v not in bad

    return per_value(component, test)


def qualified(component: str, too_few: bool) -> Check:
    """sh:qualifiedValueShape with sh:qualifiedMinCount or sh:qualifiedMaxCount (§4.7.3), no siblings."""

    def check(ev: Evaluation, shape: Shape, parameter: Any, values: ValueNodes) -> Pairs:
        other, n = parameter
        failing = ev.failures(other, all_values(values))
        found: Pairs = []
        for f, vs in values.items():
            c = sum(1 for v in vs if v not in failing)
            if (c < n) if too_few else (c > n):
                found.append((f, result(shape, f, component, parameter)))
        return found

    return check


# --- SPARQL-based constraints (SHACL §5) ----------------------------------------------------------------


def check_sparql(ev: Evaluation, shape: Shape, constraint: Any, values: ValueNodes) -> Pairs:
    """Each distinct solution for a focus node is a result (§5.3); messages get {?var} substituted."""
    solutions = ev.solutions(constraint)
    texts = tuple(dict.fromkeys(constraint.messages + shape.messages))
    component = "SPARQLConstraintComponent"
    found: Pairs = []
    for f in values:
        for row in solutions.get(f, ()):
            value = row.get("value", f if shape.path is None else None)
            path = row.get("path", shape.path)
            text = tuple(sorted({fill(t, row) for t in texts}))
            found.append((f, Result(f, path, value, component, shape.severity, shape.node, text, (), shape, None)))
    return found


def fill(message: str, row: dict[str, Term]) -> str:
    """Replace {?var} and {$var} in a message with the solution's values (SHACL §5.3.2)."""
    return re.sub(r"\{[?$](\w+)\}", lambda m: row[m.group(1)].value if m.group(1) in row else m.group(0), message)


CHECKS: dict[str, Check] = {
    "ClassConstraintComponent": per_value("ClassConstraintComponent", class_test),
    "DatatypeConstraintComponent": per_value("DatatypeConstraintComponent", datatype_test),
    "NodeKindConstraintComponent": per_value("NodeKindConstraintComponent", node_kind_test),
    "InConstraintComponent": per_value("InConstraintComponent", in_test),
    "PatternConstraintComponent": per_value("PatternConstraintComponent", pattern_test),
    "LanguageInConstraintComponent": per_value("LanguageInConstraintComponent", language_in_test),
    "MinCountConstraintComponent": check_min_count,
    "MaxCountConstraintComponent": check_max_count,
    "HasValueConstraintComponent": check_has_value,
    "UniqueLangConstraintComponent": check_unique_lang,
    "EqualsConstraintComponent": check_equals,
    "DisjointConstraintComponent": check_disjoint,
    "NodeConstraintComponent": check_node,
    "PropertyConstraintComponent": check_property,
    "NotConstraintComponent": logical("NotConstraintComponent", failing_not),
    "AndConstraintComponent": logical("AndConstraintComponent", failing_and),
    "OrConstraintComponent": logical("OrConstraintComponent", failing_or),
    "XoneConstraintComponent": logical("XoneConstraintComponent", failing_xone),
    "QualifiedMinCountConstraintComponent": qualified("QualifiedMinCountConstraintComponent", too_few=True),
    "QualifiedMaxCountConstraintComponent": qualified("QualifiedMaxCountConstraintComponent", too_few=False),
    "SPARQLConstraintComponent": check_sparql,
}


def names(shapes: Any) -> str:
    return " , ".join(s.label for s in shapes)


def on(shape: Shape, focus: Term) -> str:
    return f"{show_term(focus)}->{show_term(shape.path)}" if shape.path else show_term(focus)


# Messages for shapes without sh:message, worded after pySHACL's.
GENERIC: dict[str, Callable[[Shape, Any, Term, Term | None], str]] = {
    "ClassConstraintComponent": lambda s, p, f, v: f"Value does not have class {show_term(p)}",
    "DatatypeConstraintComponent": lambda s, p, f, v: f"Value is not Literal with datatype {show_term(p)}",
    "NodeKindConstraintComponent": lambda s, p, f, v: f"Value is not of Node Kind {show_term(p)}",
    "InConstraintComponent": lambda s, p, f, v: f"Value {show_term(v)} not in list ({', '.join(map(show_term, p))})",
    "PatternConstraintComponent": lambda s, p, f, v: f"Value does not match pattern '{p.pattern}'",
    "LanguageInConstraintComponent": lambda s, p, f, v: f"String language is not in ({' '.join(map(show_term, p))})",
    "MinCountConstraintComponent": lambda s, p, f, v: f"Less than {p} values on {on(s, f)}",
    "MaxCountConstraintComponent": lambda s, p, f, v: f"More than {p} values on {on(s, f)}",
    "HasValueConstraintComponent": lambda s, p, f, v: f"Node {on(s, f)} does not contain the value {show_term(p)}",
    "UniqueLangConstraintComponent": lambda s, p, f, v: f"More than one String shares the same Language ({p})",
    "EqualsConstraintComponent": lambda s, p, f, v: f"Value of {on(s, f)} != {show_term(p)}",
    "DisjointConstraintComponent": lambda s, p, f, v: f"Value of {on(s, f)} == {show_term(p)}",
    "NodeConstraintComponent": lambda s, p, f, v: f"Value does not conform to Shape {p.label}",
    "NotConstraintComponent": lambda s, p, f, v: f"Node {show_term(v)} must not conform to shape {p.label}",
    "AndConstraintComponent": lambda s, p, f, v: f"Node {show_term(v)} must conform to all shapes in {names(p)}",
    "OrConstraintComponent": lambda s, p, f, v: f"Node {show_term(v)} must conform to one or more shapes in {names(p)}",
    "XoneConstraintComponent": lambda s, p, f, v: (
        f"Node {show_term(v)} must conform to exactly one shape in {names(p)}"
    ),
    "QualifiedMinCountConstraintComponent": lambda s, p, f, v: (
        f"Fewer than {p[1]} values on {on(s, f)} conform to {p[0].label}"
    ),
    "QualifiedMaxCountConstraintComponent": lambda s, p, f, v: (
        f"More than {p[1]} values on {on(s, f)} conform to {p[0].label}"
    ),
    "SPARQLConstraintComponent": lambda s, p, f, v: f"The SPARQL constraint of {s.label} found {show_term(v)}",
}
