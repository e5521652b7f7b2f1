"""Validate the data graphs of a pyoxigraph store against SHACL shapes, all focus nodes at once.

pySHACL checks one focus node at a time and costs milliseconds per node; here every shape is
evaluated for all its focus nodes together: each property path is read once from the store with a
pattern scan, each constraint is a loop over those value sets, nested shapes (sh:node, sh:or, …) are
checked once per distinct value node, and SPARQL-based constraints run once over the whole data
graph. The semantics are SHACL's (W3C Recommendation 2017, §2-5) as pySHACL implements them, and
the differential tests in ``tests/test_validation_engine.py`` hold the two engines to the same
results. Where pySHACL departs from the specification, this follows the specification: sh:languageIn
matches language ranges as SPARQL langMatches does, and sh:datatype reads xsd:dateTime, xsd:boolean
and the numeric types by their XSD lexical spaces (pySHACL accepts "2019-01-01"^^xsd:dateTime).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from publisher.shacl.checks import CHECKS, Pairs, Result, ValueNodes
from publisher.shacl.shapes import RDF, RDFS, Shape, SparqlConstraint, Term, load_shapes

__all__ = ["DataGraph", "Evaluator", "Result", "validate"]

RDF_TYPE = ox.NamedNode(RDF + "type")
SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")


class DataGraph:
    """The union of the data graphs, read one predicate at a time and kept as subject → objects maps."""

    def __init__(self, store: ox.Store, graphs: Iterable[str]):
        self.store = store
        # typed as pyoxigraph's query takes a default graph made of named graphs (its list is invariant)
        self.graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.NamedNode(g) for g in graphs]
        self._objects: dict[ox.NamedNode, dict[Term, list[Term]]] = {}
        self._subjects: dict[ox.NamedNode, dict[Term, list[Term]]] = {}
        self._instances: dict[Term, set[Term]] = {}

    def objects(self, predicate: ox.NamedNode) -> dict[Term, list[Term]]:
        """Map each subject to its distinct objects of ``predicate`` (the value nodes of a predicate path)."""
        found = self._objects.get(predicate)
        if found is None:
            found = {}
            for graph in self.graphs:
                for s, _p, o, _g in self.store.quads_for_pattern(None, predicate, None, graph):
                    found.setdefault(s, []).append(o)
            if len(self.graphs) > 1:  # a triple stated in two files is one triple of the union
                for s, values in found.items():
                    if len(values) > 1:
                        found[s] = list(dict.fromkeys(values))
            self._objects[predicate] = found
        return found

    def subjects(self, predicate: ox.NamedNode) -> dict[Term, list[Term]]:
        """Map each object to the subjects that have it as a value of ``predicate``."""
        found = self._subjects.get(predicate)
        if found is None:
            found = {}
            for s, values in self.objects(predicate).items():
                for o in values:
                    found.setdefault(o, []).append(s)
            self._subjects[predicate] = found
        return found

    def subclasses(self, cls: Term) -> set[Term]:
        """Return ``cls`` and its transitive rdfs:subClassOf subclasses in the data graph (SHACL §1.5)."""
        return closure(cls, self.subjects(SUBCLASS_OF))

    def instances(self, cls: Term) -> set[Term]:
        """Return the SHACL instances of ``cls``: rdf:type/rdfs:subClassOf* (SHACL §1.5), computed once."""
        found = self._instances.get(cls)
        if found is None:
            by_type = self.subjects(RDF_TYPE)
            found = self._instances[cls] = {n for sub in self.subclasses(cls) for n in by_type.get(sub, ())}
        return found

    def focus_nodes(self, shape: Shape) -> list[Term]:
        """Return the targets of a shape (SHACL §2.1.3), each once, in a stable order."""
        found: dict[Term, None] = dict.fromkeys(shape.target_nodes)
        by_type = self.subjects(RDF_TYPE)
        for cls in shape.target_classes:
            for sub in sorted(self.subclasses(cls), key=str):
                found.update(dict.fromkeys(by_type.get(sub, ())))
        for predicate in shape.target_subjects_of:
            found.update(dict.fromkeys(self.objects(predicate)))
        for predicate in shape.target_objects_of:
            found.update(dict.fromkeys(self.subjects(predicate)))
        return list(found)

    def select(self, query: str, monotone: bool) -> list[dict[str, Term]]:
        """Run a SELECT over the union of the data graphs; return its distinct solutions.

        Oxigraph evaluates a default graph made of many named graphs graph by graph, which is slow
        with hundreds of files, while the union of all graphs is fast. A monotone query without
        solutions on the union of all graphs (data and shapes) has none on the data graphs either,
        so the exact run is only needed when there may be violations.
        """
        if monotone:
            union = self.store.query(query, use_default_graph_as_union=True)
            assert isinstance(union, ox.QuerySolutions)  # shapes.parse_sparql admits SELECT queries only
            if not any(True for _ in union):
                return []
        rows = self.store.query(query, default_graph=self.graphs)
        assert isinstance(rows, ox.QuerySolutions)
        return distinct_rows(rows)


def distinct_rows(solutions: ox.QuerySolutions) -> list[dict[str, Term]]:
    """Return each distinct solution once, as a dict of its bound variables."""
    names = [v.value for v in solutions.variables]
    rows = dict.fromkeys(tuple(solution[name] for name in names) for solution in solutions)
    return [{n: t for n, t in zip(names, row, strict=True) if t is not None} for row in rows]


def closure(start: Term, edges: dict[Term, list[Term]]) -> set[Term]:
    """Return ``start`` and every node reachable from it along ``edges``."""
    found, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in found:
                found.add(nxt)
                todo.append(nxt)
    return found


class Evaluator:
    """Evaluate shapes over sets of focus nodes; remember nested results per shape and node."""

    def __init__(self, data: DataGraph):
        self.data = data
        self._failures: dict[Shape, dict[Term, list[Result]]] = {}
        self._checked: dict[Shape, set[Term]] = {}
        self._solutions: dict[Term, dict[Term, list[dict[str, Term]]]] = {}

    def validate(self, shape: Shape, focus_nodes: Iterable[Term]) -> Pairs:
        """Validate every focus node against ``shape`` (SHACL §3.4); a deactivated shape has no results."""
        if shape.deactivated:
            return []
        values = self.value_nodes(shape, focus_nodes)
        found: Pairs = []
        for constraint in shape.constraints:
            found += CHECKS[constraint.component](self, shape, constraint.parameter, values)
        return found

    def value_nodes(self, shape: Shape, focus_nodes: Iterable[Term]) -> ValueNodes:
        """The value nodes (SHACL §1.5): the focus itself for node shapes, the path's objects otherwise."""
        if shape.path is None:
            return {f: [f] for f in focus_nodes}
        objects = self.data.objects(shape.path)
        return {f: objects.get(f, []) for f in focus_nodes}

    def failures(self, shape: Shape, nodes: Iterable[Term]) -> dict[Term, list[Result]]:
        """Map the nodes that do not conform to ``shape`` to their results; conforming nodes are absent.

        Each node is validated against a shape once per run, however many shapes refer to it.
        """
        checked = self._checked.setdefault(shape, set())
        cache = self._failures.setdefault(shape, {})
        todo = [n for n in nodes if n not in checked]
        checked.update(todo)
        for focus, result in self.validate(shape, todo):
            cache.setdefault(focus, []).append(result)
        return cache

    def solutions(self, constraint: SparqlConstraint) -> dict[Term, list[dict[str, Term]]]:
        """Run a SPARQL-based constraint once over the whole data graph; group its solutions by $this."""
        found = self._solutions.get(constraint.node)
        if found is None:
            found = {}
            for row in self.data.select(constraint.query, constraint.monotone):
                if "this" in row:
                    found.setdefault(row["this"], []).append(row)
            self._solutions[constraint.node] = found
        return found


def validate(store: ox.Store, data_graphs: Iterable[str], shapes_graphs: Iterable[str]) -> list[Result]:
    """Validate the union of ``data_graphs`` against the shapes in ``shapes_graphs`` (SHACL §3.4).

    Raises :class:`publisher.shacl.shapes.UnsupportedShapeError` when a shape uses a feature this
    validator does not implement.
    """
    shapes = load_shapes(store, shapes_graphs)
    data = DataGraph(store, data_graphs)
    evaluator = Evaluator(data)
    with cyclic_gc_paused():
        return [r for shape in shapes for _focus, r in evaluator.validate(shape, data.focus_nodes(shape))]


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while millions of small, acyclic objects are made.

    Reading a million triples allocates a few million term objects; each allocation burst triggers
    a collection that walks them all again, which doubled the validation time. Reference counting
    still frees everything; the collector resumes (as it was) afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
