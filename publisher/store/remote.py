"""A remote SPARQL 1.1 store behind the publisher: pages and queries answered by another server.

With ``REGIOLOD_STORE=sparql+http://host:port/query`` the publisher keeps no data of its own: it
reads the finished build's metadata (``download_dir``) and asks the endpoint, which holds that
build's ``store.nq.gz``, for everything else over kept-alive HTTP connections (``transport``: the
POST SPARQLWrapper sends, without a new TCP connection per query). Every request has a deadline
(DESIGN §8: outbound HTTP has no default timeout); a store that does not answer in time gives
504, one that cannot be reached or answers garbage gives 503, both with ``Retry-After``. After a
failure the store is not asked again for a few seconds (answers are 503 at once), then it is
tried again, so the publisher recovers by itself when the store returns. One query of ours that
runs past the deadline on a store that is otherwise well (it answers ``ASK {}`` at once) is that
page's 504 alone, logged with its text; it does not make the store count as down.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from publisher.dataset.build import Build
from publisher.errors import Problem
from publisher.sparql.results import write_boolean, write_graph, write_solutions
from publisher.sparql.runner import QueryOptions, QueryResult, take
from publisher.store.embedded import OWNER_DEPTH
from publisher.store.engines import ENGINES, Engine
from publisher.store.protocol import Description, Term, bound, by_subject, lexical
from publisher.store.transport import Dropped, KeepAlive, Refused
from publisher.vocab import DCT_REFERENCES, LABEL_PROPERTIES, sparql_prologue

SCHEME = "sparql+"
RETRY_AFTER = 5
#: Answer formats asked of the store.
JSON, TURTLE = "json", "turtle"
#: Statuses by which a store refuses a query (what SPARQLWrapper reports as the query's fault); any other
#: error status means the store is unwell.
REFUSALS = frozenset({400, 401, 404, 414, 500})
PROBE_TIMEOUT = 1.0
LOG = logging.getLogger("regiolod.remote")
#: A value bound in a solution: RDF 1.2 adds triple terms to the terms of RDF 1.1.
Value = Term | ox.Triple
LABEL_BATCH = 200
#: IRIs whose labels a process remembers (a few MB): properties, classes and concepts recur on every page.
LABELS_KEPT = 20_000
#: A graph no store holds: the empty part of a dataset on an engine that reads "none named" as "all".
NO_GRAPH = "urn:x-regiolod:no-graph"
#: How many blank nodes deep a description follows its statements (the embedded store follows all).
BLANK_NODE_DEPTH = 4


def endpoint_of(setting: str) -> str:
    """``sparql+http://host/query`` → ``http://host/query``."""
    return setting[len(SCHEME) :] if setting.startswith(SCHEME) else setting


def term(binding: dict[str, Any], engine: Engine = ENGINES["oxigraph"]) -> Value:
    """A SPARQL JSON results term as a pyoxigraph term (SPARQL 1.2 Query Results JSON: triple terms too), as it
    was loaded into the store (the engine's declaration undoes what it writes differently)."""
    kind, value = binding["type"], binding["value"]
    if kind == "triple":
        subject, predicate = term(value["subject"], engine), term(value["predicate"], engine)
        if not isinstance(subject, ox.NamedNode | ox.BlankNode | ox.Triple) or not isinstance(predicate, ox.NamedNode):
            raise ValueError("a triple term whose subject or predicate cannot be one")
        return ox.Triple(subject, predicate, term(value["object"], engine))
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return engine.blank_node(value)
    if kind in ("literal", "typed-literal"):
        return engine.literal(value, binding.get("datatype"), binding.get("xml:lang"))
    raise ValueError(f"unknown term type {kind!r}")


class RemoteEndpoint:
    """One SPARQL endpoint, asked with deadlines, with a short back-off after a failure.

    ``graphs`` is sent as the protocol dataset of every query that names none (the union of the
    build's graphs); empty when the store's own default graph is that union (``store_dataset = union``).
    """

    def __init__(
        self,
        url: str,
        graphs: list[str],
        timeout: float,
        engine: Engine = ENGINES["oxigraph"],
        build_graphs: list[str] | None = None,
    ):
        self.url, self.graphs, self.timeout, self.engine = url, graphs, timeout, engine
        #: Every graph of the build, named in client queries on an engine whose own graphs are left out of
        #: the default graph by pragmas that also break ``GRAPH <iri>`` (Virtuoso 7.2).
        self.build_graphs = graphs if build_graphs is None else build_graphs
        self.down_until = 0.0
        self.lock = threading.Lock()
        self.transport = KeepAlive(url)  # the connections of this process, kept alive (transport.py)

    def request(
        self,
        query: str,
        fmt: str,
        timeout: float,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        client_query: bool = False,
    ) -> tuple[str, bytes]:
        """Send ``query``; return the answer's media type and body, read completely before the deadline.

        A client's query that runs past its time limit is that query's failure (503, as on the embedded
        store), not the store's: it does not make the store count as down for everyone else.
        """
        if time.monotonic() < self.down_until:
            raise Problem(503, "The data store is unavailable; try again shortly.", RETRY_AFTER)
        defaults = list(self.graphs if default_graphs is None else default_graphs)
        named = list(self.graphs if named_graphs is None else named_graphs)
        if not defaults and not named and self.engine.system_graphs:
            if "GRAPH <" in query:  # the exclusion pragmas break GRAPH <iri> (Virtuoso 7.2): name the graphs
                defaults, named = list(self.build_graphs), list(self.build_graphs)
            else:  # the store's own default graph, without the engine's own graphs
                query = self.engine.excluding() + query
        try:
            return self.transport.post(query, fmt, timeout, defaults, named)
        except Refused as exc:
            if exc.status not in REFUSALS:
                raise self.failed(503, f"The data store answered {exc.status}.") from None
            message = exc.body.decode("utf-8", "replace")
            # A client's query is the client's to mend (400); one of the server's own failed the page (502).
            status = 400 if client_query else 502
            raise Problem(status, f"The data store refused the query: {message}".strip()) from None
        except TimeoutError:
            if client_query:
                message = f"The query was stopped at the time limit of {timeout:g} s."
                raise Problem(503, message, max(1, int(timeout))) from None
            message = f"The data store did not answer within {timeout:g} s."
            if self.alive(min(PROBE_TIMEOUT, timeout / 2)):
                LOG.warning("a query ran past the store time limit of %g s (the store answers others): %s", timeout,
                            " ".join(query.split())[:2000])  # fmt: skip
                raise Problem(504, message + " Try again shortly.", RETRY_AFTER) from None
            raise self.failed(504, message) from None
        except (Dropped, OSError, ValueError) as exc:
            raise self.failed(503, f"The data store cannot be reached ({exc}).") from None

    def alive(self, timeout: float) -> bool:
        """Whether the store answers a trivial query within ``timeout`` seconds."""
        try:
            self.request("ASK {}", JSON, timeout, [], [], client_query=True)  # its timeout: no probe of its own
        except Problem:
            return False
        return True

    def failed(self, status: int, message: str) -> Problem:
        """Remember the failure for a few seconds so that requests do not pile up on a broken store."""
        with self.lock:
            self.down_until = time.monotonic() + RETRY_AFTER
        return Problem(status, message + " Try again shortly.", RETRY_AFTER)

    def solutions(self, query: str, timeout: float | None = None) -> list[dict[str, Value | None]]:
        """Rows of a SELECT, as pyoxigraph terms."""
        _, body = self.request(query, JSON, timeout or self.timeout)
        try:
            doc = json.loads(body)
            names = doc["head"]["vars"]
            bindings = doc["results"]["bindings"]
            return [{n: term(row[n], self.engine) if n in row else None for n in names} for row in bindings]
        except (ValueError, KeyError, TypeError) as exc:
            raise self.failed(503, f"The data store answered something that is not SPARQL JSON ({exc}).") from None


def listed_things(build: Build) -> frozenset[str] | None:
    """Every thing under ``{base}id/`` the build lists (``subjects.txt.gz``), or None when it lists none.

    Read once in the server's first process, so the workers forked from it share the set.
    """
    listed = build.subjects_path
    if listed is None:
        return None
    with gzip.open(listed, "rt", encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines)


def links_pattern(node: str) -> str:
    """The links to ``node`` as the embedded store finds them (store.incoming_links): ``?s ?p node``
    from another named thing, and ``?s dct:references node`` for every named ``?s`` that reaches a
    blank node with a statement ``?b ?q node`` through a chain of blank nodes (at most OWNER_DEPTH
    statements long)."""
    branches = [f"{{ GRAPH ?g {{ ?s ?p {node} }} FILTER(isIRI(?s) && ?s != {node}) }}"]
    for depth in range(1, OWNER_DEPTH + 1):
        chain = [f"?b{level + 1} ?q{level + 1} ?b{level} . FILTER(isBlank(?b{level + 1}))" for level in range(1, depth)]
        branches.append(
            f"{{ GRAPH ?g {{ ?b1 ?q0 {node} }} FILTER(isBlank(?b1)) {' '.join(chain)} "
            f"?s ?q ?b{depth} . FILTER(isIRI(?s) && ?s != {node}) BIND(<{DCT_REFERENCES.value}> AS ?p) }}"
        )
    return " UNION ".join(branches)


class LabelMemory:
    """The labels of the last ``size`` IRIs asked (an empty dict: asked, has none); safe across threads."""

    def __init__(self, size: int):
        self.size = size
        self.labels: OrderedDict[str, dict[str, str]] = OrderedDict()
        self.lock = threading.Lock()

    def take(self, iris: set[str]) -> tuple[dict[str, dict[str, str]], list[str]]:
        """The labels known of ``iris``, and the IRIs (sorted) that must still be asked."""
        known, missing = {}, []
        with self.lock:
            for iri in iris:
                if iri in self.labels:
                    self.labels.move_to_end(iri)
                    known[iri] = self.labels[iri]
                else:
                    missing.append(iri)
        return known, sorted(missing)

    def keep(self, learned: dict[str, dict[str, str]]) -> None:
        with self.lock:
            self.labels.update(learned)
            while len(self.labels) > self.size:
                self.labels.popitem(last=False)


class RemoteStore:
    """The :class:`~publisher.store.protocol.Store` of the web layer over a remote SPARQL endpoint."""

    def __init__(self, build: Build, endpoint: RemoteEndpoint):
        self.endpoint = endpoint
        self.base_iri = build.base_iri
        self.things = listed_things(build)
        self.known_labels = LabelMemory(LABELS_KEPT)

    def select(self, query: str) -> list[dict[str, Term | None]]:
        """Run a project-written SELECT over the union of all graphs."""
        rows = self.endpoint.solutions(sparql_prologue() + query)
        return [{name: bound(value) for name, value in row.items()} for row in rows]

    def describe(self, iri: str, incoming_limit: int, incoming_offset: int = 0) -> Description:
        """Own statements with the closure over blank nodes (to a fixed depth), and a page of incoming links.

        One round trip: the incoming page is a sub-select ``UNION``-ed to the own statements (its rows
        leave ``?o`` unbound), with one row more than asked, so a thing with fewer links than the limit
        (nearly all) needs no second request to count them.
        """
        node = f"<{iri}>"
        branches = [f"{{ GRAPH ?g {{ {node} ?p ?o }} BIND({node} AS ?s) }}"]
        for depth in range(1, BLANK_NODE_DEPTH + 1):
            chain_patterns = []
            previous = node
            for level in range(1, depth + 1):
                chain_patterns.append(f"{previous} ?p{level} ?b{level} . FILTER(isBlank(?b{level}))")
                previous = f"?b{level}"
            chain = " ".join(chain_patterns)
            branches.append(f"{{ GRAPH ?g {{ {chain} ?b{depth} ?p ?o }} BIND(?b{depth} AS ?s) }}")
        if incoming_limit > 0:
            branches.append(
                f"{{ SELECT DISTINCT ?g ?s ?p WHERE {{ {links_pattern(node)} }} "
                f"ORDER BY ?s ?p ?g LIMIT {int(incoming_limit) + 1} OFFSET {int(incoming_offset)} }}"
            )
        rows = self.endpoint.solutions("SELECT DISTINCT ?g ?s ?p ?o WHERE { " + " UNION ".join(branches) + " }")
        own = sorted({self.quad(r["s"], r["p"], r["o"], r["g"]) for r in rows if r["o"] is not None}, key=by_subject)
        # The sub-select's order does not survive the UNION: sort as its ORDER BY did (IRIs compare as strings).
        links = sorted(
            (r for r in rows if r["o"] is None), key=lambda r: (lexical(r["s"]), lexical(r["p"]), lexical(r["g"]))
        )
        if incoming_limit > 0 and incoming_offset == 0 and len(links) <= incoming_limit:
            total = len(links)
        else:
            count = self.endpoint.solutions(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT DISTINCT ?g ?s ?p WHERE {{ {links_pattern(node)} }} }} }}"
            )
            total = int(lexical(count[0]["n"]) or 0) if count else 0
        page = links[: max(0, incoming_limit)]
        incoming = [self.quad(r["s"], r["p"], ox.NamedNode(iri), r["g"]) for r in page]
        return Description(iri, own, incoming, total)

    @staticmethod
    def quad(s: Value | None, p: Value | None, o: Value | None, g: Value | None) -> ox.Quad:
        """The statement of a row's ``?s ?p ?o`` in graph ``?g`` (the default graph when ``?g`` is unbound)."""
        if not isinstance(s, ox.NamedNode | ox.BlankNode | ox.Triple) or not isinstance(p, ox.NamedNode) or o is None:
            raise ValueError("the store answered a statement that cannot be one")
        return ox.Quad(s, p, o, g if isinstance(g, ox.NamedNode) else ox.DefaultGraph())

    def has(self, iri: str) -> bool:
        """Whether the store says anything about ``iri``: from the build's list of things when it is one of
        ours (no round trip), else asked."""
        if self.things is not None and iri.startswith(self.base_iri + "id/"):
            return iri in self.things
        rows = self.endpoint.solutions(f"SELECT ?p WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} LIMIT 1")
        return bool(rows)

    def labels(self, iris: Iterable[str]) -> dict[str, dict[str, str]]:
        """``{iri: {language: label}}`` from skos:prefLabel, else rdfs:label (as the embedded store).

        Labels once asked are remembered (most pages name the same properties, classes and roles), so
        only IRIs not seen before go to the store. One ``VALUES`` block and the two properties as a
        ``UNION``: with a second ``VALUES ?p`` Oxigraph server scanned every statement of the store
        (6 s per batch at 5 M statements, 20 ms this way).
        """
        asked = {i for i in iris if ">" not in i and "\\" not in i}
        result, wanted = self.known_labels.take(asked)
        found: dict[str, dict[str, dict[str, str]]] = {}
        for start in range(0, len(wanted), LABEL_BATCH):
            values = " ".join(f"<{i}>" for i in wanted[start : start + LABEL_BATCH])
            rows = self.select(
                f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ "
                "{ ?s skos:prefLabel ?l BIND(skos:prefLabel AS ?p) } UNION { ?s rdfs:label ?l BIND(rdfs:label AS ?p) } "
                "} FILTER(isLiteral(?l)) } ORDER BY ?s ?p ?l"
            )
            for r in rows:
                label = r["l"]
                if isinstance(label, ox.Literal):
                    by_property = found.setdefault(lexical(r["s"]), {})
                    by_property.setdefault(lexical(r["p"]), {}).setdefault(label.language or "", label.value)
        learned = {}
        for iri in wanted:
            by_property = found.get(iri, {})
            learned[iri] = next((by_property[p.value] for p in LABEL_PROPERTIES if p.value in by_property), {})
        self.known_labels.keep(learned)
        result.update(learned)
        return {iri: labels for iri, labels in result.items() if labels}

    def graph(self, graph_iri: str) -> list[ox.Quad]:
        """Return one named graph's quads in a stable order."""
        rows = self.endpoint.solutions(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")
        g = ox.NamedNode(graph_iri)
        return sorted((self.quad(r["s"], r["p"], r["o"], g) for r in rows), key=by_subject)

    def subjects(self, prefix: str) -> list[str]:
        """Every IRI starting with ``prefix`` that is the subject of a statement, sorted."""
        rows = self.endpoint.solutions(
            "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && STRSTARTS(STR(?s), "
            + json.dumps(prefix)
            + ")) }"
        )
        return sorted(lexical(r["s"]) for r in rows)


class RemoteRunner:
    """Run a client's (already checked) query on the remote store, with the same limits and formats."""

    def __init__(self, endpoint: RemoteEndpoint):
        self.endpoint = endpoint
        self.parser = ox.Store()  # empty: only to give the same syntax errors as the embedded endpoint

    def __call__(self, query: str, options: QueryOptions) -> QueryResult:
        try:
            self.parser.query(query, base_iri=options.base_iri)
        except SyntaxError as exc:
            from publisher.sparql.runner import syntax_message

            raise Problem(400, syntax_message(str(exc))) from None
        except Exception:  # noqa: BLE001 - evaluation problems on an empty store are the remote's to report
            pass
        defaults: list[str] | None
        named: list[str] | None
        if options.protocol_dataset:
            defaults, named = list(options.default_graphs), list(options.named_graphs)
        elif options.own_dataset:
            # Sent as the protocol dataset, which means the same (SPARQL 1.1 Protocol §2.1.4): a store whose
            # default graph is the union of its graphs (Oxigraph's --union-default-graph) ignores FROM.
            defaults, named = list(options.from_graphs), list(options.from_named)
        elif self.endpoint.engine.system_graphs:
            # every graph of the build, named: the union default graph without the engine's own graphs (its
            # pragmas that would leave those out break GRAPH <iri>, common in clients' queries)
            defaults, named = list(self.endpoint.build_graphs), list(self.endpoint.build_graphs)
        else:
            defaults, named = None, None  # every graph: the union default graph of the embedded endpoint
        if self.endpoint.engine.system_graphs:
            # Virtuoso takes a dataset without named graphs (or without a default graph) as all of its graphs
            # there: a graph that holds nothing keeps that part of the dataset empty, as SPARQL §13.2 says
            defaults, named = defaults or [NO_GRAPH], named or [NO_GRAPH]
        graph_query = options.form in ("CONSTRUCT", "DESCRIBE")
        media_type, body = self.endpoint.request(
            query, TURTLE if graph_query else JSON, options.timeout, defaults, named, client_query=True
        )
        try:
            return self.convert(body, graph_query, options)
        except (ValueError, KeyError, TypeError, SyntaxError) as exc:
            self.endpoint.failed(503, "")
            message = f"The data store answered something unreadable ({exc})."
            raise Problem(503, message, RETRY_AFTER) from None

    def convert(self, body: bytes, graph_query: bool, options: QueryOptions) -> QueryResult:
        """Parse the store's answer, cut it at the row limit and write it in the format asked for."""
        if graph_query:
            triples, truncated = take(ox.parse(body, format=ox.RdfFormat.TURTLE), options.row_limit)
            if self.endpoint.engine.adapts:
                triples = [self.endpoint.engine.adapt_triple(t) for t in triples]
            return QueryResult("graph", write_graph(triples, options.graph_format), len(triples), truncated)
        doc = json.loads(body)
        if "boolean" in doc:
            return QueryResult("boolean", write_boolean(bool(doc["boolean"]), options.result_format), 1, False)
        names = doc["head"]["vars"]
        rows, truncated = take(doc["results"]["bindings"], options.row_limit)
        table = [[term(r[n], self.endpoint.engine) if n in r else None for n in names] for r in rows]
        return QueryResult("solutions", write_solutions(names, table, options.result_format), len(table), truncated)
