"""Processes of the system benchmark: start servers, wait until they answer, sample their memory, stop them.

Every server runs in a session of its own, so that stopping it reaches its whole tree (gunicorn
master, workers and query processes; nginx master and workers). Every process started here is
registered, and :func:`stop_all` ends what is still running, also on Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

RUNNING: set[subprocess.Popen] = set()


class NotAvailable(Exception):
    """A configuration cannot run here (a command that has not landed yet, a failed build, a missing tool)."""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int, path: str) -> int | None:
    """The status a GET of ``path`` gets, or None when nothing answers yet."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


def stop(process: subprocess.Popen) -> None:
    """Stop a process group: TERM, then KILL if it has not ended after 20 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    RUNNING.discard(process)


def stop_all() -> None:
    """Stop every process this benchmark started and that still runs."""
    for process in list(RUNNING):
        stop(process)


def install_signal_handlers() -> None:
    """Turn SIGTERM into KeyboardInterrupt so that the ``finally`` blocks stop every server."""

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


@dataclass
class Started:
    """A running server: its port, its process and how long it took to answer."""

    port: int
    process: subprocess.Popen
    startup_s: float
    log: Path


@contextmanager
def server(
    command: list[str], port: int, ready_path: str, log: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> Iterator[Started]:
    """Run ``command`` until the block ends; wait until ``ready_path`` answers below 500."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        RUNNING.add(process)
        try:
            deadline = time.monotonic() + timeout
            while (status := answers(port, ready_path)) is None or status >= 500:
                if process.poll() is not None:
                    raise NotAvailable(f"{Path(command[0]).name} exited with {process.returncode}: {tail(log)}")
                if time.monotonic() > deadline:
                    raise NotAvailable(f"{Path(command[0]).name} did not answer within {timeout:.0f} s")
                time.sleep(0.1)
            yield Started(port, process, time.perf_counter() - start, log)
        finally:
            stop(process)


def tail(path: Path, lines: int = 3) -> str:
    """The last lines of a log, on one line, for a reason in the report."""
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " / ".join(text[-lines:])[-400:]


def timed(command: list[str], log: Path, env: dict[str, str] | None = None) -> float:
    """Run a command to its end; return its wall time or raise NotAvailable with the log's tail."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        RUNNING.add(process)
        try:
            code = process.wait()
        finally:
            stop(process)
    if code != 0:
        raise NotAvailable(
            f"`{' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}` failed: {tail(log)}"
        )
    return time.perf_counter() - start


def children() -> dict[int, list[int]]:
    """Map each process id to its children's ids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(roots: list[int]) -> list[int]:
    """The given processes and all their descendants."""
    tree, found, queue = children(), [], list(roots)
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue += tree.get(pid, [])
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB from /proc/PID/smaps_rollup; (0, 0) when it has ended."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


@dataclass
class MemorySampler:
    """Sample the summed RSS and PSS of process trees every ``interval`` seconds; keep the peaks.

    RSS counts copy-on-write and mmap pages once per process that maps them; PSS shares them out,
    so the sum of PSS is what the tree really costs. Both are reported.
    """

    roots: list[int] = field(default_factory=list)
    interval: float = 0.25
    peak_rss_kib: int = 0
    peak_pss_kib: int = 0
    peak_processes: int = 0
    samples: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        pids = process_tree(self.roots)
        sizes = [memory_kib(p) for p in pids]
        self.peak_rss_kib = max(self.peak_rss_kib, sum(r for r, _ in sizes))
        self.peak_pss_kib = max(self.peak_pss_kib, sum(p for _, p in sizes))
        self.peak_processes = max(self.peak_processes, sum(1 for r, _ in sizes if r))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)
