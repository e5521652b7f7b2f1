"""The page language persists: ``?lang=`` sets a cookie, pages read it when the address has no ``lang``.

Every HTML page carries a language switch (a link to the same page with the other ``lang``); the
choice is remembered in a ``lang`` cookie (``Path=/; SameSite=Lax``) so following any internal link
keeps it. A page that depends on the language varies by ``Accept-Language`` and ``Cookie``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request
from werkzeug.wrappers import Response

LANGUAGES = ("de", "en")
COOKIE = "lang"
#: Parameters that name what a page shows; the switch keeps them (each is part of its page's cache key).
KEPT = ("at", "type", "page", "q", "query")


def remembered_language() -> str:
    """The language of the ``lang`` cookie, "" when there is none or it is not one of ours."""
    found = request.cookies.get(COOKIE, "")
    return found if found in LANGUAGES else ""


def switch_url(lang: str) -> str:
    """The same page in ``lang``: a relative address of the query alone, so the path stays as served."""
    params = [(k, v) for k in KEPT for v in request.args.getlist(k) if v] + [("lang", lang)]
    return "?" + urlencode(params)


def remember_language(response: Response) -> Response:
    """Set the cookie when a page is asked for with ``?lang=``; HTML varies by the cookie as well."""
    asked = request.args.get("lang", "")
    if response.mimetype != "text/html" and "Accept-Language" not in response.headers.get("Vary", ""):
        return response
    if asked in LANGUAGES and remembered_language() != asked:
        response.set_cookie(COOKIE, asked, path="/", samesite="Lax", max_age=365 * 24 * 3600)
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    missing = [v for v in ("Accept-Language", "Cookie") if v not in vary]
    if missing:
        response.headers["Vary"] = ", ".join(vary + missing)
    return response
