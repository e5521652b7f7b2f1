"""Check a client's SPARQL text before any engine sees it (DESIGN §8).

pyoxigraph cannot cancel a query, crashes on deeply nested ones, and makes real HTTP calls for
SERVICE. So every query is scanned first by a small tokenizer that understands comments, strings
and IRIs: size and nesting are bounded, updates, SERVICE and LOAD are refused, and FROM / FROM
NAMED may only name graphs this publisher holds. The engine later reports syntax errors itself.

The scan is only safe if it cuts the text where the engine does. Its tokens follow the terminals of
SPARQL 1.1 §19.8 (IRIs with ``\\u`` escapes, prefixed names with ``\\#`` escapes), and the one place
the grammar needs context, ``<`` as an IRI or as less-than inside an expression, is refused when the
two readings would hide different text. A second, plain look for the shape of a SERVICE call backs
the tokenizer up.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from publisher.errors import Problem

MAX_QUERY_BYTES = 64 * 1024
MAX_DEPTH = 64

UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD", "WITH", "USING"}
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
SERVICE_REFUSED = "SERVICE is not allowed: this endpoint never fetches data from other servers."

_ASTRAL = "\U00010000-\U000effff"
_PN_CHARS = rf"\w\-\u00b7-\uffff{_ASTRAL}"
_PN_LOCAL_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_LOCAL_CHAR = rf"(?:[{_PN_CHARS}%:]|{_PN_LOCAL_ESC})"
#: One token and the white space before it (skipped in the same match: the scan's main cost was trying
#: every alternative at every blank).
_TOKEN = re.compile(
    r"\s*(?:(?P<comment>\#[^\n\r]*)"
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*')"
    rf"|(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)"
    r"|(?P<open>[{(\[])"
    r"|(?P<close>[})\]])"
    rf"|(?P<var>[?$][A-Za-z0-9_\u00b7-\uffff{_ASTRAL}]+)"
    rf"|(?P<pname>(?:[A-Za-z\u00c0-\uffff{_ASTRAL}][{_PN_CHARS}.]*)?:(?:{_LOCAL_CHAR}(?:(?:{_LOCAL_CHAR}|\.)*{_LOCAL_CHAR})?)?)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<other>\S))"
)
#: Characters that mean something else (comment, string, nesting) when an IRI's ``<`` is less-than.
_RISKY_IN_IRI = frozenset("#'()[]")
#: Tokens after which ``<`` inside an expression is the less-than operator.
_OPERAND_ENDS = frozenset({"var", "string", "iri", "pname", "close"})
_GAP = r"(?:\s|\#[^\n\r]*)"
#: ``SERVICE <…>``, ``SERVICE ?x``, ``SERVICE SILENT p:x`` anywhere in the text, strings and comments included.
_SERVICE_SHAPE = re.compile(
    rf"(?<![\w:?$\-/#%])SERVICE(?:{_GAP}*(?:SILENT{_GAP}*)?[<?$]|{_GAP}+(?:SILENT{_GAP}+)?[\w.\-\u00b7-\uffff]*:)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QueryCheck:
    """What the scan learned: the query form and the graphs named in FROM / FROM NAMED."""

    form: str
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()
    depth: int = 0


#: Queries accepted before, per process: clients send the same texts again and again (dashboards, harvesters,
#: the examples), and the scan cost a third of a millisecond per query of 1 KB, as much as a cheap query runs.
#: Texts up to MEMO_TEXT_BYTES only, so the memo holds at most 2 MB whatever clients send.
CHECKED_MEMO = 512
MEMO_TEXT_BYTES = 4096


def check_query(text: str, allowed_graphs: Set[str], base_iri: str) -> QueryCheck:
    """Scan ``text``; raise :class:`~publisher.errors.Problem` with a clear message, or return what it found.

    An accepted text is remembered (``CHECKED_MEMO``) with the graphs and base it was checked against; a
    refused one is scanned again each time it comes."""
    graphs = allowed_graphs if isinstance(allowed_graphs, frozenset) else frozenset(allowed_graphs)
    if len(text) > MEMO_TEXT_BYTES // 4 and len(text.encode("utf-8")) > MEMO_TEXT_BYTES:
        return checked_afresh(text, graphs, base_iri)
    return remembered(text, graphs, base_iri)


def checked_afresh(text: str, allowed_graphs: Set[str], base_iri: str) -> QueryCheck:
    if len(text.encode("utf-8")) > MAX_QUERY_BYTES:
        raise Problem(413, f"The query is longer than {MAX_QUERY_BYTES // 1024} KB.")
    if _SERVICE_SHAPE.search(text):
        raise Problem(400, SERVICE_REFUSED)
    words, max_depth = scan(text)
    form = ""
    from_graphs: list[str] = []
    from_named: list[str] = []
    prefixes: dict[str, str] = {}
    base = base_iri
    i = 0
    while i < len(words):
        kind, value = words[i]
        upper = value.upper() if kind == "word" else ""
        if upper in UPDATE_WORDS:
            raise Problem(
                403 if upper != "LOAD" else 400,
                "This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, COPY, "
                "MOVE, ADD) is not accepted.",
            )
        if upper == "SERVICE":
            raise Problem(400, SERVICE_REFUSED)
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
                raise Problem(
                    400,
                    f"FROM{' NAMED' if named else ''} <{graph}> is not a graph of this endpoint; it serves only "
                    "its own graphs and never loads data from elsewhere."
                )
            (from_named if named else from_graphs).append(graph)
            i = j + 1
            continue
        i += 1
    if not form:
        raise Problem(400, "Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE.")
    return QueryCheck(form, tuple(from_graphs), tuple(from_named), max_depth)


#: ``checked_afresh`` with the memo in front.
remembered = lru_cache(maxsize=CHECKED_MEMO)(checked_afresh)


def scan(text: str) -> tuple[list[tuple[str, str]], int]:
    """Return the tokens outside strings and comments and the deepest nesting; refuse what is unsafe."""
    words: list[tuple[str, str]] = []
    stack: list[str] = []  # open brackets; "V{" / "V(" inside a VALUES data block, where no expression is
    max_depth = 0
    previous = ("", "")
    after_values = False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        value = m.group(kind)
        if kind == "comment":
            continue
        if kind == "iri" and stack and stack[-1] == "(" and ends_operand(*previous) and _RISKY_IN_IRI & set(value):
            raise Problem(400, ambiguous_less_than(text, m.start(kind)))
        if kind == "open":
            in_data = (value == "{" and after_values) or (value == "(" and bool(stack) and stack[-1] == "V{")
            stack.append("V" + value if in_data else value)
            max_depth = max(max_depth, len(stack))
            if max_depth > MAX_DEPTH:
                raise Problem(400, f"The query nests groups more than {MAX_DEPTH} levels deep.")
        elif kind == "close":
            if stack:
                stack.pop()
        elif kind != "string":
            words.append((kind, value))
        if kind == "word" and value.upper() == "VALUES":
            after_values = True
        elif not (kind == "var" or value in ("(", ")")):
            after_values = False
        previous = (kind, value)
    return words, max_depth


def ends_operand(kind: str, value: str) -> bool:
    """Whether a ``<`` right after this token, inside an expression, compares rather than opens an IRI."""
    if kind in _OPERAND_ENDS:
        return True
    if kind == "word":
        return value.upper() != "DISTINCT"
    return kind == "other" and value.isalnum()


def ambiguous_less_than(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return (
        f"The query is ambiguous at line {line}, column {column}: '<' after a value inside parentheses may be "
        "less-than or the start of an IRI. Write a comparison with a space after '<' (?a < ?b), "
        "and such an IRI as a prefixed name (PREFIX rl: <…> … rl:Territory)."
    )


def resolve(token: tuple[str, str], prefixes: dict[str, str], base: str) -> str:
    kind, value = token
    if kind == "iri":
        return urljoin(base, value[1:-1])
    if kind == "pname" and value.split(":", 1)[0] in prefixes:
        prefix, local = value.split(":", 1)
        return prefixes[prefix] + local
    return value
