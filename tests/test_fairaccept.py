"""Client connections are spread evenly over the workers of `regiolod serve` under gunicorn, and a stuck worker
holds none up."""

from __future__ import annotations

import http.client
import os
import signal
import time
from pathlib import Path

import pytest

from publisher.server.fairaccept import FREE, FairThreadWorker, Turns, unsupported_gunicorn
from tests.processes import BIN, clean_env, free_port, running
from tests.test_reliability import wait_for, workers_of


def established(port: int) -> dict[int, int]:
    """Socket inode -> 1 for every established TCP connection on the server's side of ``port``."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], int(fields[9])
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                found[inode] = 1
    return found


def connections_per_worker(port: int, workers: set[int]) -> dict[int, int]:
    sockets = established(port)
    held = {}
    for pid in workers:
        count = 0
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and int(target[8:-1]) in sockets:
                count += 1
        held[pid] = count
    return held


def open_client(port: int) -> tuple[http.client.HTTPConnection, float]:
    """A keep-alive connection that has been answered once (so a worker holds it); and how long that took."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.monotonic()
    conn.request("GET", "/robots.txt")
    response = conn.getresponse()
    response.read()
    assert response.status == 200 and not response.will_close
    return conn, time.monotonic() - start


def test_keep_alive_clients_are_spread_evenly_and_a_stopped_worker_keeps_nobody_waiting(
    project_copy: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = clean_env()
    # The worker class that takes turns is gunicorn's (granian's workers do not take turns: see the README).
    env.update(REGIOLOD_DOWNLOAD_DIR=str(tmp_path / "download"), REGIOLOD_RATE_LIMIT="0", REGIOLOD_SERVER="gunicorn")
    command = [str(BIN / "regiolod"), "--root", str(project_copy), "serve", "--port", str(port), "--workers", "2"]
    base = f"http://127.0.0.1:{port}/"
    with running(command, base, tmp_path / "serve.log", env=env):
        master = int((tmp_path / "download" / "regiolod.pid").read_text())
        assert wait_for(lambda: len(workers_of(master)) == 2, 30)
        workers = workers_of(master)
        assert wait_for(lambda: sum(connections_per_worker(port, workers).values()) == 0, 10)  # the probe's is gone
        clients: list[http.client.HTTPConnection] = []
        try:
            clients += [open_client(port)[0] for _ in range(24)]
            held = connections_per_worker(port, workers)
            # Turns keep the workers' accept counts within one of each other; the start-up probe's connection
            # (accepted by one of them, closed since) may add one more to the difference.
            assert sum(held.values()) == 24 and max(held.values()) - min(held.values()) <= 2, held
            # One worker stops dead (as if stuck): new clients go to the other after a short wait, not never.
            stuck, other = sorted(workers)
            os.kill(stuck, signal.SIGSTOP)
            try:
                waits = []
                for _ in range(4):
                    conn, took = open_client(port)
                    clients.append(conn)
                    waits.append(took)
                assert connections_per_worker(port, workers) == {stuck: held[stuck], other: held[other] + 4}
                assert max(waits) < 5
            finally:
                os.kill(stuck, signal.SIGCONT)
        finally:
            for conn in clients:
                conn.close()


class Worker:
    slot: int | None = None


def test_a_new_worker_takes_its_turn_and_a_slot_is_reused_only_after_the_old_worker_is_reaped() -> None:
    turns = Turns(slots=3)
    first, second, third, fourth = Worker(), Worker(), Worker(), Worker()
    first.slot, second.slot = turns.claim(first), turns.claim(second)
    assert (first.slot, second.slot) == (0, 1)
    turns.accepted[0], turns.accepted[1] = 40, 25
    third.slot = turns.claim(third)
    assert turns.accepted[third.slot] == 25  # level with the worker that accepted least, not at 0
    assert turns.claim(fourth) is None  # all taken: the fourth worker accepts as gunicorn does
    turns.leave(first.slot)  # the first worker starts stopping: the others no longer leave connections to it
    assert turns.fewest(second.slot) == 25 and FREE not in (turns.fewest(0), turns.fewest(2))
    assert turns.claim(fourth) is None  # its slot is not handed out before it is reaped
    turns.release(first)
    assert turns.claim(fourth) == 0


class Gunicorn23Worker:
    """The threaded worker's loop as gunicorn 23.0 has it: accept(server, listener), accepting never turned off."""

    def accept(self, server, listener) -> None: ...

    def run(self) -> None: ...


def test_the_worker_names_what_an_older_gunicorn_lacks() -> None:
    assert unsupported_gunicorn() is None  # the installed gunicorn has everything the worker overrides
    message = unsupported_gunicorn(Gunicorn23Worker)
    for missing in ("accept(listener)", "set_accept_enabled(enabled)", "wait_for_and_dispatch_events(timeout)"):
        assert f"ThreadWorker.{missing}" in message
    assert "install gunicorn" in message  # the range regiolod's metadata (pyproject.toml) allows


def test_serve_refuses_to_start_on_a_gunicorn_without_the_internals(
    runner, project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Told at start, before anything is loaded or written, not by every worker at its first connection."""
    from gunicorn.workers.gthread import ThreadWorker

    from publisher.cli import main

    monkeypatch.delattr(ThreadWorker, "set_accept_enabled")
    monkeypatch.setenv("REGIOLOD_SERVER", "gunicorn")
    result = runner.invoke(main, ["--root", str(project_copy), "serve", "--port", str(free_port())])
    assert result.exit_code == 1
    assert "lacks ThreadWorker.set_accept_enabled(enabled)" in result.stderr and "Traceback" not in result.output
    assert not (project_copy / "download").exists()
    with pytest.raises(RuntimeError, match="set_accept_enabled"):  # the worker class refuses under any launcher
        FairThreadWorker.check_config(None, None)
