"""Admission of SPARQL requests: one FIFO queue in front of the query processes, and the threads it may hold.

Fail-fast admission collapses under closed-loop clients (DESIGN §8): a request refused at once is sent
again at once, and the refusals eat the cores (issue 23 measured 0.2 ok req/s with 20,317 refused at 32
clients on disk, where Oxigraph server alone served 5 req/s). So a request that finds every query process
busy waits its turn in one queue, first come first served, for at most ``sparql_queue_wait`` seconds.
Only when the queue already holds ``sparql_queue`` requests (running and waiting) is a request refused,
with ``503`` and a ``Retry-After`` estimated from the queue: how long the requests ahead of it take at
the pace the query processes have been answering.

A waiting request holds a server thread. So that pages are answered while SPARQL is saturated, a worker
runs ``threads`` threads for pages *plus* one per request the queue may hold (:func:`server_threads`):
SPARQL requests never take the threads kept for pages, however many clients send queries.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from publisher.config import Settings
from publisher.errors import Problem
from publisher.sparql.runner import QueryOptions, QueryResult, Runner

#: Weight of the newest answer in the running mean of how long a query process takes per query.
PACE_WEIGHT = 0.1
#: The mean before the first answer (seconds per query and process).
FIRST_PACE_S = 0.05


def server_threads(settings: Settings) -> int:
    """Threads of one server worker: ``threads`` for pages, and one more for every SPARQL request the
    queue may hold (all of which may arrive at one worker)."""
    return int(settings.threads) + int(settings.sparql_queue)


class QueryQueue:
    """``slots`` queries run at once; up to ``limit`` requests run or wait, in the order they came.

    ``enter`` returns when the request may run (a slot is handed straight from the request that leaves
    to the first that waits, so a newcomer never overtakes a waiting one), or raises
    :class:`~publisher.errors.Problem` 503 with ``Retry-After`` when the queue is full or the wait is over.
    """

    def __init__(self, slots: int, limit: int, wait: float):
        self.slots, self.limit, self.wait = slots, max(slots, limit), wait
        self.lock = threading.Lock()
        self.free = slots
        self.waiting: deque[threading.Event] = deque()
        self.held = 0  # running plus waiting
        self.pace = FIRST_PACE_S  # running mean of the seconds one query holds a slot

    def retry_after(self, ahead: int) -> int:
        """Whole seconds until ``ahead`` requests before this one have run at the current pace (at least 1)."""
        return max(1, math.ceil(self.pace * (ahead + 1) / self.slots))

    def enter(self) -> None:
        with self.lock:
            if self.held >= self.limit:
                raise Problem(
                    503,
                    f"The SPARQL queue is full ({self.limit} queries running or waiting); try again later.",
                    self.retry_after(len(self.waiting)),
                )
            self.held += 1
            if self.free and not self.waiting:
                self.free -= 1
                return
            turn = threading.Event()
            self.waiting.append(turn)
        if turn.wait(self.wait):
            return
        with self.lock:
            if turn.is_set():  # handed a slot just as the wait ended: take it
                return
            self.waiting.remove(turn)
            self.held -= 1
            ahead = len(self.waiting)
        raise Problem(
            503,
            f"All {self.slots} query processes stayed busy for {self.wait:g} s; try again later.",
            self.retry_after(ahead),
        )

    def leave(self, seconds: float) -> None:
        """The request that held a slot for ``seconds`` is done: the first waiting one runs next."""
        with self.lock:
            self.pace += PACE_WEIGHT * (seconds - self.pace)
            self.held -= 1
            if self.waiting:
                self.waiting.popleft().set()
            else:
                self.free += 1

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold a slot for the block (waiting for it first)."""
        self.enter()
        started = time.monotonic()
        try:
            yield
        finally:
            self.leave(time.monotonic() - started)

    @property
    def waiting_now(self) -> int:
        return len(self.waiting)


class Queued:
    """A runner (the remote store's) whose requests pass a :class:`QueryQueue` of this worker first, so
    that they never hold more of its threads than the queue admits."""

    def __init__(self, runner: Runner, queue: QueryQueue):
        self.runner, self.queue = runner, queue

    def __call__(self, query: str, options: QueryOptions) -> QueryResult:
        with self.queue.turn():
            return self.runner(query, options)
