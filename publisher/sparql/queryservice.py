"""One pool of query processes per server, shared by every gunicorn worker.

With a pool per worker, four workers ran up to four times as many queries at once as one worker,
and held four times as many idle query processes, each with its own store handle, block cache and
heap: memory grew with the number of workers. Under gunicorn the master therefore forks one
*query service* after the app is loaded: a small process that owns the pool (``QueryPool``, the
same processes, limits and kill at the time limit as in a single process) and answers the workers
over a Unix socket in a private folder. ``sparql_max_concurrent`` is then the number of queries the
whole server runs at once, whatever the number of workers.

The service's pool holds the one queue of the server (``admission.QueryQueue``): requests wait their
turn there, in threads of the workers kept for SPARQL beyond those of pages
(``admission.server_threads``); each worker thread keeps its connection to the service between
queries. The service ends with the master (it watches its parent) and kills its query processes
when it ends. A worker that finds it gone answers 503 with Retry-After and
stops gracefully; the master starts the service again before it forks the replacement worker.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import time

from publisher.errors import Problem
from publisher.sparql.admission import QueryQueue
from publisher.sparql.processes import (
    QueryPool,
    frame,
    name_process,
    options_from_json,
    options_to_dict,
    read_exactly,
    result_of,
)
from publisher.sparql.runner import QueryOptions, QueryResult

SERVICE_NAME = "regiolod-sparql"  # the process name in ps and top; its query processes are "regiolod-query"
GRACE_S = 10  # beyond the query's own limit and the wait for a process, before a worker gives up on the service
PARENT_CHECK_S = 1.0
# Signals whose handlers the service must not inherit from the gunicorn master.
MASTER_SIGNALS = (
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGTERM",
    "SIGTTIN",
    "SIGTTOU",
    "SIGUSR1",
    "SIGUSR2",
    "SIGWINCH",
    "SIGCHLD",
)


def receive(conn: socket.socket) -> bytes:
    """One frame (8-byte length, then the bytes) from ``conn``; EOFError if it closes first."""
    return read_exactly(conn.recv, int.from_bytes(read_exactly(conn.recv, 8), "big"))


def refusal(exc: Problem) -> bytes:
    """A refusal framed like a query process's answer, for ``result_of`` in the worker."""
    meta = {"ok": False, "status": exc.status, "message": exc.message, "retry_after": exc.retry_after}
    return json.dumps(meta).encode("utf-8") + b"\n"


class QueryService:
    """The shared pool, run in its own process; ``start`` and ``stop`` are called in the gunicorn master."""

    def __init__(self, pool: QueryPool):
        self.pool = pool
        self.folder = ""
        self.path = ""
        self.pid = 0

    @property
    def running(self) -> bool:
        if not self.pid:
            return False
        try:
            ended, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # already reaped (the gunicorn master reaps every child)
            return False
        return ended == 0

    def start(self) -> None:
        """Fork the service (again, if it has ended); the socket is ready before this returns."""
        if self.running:
            return
        if not self.folder:
            self.folder = tempfile.mkdtemp(prefix="regiolod-queries-")  # mode 0700: only this user connects
            self.path = os.path.join(self.folder, "socket")
        if os.path.exists(self.path):
            os.unlink(self.path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        listener.listen(128)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the service process
            status = 0
            try:
                self.serve(listener, parent)
            except BaseException:  # noqa: BLE001 - the service must never return into the master's code
                status = 1
            finally:
                self.pool.kill_all()
                os._exit(status)
        listener.close()
        self.pid = pid

    def serve(self, listener: socket.socket, parent: int) -> None:  # pragma: no cover - in the service process
        name_process(SERVICE_NAME)
        for name in MASTER_SIGNALS:
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        try:
            signal.set_wakeup_fd(-1)
        except ValueError:
            pass
        pool = self.pool
        pool.reset()
        pool.foreign = {listener.fileno()}

        def end(*_: object) -> None:
            pool.kill_all()
            os._exit(0)

        signal.signal(signal.SIGTERM, end)

        def watch_parent() -> None:
            while os.getppid() == parent:
                time.sleep(PARENT_CHECK_S)
            end()

        threading.Thread(target=watch_parent, daemon=True).start()
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:  # pragma: no cover - in the service process
        """Answer the queries of one worker thread, one after the other, until it closes the connection."""
        with conn:
            while True:
                try:
                    request = json.loads(receive(conn))
                    query, options = request["query"], options_from_json(request["options"])
                except (EOFError, OSError, ValueError, KeyError):
                    return
                try:
                    payload = self.pool.payload(query, options)
                except Problem as exc:
                    payload = refusal(exc)
                try:
                    conn.sendall(frame(payload))
                except OSError:
                    return  # the worker gave up (its client went away): nothing to tell

    def stop(self) -> None:
        """End the service and its query processes (the master ends or serves a new build)."""
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = 0
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = self.path = ""


class SharedQueries:
    """The runner of a worker: its queries go to the server's query service."""

    def __init__(self, query_service: QueryService, admitted: int):
        self.query_service = query_service
        self.size, self.wait = query_service.pool.size, query_service.pool.wait
        self.admitted_max = admitted
        self.lock = threading.Lock()
        self.owner = 0
        self.admitted = self.bound()
        self.local = threading.local()  # each thread's connection to the service, and the process it was made in

    def __call__(self, query: str, options: QueryOptions) -> QueryResult:
        if os.getpid() != self.owner:  # a fresh worker: its own count of admitted requests
            with self.lock:
                if os.getpid() != self.owner:
                    self.admitted = self.bound()
                    self.owner = os.getpid()
        # A worker holding the queue's length of requests holds all the queue admits: the next is
        # refused as the service's queue would refuse it (whichever worker's turn it lands in).
        with self.admitted.turn():
            return self.ask(query, options)

    def bound(self) -> QueryQueue:
        """The requests this worker may hold at once: as many as the service's queue, never waiting."""
        return QueryQueue(self.admitted_max, self.admitted_max, self.wait)

    def ask(self, query: str, options: QueryOptions) -> QueryResult:
        request = json.dumps({"query": query, "options": options_to_dict(options)}).encode("utf-8")
        try:
            payload = self.exchange(request, options.timeout + self.wait + GRACE_S)
        except (FileNotFoundError, ConnectionRefusedError):
            # The service has ended: this worker stops gracefully, and the master starts the service
            # again before it forks the worker's replacement.
            os.kill(os.getpid(), signal.SIGTERM)
            raise Problem(503, "The query service is not available; try again shortly.", 2) from None
        except (OSError, EOFError):
            raise Problem(503, "The query service is not available; try again shortly.", 2) from None
        return result_of(payload)

    def exchange(self, request: bytes, timeout: float) -> bytes:
        """Send a framed request and read the framed answer over this thread's connection to the service,
        kept open between queries (a connection, an accept and a thread of the service per query were a
        good part of a cheap query's cost). A kept connection that turns out closed (the service was
        started again) is replaced once; one that fails otherwise, or times out, is closed for good."""
        for attempt in (1, 2):
            conn: socket.socket | None = getattr(self.local, "conn", None)
            kept = conn is not None and self.local.pid == os.getpid()
            if conn is None or not kept:
                conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    conn.settimeout(timeout)
                    conn.connect(self.query_service.path)
                except OSError:
                    conn.close()
                    raise
                self.local.conn, self.local.pid = conn, os.getpid()
            conn.settimeout(timeout)
            try:
                conn.sendall(frame(request))
                return receive(conn)
            except TimeoutError:
                self.forget()
                raise
            except (OSError, EOFError):
                self.forget()
                if not kept or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def forget(self) -> None:
        """Close this thread's connection to the service (the next query opens a new one)."""
        conn = getattr(self.local, "conn", None)
        self.local.conn = None
        if conn is not None:
            conn.close()
