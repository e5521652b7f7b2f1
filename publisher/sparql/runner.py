"""How a client's query runs: its options, its result, its failures, and the dataset it is evaluated over.

The web layer hands a checked query (``publisher.sparql.guard``) and its :class:`QueryOptions` to a
:class:`Runner`: the pool of query processes (``processes``), the shared query service (``queryservice``)
or the remote store's runner (``publisher.store.remote``). Each answers with a :class:`QueryResult`
already written in the format asked for (``results``), or raises :class:`~publisher.errors.Problem`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypedDict, TypeVar

import pyoxigraph as ox

if TYPE_CHECKING:
    from publisher.negotiation import Format


@dataclass
class QueryResult:
    kind: str  # "solutions", "boolean" or "graph"
    body: bytes
    rows: int
    truncated: bool


class Runner(Protocol):
    def __call__(self, query: str, options: QueryOptions) -> QueryResult: ...


@dataclass(frozen=True)
class QueryOptions:
    """How to run one query."""

    result_format: Format
    graph_format: Format
    timeout: float
    row_limit: int
    base_iri: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    form: str = "SELECT"  # SELECT, ASK, CONSTRUCT or DESCRIBE
    # The query's own dataset: the graphs its FROM and FROM NAMED clauses name (as the guard resolved them).
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()

    @property
    def protocol_dataset(self) -> bool:
        """Whether the request names its dataset (default-graph-uri, named-graph-uri)."""
        return bool(self.default_graphs or self.named_graphs)

    @property
    def own_dataset(self) -> bool:
        """Whether the query names its dataset with FROM / FROM NAMED."""
        return bool(self.from_graphs or self.from_named)


Item = TypeVar("Item")


def take(items: Iterable[Item], limit: int) -> tuple[list[Item], bool]:
    """The first ``limit`` items, and whether there were more (the row limit)."""
    taken: list[Item] = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


class DatasetArguments(TypedDict, total=False):
    """The keyword arguments of pyoxigraph's ``Store.query`` that choose the dataset."""

    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
    named_graphs: list[ox.NamedNode | ox.BlankNode]
    use_default_graph_as_union: bool


def dataset_arguments(options: QueryOptions) -> DatasetArguments:
    """The dataset pyoxigraph evaluates the query over (SPARQL 1.1 Query §13.2, Protocol §2.1.4).

    The protocol's default-graph-uri / named-graph-uri win; else the query's own FROM / FROM NAMED,
    which pyoxigraph applies only when it is given no dataset (any argument replaces them); else the
    default graph is the union of every graph, as the Service Description says.
    """
    if options.protocol_dataset:
        return {
            "default_graph": [ox.NamedNode(g) for g in options.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in options.named_graphs],
        }
    if options.own_dataset:
        return {}
    return {"use_default_graph_as_union": True}


def syntax_message(text: str) -> str:
    """Turn the parser's "error at L:C: …" into words with line and column."""
    match = re.match(r"error at (\d+):(\d+): (.*)", text, re.DOTALL)
    if match:
        return f"Syntax error at line {match.group(1)}, column {match.group(2)}: {match.group(3)}"
    return f"Syntax error: {text}"
