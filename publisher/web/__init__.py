"""The web layer: every route of the publisher is listed here, in one place.

| route                         | what                                                    |
|-------------------------------|---------------------------------------------------------|
| GET /                         | home page (HTML)                                        |
| GET /id/{key}                 | 303 See Other to /doc/{key} (or 200 with the setting)   |
| GET /doc/{key}[.ext]          | the thing's description, negotiated or by suffix        |
| GET /incoming/{key}?page=N    | further pages of links to a thing                       |
| GET /def[.ext], /shapes[.ext] | the ontology and the shapes, negotiated                 |
| GET /context.jsonld           | the JSON-LD context of every JSON-LD document           |
| GET /territories, /organizations | listing pages with paging                            |
| GET|POST /sparql              | SPARQL 1.1 Protocol query operation; Service Description |
| GET /download/[name]          | dumps with checksums, and their listing                 |
| GET /catalog[.ext]            | DCAT-AP.de catalog with Hydra paging, modified_since=   |
| GET /.well-known/void         | VoID description with statistics and linksets           |
| GET /sitemap.xml, /sitemap-N.xml, /robots.txt | for crawlers                            |
| GET /projection[.ext]?code=|iri=&from=&to= | what a code valid on one day became on another |
| GET /fragments?subject=&predicate=&object=&graph=&page= | Quad Pattern Fragments, paged     |
| GET /search[.json]?q=&at=&limit=&page= | things by name or code, HTML or JSON (negotiated)  |
| GET /changes/, /changes/YYYY-MM | the change feed (LDES 1.0): root node and month pages   |
| GET|POST /reconcile[/match|/suggest/…|/preview|/extend…] | W3C Entity Reconciliation API (0.2, 1.0 draft) |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox
from flask import Flask, Response, abort, request
from flask.typing import RouteCallable

from publisher.errors import REFUSED, Problem
from publisher.render import readable
from publisher.render.html import safe_href, show_bidi_controls
from publisher.server.limits import RateLimiter
from publisher.web import changes, fragments, harvest, language, pages, projection, reconcile, resources, search, sparql
from publisher.web.replay import Replays
from publisher.web.state import State, malformed_escape

if TYPE_CHECKING:
    from publisher.config import Settings
    from publisher.dataset.build import Build
    from publisher.publish.catalog import VoidStatistics
    from publisher.publish.dumps import Dumps
    from publisher.store.protocol import Store

READ_METHODS = ["GET", "HEAD"]
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def register(
    app: Flask,
    settings: Settings,
    store: Store,
    build: Build,
    dumps: Dumps,
    stats: VoidStatistics,
    catalog: list[ox.Quad],
    shared_queries: bool = False,
) -> None:
    """Attach the state and every route to ``app``."""
    st = app.extensions["regiolod"] = State(
        settings, store, build, dumps=dumps, stats=stats, catalog=catalog, shared_queries=shared_queries
    )
    app.url_map.strict_slashes = False
    # Werkzeug would answer "//" in a path with a redirect built from the Host header; links come from the base only.
    app.url_map.merge_slashes = False
    routes: list[tuple[str, str, RouteCallable]] = [
        ("/", "home", pages.home),
        ("/id/<path:key>", "thing", resources.thing),
        ("/doc/<path:key>", "document", resources.document),
        ("/incoming/<path:key>", "incoming", resources.incoming),
        ("/def", "ontology", pages.ontology),
        ("/def.<ext>", "ontology_ext", pages.ontology),
        ("/shapes", "shapes", pages.shapes),
        ("/shapes.<ext>", "shapes_ext", pages.shapes),
        ("/context.jsonld", "context", pages.context),
        ("/territories", "territories", pages.territories),
        ("/organizations", "organizations", pages.organizations),
        ("/download/", "downloads", harvest.downloads),
        ("/download/<name>", "download", harvest.download),
        ("/catalog", "catalog", harvest.catalog),
        ("/catalog.<ext>", "catalog_ext", harvest.catalog),
        ("/.well-known/void", "void", harvest.void),
        ("/sitemap.xml", "sitemap", harvest.sitemap_index),
        ("/sitemap-<int:page>.xml", "sitemap_page", harvest.sitemap_page),
        ("/robots.txt", "robots", harvest.robots),
        ("/projection", "projection", projection.projection),
        ("/projection.<ext>", "projection_ext", projection.projection),
        ("/fragments", "fragments", fragments.fragments),
        ("/changes/", "changes", changes.root),
        ("/changes/<path:month>", "changes_page", changes.page),
        ("/search", "search", search.search),
        ("/search.<ext>", "search_ext", search.search),
    ]
    for rule, endpoint, view in routes:
        app.add_url_rule(rule, endpoint, view, methods=READ_METHODS)
    app.add_url_rule(
        "/sparql", "sparql", sparql.sparql, methods=["GET", "HEAD", "POST", "OPTIONS"], provide_automatic_options=False
    )
    for rule, endpoint, view in reconcile.ROUTES:
        app.add_url_rule(rule, endpoint, view, methods=reconcile.METHODS, provide_automatic_options=False)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    # Links from data are http(s) only, and bidi controls in data are shown, never obeyed (DESIGN §8).
    app.add_template_filter(safe_href, "iri_href")
    app.jinja_env.finalize = show_bidi_controls
    limiter = (
        RateLimiter(settings.rate_limit, settings.rate_burst, settings.client_header) if settings.rate_limit else None
    )
    if limiter is not None:
        app.before_request(limiter.check)
    app.before_request(refuse_malformed_escapes)
    app.before_request(refuse_what_the_server_refused)
    app.after_request(add_common_headers)
    app.after_request(language.remember_language)
    app.add_template_global(language.switch_url, "lang_switch_url")
    app.add_template_filter(readable.day, "readable_day")
    app.add_template_filter(readable.number, "readable_number")
    app.register_error_handler(404, pages.not_found)
    app.register_error_handler(405, pages.method_not_allowed)
    app.register_error_handler(500, pages.server_error)
    app.register_error_handler(400, pages.bad_request)
    app.register_error_handler(413, pages.too_large)
    app.register_error_handler(414, pages.uri_too_long)
    app.register_error_handler(431, pages.fields_too_large)
    app.register_error_handler(Problem, sparql.plain)  # e.g. the remote store is down or slow: 503 or 504
    # Documents answered again without Flask; a replay passes no hook, so it takes its rate-limit token first.
    admit = limiter.admit if limiter is not None else None
    app.wsgi_app = Replays(app.wsgi_app, lambda: st.build.version, admit)  # type: ignore[method-assign]


def refuse_malformed_escapes() -> None:
    """400 for a path with a "%" that begins no escape (RFC 3986 §2.1), on every route and before routing:
    such a path names no resource, and no IRI can be made of it."""
    if malformed_escape():
        abort(
            400,
            "The address holds a '%' that is not followed by two hexadecimal digits (RFC 3986 §2.1); "
            "a percent sign itself is written %25.",
        )


def refuse_what_the_server_refused() -> None:
    """The answer, in the negotiated format, to a request the HTTP server marked as past its limits
    (``publisher.server.wire``: under granian, the limits gunicorn sets)."""
    refused = request.environ.get(REFUSED)
    if refused is not None:
        abort(*refused)


def add_common_headers(response: Response) -> Response:
    """CORS for every read, and the security headers every HTML page needs."""
    # Added, not set: no view sets these, and setting a header searches all the others (most of a cached
    # document's time in this app).
    headers = response.headers
    if request.method in (*READ_METHODS, "POST", "OPTIONS"):
        headers.add("Access-Control-Allow-Origin", "*")
        exposed = "ETag, Link, Content-Location, Vary, Location" + (", Valid-At" if "Valid-At" in headers else "")
        headers.add("Access-Control-Expose-Headers", exposed)
    headers.add("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", PAGE_CSP)  # the query page has its own
        headers.add("Referrer-Policy", "strict-origin-when-cross-origin")
    return response
