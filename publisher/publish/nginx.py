"""The nginx configuration of a static export: content negotiation as nginx ``map`` blocks, and the server.

nginx cannot weigh an Accept header, but it can match regular expressions. :func:`accept_map` turns
the server's order of preference into an ordered list of regular expressions that picks the same
format as :func:`publisher.negotiation.negotiate` for every header whose weights have at most one
decimal (``q=0.9``, ``q=0.5``: what browsers, curl, rdflib, SPARQLWrapper and Jena send). It walks
weight bands from 1 down to 0.01; in each band, formats in the server's order; a format is in a band
when the most specific range naming it (exact type, then ``type/*``, then ``*/*``) carries a weight
of that band (RFC 9110 §12.5.1). The first expression that matches wins, as in nginx's ``map``.

Limits of regex negotiation (the app decides these exactly; nginx approximates):

- weights that differ only after the first decimal (``q=0.95`` against ``q=0.9``) count as equal, so
  the server's order decides between them;
- a format named twice with different weights takes the higher one, even when the lower one has
  more parameters (RFC 9110 would take the more specific range);
- a header the app cannot parse at all is read as ``*/*`` (HTML); nginx does so only when it has no
  ``/``; other malformed headers get 406 from nginx;
- the app reads at most 4096 characters and 64 ranges of a header; nginx reads all of it.

Accept-Language is read as: ``?lang=de|en`` wins; else English when the first language range that
names German or English (with or without a region) names English with a weight above 0; else
German. Browsers list languages by preference, so this is the app's choice for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from publisher.negotiation import CATALOG_FORMATS, DOCUMENT_FORMATS, VOID_FORMATS, Format, negotiate
from publisher.publish.fragment_export import WRITTEN_FORMATS, FragmentFile
from publisher.render.fragments import FRAGMENT_FORMATS

# Accept headers of real clients. The short ones are matched as whole strings first (a hash look-up that
# fits nginx's default map_hash_bucket_size), before the regular expressions; their answer is computed
# with the app's own negotiation, never written down. The tests check every one against nginx.
EXACT_MAX_LENGTH = 40
COMMON_ACCEPT_HEADERS: tuple[str, ...] = (
    "*/*",  # curl, requests, wget
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/json",
    "application/rdf+xml",
    "application/n-triples",
    "application/n-quads",
    # Firefox and Chrome, navigating
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7",
    # rdflib's Graph.parse of a URL
    "application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json, "
    "application/n-quads, application/trig;q=0.9, */*;q=0.1",
    # Apache Jena, WebContent.defaultGraphAcceptHeader and defaultRDFAcceptHeader
    "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,application/rdf+xml;q=0.7,*/*;q=0.5",
    "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,application/rdf+xml;q=0.7,"
    "application/trig,application/n-quads;q=0.9,text/x-nquads;q=0.8,application/x-trig;q=0.7,"
    "application/ld+json;q=0.5,*/*;q=0.5",
    # SPARQLWrapper asking for Turtle, RDF/XML, JSON-LD
    "application/turtle,text/turtle",
    "application/ld+json,application/x-json+ld",
)

# Weight bands, highest first: an absent q means 1 (RFC 9110 §12.4.2).
_BANDS: tuple[tuple[str, bool], ...] = (
    (r"1(?:\.0{0,3})?", True),
    *((rf"0\.{d}\d{{0,2}}", False) for d in range(9, 0, -1)),
    (r"0\.0(?:[1-9]\d?|0[1-9])", False),
)
_START = r"(?:^|,)\s*"
_END = r"\s*(?:,|$)"
# Media type parameters other than q (a quoted value may hold ; and ,), then the weight.
_PARAMS = r'(?:\s*;\s*(?!q\s*=)[^;,"=\s]+\s*=\s*(?:"[^"]*"|[^;,"\s]+))*'
_EXTENSIONS = r'(?:\s*;(?:[^,"]|"[^"]*")*)?'


def _weighted(band: str, optional: bool) -> str:
    weight = rf"\s*;\s*q\s*=\s*{band}{_EXTENSIONS}"
    return f"(?:{weight})?" if optional else weight


def _named(alternatives: Sequence[str], band: str, optional: bool) -> str:
    """A range naming one of ``alternatives`` with a weight in the band."""
    names = "|".join(re.escape(a) for a in alternatives)
    return f"{_START}(?:{names}){_PARAMS}{_weighted(band, optional)}{_END}"


def _mentioned(alternatives: Sequence[str]) -> str:
    """A range naming one of ``alternatives``, whatever its weight."""
    names = "|".join(re.escape(a) for a in alternatives)
    return rf"{_START}(?:{names})\s*(?:[;,]|$)"


def _band_rule(fmt: Format, band: str, optional: bool) -> str:
    """The header gives ``fmt`` a weight in this band: by name, else by ``type/*``, else by ``*/*``."""
    names = (fmt.media_type, *fmt.aliases)
    wildcard = [fmt.media_type.split("/", 1)[0] + "/*"]
    return (
        f"^(?:(?=.*{_named(names, band, optional)})"
        f"|(?!.*{_mentioned(names)})(?:(?=.*{_named(wildcard, band, optional)})"
        f"|(?!.*{_mentioned(wildcard)})(?=.*{_named(['*/*'], band, optional)})))"
    )


def accept_map(formats: Sequence[Format]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Exact entries and ordered case-insensitive regular expressions, each with the chosen suffix.

    The map's default (no entry matches) is the empty string: nothing acceptable, 406.
    """
    exact = [("", formats[0].suffix)]
    for header in (h for h in COMMON_ACCEPT_HEADERS if len(h) <= EXACT_MAX_LENGTH):
        chosen = negotiate(header, formats)
        exact.append((header, chosen.suffix if chosen else ""))
    rules = [(r"^[^/]*$", formats[0].suffix)]  # nothing parseable: the app reads it as */*
    rules += [(_band_rule(f, band, optional), f.suffix) for band, optional in _BANDS for f in formats]
    return exact, rules


def choose(exact: Iterable[tuple[str, str]], rules: Iterable[tuple[str, str]], header: str) -> str:
    """What nginx's map picks: a whole-string match ignoring case, else the first matching expression."""
    for key, value in exact:
        if key.lower() == header.lower():
            return value
    for pattern, value in rules:
        if re.search(pattern, header, re.IGNORECASE):
            return value
    return ""


LANGUAGE_ENGLISH = (
    r"^(?:\s*(?:(?!(?:de|en)(?:[-;,\s]|$))[^,]*)?,)*"  # ranges before the first de or en
    r"\s*en(?:-[^,;\s]*)?\s*(?:;\s*q\s*=\s*(?!0(?:\.0{0,3})?\s*(?:[;,]|$))[^,]*)?(?:,|$)"
)


def english_by_header(accept_language: str) -> bool:
    """What the generated language map decides for an Accept-Language header (see module docs)."""
    return re.search(LANGUAGE_ENGLISH, accept_language, re.IGNORECASE) is not None


def quote(value: str) -> str:
    """Quote a string for an nginx configuration file (backslash, double quote and newline escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# The headers publisher.web.add_common_headers sends: CORS on every read, the rest on HTML.
EXPOSE_HEADERS = "ETag, Link, Content-Location, Vary, Location"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
REFERRER_POLICY = "strict-origin-when-cross-origin"
GEOJSON = "application/geo+json"
# A key in the raw request path: segments neither empty nor starting with "." (no "..", no hidden files).
KEY_PATTERN = r"(?:[^/.][^/]*/)*[^/.][^/]*"
_UNSAFE_IN_CONFIG = re.compile(r'[\s"\\${};]')
_TEMPLATES = Path(__file__).parent.parent / "templates"  # publisher/templates


@dataclass(frozen=True)
class ExactFile:
    """A single file served at one address, with the Content-Type and headers the app sends."""

    path: str
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip()

    @property
    def charset(self) -> str:
        _, _, params = self.content_type.partition(";")
        name, _, value = params.strip().partition("=")
        return value.strip().lower() if name.strip().lower() == "charset" else ""


@dataclass(frozen=True)
class ServerOptions:
    """The parameters of the generated server: where it listens, what it serves, where the app is."""

    base: str
    version: str
    folder: Path
    root: Path
    listen: str = "127.0.0.1:8080"
    upstream: str | None = None
    redirect_303: bool = True
    proxy_timeout: int = 60
    #: keys of the things with a boundary: their documents link their GeoJSON (web/geo.py)
    boundary_keys: tuple[str, ...] = ()
    #: the CSP of their pages (scripts of the map), when it differs from CONTENT_SECURITY_POLICY
    map_csp: str = ""


def upstream_address(upstream: str | None) -> str | None:
    """``http://host:port``, ``host:port`` or ``unix:/path`` → the address of an nginx ``server`` line."""
    if not upstream:
        return None
    address = upstream.removeprefix("http://").rstrip("/")
    if "/" in address and not address.startswith("unix:"):
        raise ValueError(f"the upstream must be http://host:port, host:port or unix:/path, not {upstream!r}")
    return check_config_value("upstream", address)


def check_config_value(name: str, value: str) -> str:
    """Refuse what would break out of an nginx string or directive (quotes, ``$``, braces, ``;``, spaces)."""
    if not value or _UNSAFE_IN_CONFIG.search(value):
        raise ValueError(f"the {name} {value!r} cannot be written into an nginx configuration")
    return value


def link_header(base_path: str, formats: Sequence[Format]) -> str:
    """``Link`` alternates as the app writes them (State.alternates), for a path that may hold variables."""
    return ", ".join(f'<{base_path}.{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in formats)


def charset_types(formats: Sequence[Format]) -> str:
    """The media types nginx must label ``charset=utf-8``: the text formats and the text/plain 406 body.

    text/html is always in nginx's list (naming it again only draws a warning).
    """
    types = [f.media_type for f in formats if f.content_type != f.media_type and f.media_type != "text/html"]
    return " ".join(dict.fromkeys([*types, "text/plain"]))


def other_media_types(exact_files: Sequence[ExactFile]) -> list[str]:
    """Every media type other than text/html that nginx serves from the export (the files' and its own text/plain).

    The maps of the HTML-only headers name them as exact keys, so that each answer is found in the map's hash
    instead of running a regular expression on every response.
    """
    formats = [*DOCUMENT_FORMATS, *CATALOG_FORMATS, *VOID_FORMATS, *FRAGMENT_FORMATS, *WRITTEN_FORMATS]
    types = [f.media_type for f in formats] + [GEOJSON, "text/plain"] + [f.media_type for f in exact_files]
    return [t for t in dict.fromkeys(types) if t != "text/html"]


def render_config(
    options: ServerOptions, exact_files: Sequence[ExactFile], fragments: Sequence[FragmentFile] = ()
) -> dict[str, str]:
    """Render ``nginx.conf`` (main, runs without root) and ``regiolod.conf`` (maps and server block);
    ``fragments`` are the fragment pages the export wrote, served for exactly their query strings."""
    import jinja2

    base = check_config_value("base IRI", options.base)
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not base.endswith("/") or not parts.hostname:
        raise ValueError(f"the base IRI must be an http(s) IRI ending with '/', not {base!r}")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["q"] = quote
    env.globals["charset_types"] = charset_types
    accept_maps = []
    for variable, formats in (
        ("regiolod_fmt_documents", DOCUMENT_FORMATS),
        ("regiolod_fmt_catalog", CATALOG_FORMATS),
        ("regiolod_fmt_void", VOID_FORMATS),
        ("regiolod_fmt_fragments", FRAGMENT_FORMATS),
    ):
        exact, rules = accept_map(formats)
        accept_maps.append({"variable": variable, "formats": formats, "exact": exact, "rules": rules})
    available = ", ".join(f.media_type for f in DOCUMENT_FORMATS)
    doc_406 = "\n".join(
        [
            f"406 Not Acceptable: no representation of <{base}id/${{regiolod_doc_key}}> matches the Accept header.",
            "Available:",
            *(f"  {f.media_type}  {base}doc/${{regiolod_doc_key}}.{f.suffix}" for f in DOCUMENT_FORMATS),
        ]
    )
    context = {
        "base": base,
        "prefix": parts.path,
        "prefix_re": re.escape(parts.path),
        "server_name": check_config_value("host", parts.hostname),
        "listen": check_config_value("listen address", options.listen),
        "root": str(options.root),
        "folder": str(options.folder),
        "version": options.version,
        "upstream": upstream_address(options.upstream),
        "redirect_303": options.redirect_303,
        "proxy_timeout": options.proxy_timeout,
        "key_re": KEY_PATTERN,
        "suffix_re": "|".join(f.suffix for f in DOCUMENT_FORMATS),
        "language_re": LANGUAGE_ENGLISH,
        "accept_maps": accept_maps,
        "document_formats": DOCUMENT_FORMATS,
        "catalog_formats": CATALOG_FORMATS,
        "void_formats": VOID_FORMATS,
        "doc_link": link_header(f"{base}doc/${{regiolod_doc_key}}", DOCUMENT_FORMATS),
        "doc_stem_link": link_header(f"{base}doc/${{regiolod_doc_stem}}", DOCUMENT_FORMATS),
        "doc_406": doc_406 + "\n",
        "graph_documents": [
            {
                "name": name,
                "what": what,
                "link": link_header(f"{base}{name}", DOCUMENT_FORMATS),
                "not_acceptable": f"406 Not Acceptable. Available: {available}\n",
            }
            for name, what in (("def", "the ontology"), ("shapes", "the SHACL shapes"))
        ],
        "catalog_link": link_header(f"{base}catalog", CATALOG_FORMATS),
        "catalog_406": "406 Not Acceptable. Available: "
        + ", ".join(f.media_type for f in CATALOG_FORMATS)
        + "\n",
        "void_406": "406 Not Acceptable\n",
        "csp": CONTENT_SECURITY_POLICY,
        "map_csp": options.map_csp or CONTENT_SECURITY_POLICY,
        "boundary_keys": [check_config_value("key", k) for k in options.boundary_keys],
        "geo_link": f', <{base}doc/${{regiolod_doc_key}}.geojson>; rel="alternate"; type="{GEOJSON}"',
        "geo_stem_link": f', <{base}doc/${{regiolod_doc_stem}}.geojson>; rel="alternate"; type="{GEOJSON}"',
        "geojson": GEOJSON,
        "geojson_link": link_header(f"{base}doc/${{regiolod_geo_key}}", DOCUMENT_FORMATS)
        + f', <{base}doc/${{regiolod_geo_key}}.geojson>; rel="alternate"; type="{GEOJSON}"',
        "referrer_policy": REFERRER_POLICY,
        "other_media_types": other_media_types(exact_files),
        "expose_headers": EXPOSE_HEADERS,
        "exact_files": exact_files,
        "fragments": [
            {"args": check_config_value("fragment query", f.args) if f.args else "", "stem": f.stem, "link": f.link}
            for f in fragments
        ],
        "fragment_formats": FRAGMENT_FORMATS,
        "fragment_suffixes": [f.suffix for f in WRITTEN_FORMATS],
        # the app's Cache-Control of a fragment page, one policy for all (read from the answers exported)
        "fragment_cache": fragments[0].cache_control if fragments else "",
        # nginx's map hash must hold every exported query string (its default holds 2048 keys).
        "map_hash_max_size": max(2048, 8 * len(fragments)),
    }
    return {
        "nginx.conf": env.get_template("nginx.conf.j2").render(context),
        "regiolod.conf": env.get_template("regiolod.conf.j2").render(context),
    }
