"""The Store protocol: what every store offers the web layer, and the description it answers with.

Every parameter that takes a store is typed :class:`Store`; the embedded stores (memory, disk) and
the remote store implement it structurally, with the same signatures, so tests and servers swap
them freely (DESIGN §1: the web layer asks the store, never pyoxigraph or a SPARQL endpoint).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

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


def bound(value: object) -> Term | None:
    """A value of a project-written query's row as stores hand it on: an IRI, blank node or literal.

    Those queries select no RDF 1.2 triple term; one met all the same counts as unbound, so that no
    page reads a ``.value`` it does not have.
    """
    return value if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal) else None


def lexical(value: object) -> str:
    """The IRI, blank node label or lexical form of a term; "" when unbound or an RDF 1.2 triple term."""
    return value.value if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal) else ""


def by_subject(q: ox.Quad) -> tuple[str, str, str, str]:
    """Order statements by subject, predicate, object, then graph: the order of a description's own
    statements and of a graph's, in every store."""
    return (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))


class Store(Protocol):
    """What every store offers the web layer: descriptions, labels, project-written queries, graphs."""

    def describe(self, iri: str, incoming_limit: int, incoming_offset: int = 0) -> Description:
        """Return the thing's statements (with the blank nodes they reach) and one page of links to it."""
        ...

    def has(self, iri: str) -> bool:
        """Whether the store says anything about ``iri``."""
        ...

    def labels(self, iris: Iterable[str]) -> dict[str, dict[str, str]]:
        """Return ``{iri: {language: label}}`` from skos:prefLabel, else rdfs:label."""
        ...

    def select(self, query: str) -> list[dict[str, Term | None]]:
        """Run a project-written SELECT over the union of all graphs."""
        ...

    def graph(self, graph_iri: str) -> list[ox.Quad]:
        """Return one named graph's quads, ordered :func:`by_subject`."""
        ...

    def subjects(self, prefix: str) -> list[str]:
        """Every IRI starting with ``prefix`` that is the subject of a statement, sorted."""
        ...
