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
from publisher.shacl.data import DataGraph
from publisher.shacl.shapes import Shape, SparqlConstraint, Term, load_shapes

__all__ = ["Evaluator", "Result", "validate"]


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
