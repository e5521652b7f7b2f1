"""Pages that are not a single thing: home, listings, the ontology and shapes, errors."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, abort, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from publisher.negotiation import BY_SUFFIX, DOCUMENT_FORMATS, HTML, Format, negotiate
from publisher.render import page_data, reference
from publisher.render.html import safe_href
from publisher.render.rdf import JSONLD_CONTEXT, serialize
from publisher.vocab import expand, shorten
from publisher.web.paging import html_or_text, last_page, message_response, page_number, past_the_end
from publisher.web.state import State, page_language, state, vary_for
from publisher.web.timetravel import keep_day, requested_day


def home() -> Response:
    st = state()
    lang = page_language()
    day = requested_day(st)

    def render() -> tuple[bytes, str]:
        shown = page_data.home_page(st.store, st.base, lang, (day, st.timeline()) if day else None)
        links = {
            name: rule
            for name, rule in (
                ("sparql", "/sparql"),
                ("catalog", "/catalog"),
                ("downloads", "/download/"),
                ("changes", "/changes/"),
            )
            if any(r.rule.startswith(rule.rstrip("/")) for r in current_app.url_map.iter_rules())
        }
        body = render_template(
            "home.html",
            lang=lang,
            base=st.base,
            counts=shown.counts,
            kinds=page_data.KINDS,
            coverage=[
                (c, shown.coverage[c.key], f"{st.endpoint}?{urlencode({'query': c.query})}") for c in page_data.COVERAGE
            ],
            entries=shown.entries,
            cooperations=shown.cooperations,
            links=links,
            version=st.build.version,
            dataset_triples=st.stats.triples if st.stats else 0,
            dataset_query=f"{st.endpoint}?{urlencode({'query': page_data.dataset_triples_query(st.base)})}",
            statements=sum(st.graph_sizes.values()),
            statements_query=f"{st.endpoint}?{urlencode({'query': page_data.ALL_STATEMENTS_QUERY})}",
            day=day.isoformat() if day else "",
        )
        return keep_day(body, st.base, day).encode("utf-8"), HTML.content_type

    key = ("home", lang) + ((day.isoformat(),) if day else ())
    body, ctype = st.rendered(key, render)
    response = st.respond(body, ctype, key, vary="Accept-Language")
    response.headers["Content-Language"] = lang
    if day is not None:
        response.headers["Valid-At"] = day.isoformat()
        response.headers["Link"] = f'<{st.base}>; rel="latest-version"'
    return response


def listing_page(kind: str) -> Response:
    """GET /territories or /organizations ?page=N&type=T: one page of the listing, of one type or all."""
    st = state()
    lang = page_language()
    page = page_number(request.args.get("page"))
    day = requested_day(st)
    size = st.settings.page_size
    listed = st.listings.get((st.build.version, kind), lambda: page_data.listing(st.store, kind))
    if day is not None:
        today = listed
        listed = st.listings.get(
            (st.build.version, kind, day.isoformat()), lambda: page_data.listing_of_day(st.timeline(), today, day)
        )
    type_filter = listed_type(st, kind, listed, request.args.get("type") or None)
    pages = last_page(len(listed.of_type(type_filter)), size)
    if page > pages:
        return past_the_end(st, page, pages, listing_url(st, kind, pages), html_or_text())

    def render() -> tuple[bytes, str]:
        shown = page_data.listing_page(st.store, listed, kind, type_filter, page, size, st.base, lang)
        body = render_template(
            "list.html",
            lang=lang,
            base=st.base,
            kind=kind,
            title=shown.title,
            entries=shown.entries,
            total=shown.total,
            page=page,
            pages=pages,
            available=shown.available,
            type_filter=type_filter,
            href=safe_href,
            day=day.isoformat() if day else "",
        )
        return keep_day(body, st.base, day).encode("utf-8"), HTML.content_type

    key = ("list", kind, type_filter or "", str(page), lang) + ((day.isoformat(),) if day else ())
    body, ctype = st.rendered(key, render)
    response = st.respond(body, ctype, key, vary="Accept-Language")
    response.headers["Content-Language"] = lang
    if day is not None:
        response.headers["Valid-At"] = day.isoformat()
        response.headers["Link"] = f'<{st.base}{kind}>; rel="latest-version"'
    return response


def listing_url(st: State, kind: str, page: int) -> str:
    """The address of another page of the listing the client asked for (same type filter and language)."""
    params = {k: v for k, v in request.args.items() if k in ("type", "lang", "at") and v} | {"page": str(page)}
    return f"{st.base}{kind}?{urlencode(params)}"


def listed_type(st: State, kind: str, listed: page_data.Listing, asked: str | None) -> str | None:
    """The type IRI of ``?type=`` (an IRI or a prefixed name), or a 400 naming every type the listing has.

    An unknown type is refused rather than ignored: a client that misspells it would otherwise get the
    whole listing and take it for the filtered one.
    """
    if asked is None:
        return None
    type_iri: str | None = asked
    if ":" in asked and not asked.startswith(("http://", "https://")):
        try:
            type_iri = expand(asked)
        except KeyError:
            type_iri = None
    if type_iri in listed.counts:
        return type_iri
    accepted = {t: t if shorten(t).startswith("<") else shorten(t) for t in listed.counts}
    message = (
        f"{asked[:200]!r} is not a type of /{kind}. Accepted values of type (an IRI or a prefixed name): "
        + ", ".join(accepted.values())
        + "; leave it out for every type."
    )
    lab = page_data.type_labels(st.store, listed, st.base, page_language())
    links = [(f"{st.base}{kind}?{urlencode({'type': t})}", f"{lab.label(i)} ({t})") for i, t in accepted.items()]
    abort(message_response(st, 400, "Bad Request", message, links, html_or_text()))


def territories() -> Response:
    return listing_page("territories")


def organizations() -> Response:
    return listing_page("organizations")


def graph_document(name: str, graphs: list[str], ext: str | None, template: str) -> Response:
    """Serve the ontology or the shapes: the graphs in any RDF format, or a readable reference."""
    st = state()
    fixed: Format | None = None
    if ext is not None:
        fixed = BY_SUFFIX.get(ext)
        if fixed is None:
            abort(404)
    fmt = fixed or negotiate(request.headers.get("Accept"))
    if fmt is None:
        response = Response(
            "406 Not Acceptable. Available: " + ", ".join(f.media_type for f in DOCUMENT_FORMATS) + "\n",
            status=406,
            content_type="text/plain; charset=utf-8",
        )
        response.headers["Link"] = st.alternates(lambda f: f"{st.base}{name}.{f.suffix}")
        return response
    lang = page_language() if fmt is HTML else ""

    def render() -> tuple[bytes, str]:
        if fmt is not HTML:
            return serialize(reference.graph_quads(st.store, graphs), fmt), fmt.content_type
        if name == "def":
            shown = reference.ontology_reference(st.store, st.base, lang)
        else:
            shown = reference.shapes_reference(st.store, graphs, st.base, lang)
        return render_template(template, lang=lang, base=st.base, **shown).encode("utf-8"), HTML.content_type

    body, ctype = st.rendered((name, fmt.key, lang), render)
    response = st.respond(body, ctype, (name, fmt.key, lang), vary=vary_for(fixed, fmt))
    response.headers["Content-Location"] = f"{st.base}{name}.{fmt.suffix}"
    response.headers["Link"] = st.alternates(lambda f: f"{st.base}{name}.{f.suffix}")
    return response


def ontology(ext: str | None = None) -> Response:
    st = state()
    graphs = st.build.graphs_of("ontology")
    return graph_document("def", graphs, ext, "ontology.html")


def shapes(ext: str | None = None) -> Response:
    st = state()
    graphs = st.build.graphs_of("shapes")
    return graph_document("shapes", graphs, ext, "shapes.html")


def context() -> Response:
    st = state()
    body = json.dumps({"@context": JSONLD_CONTEXT}, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    return st.respond(body, "application/ld+json", ("context",))


def error_page(status: int, title: str, message: str) -> Response:
    st = state()
    fmt = negotiate(request.headers.get("Accept"))
    if fmt is HTML:
        body = render_template(
            "error.html", lang=page_language(), base=st.base, status=status, title=title, message=message
        )
        return Response(body, status=status, content_type=HTML.content_type)
    return Response(f"{status} {title}: {message}\n", status=status, content_type="text/plain; charset=utf-8")


def not_found(error: HTTPException) -> Response:
    return error_page(404, "Not Found", "There is nothing at this address. Start from the home page.")


def bad_request(error: HTTPException) -> Response:
    return error_page(400, "Bad Request", error.description or "The request could not be understood.")


def too_large(error: HTTPException) -> Response:
    return error_page(413, "Content Too Large", "The request body is larger than this server accepts.")


def uri_too_long(error: HTTPException) -> Response:
    return error_page(414, "URI Too Long", error.description or "The address is longer than this server accepts.")


def fields_too_large(error: HTTPException) -> Response:
    message = error.description or "The request's header fields are larger than this server accepts."
    return error_page(431, "Request Header Fields Too Large", message)


def method_not_allowed(error: HTTPException) -> Response:
    """405 with the methods this address really answers (RFC 9110 §15.5.6: Allow is required)."""
    allowed = sorted(getattr(error, "valid_methods", None) or ["GET", "HEAD"])
    response = error_page(405, "Method Not Allowed", f"This address answers {', '.join(allowed)} only.")
    response.headers["Allow"] = ", ".join(allowed)
    return response


def server_error(error: Exception) -> Response:
    return error_page(500, "Internal Server Error", "The server could not answer. The error was logged.")
