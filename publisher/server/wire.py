"""What granian lets through and gunicorn does not: the process environment and requests past gunicorn's limits.

granian starts every request's WSGI environ from a copy of the process environment, so a variable named like a
header (``HTTP_ACCEPT``, ``HTTP_X_FORWARDED_FOR``) or like the body's type and length would read as if the
client had sent it (the "httpoxy" class of bugs). It also reads a request target and header fields of any length
up to its buffer (about 400 KB) and passes a method in lower case, where gunicorn answers 414, 431 and 400.

Each granian worker forgets those variables (``forget_request_variables``) before granian copies its
environment, and serves the app behind ``checked``, which marks a request past gunicorn's limits (``REFUSED``);
the app then refuses it in the negotiated format (``publisher.web``). The app itself sets no such limits: its
views stay safe with parameters of any length (the hostile in-process tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from publisher.errors import REFUSED

#: gunicorn's default limits: the request target (its request line), one header field, and a method's length.
TARGET_LIMIT = 4094
FIELD_LIMIT = 8190
METHOD_LIMIT = 32

#: The WSGI callable: the app, or the app behind ``checked``.
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def refusal(environ: Mapping[str, Any]) -> tuple[int, str] | None:
    """The status and message gunicorn's limits would refuse this request with, or None."""
    method = environ.get("REQUEST_METHOD", "")
    if len(method) > METHOD_LIMIT or not method.isupper():
        return 400, "The request method is not an HTTP method: methods are case-sensitive (RFC 9110 §9.1)."
    if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > TARGET_LIMIT:
        return 414, f"The address is longer than {TARGET_LIMIT} characters; send a long SPARQL query by POST."
    for name, value in environ.items():
        if name.startswith("HTTP_") and isinstance(value, str) and len(value) > FIELD_LIMIT:
            return 431, f"A header field is longer than {FIELD_LIMIT} bytes."
    return None


def forget_request_variables(environment: MutableMapping[str, str]) -> list[str]:
    """Remove the variables that would read as parts of a request (headers, the body's type and length); return
    their names. Called in a granian worker, whose environment granian copies into every request after it has
    loaded the app; the master keeps its environment."""
    names = sorted(
        name
        for name in environment
        if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH", "REMOTE_USER", "HTTPS")
    )
    for name in names:
        del environment[name]
    return names


def checked(app: WSGIApp) -> WSGIApp:
    """The app, with requests past gunicorn's limits marked ``REFUSED``."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refused = refusal(environ)
        if refused is not None:
            environ[REFUSED] = refused
        return app(environ, start_response)

    return serve
