"""Content negotiation: the formats table, Accept parsing and the choice of a format.

Accept follows RFC 9110 §12.5.1: a list of media ranges with optional parameters and a weight
``q`` (0 to 1, at most three decimals). A format's quality is the weight of the *most specific*
range that matches it (``type/subtype;params`` before ``type/subtype`` before ``type/*`` before
``*/*``); weight 0 means "not acceptable". Ties go to the server's order of preference.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_ACCEPT_LENGTH = 4096
MAX_RANGES = 64


@dataclass(frozen=True)
class Format:
    """One representation the server can produce."""

    key: str
    media_type: str
    suffix: str
    label: str
    aliases: tuple[str, ...] = ()
    text: bool = True

    @property
    def content_type(self) -> str:
        return (
            f"{self.media_type}; charset=utf-8"
            if self.text and self.media_type.startswith("text/")
            else self.media_type
        )


HTML = Format("html", "text/html", "html", "HTML", ("application/xhtml+xml",))
TURTLE = Format("turtle", "text/turtle", "ttl", "Turtle", ("application/x-turtle", "text/n3", "text/rdf+n3"))
JSONLD = Format("jsonld", "application/ld+json", "jsonld", "JSON-LD", ("application/json",))
RDFXML = Format("rdfxml", "application/rdf+xml", "rdf", "RDF/XML", ("application/xml", "text/xml"))
NTRIPLES = Format("ntriples", "application/n-triples", "nt", "N-Triples", ("text/plain",))
NQUADS = Format("nquads", "application/n-quads", "nq", "N-Quads", ("text/x-nquads",))

#: The server's order of preference: HTML for browsers and for ``*/*``, then Turtle.
DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, RDFXML, NTRIPLES, NQUADS)
RDF_FORMATS: tuple[Format, ...] = DOCUMENT_FORMATS[1:]
BY_SUFFIX = {f.suffix: f for f in DOCUMENT_FORMATS}

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_RANGE = re.compile(rf"^\s*({_TOKEN})/({_TOKEN})\s*((?:;.*)?)$")
_PARAM = re.compile(rf"\s*;\s*({_TOKEN})\s*=\s*(\"(?:[^\"\\]|\\.)*\"|{_TOKEN})\s*")
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")


@dataclass(frozen=True)
class MediaRange:
    """A parsed element of an Accept header."""

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2

    def matches(self, media_type: str) -> bool:
        t, s = media_type.split("/", 1)
        if self.type == "*":
            return True
        return self.type == t and self.subtype in ("*", s)


def split_ranges(header: str) -> list[str]:
    """Split at commas that are not inside a quoted parameter value."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in header:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; malformed ranges and weights are skipped, never fatal."""
    if header is None or not header.strip():
        return [MediaRange("*", "*", (), 1.0)]
    ranges = []
    for part in split_ranges(header[:MAX_ACCEPT_LENGTH])[:MAX_RANGES]:
        match = _RANGE.match(part)
        if not match:
            continue
        type_, subtype, rest = match.group(1).lower(), match.group(2).lower(), match.group(3)
        if type_ == "*" and subtype != "*":
            continue
        params, q, ok, pos = [], 1.0, True, 0
        while pos < len(rest):
            p = _PARAM.match(rest, pos)
            if not p:
                ok = False
                break
            name, value = p.group(1).lower(), p.group(2).strip('"')
            if name == "q":
                if not _QVALUE.match(value):
                    ok = False
                    break
                q = float(value)
                break  # RFC 9110: parameters after q are accept-extensions, not media type parameters
            params.append((name, value))
            pos = p.end()
        if ok:
            ranges.append(MediaRange(type_, subtype, tuple(params), q))
    return ranges


def quality(ranges: Sequence[MediaRange], fmt: Format) -> float:
    """Return the weight of the most specific range that matches ``fmt`` (0: not acceptable).

    Aliases (``application/json`` for JSON-LD, ``text/plain`` for N-Triples …) match only when
    named exactly, so ``text/*`` never selects N-Triples through ``text/plain``.
    """
    main_type = fmt.media_type.split("/", 1)[0]
    best_specificity, best_q = -1, 0.0
    for r in ranges:
        if r.type == "*":
            specificity = 0
        elif r.subtype == "*":
            specificity = 1 if r.type == main_type else -1
        elif f"{r.type}/{r.subtype}" in (fmt.media_type, *fmt.aliases):
            specificity = r.specificity
        else:
            specificity = -1
        if specificity > best_specificity or (specificity == best_specificity and r.q > best_q):
            if specificity >= 0:
                best_specificity, best_q = specificity, r.q
    return best_q if best_specificity >= 0 else 0.0


def negotiate(header: str | None, offered: Sequence[Format] = DOCUMENT_FORMATS) -> Format | None:
    """Choose the offered format the client weighs highest; ``None`` when none is acceptable."""
    if header is not None and len(header) <= 256 and isinstance(offered, tuple):
        return _negotiate_common(header, offered)  # the few headers real clients send, decided once
    return _negotiate(header, offered)


@functools.lru_cache(maxsize=1024)
def _negotiate_common(header: str, offered: tuple[Format, ...]) -> Format | None:
    return _negotiate(header, offered)


def _negotiate(header: str | None, offered: Sequence[Format]) -> Format | None:
    ranges = parse_accept(header)
    if not ranges:
        # Nothing parseable: behave as if Accept were absent rather than refuse (RFC 9110 §12.5.1).
        ranges = [MediaRange("*", "*", (), 1.0)]
    scored = [(quality(ranges, f), -i, f) for i, f in enumerate(offered)]
    q, _, fmt = max(scored, key=lambda s: (s[0], s[1]))
    return fmt if q > 0 else None
