"""Run a client's SPARQL query in a separate process that is killed at the time limit (DESIGN §8).

pyoxigraph cannot stop a running query, so queries run in processes forked from the server
process that holds the store (copy-on-write, no reload). A query process writes its answer,
already serialized and cut at the row limit, to a pipe; the server reads it until the deadline
and otherwise kills the process, which frees every byte the query used, and forks a new one.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

from publisher.errors import Problem
from publisher.negotiation import RDF_FORMATS, RESULT_FORMATS, by_key
from publisher.sparql.admission import QueryQueue
from publisher.sparql.results import write_boolean, write_graph, write_solutions
from publisher.sparql.runner import (
    QueryOptions,
    QueryResult,
    dataset_arguments,
    syntax_message,
    take,
)

#: A query still running after this many seconds is a runaway: put below the web workers (QueryProcess.ask).
LOWER_AFTER_S = 0.5
LOWERED_NICE = 10


def evaluate(store: ox.Store, query: str, options: QueryOptions) -> tuple[dict[str, object], bytes]:
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


def options_to_json(options: QueryOptions) -> bytes:
    """Write every option for the query process or the query service (``options_from_json`` reads them back)."""
    return json.dumps(options_to_dict(options)).encode("utf-8")


def options_to_dict(options: QueryOptions) -> dict[str, Any]:
    """Every option as JSON values (``options_from_json`` reads them back)."""
    return {
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


def options_from_json(data: dict[str, Any]) -> QueryOptions:
    """Read back the options ``options_to_json`` wrote (decoded JSON, so its values are untyped)."""
    return QueryOptions(
        by_key(RESULT_FORMATS)[data["result"]],
        by_key(RDF_FORMATS)[data["graph"]],
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
    except Problem as exc:  # an answer that cannot be written in the format asked for
        meta, body = {"ok": False, "status": exc.status, "message": exc.message}, b""
    except Exception as exc:  # noqa: BLE001 - the engine's own refusal (e.g. an unsupported function)
        meta, body = {"ok": False, "status": 400, "message": f"The query could not be evaluated: {exc}"}, b""
    return json.dumps(meta).encode("utf-8") + b"\n" + body


def result_of(payload: bytes) -> QueryResult:
    """The result a query process framed (``answer``), or its refusal as a Problem."""
    head, _, body = payload.partition(b"\n")
    meta = json.loads(head)
    if not meta.get("ok"):
        raise Problem(int(meta["status"]), meta["message"], meta.get("retry_after"))
    return QueryResult(meta["kind"], body, int(meta["rows"]), bool(meta["truncated"]))


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
        self.lowered = False

    def ask(self, query: str, options: QueryOptions) -> bytes:
        """Send one query and wait for its answer until the deadline; kill the process past it.

        A query runs at the server's priority; one still running after ``LOWER_AFTER_S`` is put below the
        web workers in the CPU's eyes (a runaway query must not slow down the pages). Starting every query
        process niced cost cheap queries milliseconds of waiting for a core on a busy machine. A process
        cannot raise its priority again unprivileged; a lowered one stays lowered (replacing it would
        reopen an on-disk store after every long query).
        """
        request = json.dumps({"query": query, "options": options_to_dict(options)}).encode("utf-8")
        write_all(self.writer, frame(request))
        started = time.monotonic()
        deadline = started + options.timeout
        received = bytearray()
        expected: int | None = None
        while expected is None or len(received) < expected + 8:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise Problem(
                    503,
                    f"The query was stopped at the time limit of {options.timeout:g} s.",
                    retry_after=max(1, int(options.timeout)),
                )
            lower_in = started + LOWER_AFTER_S - time.monotonic()
            wait = min(remaining, 0.5) if self.lowered else max(0.0, min(remaining, lower_in))
            ready, _, _ = select.select([self.reader], [], [], wait)
            if not ready:
                if not self.lowered and time.monotonic() >= started + LOWER_AFTER_S:
                    self.lower()
                continue
            chunk = os.read(self.reader, 1 << 20)
            if not chunk:
                self.stop()
                raise Problem(500, "The query process ended without an answer.")
            received += chunk
            if expected is None and len(received) >= 8:
                expected = int.from_bytes(received[:8], "big")
        return bytes(received[8:])

    def lower(self) -> None:
        """Put the process below the web workers (nice 10)."""
        self.lowered = True
        try:
            os.setpriority(os.PRIO_PROCESS, self.pid, LOWERED_NICE)
        except OSError:
            pass

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


class QueryPool:
    """A few query processes per server process, forked lazily after the server process started.

    At most ``size`` queries run at once in one server process; the others wait their turn in one
    FIFO queue (``admission.QueryQueue``) for up to ``wait`` seconds, then get 503 with Retry-After.
    At most ``admitted`` requests run or wait; any further one gets 503 with a Retry-After estimated
    from the queue. A process that was stopped at the time limit is replaced by a fresh fork on next use.
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
        self.queue = QueryQueue(self.size, self.admitted_max, self.wait)  # running plus waiting, in order
        self.forked: set[int] = set()  # pids of this process's query processes, idle or busy
        self.fds: set[int] = set()  # their pipes, which a new query process closes

    def __call__(self, query: str, options: QueryOptions) -> QueryResult:
        return result_of(self.payload(query, options))

    def payload(self, query: str, options: QueryOptions) -> bytes:
        """The framed answer of a query process (``answer``); Problem when busy or past the limit."""
        if os.getpid() != self.owner:  # forked (e.g. a gunicorn worker): the inherited processes are not ours
            with self.lock:
                if os.getpid() != self.owner:
                    self.reset()
        with self.queue.turn():
            process = self.idle.get_nowait()  # a turn of the queue is one of the ``size`` processes
            pid = 0
            try:
                if process is None or not process.alive:
                    process = QueryProcess(self.open_store, self.fds | self.foreign)
                    self.forked.add(process.pid)
                    self.fds |= {process.reader, process.writer}
                pid, fds = process.pid, {process.reader, process.writer}
                return process.ask(query, options)
            finally:
                if pid and process is not None and not process.alive:
                    self.forked.discard(pid)
                    self.fds -= fds
                self.idle.put(process if process is not None and process.alive else None)

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
