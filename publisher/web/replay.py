"""Answers replayed: a document a worker has answered once is answered again without running Flask.

A view whose response is made of nothing but the build, the request's address and the request headers the
response's ``Vary`` names (a document, the 303 of ``/id/``) marks it replayable (:func:`replayable`). The next
GET or HEAD of the same address whose headers named by ``Vary`` are the same gets the same status, headers and
body from this process's memory, as a shared HTTP cache would give them (RFC 9111 §4.1): every hook of the app
ran for the first answer, and none of them would answer differently.

Never replayed, so the app answers as always:
- a method other than GET and HEAD, or a request with a conditional or Range header (the app answers 304/412);
- a request the HTTP server marked as past its limits (``publisher.server.wire``);
- a response that sets a cookie, varies by ``*``, or was not marked by its view;
- an answer of another build (a reload also replaces the app, and its replays with it).
With a rate limit set, a replay takes its client's token first (``admit``); a client past its limit is answered
by the app, which does not count that request twice.

Bounded by count and bytes: past ``size`` answers or ``max_bytes`` of bodies the oldest go first. The bodies
are mostly the same bytes objects the document cache holds (``State.rendered``), so a replay costs its headers
and a key; the bound keeps bodies that cache has let go from piling up here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import request

from publisher.errors import REFUSED
from publisher.web.state import CONDITIONAL

#: Set in the request's environ by a view whose response may be replayed.
MARK = "regiolod.replayable"
REPLAYED_STATUSES = ("200 ", "303 ")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Address = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class Answer:
    version: str
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def replayable() -> None:
    """Say that the response the current view returns may be replayed (see the module's rules)."""
    request.environ[MARK] = True


def environ_key(header: str) -> str:
    """``Accept-Language`` → ``HTTP_ACCEPT_LANGUAGE`` (how WSGI hands a request header over)."""
    return "HTTP_" + header.strip().upper().replace("-", "_")


#: The environ keys of the headers that make a request conditional or partial.
CONDITIONAL_KEYS = tuple(sorted(environ_key(header) for header in CONDITIONAL))


class Replays:
    """The WSGI app in front of Flask's: replays marked answers, passes everything else through."""

    def __init__(
        self,
        app: WSGIApp,
        version: Callable[[], str],
        admit: Callable[[dict[str, Any]], bool] | None = None,
        size: int = 4096,
        max_bytes: int = 64 * 2**20,
    ):
        self.app = app
        self.version = version
        self.admit = admit
        self.size, self.max_bytes = size, max_bytes
        self.bytes = 0  # of the bodies kept
        # address → the Vary header names (as environ keys) of the answers kept for it, one tuple per distinct Vary
        self.varies: dict[Address, tuple[tuple[str, ...], ...]] = {}
        self.answers: dict[tuple[Address, tuple[str, ...], tuple[str | None, ...]], Answer] = {}
        self.lock = threading.Lock()
        self.replayed = 0  # for tests and the curious: how many requests were answered from here

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or REFUSED in environ or any(k in environ for k in CONDITIONAL_KEYS):
            return self.app(environ, start_response)
        address = (
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("RAW_URI") or environ.get("REQUEST_URI") or "",
        )
        version = self.version()
        for names in self.varies.get(address, ()):
            found = self.answers.get((address, names, tuple(environ.get(n) for n in names)))
            if found is not None and found.version == version:
                if self.admit is not None and not self.admit(environ):
                    return self.app(environ, start_response)  # the rate limit's 429, this request counted once
                self.replayed += 1
                start_response(found.status, list(found.headers))
                return [found.body] if method == "GET" else []
        return self.answer(environ, start_response, address, version, method == "GET")

    def answer(
        self, environ: dict[str, Any], start_response: Callable[..., Any], address: Address, version: str, keep: bool
    ) -> Iterable[bytes]:
        """The app's answer, kept when its view marked it and the rules allow."""
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def starting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started.append((status, headers))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        body = self.app(environ, starting)
        if not (keep and environ.get(MARK) and len(started) == 1):
            return body
        status, headers = started[0]
        names = self.vary_names(headers)
        if not status.startswith(REPLAYED_STATUSES) or names is None:
            return body
        try:
            whole = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        self.keep(address, names, tuple(environ.get(n) for n in names), Answer(version, status, tuple(headers), whole))
        return [whole]

    @staticmethod
    def vary_names(headers: list[tuple[str, str]]) -> tuple[str, ...] | None:
        """The environ keys of the headers ``Vary`` names, in a stable order; None when the answer may not be kept."""
        names: set[str] = set()
        for name, value in headers:
            lowered = name.lower()
            if lowered == "set-cookie":
                return None
            if lowered == "vary":
                for field in value.split(","):
                    if field.strip() == "*":
                        return None
                    if field.strip():
                        names.add(environ_key(field))
        return tuple(sorted(names))

    def keep(self, address: Address, names: tuple[str, ...], values: tuple[str | None, ...], answer: Answer) -> None:
        if len(answer.body) > self.max_bytes:
            return
        with self.lock:
            key = (address, names, values)
            replaced = self.answers.pop(key, None)
            self.bytes -= len(replaced.body) if replaced is not None else 0
            # the oldest first (dicts keep their order of insertion)
            while self.answers and (len(self.answers) >= self.size or self.bytes + len(answer.body) > self.max_bytes):
                self.bytes -= len(self.answers.pop(next(iter(self.answers))).body)
            if len(self.varies) >= 2 * self.size:  # most of these addresses' answers have gone: index afresh
                self.varies = {key[0]: self.varies[key[0]] for key in self.answers if key[0] in self.varies}
            self.answers[key] = answer
            self.bytes += len(answer.body)
            known = self.varies.get(address, ())
            if names not in known:
                self.varies[address] = (*known, names)
