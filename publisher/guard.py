"""Check a client's SPARQL text before any engine sees it (DESIGN §8).

pyoxigraph cannot cancel a query, crashes on deeply nested ones, and makes real HTTP calls for
SERVICE. So every query is scanned first by a small tokenizer that understands comments, strings
and IRIs: size and nesting are bounded, updates, SERVICE and LOAD are refused, and FROM / FROM
NAMED may only name graphs this publisher holds. The engine later reports syntax errors itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

MAX_QUERY_BYTES = 64 * 1024
MAX_DEPTH = 64

UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD", "WITH", "USING"}
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              | '''(?:[^'\\]|\\.|'(?!''))*'''
              | "(?:[^"\\\n\r]|\\.)*"
              | '(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*)?:(?:[\w\-\u00B7-\uFFFF%:.\\]*[\w\-\u00B7-\uFFFF%:\\])?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>\S)
    """,
    re.VERBOSE,
)


class QueryRefused(Exception):
    """The query may not run here; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class QueryCheck:
    """What the scan learned: the query form and the graphs named in FROM / FROM NAMED."""

    form: str
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    depth: int = 0


def check_query(text: str, allowed_graphs: set[str], base_iri: str) -> QueryCheck:
    """Scan ``text``; raise :class:`QueryRefused` with a clear message, or return what it found."""
    if len(text.encode("utf-8")) > MAX_QUERY_BYTES:
        raise QueryRefused(f"The query is longer than {MAX_QUERY_BYTES // 1024} KB.", 413)
    prefixes: dict[str, str] = {}
    base = base_iri
    depth = max_depth = 0
    words: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        value = m.group()
        if kind in ("comment", "string"):
            continue
        if kind == "open":
            depth += 1
            max_depth = max(max_depth, depth)
            if max_depth > MAX_DEPTH:
                raise QueryRefused(f"The query nests groups more than {MAX_DEPTH} levels deep.")
            continue
        if kind == "close":
            depth -= 1
            continue
        words.append((kind or "other", value))
    form = ""
    check = QueryCheck(form="", depth=max_depth)
    i = 0
    while i < len(words):
        kind, value = words[i]
        upper = value.upper() if kind == "word" else ""
        if upper in UPDATE_WORDS:
            raise QueryRefused(
                "This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, COPY, "
                "MOVE, ADD) is not accepted.",
                403 if upper != "LOAD" else 400,
            )
        if upper == "SERVICE":
            raise QueryRefused("SERVICE is not allowed: this endpoint never fetches data from other servers.")
        if upper == "PREFIX" and i + 2 < len(words) and words[i + 2][0] == "iri":
            prefixes[words[i + 1][1].rstrip(":")] = urljoin(base, words[i + 2][1][1:-1])
            i += 3
            continue
        if upper == "BASE" and i + 1 < len(words) and words[i + 1][0] == "iri":
            base = urljoin(base, words[i + 1][1][1:-1])
            i += 2
            continue
        if upper in FORMS and not form:
            form = upper
        if upper == "FROM":
            named = i + 1 < len(words) and words[i + 1][1].upper() == "NAMED"
            j = i + 2 if named else i + 1
            graph = resolve(words[j] if j < len(words) else ("other", ""), prefixes, base)
            if graph not in allowed_graphs:
                raise QueryRefused(
                    f"FROM{' NAMED' if named else ''} <{graph}> is not a graph of this endpoint; it serves only "
                    "its own graphs and never loads data from elsewhere."
                )
            (check.from_named if named else check.from_graphs).append(graph)
            i = j + 1
            continue
        i += 1
    if not form:
        raise QueryRefused("Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE.")
    check.form = form
    return check


def resolve(token: tuple[str, str], prefixes: dict[str, str], base: str) -> str:
    kind, value = token
    if kind == "iri":
        return urljoin(base, value[1:-1])
    if kind == "pname" and value.split(":", 1)[0] in prefixes:
        prefix, local = value.split(":", 1)
        return prefixes[prefix] + local
    return value
