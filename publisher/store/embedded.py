"""The embedded stores: a pyoxigraph store in memory (a loaded build) or on disk (a finished build).

Both implement the :class:`~publisher.store.protocol.Store` protocol (DESIGN §3, §7): the web layer
asks them for a description of a thing, for labels, or for the rows of a project-written query.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from publisher.store.protocol import Description, Term, bound, by_subject
from publisher.vocab import DCT_REFERENCES, LABEL_PROPERTIES, sparql_prologue

if TYPE_CHECKING:
    from publisher.dataset.build import LoadedBuild


def blank_node_closure(oxigraph: ox.Store, start: list[ox.NamedNode], graphs: set[str] | None = None) -> list[ox.Quad]:
    """Every statement about the start nodes and, recursively, about the blank nodes they point to."""
    found: list[ox.Quad] = []
    queue: list[ox.NamedNode | ox.BlankNode] = list(start)
    seen: set[str] = set()
    while queue:
        subject = queue.pop()
        if str(subject) in seen:
            continue
        seen.add(str(subject))
        for q in oxigraph.quads_for_pattern(subject, None, None):
            if graphs is not None and not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in graphs):
                continue
            found.append(q)
            if isinstance(q.object, ox.BlankNode):
                queue.append(q.object)
    return found


#: How many statements over blank nodes lead from such a named thing to the blank node, at most
#: (the remote store asks a chain of each length, as it does for the blank-node closure).
OWNER_DEPTH = 4


def owners(oxigraph: ox.Store, blank: ox.BlankNode) -> set[str]:
    """The named things that reach ``blank`` through at most :data:`OWNER_DEPTH` statements whose
    other nodes are all blank."""
    found: set[str] = set()
    frontier, seen = [blank], {blank.value}
    for _ in range(OWNER_DEPTH):
        above = []
        for b in frontier:
            for q in oxigraph.quads_for_pattern(None, None, b):
                if isinstance(q.subject, ox.NamedNode):
                    found.add(q.subject.value)
                elif isinstance(q.subject, ox.BlankNode) and q.subject.value not in seen:
                    seen.add(q.subject.value)
                    above.append(q.subject)
        frontier = above
    return found


def link_key(q: ox.Quad) -> tuple[str, str, str]:
    """Order links by subject, predicate and graph IRI as SPARQL's ORDER BY does, so that a remote
    store pages them the same."""
    subject, graph = q.subject, q.graph_name
    return (
        subject.value if isinstance(subject, ox.NamedNode | ox.BlankNode) else str(subject),
        q.predicate.value,
        graph.value if isinstance(graph, ox.NamedNode | ox.BlankNode) else "",
    )


def incoming_links(oxigraph: ox.Store, node: ox.NamedNode) -> list[ox.Quad]:
    """Every link to ``node`` from another named thing, sorted: the statements ``?s ?p node``, and
    ``?owner dct:references node`` (in the blank node's graph) for each blank node ``?b`` with
    ``?b ?p node`` that ``?owner`` reaches (:func:`owners`). A blank node no named thing reaches
    is left out, as is the thing itself."""
    links: dict[tuple[str, str, str], ox.Quad] = {}
    for q in oxigraph.quads_for_pattern(None, None, node):
        if isinstance(q.subject, ox.NamedNode):
            found = [q]
        elif isinstance(q.subject, ox.BlankNode):
            # DCMI Terms: dct:references is "a related resource that is referenced, cited, or otherwise
            # pointed to by the described resource"; in the document of the thing linked to, the blank node
            # could only be named, never said what it is (a figure's `dct:source` made sources carry 168).
            found = [ox.Quad(ox.NamedNode(o), DCT_REFERENCES, node, q.graph_name) for o in owners(oxigraph, q.subject)]
        else:
            found = []
        for link in found:
            if link.subject != node:
                links.setdefault(link_key(link), link)
    return [links[k] for k in sorted(links)]


class EmbeddedStore:
    """A store over a loaded build held in memory by pyoxigraph."""

    def __init__(self, build: LoadedBuild):
        self._oxigraph = build.oxigraph

    @property
    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store the answers come from."""
        return self._oxigraph

    def describe(self, iri: str, incoming_limit: int, incoming_offset: int = 0) -> Description:
        """Return the thing's statements, the closure over its blank nodes, and incoming links."""
        node = ox.NamedNode(iri)
        own = sorted(blank_node_closure(self.oxigraph, [node]), key=by_subject)
        incoming = incoming_links(self.oxigraph, node)
        page = incoming[incoming_offset : incoming_offset + incoming_limit]
        return Description(iri, own, page, len(incoming))

    def has(self, iri: str) -> bool:
        """Whether the store says anything about ``iri``."""
        return any(self.oxigraph.quads_for_pattern(ox.NamedNode(iri), None, None))

    def labels(self, iris: Iterable[str]) -> dict[str, dict[str, str]]:
        """Return ``{iri: {language: label}}`` from skos:prefLabel, else rdfs:label."""
        result: dict[str, dict[str, str]] = {}
        for p in LABEL_PROPERTIES:
            for iri in iris:
                if iri in result:
                    continue
                found: dict[str, str] = {}
                for q in self.oxigraph.quads_for_pattern(ox.NamedNode(iri), p, None):
                    if isinstance(q.object, ox.Literal):
                        found.setdefault(q.object.language or "", q.object.value)
                if found:
                    result[iri] = found
        return result

    def select(self, query: str) -> list[dict[str, Term | None]]:
        """Run a project-written SELECT over the union of all graphs."""
        solutions = self.oxigraph.query(sparql_prologue() + query, use_default_graph_as_union=True)
        if not isinstance(solutions, ox.QuerySolutions):
            raise ValueError("a project-written query that is not a SELECT")
        names = [v.value for v in solutions.variables]
        return [{n: bound(row[n]) for n in names} for row in solutions]

    def graph(self, graph_iri: str) -> list[ox.Quad]:
        """Return one named graph's quads in a stable order."""
        return sorted(self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri)), key=by_subject)

    def subjects(self, prefix: str) -> list[str]:
        """Every IRI starting with ``prefix`` that is the subject of a statement, sorted."""
        return sorted(
            {
                q.subject.value
                for q in self.oxigraph
                if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix)
            }
        )


class OnDisk(Protocol):
    """What an on-disk store needs of a finished build (publish/builds.py ``FinishedBuild``): its store's folder."""

    @property
    def store_path(self) -> Path: ...


class OnDiskStore(EmbeddedStore):
    """A finished build's on-disk store, opened read-only by each process that reads it.

    A store handle must not cross a fork (DESIGN §8), so the handle is opened on first use in
    every process: the gunicorn master never opens it, each worker and each query process opens
    its own. Handles inherited from a parent are kept referenced and never closed in the child.
    """

    def __init__(self, finished: OnDisk):
        self.path = finished.store_path
        self._handle: ox.Store | None = None
        self._pid = 0
        self._inherited: list[ox.Store] = []
        self._lock = threading.Lock()

    @property
    def oxigraph(self) -> ox.Store:
        """This process's read-only handle of the on-disk store, opened on first use."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    if self._handle is not None:
                        self._inherited.append(self._handle)
                    self._handle = ox.Store.read_only(str(self.path))
                    self._pid = os.getpid()
        assert self._handle is not None  # opened above in this process
        return self._handle

    def subjects(self, prefix: str) -> list[str]:
        """Every IRI starting with ``prefix`` that is the subject of a statement, sorted, asked as a query."""
        rows = self.select(
            "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), " + json.dumps(prefix) + ")) }"
        )
        return sorted(s.value for r in rows if (s := r["s"]) is not None)
