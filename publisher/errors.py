"""The one error a request is answered with: a status, a message in words and, when it passes, Retry-After."""

from __future__ import annotations

#: The WSGI environ key under which the HTTP server side marks a request it refuses, with its status and message
#: (``server/wire.py``: under granian, the limits gunicorn sets); the app answers it in the negotiated format.
REFUSED = "regiolod.refused"


class Problem(Exception):
    """Why a request gets an error answer: its HTTP status, a message for people and, for a passing state
    (busy, a store down or slow), the seconds after which to ask again (RFC 9110 §10.2.3 Retry-After).

    The guard refuses queries with it, the runners report limits and failures with it, the remote store
    reports that it is down with it; the web layer answers every one the same way (``web/sparql.plain``).
    """

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after
