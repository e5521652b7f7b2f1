"""The remote store's HTTP transport: SPARQL 1.1 Protocol queries over kept-alive connections.

SPARQLWrapper opens a new TCP connection for every query (it calls ``urllib.request.urlopen``, which
has no pool): on loopback that is a handshake and a slow start per page statement and per client query,
and a server that is asked a lot ends up with thousands of sockets in TIME_WAIT. Here the requests of a
process go over a pool of kept-alive connections (urllib3, the pool requests is built on), as the same
POST SPARQLWrapper sends (query and protocol dataset as a form, SPARQL 1.1 Protocol §2.1.2).

A connection the server closed while idle is noticed when it is taken from the pool and replaced; one
it closed just as the query was sent (the answer never began) is retried once on a fresh connection:
a query changes nothing, so sending it again is safe. Anything else (no answer within the time limit,
a refusal, a broken answer) is not retried. Every process has its own pool: a connection opened
before the server forks its workers is never shared by two of them.
"""

from __future__ import annotations

import os
import threading
import time
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, ReadTimeoutError

#: Idle connections a process keeps to the store; more requests at once open more, closed after use.
POOL_SIZE = 16
#: Accept headers per answer format, as SPARQLWrapper sends them (``setOnlyConneg``).
ACCEPT = {
    "json": "application/sparql-results+json,application/json,text/javascript,application/javascript",
    "turtle": "application/turtle,text/turtle",
}
CHUNK = 1 << 16


class Refused(Exception):
    """The store answered with an error status; ``body`` is its message."""

    def __init__(self, status: int, body: bytes):
        super().__init__(status, body)
        self.status, self.body = status, body


class Dropped(Exception):
    """The connection failed before an answer began, twice (or the store cannot be reached)."""


class KeepAlive:
    """POST SPARQL queries to one endpoint over a per-process pool of kept-alive connections."""

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        self.url, self.pool_size = url, pool_size
        self.lock = threading.Lock()
        self.owner = 0
        self.pool: urllib3.PoolManager | None = None

    def manager(self) -> urllib3.PoolManager:
        if self.pool is None or self.owner != os.getpid():
            with self.lock:
                if self.pool is None or self.owner != os.getpid():  # forked: the parent's sockets are not ours
                    self.pool = urllib3.PoolManager(maxsize=self.pool_size, block=False, retries=False)
                    self.owner = os.getpid()
        return self.pool

    def post(
        self, query: str, fmt: str, timeout: float, default_graphs: list[str], named_graphs: list[str]
    ) -> tuple[str, bytes]:
        """The answer's media type and body, read completely within ``timeout`` seconds.

        Raises :class:`Refused` for an error status, ``TimeoutError`` past the deadline, :class:`Dropped`
        when no connection gave an answer.
        """
        fields = [("query", query)]
        fields += [("default-graph-uri", g) for g in default_graphs]
        fields += [("named-graph-uri", g) for g in named_graphs]
        body = urlencode(fields).encode("utf-8")
        headers = {"Accept": ACCEPT[fmt], "Content-Type": "application/x-www-form-urlencoded"}
        deadline = time.monotonic() + timeout
        for attempt in (1, 2):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                response = self.manager().urlopen(
                    "POST",
                    self.url,
                    body=body,
                    headers=headers,
                    timeout=urllib3.Timeout(connect=remaining, read=remaining),
                    preload_content=False,
                    redirect=False,
                )
            except ReadTimeoutError:
                raise TimeoutError from None
            except NewConnectionError as exc:
                raise Dropped(str(exc.__cause__ or exc)) from None
            except ProtocolError as exc:  # closed by the store before any answer: once more, afresh
                if attempt == 2:
                    raise Dropped(str(exc)) from None
                continue
            except HTTPError as exc:
                raise Dropped(str(exc)) from None
            try:
                chunks = []
                for chunk in response.stream(CHUNK):
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TimeoutError
            except ReadTimeoutError:
                response.close()
                raise TimeoutError from None
            except TimeoutError:
                response.close()
                raise
            except HTTPError as exc:  # the answer broke off: not retried (it had begun)
                response.close()
                raise Dropped(str(exc)) from None
            response.release_conn()
            data = b"".join(chunks)
            if response.status >= 300:
                raise Refused(response.status, data)
            media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            return media_type, data
        raise AssertionError("unreachable")
