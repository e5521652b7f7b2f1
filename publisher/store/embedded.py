"""The Store interface the web layer talks to, and its embedded implementation (DESIGN §3, §7).

The web layer never touches pyoxigraph directly: it asks a store for a description of a thing,
for labels, or for the rows of a project-written query.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from publisher.dataset.build import Build
from publisher.vocab import sparql_prologue

if TYPE_CHECKING:
    from publisher.publish.builds import FinishedBuild

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class Description:
    """What the publisher says about one thing: its own statements and the links to it."""

    subject: str
    quads: list[ox.Quad] = field(default_factory=list)
    incoming: list[ox.Quad] = field(default_factory=list)
    incoming_total: int = 0

    @property
    def found(self) -> bool:
        return bool(self.quads or self.incoming)

    @property
    def truncated(self) -> bool:
        return self.incoming_total > len(self.incoming)


class Store(Protocol):
    """What every store offers the web layer."""

    version: str
    base_iri: str

    def describe(self, iri: str, incoming_limit: int, incoming_offset: int = 0) -> Description: ...

    def has(self, iri: str) -> bool:
        """Whether the store says anything about ``iri``."""
        return any(self.store.quads_for_pattern(ox.NamedNode(iri), None, None))

    def labels(self, iris: Iterable[str]) -> dict[str, dict[str, str]]: ...

    def select(self, query: str) -> list[dict[str, Term | None]]: ...


def sort_key(q: ox.Quad) -> tuple[str, str, str, str]:
    return (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))


def closure(store: ox.Store, start: list[ox.NamedNode], graphs: set[str] | None = None) -> list[ox.Quad]:
    """Every statement about the start nodes and, recursively, about the blank nodes they point to."""
    found: list[ox.Quad] = []
    queue: list[ox.NamedNode | ox.BlankNode] = list(start)
    seen: set[str] = set()
    while queue:
        subject = queue.pop()
        if str(subject) in seen:
            continue
        seen.add(str(subject))
        for q in store.quads_for_pattern(subject, None, None):
            if graphs is not None and not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in graphs):
                continue
            found.append(q)
            if isinstance(q.object, ox.BlankNode):
                queue.append(q.object)
    return found


class EmbeddedStore:
    """A store over a loaded build held in memory by pyoxigraph."""

    def __init__(self, build: Build):
        self.build = build
        self.store = build.store
        self.version = build.version
        self.base_iri = build.base_iri

    def describe(self, iri: str, incoming_limit: int, incoming_offset: int = 0) -> Description:
        """Return the thing's statements, the closure over its blank nodes, and incoming links."""
        node = ox.NamedNode(iri)
        own = sorted(closure(self.store, [node]), key=sort_key)
        incoming = sorted(
            (
                q
                for q in self.store.quads_for_pattern(None, None, node)
                if not (isinstance(q.subject, ox.NamedNode) and q.subject.value == iri)
            ),
            key=self.incoming_key,
        )
        page = incoming[incoming_offset : incoming_offset + incoming_limit]
        return Description(iri, own, page, len(incoming))

    def incoming_key(self, q: ox.Quad) -> tuple[str, ...]:
        """Sort links by subject, predicate and graph IRI as SPARQL's ORDER BY does (so a remote store
        pages them the same); blank nodes after, by what they say (their labels differ per load)."""
        if not isinstance(q.subject, ox.BlankNode):
            return ("", q.subject.value, q.predicate.value, q.graph_name.value)
        said = sorted(
            f"{s.predicate} {'[]' if isinstance(s.object, ox.BlankNode) else s.object}"
            for s in self.store.quads_for_pattern(q.subject, None, None)
        )
        return ("~", " ".join(said), str(q.predicate), str(q.graph_name))

    def has(self, iri: str) -> bool:
        """Whether the store says anything about ``iri``."""
        return any(self.store.quads_for_pattern(ox.NamedNode(iri), None, None))

    def labels(self, iris: Iterable[str]) -> dict[str, dict[str, str]]:
        """Return ``{iri: {language: label}}`` from skos:prefLabel, else rdfs:label."""
        result: dict[str, dict[str, str]] = {}
        for predicate in (
            "http://www.w3.org/2004/02/skos/core#prefLabel",
            "http://www.w3.org/2000/01/rdf-schema#label",
        ):
            p = ox.NamedNode(predicate)
            for iri in iris:
                if iri in result:
                    continue
                found = {}
                for q in self.store.quads_for_pattern(ox.NamedNode(iri), p, None):
                    if isinstance(q.object, ox.Literal):
                        found.setdefault(q.object.language or "", q.object.value)
                if found:
                    result[iri] = found
        return result

    def select(self, query: str) -> list[dict[str, Term | None]]:
        """Run a project-written SELECT over the union of all graphs."""
        solutions = self.store.query(sparql_prologue() + query, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return [{n: row[n] for n in names} for row in solutions]

    def graph(self, graph_iri: str) -> list[ox.Quad]:
        """Return one named graph's quads in a stable order."""
        return sorted(self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri)), key=sort_key)

    def subjects(self, prefix: str) -> list[str]:
        """Every IRI starting with ``prefix`` that is the subject of a statement, sorted."""
        return sorted(
            {
                q.subject.value
                for q in self.store
                if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix)
            }
        )


class OnDiskStore(EmbeddedStore):
    """A finished build's on-disk store, opened read-only by each process that reads it.

    A store handle must not cross a fork (DESIGN §8), so the handle is opened on first use in
    every process: the gunicorn master never opens it, each worker and each query process opens
    its own. Handles inherited from a parent are kept referenced and never closed in the child.
    """

    def __init__(self, finished: FinishedBuild):
        self.build = finished
        self.path = finished.store_path
        self.version = finished.version
        self.base_iri = finished.base_iri
        self._handle: ox.Store | None = None
        self._pid = 0
        self._inherited: list[ox.Store] = []
        self._lock = threading.Lock()

    @property
    def store(self) -> ox.Store:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    if self._handle is not None:
                        self._inherited.append(self._handle)
                    self._handle = ox.Store.read_only(str(self.path))
                    self._pid = os.getpid()
        return self._handle

    def subjects(self, prefix: str) -> list[str]:
        rows = self.select(
            "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), " + json.dumps(prefix) + ")) }"
        )
        return sorted(r["s"].value for r in rows)
