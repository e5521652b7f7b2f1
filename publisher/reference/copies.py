"""Map the address of a copy of a Wikipedia article (a mirror, a mobile view) to the original article.

A source is cited as the original, never as a copy; where a row was read from a copy, the data says so
in a note. The copies the shared lists use are listed here: a host that mirrors the article under the
same title, or a page whose original title had to be looked up.
"""

from __future__ import annotations

from urllib.parse import urlsplit

WIKIPEDIA = "https://de.wikipedia.org/wiki/"
#: Hosts that serve a German Wikipedia article under its own title: ``/wiki/{title}`` or ``/{title}``.
SAME_TITLE_HOSTS = {"de.m.wikipedia.org", "de.wiki.li"}
#: Copies whose address does not name the article: the copy's page → the article's title.
KNOWN_COPIES = {
    "https://de-academic.com/dic.nsf/dewiki/1006962": "Region_Neckar-Alb",
    "http://miniwiki.net/de/staedte/Ruhrgebiet_6_0_0.html": "Ruhrgebiet",
}


def original(url: str) -> tuple[str, bool]:
    """Return the original of ``url`` and whether ``url`` was a copy (the canonical host for Wikipedia itself)."""
    if url in KNOWN_COPIES:
        return WIKIPEDIA + KNOWN_COPIES[url], True
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if host in SAME_TITLE_HOSTS:
        return WIKIPEDIA + parts.path.removeprefix("/wiki/").lstrip("/"), True
    if host == "de.wikipedia.org" and parts.path.startswith("/wiki/"):
        # The same article under the host's fully qualified name (a trailing dot) or plain http.
        return WIKIPEDIA + parts.path.removeprefix("/wiki/") + (f"?{parts.query}" if parts.query else ""), False
    return url, False
