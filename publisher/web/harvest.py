"""What harvesters and crawlers read: dumps, the DCAT catalog, VoID, the sitemap and robots.txt."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode, urlsplit
from xml.sax.saxutils import escape

import pyoxigraph as ox
from flask import Response, abort, render_template, request, send_file

from publisher.negotiation import CATALOG_FORMATS, HTML, VOID_FORMATS, by_suffix, negotiate
from publisher.publish.catalog import iris
from publisher.render.html import iri_to_uri
from publisher.render.rdf import serialize
from publisher.store.protocol import lexical
from publisher.vocab import DCAT, DCT, DCT_CONFORMS_TO, HYDRA, RDF_TYPE, SITEMAP, SPDX, XSD_INTEGER
from publisher.web.paging import html_or_text, last_page, page_number, past_the_end
from publisher.web.state import State, page_language, state, vary_for

SITEMAP_SIZE = 50_000


def downloads() -> Response:
    """GET /download/: the dumps of the current build with format, size and checksum."""
    st = state()
    lang = page_language()
    body = render_template("downloads.html", lang=lang, base=st.base, dumps=st.dumps)
    return st.respond(body.encode("utf-8"), HTML.content_type, ("downloads", lang), vary="Accept-Language")


def download(name: str) -> Response:
    """GET /download/{name}: one file, with Content-Length, ETag, Last-Modified and byte ranges."""
    st = state()
    dumps = st.dumps
    allowed = {f.name: f for f in dumps.files} if dumps else {}
    if dumps is None or (name not in allowed and name not in ("SHA256SUMS", "manifest.json")):
        abort(404)
    path = dumps.folder / name
    if name in allowed:
        mimetype, etag = "application/gzip", allowed[name].sha256
    else:
        mimetype, etag = ("text/plain" if name == "SHA256SUMS" else "application/json"), f"{dumps.version}-{name}"
    response = send_file(
        path,
        mimetype=mimetype,
        etag=etag,
        conditional=True,
        max_age=0,
        last_modified=st.build.modified,
        download_name=name,
    )
    if name in allowed:  # RFC 9530: the checksum the catalog publishes, for clients that verify as they fetch
        digest = base64.b64encode(bytes.fromhex(allowed[name].sha256)).decode("ascii")
        response.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    return response


def catalog_datasets(st: State, modified_since: str | None) -> list[str]:
    """The datasets of the catalog (modified since the date, when given), in the order of its pages."""
    catalog_iri = iris(st.settings)["catalog"]
    quads = st.catalog
    datasets = sorted(
        lexical(q.object) for q in quads if lexical(q.subject) == catalog_iri and q.predicate.value == DCAT + "dataset"
    )
    if modified_since:
        modified = {lexical(q.subject): lexical(q.object) for q in quads if q.predicate.value == DCT + "modified"}
        datasets = [d for d in datasets if modified.get(d, "") >= modified_since]
    return datasets


def catalog_quads(st: State, page: int, modified_since: str | None) -> tuple[list[ox.Quad], int]:
    """The catalog page: catalog, service and the page's datasets with everything they point to."""
    ids = iris(st.settings)
    graph = ox.NamedNode(f"{st.base}id/graph/catalog")
    quads = st.catalog
    datasets = catalog_datasets(st, modified_since)
    size = st.settings.catalog_page_size
    pages = last_page(len(datasets), size)
    shown = set(datasets[(page - 1) * size : page * size])
    hidden = set(datasets) - shown
    if modified_since:
        hidden |= {lexical(q.object) for q in quads if q.predicate.value == DCAT + "dataset"} - set(datasets)
    keep = [
        q
        for q in quads
        if not (q.predicate.value == DCAT + "dataset" and lexical(q.object) in hidden) and not subject_of(q, hidden)
    ]
    keep += hydra_view(st, ids["catalog"], page, pages, len(datasets), modified_since, graph)
    return keep, pages


def subject_of(q: ox.Quad, datasets: set[str]) -> bool:
    """Statements of a dataset not on this page, and of its distributions and fragments."""
    subject = q.subject.value if isinstance(q.subject, ox.NamedNode) else ""
    return any(subject == d or subject.startswith(d + "#") for d in datasets) or (
        "/id/distribution/" in subject
        and any(subject.split("/id/distribution/")[1].startswith(d.rsplit("/", 1)[1]) for d in datasets)
    )


def page_url(st: State, page: int, modified_since: str | None, path: str = "catalog") -> str:
    params = {"page": page} | ({"modified_since": modified_since} if modified_since else {})
    return f"{st.base}{path}?{urlencode(params)}"


def hydra_view(
    st: State, catalog: str, page: int, pages: int, total: int, modified_since: str | None, graph: ox.NamedNode
) -> list[ox.Quad]:
    """Hydra paging as ckanext-dcat and GovData follow it (hydra:PartialCollectionView, hydra:next)."""
    view = ox.NamedNode(page_url(st, page, modified_since))

    def q(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
        return ox.Quad(s, ox.NamedNode(HYDRA + p), o, graph)

    out = [
        ox.Quad(view, RDF_TYPE, ox.NamedNode(HYDRA + "PartialCollectionView"), graph),
        q(ox.NamedNode(catalog), "view", view),
        q(ox.NamedNode(catalog), "totalItems", ox.Literal(str(total), datatype=XSD_INTEGER)),
        q(view, "first", ox.NamedNode(page_url(st, 1, modified_since))),
        q(view, "last", ox.NamedNode(page_url(st, pages, modified_since))),
    ]
    if page > 1:
        out.append(q(view, "previous", ox.NamedNode(page_url(st, page - 1, modified_since))))
    if page < pages:
        out.append(q(view, "next", ox.NamedNode(page_url(st, page + 1, modified_since))))
    return out


def catalog(ext: str | None = None) -> Response:
    """GET /catalog[.ttl|.rdf|.jsonld|.nt|.html]?page=N&modified_since=YYYY-MM-DD."""
    st = state()
    fixed = None
    if ext is not None:
        fixed = by_suffix(CATALOG_FORMATS).get(ext)
        if fixed is None:
            abort(404)
    fmt = fixed or negotiate(request.headers.get("Accept"), CATALOG_FORMATS)
    if fmt is None:
        return Response(
            "406 Not Acceptable. Available: " + ", ".join(f.media_type for f in CATALOG_FORMATS) + "\n",
            status=406,
            content_type="text/plain; charset=utf-8",
        )
    page = page_number(request.args.get("page"))
    try:
        since = request.args.get("modified_since") or None
        if since:
            since = dt.date.fromisoformat(since[:10]).isoformat()
    except ValueError:
        abort(400, "modified_since must be a date (YYYY-MM-DD)")
    pages = last_page(len(catalog_datasets(st, since)), st.settings.catalog_page_size)
    if page > pages:
        last_url = page_url(st, pages, since, f"catalog.{ext}" if fixed else "catalog")
        return past_the_end(st, page, pages, last_url, fmt)
    lang = page_language() if fmt is HTML else ""

    def render() -> tuple[bytes, str]:
        quads, pages = catalog_quads(st, page, since)
        if fmt is not HTML:
            return serialize(quads, fmt), fmt.content_type
        body = render_template(
            "catalog.html",
            lang=lang,
            base=st.base,
            page=page,
            pages=pages,
            datasets=catalog_view(st, quads),
            services=catalog_services(quads, lang),
            since=since,
            next_url=page_url(st, page + 1, since) if page < pages else "",
        )
        return body.encode("utf-8"), fmt.content_type

    key = ("catalog", fmt.key, str(page), since or "", lang)
    body, _ = st.rendered(key, render)  # built once per build
    links = st.alternates(lambda f: f"{st.base}catalog.{f.suffix}", formats=CATALOG_FORMATS)
    return st.respond(body, fmt.content_type, key, vary=vary_for(fixed, fmt), extra=[("Link", links)])


def catalog_services(quads: list[ox.Quad], lang: str) -> list[dict[str, str]]:
    """The catalog's data services (SPARQL endpoint, change feed) with title, description and endpoint in
    the page's language, for the HTML catalog page."""
    services = sorted(
        lexical(q.subject) for q in quads if q.predicate == RDF_TYPE and lexical(q.object) == DCAT + "DataService"
    )

    def text(subject: str, predicate: str) -> str:
        values = {
            q.object.language: q.object.value
            for q in quads
            if lexical(q.subject) == subject and q.predicate.value == predicate and isinstance(q.object, ox.Literal)
        }
        return values.get(lang) or values.get("de") or next(iter(values.values()), "")

    def iri(subject: str, predicate: str) -> str:
        found = (lexical(q.object) for q in quads if lexical(q.subject) == subject and q.predicate.value == predicate)
        return next(found, "")

    return [
        {
            "iri": s,
            "title": text(s, DCT + "title") or s,
            "description": text(s, DCT + "description"),
            "endpoint": iri(s, DCAT + "endpointURL"),
            "standard": iri(s, DCT_CONFORMS_TO.value),
        }
        for s in services
    ]


def catalog_view(st: State, quads: list[ox.Quad]) -> list[dict[str, object]]:
    """Datasets with their titles and distributions, for the HTML catalog page."""
    by_subject: dict[str, dict[str, list[str]]] = {}
    for q in quads:
        by_property = by_subject.setdefault(str(q.subject).strip("<>"), {})
        by_property.setdefault(q.predicate.value, []).append(lexical(q.object))
    out: list[dict[str, object]] = []
    for ds, props in sorted(by_subject.items()):
        if DCAT + "Dataset" not in props.get(RDF_TYPE.value, []):
            continue
        dists = []
        for dist in sorted(props.get(DCAT + "distribution", [])):
            d = by_subject.get(dist, {})
            checksum = by_subject.get(d.get(SPDX + "checksum", [""])[0], {})
            dists.append(
                {
                    "url": d.get(DCAT + "downloadURL", [""])[0],
                    "bytes": d.get(DCAT + "byteSize", [""])[0],
                    "sha256": checksum.get(SPDX + "checksumValue", [""])[0],
                    "format": d.get(DCT + "format", [""])[0].rsplit("/", 1)[-1],
                }
            )
        titles = props.get(DCT + "title", [])
        out.append(
            {
                "iri": ds,
                "title": titles[0] if titles else ds,
                "descriptions": props.get(DCT + "description", []),
                "distributions": dists,
            }
        )
    return out


def void() -> Response:
    """GET /.well-known/void: the VoID description of the dataset (VoID §7.2 discovery)."""
    st = state()
    fmt = negotiate(request.headers.get("Accept"), VOID_FORMATS)
    if fmt is None:
        return Response("406 Not Acceptable\n", status=406, content_type="text/plain; charset=utf-8")
    dataset = st.dataset_iri

    def render() -> tuple[bytes, str]:
        quads = [
            q
            for q in st.store.graph(f"{st.base}id/graph/catalog")
            if isinstance(q.subject, ox.NamedNode)
            and (q.subject.value == dataset or q.subject.value.startswith(dataset + "#"))
        ]
        return serialize(quads, fmt), fmt.content_type

    body, _ = st.rendered(("void", fmt.key), render)
    return st.respond(body, fmt.content_type, ("void", fmt.key), vary="Accept")


def sitemap_urls(st: State, page: int) -> list[str]:
    """The /doc/ pages on sitemap page ``page``: each document of a thing under {base}id/ once."""
    prefix = st.base + "id/"
    things = st.document_slice((page - 1) * SITEMAP_SIZE, page * SITEMAP_SIZE)
    return [iri_to_uri(st.base + "doc/" + t[len(prefix) :]) for t in things]


def sitemap_index() -> Response:
    """GET /sitemap.xml: a sitemap index (sitemaps.org) over pages of at most 50 000 URLs."""
    st = state()
    pages = last_page(st.document_count(), SITEMAP_SIZE)
    lastmod = st.build.modified.date().isoformat()
    entries = "".join(
        f"<sitemap><loc>{escape(st.base)}sitemap-{n}.xml</loc><lastmod>{lastmod}</lastmod></sitemap>"
        for n in range(1, pages + 1)
    )
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP}">{entries}</sitemapindex>\n'
    return st.respond(body.encode("utf-8"), "application/xml", ("sitemap",))


def sitemap_page(page: int) -> Response:
    """GET /sitemap-{page}.xml: one page of the sitemap; a page that is not there is 404 naming the last."""
    st = state()
    pages = last_page(st.document_count(), SITEMAP_SIZE)
    if not 1 <= page <= pages:
        return past_the_end(st, page, pages, f"{st.base}sitemap-{pages}.xml", html_or_text())
    chunk = sitemap_urls(st, page)
    lastmod = st.build.modified.date().isoformat()
    entries = "".join(f"<url><loc>{escape(u)}</loc><lastmod>{lastmod}</lastmod></url>" for u in chunk)
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP}">{entries}</urlset>\n'
    return st.respond(body.encode("utf-8"), "application/xml", ("sitemap", str(page)))


def robots() -> Response:
    """GET /robots.txt: the sitemap, and crawlers kept off SPARQL queries (RFC 9309)."""
    st = state()
    path = urlsplit(st.base).path
    body = (
        f"User-agent: *\nDisallow: {path}sparql?\nDisallow: {path}incoming/\nDisallow: {path}search\nAllow: {path}\n"
        f"\nSitemap: {st.base}sitemap.xml\n"
    )
    return st.respond(body.encode("utf-8"), "text/plain; charset=utf-8", ("robots",))
