"""Serve the app under granian: client connections are held by its event loop, not by Python threads.

gunicorn's threaded worker gives each client connection a thread until its request has arrived, so a few
dozen clients that send their headers slowly (or never) starve everyone else. granian reads requests in
its Rust event loop and hands a request to a Python thread only once it is complete; idle and slow
connections cost a little memory, never a thread.

The app is built once, in the master, before the workers are forked (start method "fork"), so the
workers share the build's pages of memory, as under gunicorn with ``preload_app``; no worker loads or
writes the build. On SIGHUP (``regiolod reload``) the master builds a new app first; only when that
succeeds do the workers that are forked next serve it, otherwise they keep the old one.

A process forked from the master ends on SIGTERM and SIGINT until it installs handlers of its own
(:func:`stop_signals_end_a_new_child`): granian's worker does so only after it has loaded the app, and the
master's handler it inherits would set a flag of the master's copy, so a worker stopped while it started
(Ctrl-C just after ``make serve``, or a stop right after the start) served on until granian killed it
30 s later.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from typing import Any

from flask import Flask
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server.mp import MPServer

from publisher.config import Settings
from publisher.server.serve import ServedApp
from publisher.server.wire import WSGIApp, checked, forget_request_variables
from publisher.sparql.admission import server_threads

#: One line per request: client, time, request line, status and milliseconds (granian's fields).
ACCESS_FORMAT = '%(addr)s - - [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).3f'


class IntendedThreads(logging.Filter):
    """Drop granian's warning that a worker may run many Python threads "compared to the number of CPU cores".

    The threads are intended (``admission.server_threads``): beyond ``threads`` for pages, one per request the
    SPARQL queue may hold, and those wait for their turn without running Python; at most
    ``sparql_max_concurrent`` queries run at once, in query processes. The warning, on every start of the
    default setup, told the person starting it to review a configuration that is as designed."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Configuration allows spawning up to")


def logging_config(access_log: str | None) -> dict[str, Any]:
    """granian's logging (its own messages on standard error), the access log going where the setting says."""
    console = {
        "formatter": "generic",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "filters": ["intended_threads"],
    }
    if access_log is None:
        access: dict[str, Any] = {"class": "logging.NullHandler"}
    elif access_log == "-":
        access = {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    else:
        access = {"formatter": "access", "class": "logging.FileHandler", "filename": access_log}
    return {
        "filters": {"intended_threads": {"()": IntendedThreads}},
        "handlers": {"console": console, "access": access},
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def stop_signals_end_a_new_child() -> None:
    """In a process just forked from the master: SIGTERM and SIGINT end it, as any process's default, until
    it sets its own handlers (a granian worker after loading the app; the query service at once)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


_registered: list[bool] = []


def end_new_children_on_stop_signals() -> None:
    """Register :func:`stop_signals_end_a_new_child` for every fork of this process (once)."""
    if not _registered:
        os.register_at_fork(after_in_child=stop_signals_end_a_new_child)
        _registered.append(True)


class ForkingServer(MPServer):
    """granian's multi-process server, calling ``before_fork`` before each worker process is forked."""

    def __init__(self, before_fork: Callable[[], None], **options: Any):
        self.before_fork = before_fork
        super().__init__(**options)

    # MPServer drops the abstract server's socket_loader parameter; this keeps MPServer's signature.
    def _spawn_worker(self, idx: int, target: Any, callback_loader: Any) -> Any:  # type: ignore[override]
        self.before_fork()
        return super()._spawn_worker(idx, target, callback_loader)


class GranianServer:
    """Run an already built app in granian workers forked after the build is loaded."""

    def __init__(self, app: Flask, settings: Settings, rebuild: Callable[[], Flask] | None = None):
        self.served = ServedApp(app, settings, rebuild)
        self.settings = settings

    def load(self) -> WSGIApp:
        """The app a worker serves: called in the worker, just after the fork, so it is the master's object.

        granian copies the worker's environment into every request's environ after this returns."""
        forget_request_variables(os.environ)
        return checked(self.served.app)

    def run(self) -> None:
        settings = self.settings
        # Workers must be forked (never spawned): they share the master's build instead of loading their own.
        multiprocessing.set_start_method("fork", force=True)
        end_new_children_on_stop_signals()
        threads = server_threads(settings)
        server = ForkingServer(
            self.served.before_fork,
            target="regiolod",
            address=settings.host,
            port=settings.port,
            interface=Interfaces.WSGI,
            workers=settings.workers,
            # As many requests of a worker run in Python at once as it has threads (pages' and the SPARQL
            # queue's); more wait in the event loop, which costs no thread. granian's backpressure counts
            # open connections, not requests: it must leave room for idle and slow clients.
            blocking_threads=threads,
            backpressure=settings.connections,
            backlog=max(1024, settings.connections * settings.workers),
            http=HTTPModes.http1,
            websockets=False,  # WSGI has none (granian said so on every start)
            # A connection closes when a request's headers (or, kept alive, the next request) take longer.
            http1_settings=HTTP1Settings(header_read_timeout=settings.keep_alive * 1000, keep_alive=True),
            log_access=settings.access_log_target is not None,
            log_access_format=ACCESS_FORMAT,
            log_dictconfig=logging_config(settings.access_log_target),
            pid_file=settings.pid_path,
            respawn_failed_workers=True,
            workers_kill_timeout=min(settings.timeout, 30),
        )
        server.on_reload(self.served.replace)  # before granian forks the new workers
        server.on_shutdown(self.served.close)
        server.serve(target_loader=self.load, wrap_loader=False)
