"""Spread a server's client connections evenly over its gunicorn workers: they take turns.

Every worker waits on the same listening socket, and the one that happens to be awake when a client
connects accepts it; a threaded worker then keeps that connection for as long as the client keeps it
alive. Clients that open their connections together (a load generator, a reverse proxy's pool of
upstream connections) therefore often all land in one worker: measured on 2 cores with 8 keep-alive
clients, one worker held all 8 in half of the runs, and that worker's one core did all the work
(about half the throughput of an even split; a SPARQL client also met the worker's limit of
admitted queries while the other worker had room).

Here each worker publishes how many connections it has accepted so far, in a small array shared by
the server's processes (a slot per worker, given by the master before it forks the worker, freed
when the worker ends or starts stopping). A worker that has accepted more than another live worker
leaves a waiting connection to it: it stops listening for ``YIELD_S`` and looks again. So new
connections go round the workers in turn. (Counting the connections a worker holds instead was
tried: right after many clients hang up together, a worker still busy closing theirs counts them,
and the next group of clients lands in the other worker.) So that a worker that is stuck cannot
keep clients waiting, a connection that has waited ``MAX_DEFER_S`` is accepted by whoever sees it.
The listening socket itself is unchanged: nothing is lost when a worker ends.

The worker overrides internals of gunicorn's threaded worker, not a public interface: the event loop
that turns accepting on and off (``set_accept_enabled``, ``wait_for_and_dispatch_events``,
``accept(listener)``) came with gunicorn 24.0; 23.0 registers ``accept(server, listener)`` and never
turns accepting off. pyproject.toml allows the versions checked; :func:`unsupported_gunicorn` says
at start what an installed gunicorn lacks, rather than every worker failing at its first connection.
"""

from __future__ import annotations

import ctypes
import inspect
import multiprocessing
import socket
import time
from importlib import metadata
from types import FrameType
from typing import TYPE_CHECKING

import gunicorn
from gunicorn.workers.gthread import ThreadWorker

if TYPE_CHECKING:
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

SLOTS = 128  # workers at once, old and new during a reload; a worker without a slot accepts as gunicorn does
FREE = -1
YIELD_S = 0.002
MAX_DEFER_S = 0.25
#: The methods of gunicorn's ThreadWorker that FairThreadWorker overrides, with their parameters.
OVERRIDDEN = {"accept": ["listener"], "set_accept_enabled": ["enabled"], "wait_for_and_dispatch_events": ["timeout"]}


def unsupported_gunicorn(worker: type = ThreadWorker) -> str | None:
    """Say what of gunicorn's threaded worker :class:`FairThreadWorker` overrides and ``worker`` lacks, or None."""
    missing = []
    for name, parameters in OVERRIDDEN.items():
        method = getattr(worker, name, None)
        if not callable(method) or list(inspect.signature(method).parameters)[1:] != parameters:
            missing.append(f"ThreadWorker.{name}({', '.join(parameters)})")
    if not missing:
        return None
    return (
        f"gunicorn {gunicorn.__version__} lacks {', '.join(missing)}, which regiolod's worker "
        f"(publisher/server/fairaccept.py) overrides; install {allowed_gunicorn()}"
    )


def allowed_gunicorn() -> str:
    """The gunicorn requirement of regiolod's metadata (pyproject.toml), e.g. ``gunicorn<28,>=24``."""
    try:
        return next(r for r in metadata.requires("regiolod") or () if r.startswith("gunicorn"))
    except (metadata.PackageNotFoundError, StopIteration):
        return "a gunicorn version pyproject.toml allows"


class Turns:
    """Connections each live worker has accepted, in memory shared by the master and the workers it forks.

    The master hands out the slots (``claim`` before a fork, ``release`` when it has reaped the worker);
    a worker that starts stopping marks its slot free at once, but the slot is not handed out again
    before the master has reaped that worker. A new worker starts level with the live worker that has
    accepted least, so that it takes its turn, not every connection until it has caught up.
    """

    def __init__(self, slots: int = SLOTS):
        self.accepted = multiprocessing.RawArray(ctypes.c_int64, [FREE] * slots)
        self.owners: dict[int, object] = {}  # in the master: slot -> worker

    def claim(self, worker: object) -> int | None:
        """A slot for a worker about to be forked, or None when all are taken (then it accepts as gunicorn does)."""
        for slot in range(len(self.accepted)):
            if slot not in self.owners:
                self.owners[slot] = worker
                self.accepted[slot] = self.fewest(slot) or 0
                return slot
        return None

    def release(self, worker: object) -> None:
        """The master has reaped ``worker``: its slot may go to the next worker."""
        slot = getattr(worker, "slot", None)
        if slot is not None and self.owners.get(slot) is worker:
            del self.owners[slot]
            self.accepted[slot] = FREE

    def leave(self, slot: int) -> None:
        """A worker stops accepting: nobody should leave connections to it any more."""
        self.accepted[slot] = FREE

    def fewest(self, slot: int) -> int | None:
        """The fewest connections any other live worker has accepted, or None when there is no other."""
        others = [n for i, n in enumerate(self.accepted[:]) if i != slot and n != FREE]
        return min(others) if others else None


class FairThreadWorker(ThreadWorker):
    """gunicorn's threaded worker that leaves a new connection to a worker whose turn it is.

    ``turns`` and ``slot`` are set by the master before the fork (``GunicornServer.pre_fork``).
    """

    turns: Turns | None = None
    slot: int | None = None
    deferring_since = 0.0  # when this worker began to leave the waiting connection to another
    deferred_at = 0.0  # when it last did
    resume_at = 0.0  # until when it does not listen

    @classmethod
    def check_config(cls, cfg: Config, log: Logger) -> None:
        """Refuse to start (gunicorn's master asks before it forks a worker) on a gunicorn without the internals."""
        message = unsupported_gunicorn()
        if message is not None:
            raise RuntimeError(message)  # gunicorn prints it and exits 1
        super().check_config(cfg, log)

    def accept(self, listener: socket.socket) -> None:
        turns, slot = self.turns, self.slot
        if turns is None or slot is None:  # no place in the turns: accept as gunicorn does
            super().accept(listener)
            return
        if self.should_defer(turns, slot):
            self.resume_at = time.monotonic() + YIELD_S
            super().set_accept_enabled(False)
            return
        before = self.nr_conns
        super().accept(listener)
        if self.nr_conns > before:
            turns.accepted[slot] += 1  # only this worker writes its own slot

    def should_defer(self, turns: Turns, slot: int) -> bool:
        fewest = turns.fewest(slot)
        if fewest is None or turns.accepted[slot] <= fewest:
            return False
        now = time.monotonic()
        if now - self.deferred_at > 10 * YIELD_S:  # a new connection, not the one looked at a moment ago
            self.deferring_since = now
        self.deferred_at = now
        return now - self.deferring_since < MAX_DEFER_S  # nobody took it: the other worker may be stuck

    def set_accept_enabled(self, enabled: bool | None) -> None:
        if enabled and time.monotonic() < self.resume_at:
            return  # still leaving new connections to the others
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout: float | None) -> None:
        pause = self.resume_at - time.monotonic()
        if pause > 0:  # wake up when it is time to listen again (None: gunicorn would wait for ever)
            timeout = pause if timeout is None else min(timeout, pause)
        super().wait_for_and_dispatch_events(timeout)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.turns is not None and self.slot is not None:
            self.turns.leave(self.slot)
            self.slot = None
        super().handle_exit(sig, frame)
