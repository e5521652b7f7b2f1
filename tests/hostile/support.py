"""What every hostile case checks, and a loopback canary that notices any outbound fetch.

A hostile request must get its exact safe answer quickly, the answer must say nothing about the
server's insides (no stack trace, no file path), and the server must still answer afterwards.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tests.conftest import ROOT

#: Seconds a hostile request may take: generous, the point is "does not hang".
BOUND = 10.0
#: What an answer must never contain: a stack trace or a path into the code or the machine.
LEAKS = ("Traceback", "/publisher/", '.py"', "site-packages", str(ROOT))

T = TypeVar("T")


def timed(call: Callable[[], T]) -> tuple[T, float]:
    """Run ``call`` and return its result and the seconds it took (monotonic clock)."""
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def assert_no_leak(body: bytes | str) -> None:
    """The body shows no stack trace and no path into the code or the project folder."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    for marker in LEAKS:
        assert marker not in text, f"the answer shows {marker!r}: {text[:300]!r}"


def assert_safe_answer(response, elapsed: float, status: int | set[int]) -> None:
    """A Flask test response: the expected status, in time, without internals."""
    allowed = status if isinstance(status, set) else {status}
    assert response.status_code in allowed, (response.status_code, response.get_data()[:300])
    assert elapsed < BOUND, f"took {elapsed:.1f} s"
    assert_no_leak(response.get_data())


def assert_still_up(client) -> None:
    """The app still serves its home page after the hostile request."""
    assert client.get("/").status_code == 200


class Canary:
    """A loopback TCP listener that records every connection made to it.

    Queries and requests point at it wherever a careless server would fetch a URL (SERVICE, LOAD,
    FROM, default-graph-uri, XML entities, JSON-LD contexts); the tests assert it stays silent.
    """

    def __init__(self, family: socket.AddressFamily = socket.AF_INET, host: str = "127.0.0.1"):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.authority = f"[{host}]:{self.port}" if family == socket.AF_INET6 else f"{host}:{self.port}"
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.5)
                try:
                    first = conn.recv(4096)
                except OSError:
                    first = b""
                self.connections.append(first or b"(connected)")

    def assert_silent(self) -> None:
        """No connection arrived (waiting briefly for one that is on its way)."""
        time.sleep(0.05)
        assert self.connections == [], f"the server connected out: {self.connections[:3]!r}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@contextmanager
def canary_listening(family: socket.AddressFamily = socket.AF_INET, host: str = "127.0.0.1") -> Iterator[Canary]:
    canary = Canary(family, host)
    try:
        yield canary
    finally:
        canary.close()


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False
