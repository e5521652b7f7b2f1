"""Serve the app: what both HTTP servers share (``ServedApp``), gunicorn (``REGIOLOD_SERVER=gunicorn``) and Flask's
debug server (``--dev``); granian, the default, is in ``rustserver.py``."""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from publisher.config import Settings
from publisher.server.fairaccept import Turns
from publisher.server.rendercache import SharedRenders
from publisher.sparql.admission import server_threads
from publisher.sparql.queryservice import QueryService, SharedQueries

#: Seconds the query service of a replaced build keeps answering after a reload: the old workers finish their
#: requests (and granian replaces them one after the other) well within it, then it stops.
RETIRE_AFTER_S = 90.0


def listening_base(host: str, port: int) -> str:
    """The base IRI of a local preview: the address the server listens on."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def running_server(pid_path: Path) -> int | None:
    """The process id the pid file names when that process is alive (a server runs), else None."""
    try:
        pid = int(pid_path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    if pid <= 0:  # kill(0) or a negative id would signal a whole process group
        return None
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid  # it exists, as another user's process
    return pid


def served_version(address: str, timeout: float = 5.0) -> str | None:
    """Ask the server at ``address`` which build it serves (its published /download/manifest.json), or None."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # a local server: never via a proxy
    try:
        with opener.open(f"{address}download/manifest.json", timeout=timeout) as response:
            return str(json.load(response)["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def freeze_before_fork() -> None:
    """Move everything the master has made into the collector's permanent generation.

    A worker that collects garbage writes to every object it examines, and so copies pages it
    shares with the master; frozen objects are never examined, so more of their pages stay shared
    (the Python documentation of ``gc.freeze`` recommends it before a fork without exec).
    """
    gc.freeze()


def query_service(app: Flask) -> QueryService | None:
    """The query service the master runs for the app's workers (``create_app(..., shared_queries=True)``);
    None for a remote store, whose queries go to the remote endpoint."""
    runner = app.extensions["regiolod"].runner
    return runner.query_service if isinstance(runner, SharedQueries) else None


def share_renders(settings: Settings) -> tuple[SharedRenders, Path | None]:
    """The workers' shared cache of rendered documents, and the private folder to remove at exit (if any)."""
    folder = settings.render_cache_path
    private = None
    if folder is None:
        folder = private = Path(tempfile.mkdtemp(prefix="regiolod-rendered-"))  # mode 0700: this server's only
    return SharedRenders(folder, settings.render_cache_mb * 1024 * 1024), private


def attach_renders(app: Flask, renders: SharedRenders) -> None:
    """Give an app (the first, or one built on reload) the shared cache, emptied of other builds."""
    state = app.extensions["regiolod"]
    renders.prepare(state.build.version)
    state.shared = renders


class RefusedBuild(Exception):
    """A new build that may not replace the one being served; the message is the report."""


class ServedApp:
    """The app a server's workers are forked from, with the query service and render cache they share, and how
    it is replaced on SIGHUP (``regiolod reload``): by ``rebuild``, in the master, only when that succeeds."""

    def __init__(self, app: Flask, settings: Settings, rebuild: Callable[[], Flask] | None = None):
        self.app = app
        self.rebuild = rebuild
        self.queries = query_service(app)
        self.retiring: list[QueryService] = []  # services of replaced builds, kept for their workers' last requests
        self.renders, self.private_renders = share_renders(settings)
        attach_renders(app, self.renders)

    def before_fork(self) -> None:
        """The query service runs (again, if it ended); the heap is frozen."""
        if self.queries is not None:
            self.queries.start()
        freeze_before_fork()

    def replace(self) -> bool:
        """Build the app over the data as it is now; whether it replaced the served one (else the report is logged)."""
        gc.unfreeze()  # the old app may become garbage now; frozen objects are never collected
        if self.rebuild is None:
            return False
        old = self.app.extensions["regiolod"].build.version
        try:
            app = self.rebuild()
        except Exception as exc:  # noqa: BLE001 - any failure keeps the served build
            print(f"regiolod: reload refused, still serving build {old}:\n{exc}", file=sys.stderr, flush=True)
            return False
        attach_renders(app, self.renders)
        old_queries, self.queries = self.queries, query_service(app)
        if old_queries is not None:
            # Old workers answer until they are stopped (granian replaces them one after the other): their queries
            # go to the old service, over the old build, until it retires.
            self.retiring.append(old_queries)
            retire = threading.Timer(RETIRE_AFTER_S, self.retire, args=(old_queries,))
            retire.daemon = True
            retire.start()
        self.app = app
        new = app.extensions["regiolod"].build.version
        print(f"regiolod: reloaded, now serving build {new} (was {old})", file=sys.stderr, flush=True)
        return True

    def retire(self, queries: QueryService) -> None:
        """Stop the query service of a replaced build (its workers are gone by now)."""
        if queries in self.retiring:
            self.retiring.remove(queries)
            queries.stop()

    def close(self) -> None:
        for queries in list(self.retiring):
            self.retire(queries)
        if self.queries is not None:
            self.queries.stop()
        if self.private_renders is not None:
            shutil.rmtree(self.private_renders, ignore_errors=True)


class GunicornServer(BaseApplication):
    """Run an already built app in gunicorn workers forked after the build is loaded.

    On SIGHUP (``regiolod reload``) the master builds a new app: only when that succeeds are new workers
    forked from it; otherwise the workers that gunicorn restarts keep the old app, so a broken edit never
    reaches a client, not even half of it.
    """

    def __init__(self, app: Flask, settings: Settings, rebuild: Callable[[], Flask] | None = None):
        self.served = ServedApp(app, settings, rebuild)
        self.settings = settings
        self.turns = Turns()
        super().__init__()

    @property
    def queries(self) -> QueryService | None:
        return self.served.queries

    def pre_fork(self, _server: object, worker: Any) -> None:
        """Before each worker is forked: the query service runs, the worker gets its place in the turns of
        accepting connections, the heap is frozen."""
        worker.turns, worker.slot = self.turns, self.turns.claim(worker)
        self.served.before_fork()

    def child_exit(self, _server: object, worker: object) -> None:
        """The master has reaped a worker: its place in the turns is free again."""
        self.turns.release(worker)

    def on_exit(self, _server: object) -> None:
        self.served.close()

    def reload(self) -> None:
        super().reload()
        if self.served.replace():
            self.callable = None

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": f"{self.settings.host}:{self.settings.port}",
            "workers": self.settings.workers,
            "worker_class": "publisher.server.fairaccept.FairThreadWorker",  # gthread, connections spread evenly
            "threads": server_threads(self.settings),  # pages' threads and the SPARQL queue's
            "timeout": self.settings.timeout,
            "keepalive": self.settings.keep_alive,
            "graceful_timeout": min(self.settings.timeout, 30),
            "preload_app": True,
            "accesslog": self.settings.access_log_target,
            "errorlog": "-",
            "proc_name": "regiolod",
            "pidfile": str(self.settings.pid_path),
            # No control socket: gunicorn would put it in the user's home (one path for every server of that
            # user, the last one started taking it over) and let any of the user's processes change workers or
            # stop the server; regiolod's pid file and `regiolod reload` are how this server is managed.
            "control_socket_disable": True,
            "pre_fork": self.pre_fork,
            "child_exit": self.child_exit,
            "on_exit": self.on_exit,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    # gunicorn's stubs type the WSGI environ as a MutableMapping, Werkzeug's (what Flask takes) as a dict
    def load(self) -> Flask:  # type: ignore[override]
        return self.served.app
