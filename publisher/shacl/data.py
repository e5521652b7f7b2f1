"""The data graph a validation reads: the union of the data graphs, one predicate at a time.

Below both :mod:`publisher.shacl.checks` and :mod:`publisher.shacl.evaluator`, which ask it for value
nodes, instances and SPARQL solutions.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from publisher.shacl.shapes import Shape, Term
from publisher.vocab import RDF_TYPE, RDFS_SUBCLASS_OF


class DataGraph:
    """The union of the data graphs, read one predicate at a time and kept as subject → objects maps."""

    def __init__(self, store: ox.Store, graphs: Iterable[str]):
        self.store = store
        self.graphs = [ox.NamedNode(g) for g in graphs]
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
        return transitive_closure(cls, self.subjects(RDFS_SUBCLASS_OF))

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
            everywhere = self.store.query(query, use_default_graph_as_union=True)
            assert isinstance(everywhere, ox.QuerySolutions), "a constraint is a SELECT query"
            if not any(True for _ in everywhere):
                return []
        data_graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = list(self.graphs)
        solutions = self.store.query(query, default_graph=data_graphs)
        assert isinstance(solutions, ox.QuerySolutions), "a constraint is a SELECT query"
        return distinct_rows(solutions)


def distinct_rows(solutions: ox.QuerySolutions) -> list[dict[str, Term]]:
    """Return each distinct solution once, as a dict of its bound variables."""
    names = [v.value for v in solutions.variables]
    rows = dict.fromkeys(tuple(solution[name] for name in names) for solution in solutions)
    return [{n: t for n, t in zip(names, row, strict=True) if t is not None} for row in rows]


def transitive_closure(start: Term, edges: dict[Term, list[Term]]) -> set[Term]:
    """Return ``start`` and every node reachable from it along ``edges``."""
    found, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in found:
                found.add(nxt)
                todo.append(nxt)
    return found
