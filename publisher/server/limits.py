"""Per-client rate limits: a token bucket per client, shared by every worker process.

Each client (its address, or the value of a header that a trusted proxy sets) may make
``rate_limit`` requests per second on average and ``rate_burst`` at once; past that the answer is
``429 Too Many Requests`` with ``Retry-After`` (RFC 6585 §4). The buckets live in shared memory
created before gunicorn forks its workers, so the limit holds for the server, not per worker.
Clients are hashed into a fixed table: two clients that share a slot share a bucket, which can
only make the limit stricter for them, never looser, and the memory never grows.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import multiprocessing
import time
from collections.abc import Mapping
from typing import Any

from flask import Response, request

SLOTS = 8192
#: Set in a request's environ when its token was taken before the app ran (a replayed answer's admission, in
#: ``publisher.web.replay``): the seconds to wait, 0.0 when allowed. ``check`` then takes no second token.
TAKEN = "regiolod.rate.taken"


class RateLimiter:
    """Token buckets in shared memory: ``tokens`` and ``updated`` per slot."""

    def __init__(self, rate: float, burst: int, header: str = ""):
        self.rate, self.burst, self.header = rate, burst, header
        # Created in the gunicorn master before the fork: every worker sees the same buckets and lock.
        self.table = multiprocessing.RawArray(ctypes.c_double, 2 * SLOTS)
        self.lock = multiprocessing.Lock()

    def client(self, environ: Mapping[str, Any]) -> str:
        if self.header:
            forwarded = environ.get("HTTP_" + self.header.upper().replace("-", "_"), "")
            if forwarded:
                return str(forwarded).split(",")[-1].strip()  # the hop the trusted proxy appended
        return str(environ.get("REMOTE_ADDR") or "")

    def admit(self, environ: dict[str, Any]) -> bool:
        """Take this request's token before the app runs; whether it is allowed (``check`` answers it if not)."""
        wait = environ[TAKEN] = self.take(self.client(environ))
        return not wait

    def slot(self, client: str) -> int:
        return int.from_bytes(hashlib.blake2b(client.encode(), digest_size=8).digest(), "big") % SLOTS

    def take(self, client: str, now: float | None = None) -> float:
        """Take one token; return 0 when allowed, else the seconds until the next token."""
        now = time.monotonic() if now is None else now
        i = 2 * self.slot(client)
        table = self.table
        with self.lock:
            tokens, updated = table[i], table[i + 1]
            tokens = self.burst if updated == 0 else min(self.burst, tokens + (now - updated) * self.rate)
            if tokens >= 1:
                table[i], table[i + 1] = tokens - 1, now
                return 0.0
            table[i], table[i + 1] = tokens, now
            return (1 - tokens) / self.rate

    def check(self) -> Response | None:
        """Flask ``before_request``: None to go on, or the 429 answer."""
        taken = request.environ.get(TAKEN)
        wait = self.take(self.client(request.environ)) if taken is None else taken
        if not wait:
            return None
        seconds = max(1, math.ceil(wait))
        response = Response(
            f"429 Too Many Requests: more than {self.rate:g} requests per second from one client. "
            f"Try again in {seconds} s.\n",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response.headers["Retry-After"] = str(seconds)
        response.headers["Cache-Control"] = "no-store"
        return response
