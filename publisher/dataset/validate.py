"""Validate the data graphs against the shapes and explain each result readably.

SHACL (W3C Recommendation 2017) §3.6 defines the validation report; every result here keeps its
focus node, path, value and message, plus what a person needs to find it: the file it is
written in and the label of the thing.

Two engines give the same results: ``store`` (the default, :mod:`publisher.shacl.evaluator`) validates the
pyoxigraph store directly and scales to hundreds of thousands of triples; ``pyshacl`` copies the
graphs into rdflib and runs pySHACL, the reference the tests compare the default engine against.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
import rdflib.plugins.sparql
from rdflib.namespace import RDF, SH, XSD

from publisher.dataset.sources import SourceFile
from publisher.dataset.terms import to_rdflib
from publisher.shacl import evaluator as shacl
from publisher.shacl.evaluator import Result
from publisher.shacl.shapes import Term, show_term
from publisher.vocab import SKOS_PREF_LABEL

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
ENGINES = ("store", "pyshacl")


@dataclass(frozen=True)
class Issue:
    """One validation result, in words a person can act on."""

    severity: str
    message: str
    focus: str = ""
    focus_label: str = ""
    files: tuple[str, ...] = ()
    path: str = ""
    value: str = ""

    def format(self) -> str:
        where = ", ".join(self.files) or "(no file)"
        head = f"{where}: {self.severity}"
        if self.focus:
            head += f" at {self.focus_label + ' ' if self.focus_label else ''}{self.focus}"
        lines = [head]
        if self.path:
            lines.append(f"  path:    {self.path}")
        if self.value:
            lines.append(f"  value:   {self.value}")
        lines.append(f"  message: {self.message}")
        return "\n".join(lines)


@dataclass
class ValidationReport:
    """The results of validating one build."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def violations(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def add_errors(self, messages: Iterable[str]) -> None:
        self.issues += [Issue("Violation", m) for m in messages]

    def format(self) -> str:
        if not self.issues:
            return "Conforms: no violations."
        body = "\n\n".join(i.format() for i in self.issues)
        counts = {s: sum(1 for i in self.issues if i.severity == s) for s in SEVERITY_ORDER}
        summary = ", ".join(f"{n} {s.lower()}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
        return f"{body}\n\n{summary}."


def validate_store(store: ox.Store, files: list[SourceFile], engine: str = "store") -> ValidationReport:
    """Validate the data and ontology graphs of ``store`` against its shapes graphs.

    ``engine`` is ``store`` (fast, the default) or ``pyshacl`` (the reference); both give the same issues.
    """
    data = [f.graph for f in files if f.kind in ("data", "ontology")]
    locator = Locator(store, data, {f.graph: str(f.path) for f in files})
    issues = [locator.issue(r) for r in check_store(store, files, engine)]
    issues.sort(key=lambda i: (SEVERITY_ORDER.get(i.severity, 9), i.files, i.focus, i.path, i.message, i.value))
    return ValidationReport(issues)


def check_store(store: ox.Store, files: list[SourceFile], engine: str = "store") -> list[Result]:
    """Return the validation results of one engine as :class:`publisher.shacl.evaluator.Result` trees."""
    data = [f.graph for f in files if f.kind in ("data", "ontology")]
    shapes = [f.graph for f in files if f.kind == "shapes"]
    if engine == "store":
        return shacl.validate(store, data, shapes)
    if engine == "pyshacl":
        return pyshacl_results(store, data, shapes)
    raise ValueError(f"unknown validation engine {engine!r}; choose one of {', '.join(ENGINES)}")


def graph_of(store: ox.Store, graphs: Iterable[str]) -> rdflib.Graph:
    """Merge the named graphs into one rdflib graph (pySHACL validates named graphs separately)."""
    g = rdflib.Graph()
    for name in graphs:
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g


def pyshacl_results(store: ox.Store, data_graphs: list[str], shapes_graphs: list[str]) -> list[Result]:
    """Validate with pySHACL and read its report graph back into results."""
    import pyshacl  # imported here: it is slow to import and only the reference engine needs it

    # DESIGN §8: rdflib must never load a graph named in a query from the file system or network.
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    _conforms, report, _text = pyshacl.validate(
        graph_of(store, data_graphs),
        shacl_graph=graph_of(store, shapes_graphs),
        inference="none",
        advanced=False,
        allow_warnings=True,
        meta_shacl=False,
        abort_on_first=False,
    )
    tops = [r for v in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(v, SH.result)]
    return [read_result(report, r) for r in tops]


def read_result(report: rdflib.Graph, node: rdflib.term.Node) -> Result:
    """Turn one sh:ValidationResult of pySHACL's report (with its sh:detail results) into a Result."""

    def term(predicate: rdflib.URIRef) -> Term | None:
        found = report.value(node, predicate)
        return from_rdflib(found) if found is not None else None

    focus, shape = term(SH.focusNode), term(SH.sourceShape)
    if focus is None or shape is None:
        raise ValueError("pySHACL reported a result without focus node or source shape")
    return Result(
        focus=focus,
        path=term(SH.resultPath),
        value=term(SH.value),
        component=str(report.value(node, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
        severity=str(report.value(node, SH.resultSeverity)).rsplit("#", 1)[-1],
        source_shape=shape,
        declared=tuple(sorted({str(m) for m in report.objects(node, SH.resultMessage)})),
        details=tuple(read_result(report, d) for d in report.objects(node, SH.detail)),
    )


def from_rdflib(term: rdflib.term.Node) -> Term:
    """Convert an rdflib term back to the equal pyoxigraph term."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal) and term.language:
        return ox.Literal(str(term), language=term.language)
    if isinstance(term, rdflib.Literal):
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"not an RDF term: {term!r}")


def leaf_messages(result: Result) -> list[str]:
    """Return the messages of the innermost results: an sh:node failure explains itself in its details."""
    if result.details:
        return [m for d in result.details for m in leaf_messages(d)]
    return list(result.messages)


class Locator:
    """Find the file and the label of the thing a validation result is about."""

    def __init__(self, store: ox.Store, data_graphs: list[str], file_of_graph: dict[str, str]):
        self.store, self.file_of_graph = store, file_of_graph
        self.graphs = {ox.NamedNode(g) for g in data_graphs}

    def issue(self, result: Result) -> Issue:
        anchor, trail = self.anchor(result.focus)
        return Issue(
            severity=result.severity,
            message="; ".join(sorted(set(leaf_messages(result)))) or "constraint not met",
            focus=(f"<{anchor.value}>" if isinstance(anchor, ox.NamedNode) else "[]") + trail,
            focus_label=self.label(anchor),
            files=self.files_stating(anchor, result) if not trail else self.files(anchor),
            path=show_term(result.path),
            value=show_term(result.value),
        )

    def quads(
        self, subject: ox.NamedNode | ox.BlankNode | None, predicate: ox.NamedNode | None, obj: Term | None = None
    ) -> list[ox.Quad]:
        """Return the matching quads of the data graphs (one index lookup, however many files there are)."""
        return [q for q in self.store.quads_for_pattern(subject, predicate, obj) if q.graph_name in self.graphs]

    def anchor(self, node: Term) -> tuple[Term, str]:
        """Walk from a blank node up to the IRI that holds it; return it and the path taken."""
        trail = ""
        seen: set[ox.BlankNode] = set()
        while isinstance(node, ox.BlankNode) and node not in seen:
            seen.add(node)
            parents = sorted(self.quads(None, None, node), key=lambda q: (str(q.subject), q.predicate.value))
            holder = parents[0].subject if parents else None
            if not isinstance(holder, ox.NamedNode | ox.BlankNode):  # none, or a triple term (RDF 1.2): no IRI
                break
            trail = f" / {show_term(parents[0].predicate)}" + trail
            node = holder
        return node, trail

    def label(self, node: Term) -> str:
        if isinstance(node, ox.Literal):
            return ""
        found = [q.object for q in self.quads(node, SKOS_PREF_LABEL) if isinstance(q.object, ox.Literal)]
        labels = sorted((label.language or "", label.value) for label in found)
        by_language = dict(reversed(labels))
        return by_language.get("de") or by_language.get("en") or (labels[0][1] if labels else "")

    def files_stating(self, node: Term, result: Result) -> tuple[str, ...]:
        """The files that make the offending statement, when there is one; else every file about the thing
        (a file that only adds, say, the thing's boundary is not where a wrong code is fixed)."""
        if isinstance(node, ox.NamedNode) and isinstance(result.path, ox.NamedNode) and result.value is not None:
            value = result.value if not isinstance(result.value, ox.Triple) else None
            quads = self.quads(node, result.path, value) if value is not None else []
            graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
            found = tuple(sorted(self.file_of_graph[g] for g in graphs if g in self.file_of_graph))
            if found:
                return found
        return self.files(node)

    def files(self, node: Term) -> tuple[str, ...]:
        if not isinstance(node, ox.NamedNode):
            return ()
        graphs = {
            q.graph_name.value
            for q in self.store.quads_for_pattern(node, None, None)
            if isinstance(q.graph_name, ox.NamedNode)
        }
        return tuple(sorted(self.file_of_graph[g] for g in graphs if g in self.file_of_graph))
