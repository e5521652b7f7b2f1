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
    """One representation the server can produce: a document (HTML or RDF) or a SPARQL query result."""

    key: str
    media_type: str
    suffix: str
    label: str
    #: Further media types that select it when named exactly in Accept.
    aliases: tuple[str, ...] = ()
    #: The ``format=`` words that select it on /sparql; the first is the one the server writes in links.
    words: tuple[str, ...] = ()
    #: Its name under http://www.w3.org/ns/formats/ (W3C Unique URIs for File Formats), for the Service Description.
    w3c: str = ""
    #: Its name in the EU file-type authority table, for DCAT-AP ``dct:format``.
    file_type: str = ""

    @property
    def content_type(self) -> str:
        """The Content-Type header: text formats say they are UTF-8."""
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type

    @property
    def word(self) -> str:
        """The ``format=`` word of the links the server writes."""
        return self.words[0]


# The documents: HTML and the RDF formats.
HTML = Format("html", "text/html", "html", "HTML", ("application/xhtml+xml",), words=("html",))
TURTLE = Format(
    "turtle", "text/turtle", "ttl", "Turtle", ("application/x-turtle", "text/n3", "text/rdf+n3"),
    words=("ttl", "turtle", "n3"), w3c="Turtle", file_type="RDF_TURTLE",
)  # fmt: skip
JSONLD = Format(
    "jsonld", "application/ld+json", "jsonld", "JSON-LD", ("application/json",),
    words=("jsonld", "json-ld", "json"), w3c="JSON-LD", file_type="JSON_LD",
)  # fmt: skip
RDFXML = Format(
    "rdfxml", "application/rdf+xml", "rdf", "RDF/XML", ("application/xml", "text/xml"),
    words=("rdf", "rdfxml", "xml", "rdf+xml"), w3c="RDF_XML", file_type="RDF_XML",
)  # fmt: skip
NTRIPLES = Format(
    "ntriples", "application/n-triples", "nt", "N-Triples", ("text/plain",),
    words=("nt", "ntriples", "n-triples"), w3c="N-Triples", file_type="RDF_N_TRIPLES",
)  # fmt: skip
NQUADS = Format(
    "nquads", "application/n-quads", "nq", "N-Quads", ("text/x-nquads",),
    words=("nq", "nquads"), w3c="N-Quads", file_type="RDF_N_QUADS",
)  # fmt: skip
#: Plain JSON of an API answer (/projection), not JSON-LD: it takes application/json when listed first.
PLAIN_JSON = Format("plainjson", "application/json", "json", "JSON", words=("json",))
# The SPARQL 1.1 Query Results formats (JSON, XML, CSV and TSV).
JSON = Format(
    "json", "application/sparql-results+json", "srj", "JSON", ("application/json",),
    words=("json", "srj"), w3c="SPARQL_Results_JSON",
)  # fmt: skip
XML = Format(
    "xml", "application/sparql-results+xml", "srx", "XML", ("application/xml", "text/xml"),
    words=("xml", "srx"), w3c="SPARQL_Results_XML",
)  # fmt: skip
CSV = Format("csv", "text/csv", "csv", "CSV", words=("csv",), w3c="SPARQL_Results_CSV")
TSV = Format("tsv", "text/tab-separated-values", "tsv", "TSV", words=("tsv",), w3c="SPARQL_Results_TSV")

# What each surface offers, in the server's order of preference (it decides ties between equal weights).
#: Documents (/doc/, /def, /shapes): HTML for browsers and for ``*/*``, then Turtle.
DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, RDFXML, NTRIPLES, NQUADS)
RDF_FORMATS: tuple[Format, ...] = DOCUMENT_FORMATS[1:]
#: The projection of a code between dates (/projection and /projection.{suffix}): plain JSON before
#: JSON-LD, so that ``application/json`` gets the plain shape and ``application/ld+json`` the RDF.
PROJECTION_FORMATS: tuple[Format, ...] = (HTML, TURTLE, PLAIN_JSON, JSONLD, RDFXML, NTRIPLES)
#: SELECT and ASK answers on /sparql.
RESULT_FORMATS: tuple[Format, ...] = (JSON, XML, CSV, TSV)
#: CONSTRUCT and DESCRIBE answers on /sparql, and its Service Description.
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, RDFXML, NTRIPLES)
#: The DCAT catalog (/catalog and /catalog.{suffix}).
CATALOG_FORMATS: tuple[Format, ...] = (TURTLE, RDFXML, JSONLD, NTRIPLES, HTML)
#: The VoID description (/.well-known/void).
VOID_FORMATS: tuple[Format, ...] = (TURTLE, RDFXML, JSONLD, NTRIPLES)


def by_suffix(formats: Sequence[Format]) -> dict[str, Format]:
    """Map each suffix of ``formats`` to its format, in their order."""
    return {f.suffix: f for f in formats}


def by_word(formats: Sequence[Format]) -> dict[str, Format]:
    """Map each ``format=`` word of ``formats`` to its format."""
    return {word: f for f in formats for word in f.words}


def by_key(formats: Sequence[Format]) -> dict[str, Format]:
    """Map each key of ``formats`` to its format."""
    return {f.key: f for f in formats}


BY_SUFFIX = by_suffix(DOCUMENT_FORMATS)

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
