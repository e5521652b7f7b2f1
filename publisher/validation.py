"""Validate the data graphs against the shapes with pySHACL and explain each result readably.

SHACL (W3C Recommendation 2017) §3.6 defines the validation report; every result here keeps its
focus node, path, value and message, plus what a person needs to find it: the file it is
written in and the label of the thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox
import rdflib
import rdflib.plugins.sparql
from rdflib.namespace import RDF, SH, SKOS

from publisher.namespaces import shorten
from publisher.terms import to_rdflib

if TYPE_CHECKING:
    from publisher.dataset import SourceFile

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


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


def graph_of(store: ox.Store, graphs: Iterable[str]) -> rdflib.Graph:
    """Merge the named graphs into one rdflib graph (pySHACL validates named graphs separately)."""
    g = rdflib.Graph()
    for name in graphs:
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g


def validate_store(store: ox.Store, files: list[SourceFile]) -> ValidationReport:
    """Validate the data and ontology graphs of ``store`` against its shapes graphs."""
    import pyshacl  # imported here: it is slow to import and only validation needs it

    # DESIGN §8: rdflib must never load a graph named in a query from the file system or network.
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    data = graph_of(store, [f.graph for f in files if f.kind in ("data", "ontology")])
    shapes = graph_of(store, [f.graph for f in files if f.kind == "shapes"])
    _conforms, results, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        allow_warnings=True,
        meta_shacl=False,
        abort_on_first=False,
    )
    locator = Locator(store, data, {f.graph: str(f.path) for f in files})
    reports = list(results.subjects(RDF.type, SH.ValidationReport))
    issues = [locator.issue(results, r) for report in reports for r in results.objects(report, SH.result)]
    issues.sort(key=lambda i: (SEVERITY_ORDER.get(i.severity, 9), i.files, i.focus, i.path, i.message, i.value))
    return ValidationReport(issues)


def leaf_messages(results: rdflib.Graph, result: rdflib.term.Node) -> list[str]:
    """Return the messages of the innermost results: an sh:node failure explains itself in sh:detail."""
    details = list(results.objects(result, SH.detail))
    if details:
        return [m for d in details for m in leaf_messages(results, d)]
    return [str(m) for m in results.objects(result, SH.resultMessage)]


class Locator:
    """Find the file and the label of the thing a validation result is about."""

    def __init__(self, store: ox.Store, data: rdflib.Graph, file_of_graph: dict[str, str]):
        self.store, self.data, self.file_of_graph = store, data, file_of_graph

    def issue(self, results: rdflib.Graph, result: rdflib.term.Node) -> Issue:
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        severity = str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        messages = sorted(set(leaf_messages(results, result)))
        anchor, trail = self.anchor(focus)
        return Issue(
            severity=severity,
            message="; ".join(messages) or "constraint not met",
            focus=(f"<{anchor}>" if isinstance(anchor, rdflib.URIRef) else "[]") + trail,
            focus_label=self.label(anchor),
            files=self.files(anchor),
            path=self.show(path) if path is not None else "",
            value=self.show(value) if value is not None else "",
        )

    def anchor(self, node: rdflib.term.Node) -> tuple[rdflib.term.Node, str]:
        """Walk from a blank node up to the IRI that holds it; return it and the path taken."""
        trail = ""
        seen = set()
        while isinstance(node, rdflib.BNode) and node not in seen:
            seen.add(node)
            parent = next(iter(self.data.subject_predicates(node)), None)
            if parent is None:
                break
            trail = f" / {shorten(str(parent[1]))}" + trail
            node = parent[0]
        return node, trail

    def label(self, node: rdflib.term.Node) -> str:
        labels = {lit.language: str(lit) for lit in self.data.objects(node, SKOS.prefLabel)}
        return labels.get("de") or labels.get("en") or next(iter(labels.values()), "")

    def files(self, node: rdflib.term.Node) -> tuple[str, ...]:
        if not isinstance(node, rdflib.URIRef):
            return ()
        graphs = {
            q.graph_name.value
            for q in self.store.quads_for_pattern(ox.NamedNode(str(node)), None, None)
            if isinstance(q.graph_name, ox.NamedNode)
        }
        return tuple(sorted(self.file_of_graph[g] for g in graphs if g in self.file_of_graph))

    @staticmethod
    def show(term: rdflib.term.Node) -> str:
        if isinstance(term, rdflib.URIRef):
            return shorten(str(term))
        if isinstance(term, rdflib.Literal):
            text = f'"{term}"'
            if term.language:
                return f"{text}@{term.language}"
            return f"{text}^^{shorten(str(term.datatype))}" if term.datatype else text
        if isinstance(term, rdflib.BNode):
            return "[] (a blank node)"
        return "(a path expression)"
