"""Run a client's SPARQL query in a separate process that is killed at the time limit (DESIGN §8).

pyoxigraph cannot stop a running query, so queries run in processes forked from the server
process that holds the store (copy-on-write, no reload). A query process writes its answer,
already serialized and cut at the row limit, to a pipe; the server reads it until the deadline
and otherwise kills the process, which frees every byte the query used, and forks a new one.
Serializers for the SPARQL 1.1 result formats are here because a cut result is written row by row.
"""

from __future__ import annotations

import json
import os
import queue
import re
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from publisher.negotiation import JSONLD, Format
from publisher.render.rdf import serialize

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class ResultFormat:
    """A SPARQL result serialization (SPARQL 1.1 Query Results JSON, XML, CSV and TSV)."""

    key: str
    media_type: str
    suffix: str
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type


JSON = ResultFormat("json", "application/sparql-results+json", "srj", "JSON", ("application/json",))
XML = ResultFormat("xml", "application/sparql-results+xml", "srx", "XML", ("application/xml", "text/xml"))
CSV = ResultFormat("csv", "text/csv", "csv", "CSV")
TSV = ResultFormat("tsv", "text/tab-separated-values", "tsv", "TSV")
RESULT_FORMATS: tuple[ResultFormat, ...] = (JSON, XML, CSV, TSV)


class QueryOutcomeError(Exception):
    """The query ran into a limit or failed; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


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

    result_format: ResultFormat
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


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def term_json(term) -> dict:
    """A term as SPARQL 1.2 Query Results JSON encodes it; a triple term's value holds its three terms."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype and term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": term_json(term.subject),
            "predicate": term_json(term.predicate),
            "object": term_json(term.object),
        },
    }


def term_xml(term) -> str:
    """A term as SPARQL 1.2 Query Results XML writes it; a triple term is ``<triple>`` with its three terms."""
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{term_xml(term.subject)}</subject><predicate>{term_xml(term.predicate)}</predicate>"
            f"<object>{term_xml(term.object)}</object></triple>"
        )
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype and term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def csv_quote(text: str) -> str:
    """Quote a CSV field that holds a quotation mark, comma or line break (RFC 4180 §2)."""
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(term) -> str:
    """A term as SPARQL 1.2 Query Results CSV writes it ("Serializing RDF Terms"), before the field is quoted.

    A triple term is ``<< s p o >>``, its terms written the same way and quoted as fields are; a
    literal object is always in quotation marks.
    """
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        obj = term.object
        written = '"' + obj.value.replace('"', '""') + '"' if isinstance(obj, ox.Literal) else csv_field(obj)
        return f"<< {csv_field(term.subject)} {csv_field(term.predicate)} {written} >>"
    return term.value


def csv_field(term) -> str:
    """One CSV field: empty when unbound."""
    return "" if term is None else csv_quote(csv_text(term))


def tsv_text(term) -> str:
    """A term as SPARQL 1.2 Query Results TSV writes it (Turtle syntax); a triple term is ``<< s p o >>``."""
    if isinstance(term, ox.Triple):
        return f"<< {tsv_text(term.subject)} {tsv_text(term.predicate)} {tsv_text(term.object)} >>"
    return str(term)


def tsv_field(term) -> str:
    """One TSV field: empty when unbound; tabs and line breaks escaped, as literals in TSV must be."""
    if term is None:
        return ""
    return tsv_text(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def write_solutions(variables: list[str], rows: Iterable[list], fmt: ResultFormat) -> bytes:
    rows = list(rows)
    if fmt is JSON:
        bindings = [{v: term_json(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt is XML:
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
        results = "".join(
            "<result>"
            + "".join(
                f"<binding name={quoteattr(v)}>{term_xml(t)}</binding>"
                for v, t in zip(variables, row, strict=True)
                if t is not None
            )
            + "</result>"
            for row in rows
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>{results}</results></sparql>\n"
        ).encode()
    if fmt is CSV:
        lines = [",".join(variables)] + [",".join(csv_field(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    lines = ["\t".join(f"?{v}" for v in variables)] + ["\t".join(tsv_field(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_boolean(value: bool, fmt: ResultFormat) -> bytes:
    if fmt is JSON:
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt is XML:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    if fmt is CSV:
        return f"_askResult\r\n{'true' if value else 'false'}\r\n".encode()
    return f"?_askResult\n{'true' if value else 'false'}\n".encode()


# ---------------------------------------------------------------------------------------------
# Running in a child process
# ---------------------------------------------------------------------------------------------


def take(items: Iterable, limit: int) -> tuple[list, bool]:
    """The first ``limit`` items, and whether there were more (the row limit)."""
    taken = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


def dataset_arguments(options: QueryOptions) -> dict:
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


def evaluate(store: ox.Store, query: str, options: QueryOptions) -> tuple[dict, bytes]:
    """Run the query in this process and serialize its answer (called in the child)."""
    results = store.query(query, base_iri=options.base_iri, **dataset_arguments(options))
    limit = options.row_limit
    if isinstance(results, ox.QueryBoolean):
        return {"kind": "boolean", "rows": 1, "truncated": False}, write_boolean(bool(results), options.result_format)
    if isinstance(results, ox.QuerySolutions):
        variables = [v.value for v in results.variables]
        solutions, truncated = take(results, limit)
        rows = [[solution[v] for v in variables] for solution in solutions]
        body = write_solutions(variables, rows, options.result_format)
        return {"kind": "solutions", "rows": len(rows), "truncated": truncated}, body
    found, truncated = take(results, limit)
    return {"kind": "graph", "rows": len(found), "truncated": truncated}, write_graph(found, options.graph_format)


def write_graph(triples: list[ox.Triple], fmt: Format) -> bytes:
    """Serialize a CONSTRUCT or DESCRIBE answer; refuse (400) a triple term in a format that cannot say it.

    Turtle, N-Triples and RDF/XML 1.2 write triple terms; JSON-LD 1.1 has no way to.
    """
    quoting = any(isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple) for t in triples)
    if fmt.key == JSONLD.key and quoting:
        raise QueryOutcomeError(
            400,
            "The answer holds triple terms (<<( … )>>), which JSON-LD cannot express; "
            "ask for Turtle, N-Triples or RDF/XML instead.",
        )
    return serialize([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples], fmt)


def syntax_message(text: str) -> str:
    """Turn the parser's "error at L:C: …" into words with line and column."""
    match = re.match(r"error at (\d+):(\d+): (.*)", text, re.DOTALL)
    if match:
        return f"Syntax error at line {match.group(1)}, column {match.group(2)}: {match.group(3)}"
    return f"Syntax error: {text}"


def options_to_json(options: QueryOptions) -> bytes:
    """Write every option for the query process or the query service (``options_from_json`` reads them back)."""
    return json.dumps(
        {
            "result": options.result_format.key,
            "graph": options.graph_format.key,
            "timeout": options.timeout,
            "row_limit": options.row_limit,
            "base_iri": options.base_iri,
            "default_graphs": list(options.default_graphs),
            "named_graphs": list(options.named_graphs),
            "form": options.form,
            "from_graphs": list(options.from_graphs),
            "from_named": list(options.from_named),
        }
    ).encode("utf-8")


def options_from_json(data: dict) -> QueryOptions:
    from publisher.negotiation import RDF_FORMATS

    results = {f.key: f for f in RESULT_FORMATS}
    graphs = {f.key: f for f in RDF_FORMATS}
    return QueryOptions(
        results[data["result"]],
        graphs[data["graph"]],
        float(data["timeout"]),
        int(data["row_limit"]),
        data["base_iri"],
        tuple(data["default_graphs"]),
        tuple(data["named_graphs"]),
        data["form"],
        tuple(data["from_graphs"]),
        tuple(data["from_named"]),
    )


def answer(store: ox.Store, query: str, options: QueryOptions) -> bytes:
    """Evaluate and frame the answer: one JSON line of metadata, then the body."""
    try:
        meta, body = evaluate(store, query, options)
        meta["ok"] = True
    except SyntaxError as exc:
        meta, body = {"ok": False, "status": 400, "message": syntax_message(str(exc))}, b""
    except QueryOutcomeError as exc:  # an answer that cannot be written in the format asked for
        meta, body = {"ok": False, "status": exc.status, "message": exc.message}, b""
    except Exception as exc:  # noqa: BLE001 - the engine's own refusal (e.g. an unsupported function)
        meta, body = {"ok": False, "status": 400, "message": f"The query could not be evaluated: {exc}"}, b""
    return json.dumps(meta).encode("utf-8") + b"\n" + body


def read_exactly(read: Callable[[int], bytes], size: int) -> bytes:
    """``size`` bytes from ``read`` (a pipe's or a socket's, at most n bytes a call); EOFError if it ends first."""
    chunks, remaining = [], size
    while remaining:
        chunk = read(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def frame(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def name_process(name: str) -> None:
    """Show ``name`` (at most 15 bytes) for this process in ps and top, where the system allows it."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name.encode("ascii")[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def child_loop(open_store: Callable[[], ox.Store], requests_fd: int, answers_fd: int) -> None:
    """The query process: answer framed requests until the parent goes away; never returns."""
    status = 0
    try:
        # Below the web workers in the CPU's eyes: a runaway query must not slow down the pages.
        os.nice(10)
        name_process("regiolod-query")
        store = open_store()

        def pipe(n: int) -> bytes:
            return os.read(requests_fd, n)

        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        while True:
            try:
                size = int.from_bytes(read_exactly(pipe, 8), "big")
                request = json.loads(read_exactly(pipe, size))
            except EOFError:
                break
            options = options_from_json(request["options"])
            write_all(answers_fd, frame(answer(store, request["query"], options)))
    except BaseException:  # noqa: BLE001 - a child must never return into the server's code
        status = 1
    finally:
        os._exit(status)


class QueryProcess:
    """One forked process that answers queries from the worker that forked it.

    ``open_store`` is called in the child: an in-memory store is simply the inherited one, an
    on-disk store is opened afresh there (a handle must not cross a fork). ``foreign`` are file
    descriptors the child closes first: its siblings' pipes and a listening socket, which would
    otherwise keep a sibling from seeing the end of its parent, or keep a socket alive with nobody
    answering on it.
    """

    def __init__(self, open_store: Callable[[], ox.Store], foreign: Iterable[int] = ()):
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            for fd in {parent_read, parent_write, *foreign} - {child_read, child_write}:
                try:
                    os.close(fd)
                except OSError:
                    pass
            child_loop(open_store, child_read, child_write)
        os.close(child_read)
        os.close(child_write)
        self.pid, self.reader, self.writer = pid, parent_read, parent_write

    def ask(self, query: str, options: QueryOptions) -> bytes:
        """Send one query and wait for its answer until the deadline; kill the process past it."""
        request = json.dumps({"query": query, "options": json.loads(options_to_json(options))}).encode("utf-8")
        write_all(self.writer, frame(request))
        deadline = time.monotonic() + options.timeout
        received = bytearray()
        expected: int | None = None
        while expected is None or len(received) < expected + 8:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise QueryOutcomeError(
                    503,
                    f"The query was stopped at the time limit of {options.timeout:g} s.",
                    retry_after=max(1, int(options.timeout)),
                )
            ready, _, _ = select.select([self.reader], [], [], min(remaining, 0.5))
            if not ready:
                continue
            chunk = os.read(self.reader, 1 << 20)
            if not chunk:
                self.stop()
                raise QueryOutcomeError(500, "The query process ended without an answer.")
            received += chunk
            if expected is None and len(received) >= 8:
                expected = int.from_bytes(received[:8], "big")
        return bytes(received[8:])

    def stop(self) -> None:
        """Kill the process: every byte the query held is freed with it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.reader)
        os.close(self.writer)
        self.pid = 0

    @property
    def alive(self) -> bool:
        return self.pid != 0


def busy(size: int) -> QueryOutcomeError:
    """The answer when every one of ``size`` query processes is taken (and the wait for one is over)."""
    return QueryOutcomeError(503, f"All {size} query processes are busy; try again shortly.", 2)


def result_of(payload: bytes) -> QueryResult:
    """The result a query process framed (``answer``), or its refusal as QueryOutcomeError."""
    head, _, body = payload.partition(b"\n")
    meta = json.loads(head)
    if not meta.get("ok"):
        raise QueryOutcomeError(int(meta["status"]), meta["message"], meta.get("retry_after"))
    return QueryResult(meta["kind"], body, int(meta["rows"]), bool(meta["truncated"]))


class QueryPool:
    """A few query processes per server process, forked lazily after the server process started.

    At most ``size`` queries run at once in one server process; a request that finds every process
    busy for ``wait`` seconds gets 503 with Retry-After. At most ``admitted`` requests run or wait;
    any further one gets 503 at once, so requests for SPARQL never hold more than that many of the
    server's threads and pages keep being served while long queries run. A process that was stopped
    at the time limit is replaced by a fresh fork on next use.
    """

    def __init__(self, open_store: Callable[[], ox.Store], size: int, wait: float = 0.5, admitted: int | None = None):
        self.open_store, self.size, self.wait = open_store, size, wait
        self.admitted_max = max(size, admitted or 2 * size)
        self.foreign: set[int] = set()  # more descriptors a query process closes (the service's socket)
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.owner = os.getpid()
        self.idle: queue.LifoQueue[QueryProcess | None] = queue.LifoQueue()
        for _ in range(self.size):
            self.idle.put(None)
        self.admitted = threading.BoundedSemaphore(self.admitted_max)  # running plus waiting
        self.forked: set[int] = set()  # pids of this process's query processes, idle or busy
        self.fds: set[int] = set()  # their pipes, which a new query process closes

    def __call__(self, query: str, options: QueryOptions) -> QueryResult:
        return result_of(self.payload(query, options))

    def payload(self, query: str, options: QueryOptions) -> bytes:
        """The framed answer of a query process (``answer``); QueryOutcomeError when busy or past the limit."""
        if os.getpid() != self.owner:  # forked (e.g. a gunicorn worker): the inherited processes are not ours
            with self.lock:
                if os.getpid() != self.owner:
                    self.reset()
        if not self.admitted.acquire(blocking=False):
            raise busy(self.size)
        try:
            try:
                process = self.idle.get(timeout=self.wait)
            except queue.Empty:
                raise busy(self.size) from None
            pid = 0
            try:
                if process is None or not process.alive:
                    process = QueryProcess(self.open_store, self.fds | self.foreign)
                    self.forked.add(process.pid)
                    self.fds |= {process.reader, process.writer}
                pid, fds = process.pid, {process.reader, process.writer}
                return process.ask(query, options)
            finally:
                if pid and not process.alive:
                    self.forked.discard(pid)
                    self.fds -= fds
                self.idle.put(process if process is not None and process.alive else None)
        finally:
            self.admitted.release()

    def close(self) -> None:
        while not self.idle.empty():
            process = self.idle.get_nowait()
            if process is not None and process.alive:
                process.stop()

    def kill_all(self) -> None:
        """Kill every query process of this process, busy ones too (before this process ends)."""
        for pid in list(self.forked):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
