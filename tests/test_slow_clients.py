"""Slow clients cannot starve the real server: `regiolod serve` answers a normal request within a second while
256 connections hold half a request each, and while 64 clients send their request bodies at 1 byte a second.

Under gunicorn each half-open connection holds a worker thread until its request has arrived, so 2 workers of
72 threads are starved (measured: no answer within 5 s in most runs; in some the workers had not yet read every
connection, so the half-open test runs on granian only); 64 slow bodies leave gunicorn threads to spare. granian
reads requests in its event loop and gives a request a thread only once its headers are in.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import ROOT
from tests.processes import BIN, HTTP_SERVERS, clean_env, free_port, running

HALF_OPEN = 256
SLOW_BODIES = 64
#: A normal request must be answered within this many seconds, beyond what it took just before the slow clients came.
WITHIN_S = 1.0
DOCUMENT = "doc/territory/03358.ttl"

@pytest.fixture(scope="module", params=HTTP_SERVERS)
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[int]:
    """`regiolod serve` with its default workers and threads under one HTTP server; yields the port."""
    port = free_port()
    env = clean_env()
    env["REGIOLOD_DOWNLOAD_DIR"] = str(tmp_path_factory.mktemp("download"))
    env["REGIOLOD_SERVER"] = request.param
    log_path = tmp_path_factory.mktemp("slow-clients") / "serve.log"
    command = [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--port", str(port)]
    with running(command, f"http://127.0.0.1:{port}/", log_path, env=env):
        yield port


def timed_get(port: int) -> tuple[float, requests.Response | None]:
    """Seconds a fresh client waits for a document (at most 5 s), and the answer (None when it timed out)."""
    start = time.monotonic()
    try:
        answer = requests.get(f"http://127.0.0.1:{port}/{DOCUMENT}", timeout=5)
    except requests.Timeout:
        return time.monotonic() - start, None
    return time.monotonic() - start, answer


def open_connections(port: int, count: int, first_bytes: bytes) -> list[socket.socket]:
    connections = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        connection.sendall(first_bytes)
        connections.append(connection)
    return connections


@pytest.mark.parametrize("server", ["granian"], indirect=True)
def test_half_open_connections_starve_no_one(server: int) -> None:
    before, answer = timed_get(server)
    assert answer is not None and answer.status_code == 200
    held = open_connections(server, HALF_OPEN, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/")
    try:
        time.sleep(0.5)  # every connection accepted and waiting for the rest of its headers
        seconds, answer = timed_get(server)
        assert answer is not None, f"no answer within 5 s while {HALF_OPEN} connections were half open"
        assert answer.status_code == 200 and answer.content == requests.get(answer.url, timeout=5).content
        assert seconds < before + WITHIN_S
    finally:
        for connection in held:
            connection.close()


def test_bodies_sent_a_byte_a_second_starve_no_one(server: int) -> None:
    before, answer = timed_get(server)
    assert answer is not None and answer.status_code == 200
    head = (
        "POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        "Accept: application/sparql-results+json\r\nContent-Length: 100\r\n\r\n"
    ).encode("ascii")
    held = open_connections(server, SLOW_BODIES, head)
    stop = threading.Event()

    def trickle() -> None:
        """One byte a second on every held connection, as a slow client sends its body."""
        while not stop.wait(1.0):
            for connection in held:
                try:
                    connection.sendall(b" ")
                except OSError:
                    pass

    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    try:
        time.sleep(2.5)  # every body has begun to arrive
        seconds, answer = timed_get(server)
        assert answer is not None, f"no answer within 5 s while {SLOW_BODIES} clients sent bodies at 1 byte/s"
        assert answer.status_code == 200
        assert seconds < before + WITHIN_S
        query = requests.post(
            f"http://127.0.0.1:{server}/sparql",
            data="ASK { ?s ?p ?o }",
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
            timeout=5,
        )
        assert query.status_code == 200 and query.json()["boolean"] is True
    finally:
        stop.set()
        sender.join()
        for connection in held:
            connection.close()
