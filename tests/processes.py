"""Real servers for tests: start a command on a free loopback port, wait until it answers, stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerDidNotStart(RuntimeError):
    pass


def clean_env() -> dict[str, str]:
    """This process's environment without any ``REGIOLOD_`` setting, so a server under test gets only
    the settings the test gives it."""
    return {k: v for k, v in os.environ.items() if not k.startswith("REGIOLOD_")}


@contextmanager
def running(
    command: list[str], ready_url: str, log_path: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[None]:
    """Run ``command`` (in ``cwd``) in its own process group until the block ends; wait until ``ready_url`` answers."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(ready_url, timeout=2).status_code < 500:
                        break
                except requests.ConnectionError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerDidNotStart(f"{command[0]} did not come up:\n{log_path.read_text(errors='replace')}")
                time.sleep(0.1)
            yield
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop the process group: TERM, then KILL if it does not end."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def oxigraph_server(nquads_gz: Path, folder: Path, union: bool = False) -> Iterator[str]:
    """An Oxigraph server (read-only) loaded from an N-Quads file; yields its query endpoint URL.

    ``union``: its default graph is the union of the named graphs (``--union-default-graph``).
    """
    location = folder / "oxigraph"
    subprocess.run(
        [str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(nquads_gz)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    command += ["--union-default-graph"] if union else []
    with running(command, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", folder / "oxigraph.log"):
        yield f"http://127.0.0.1:{port}/query"
