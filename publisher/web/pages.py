"""Pages that are not a single thing: home, listings, the ontology and shapes, errors."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Response, abort, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from publisher.negotiation import BY_SUFFIX, DOCUMENT_FORMATS, HTML, Format, negotiate
from publisher.render import page_data
from publisher.render.html import Labeller, iri_to_uri, safe_href
from publisher.render.rdf import JSONLD_CONTEXT, serialize
from publisher.vocab import ONTOLOGY_IRI, RL, SHAPES_IRI, expand, shorten
from publisher.web.paging import html_or_text, last_page, message_response, page_number, past_the_end
from publisher.web.state import State, page_language, state, vary_for

ENTRY_POINTS = [
    "territory/03358",
    "organization/03358",
    "organization/metropolregion-hamburg",
    "organization/metropolregion-hannover-braunschweig-goettingen-wolfsburg-gmbh",
    "territory/033580024024",
    "change/2020-01-01-walsrode-bomlitz",
]


def home() -> Response:
    st = state()
    lang = page_language()

    def render() -> tuple[bytes, str]:
        entry_iris = [st.thing_iri(k) for k in ENTRY_POINTS]
        cooperations = [r["s"].value for r in st.store.select("SELECT ?s WHERE { ?s a rl:Cooperation }")]
        lab = Labeller(st.store.labels(entry_iris + cooperations), st.base, lang)
        links = {
            name: rule
            for name, rule in (("sparql", "/sparql"), ("catalog", "/catalog"), ("downloads", "/download/"))
            if any(r.rule.startswith(rule.rstrip("/")) for r in current_app.url_map.iter_rules())
        }
        body = render_template(
            "home.html",
            lang=lang,
            base=st.base,
            lab=lab,
            counts=page_data.counts(st.store),
            kinds=page_data.KINDS,
            entries=[(iri_to_uri(i), lab.label(i)) for i in entry_iris if st.store.has(i)],
            cooperations=sorted(((safe_href(c), lab.label(c)) for c in cooperations), key=lambda x: x[1].casefold()),
            links=links,
            version=st.build.version,
            dataset_triples=st.stats.triples if st.stats else 0,
            dataset_query=f"{st.endpoint}?{urlencode({'query': page_data.dataset_triples_query(st.base)})}",
            statements=sum(st.graph_sizes.values()),
            statements_query=f"{st.endpoint}?{urlencode({'query': page_data.ALL_STATEMENTS_QUERY})}",
        )
        return body.encode("utf-8"), HTML.content_type

    body, ctype = st.rendered(("home", lang), render)
    response = st.respond(body, ctype, ("home", lang), vary="Accept-Language")
    response.headers["Content-Language"] = lang
    return response


def listing_page(kind: str) -> Response:
    """GET /territories or /organizations ?page=N&type=T: one page of the listing, of one type or all."""
    st = state()
    lang = page_language()
    page = page_number(request.args.get("page"))
    size = st.settings.page_size
    listed = st.listings.get((st.build.version, kind), lambda: page_data.listing(st.store, kind))
    type_filter = listed_type(st, kind, listed, request.args.get("type") or None)
    pages = last_page(len(listed.of_type(type_filter)), size)
    if page > pages:
        return past_the_end(st, page, pages, listing_url(st, kind, pages), html_or_text())

    def render() -> tuple[bytes, str]:
        entries = listed.of_type(type_filter)
        total = len(entries)
        start = (page - 1) * size
        entries = entries[start : start + size]
        lab = Labeller({}, st.base, lang)
        lab.learn(st.store.labels, listed.counts)
        title = page_data.LISTS[kind][1][lang]
        body = render_template(
            "list.html",
            lang=lang,
            base=st.base,
            kind=kind,
            title=title,
            entries=[(e, ", ".join(lab.label(t) for t in e.types)) for e in entries],
            total=total,
            page=page,
            pages=pages,
            available=[(t, lab.label(t), n) for t, n in listed.counts.items()],
            type_filter=type_filter,
            href=safe_href,
        )
        return body.encode("utf-8"), HTML.content_type

    key = ("list", kind, type_filter or "", str(page), lang)
    body, ctype = st.rendered(key, render)
    response = st.respond(body, ctype, key, vary="Accept-Language")
    response.headers["Content-Language"] = lang
    return response


def listing_url(st: State, kind: str, page: int) -> str:
    """The address of another page of the listing the client asked for (same type filter and language)."""
    params = {k: v for k, v in request.args.items() if k in ("type", "lang") and v} | {"page": str(page)}
    return f"{st.base}{kind}?{urlencode(params)}"


def listed_type(st: State, kind: str, listed: page_data.Listing, asked: str | None) -> str | None:
    """The type IRI of ``?type=`` (an IRI or a prefixed name), or a 400 naming every type the listing has.

    An unknown type is refused rather than ignored: a client that misspells it would otherwise get the
    whole listing and take it for the filtered one.
    """
    if asked is None:
        return None
    type_iri = asked
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
    lab = Labeller({}, st.base, page_language())
    lab.learn(st.store.labels, listed.counts)
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
        quads = [q for g in graphs for q in st.store.graph(g)]
        if fmt is not HTML:
            return serialize(quads, fmt), fmt.content_type
        reference = ontology_reference(st, lang) if name == "def" else shapes_reference(st, quads, lang)
        return render_template(template, lang=lang, base=st.base, **reference).encode("utf-8"), HTML.content_type

    body, ctype = st.rendered((name, fmt.key, lang), render)
    response = st.respond(body, ctype, (name, fmt.key, lang), vary=vary_for(fixed, fmt))
    response.headers["Content-Location"] = f"{st.base}{name}.{fmt.suffix}"
    response.headers["Link"] = st.alternates(lambda f: f"{st.base}{name}.{f.suffix}")
    return response


def ontology(ext: str | None = None) -> Response:
    st = state()
    graphs = [f.graph for f in st.build.files if f.kind == "ontology"]
    return graph_document("def", graphs, ext, "ontology.html")


def shapes(ext: str | None = None) -> Response:
    st = state()
    graphs = [f.graph for f in st.build.files if f.kind == "shapes"]
    return graph_document("shapes", graphs, ext, "shapes.html")


def texts(st: State, iri: str, prop: str) -> dict[str, str]:
    rows = st.store.select(f"SELECT ?t WHERE {{ GRAPH <{ONTOLOGY_IRI}> {{ <{iri}> {prop} ?t }} }}")
    return {r["t"].language or "": r["t"].value for r in rows}


def ontology_reference(st: State, lang: str) -> dict[str, object]:
    """Classes, properties, datatypes and concept schemes with definitions in both languages."""

    def terms(kind: str) -> list[dict[str, object]]:
        rows = st.store.select(f"""
            SELECT ?t (GROUP_CONCAT(DISTINCT STR(?super); separator=" ") AS ?supers)
                   (SAMPLE(?d) AS ?domain) (SAMPLE(?r) AS ?range) WHERE {{
              GRAPH <{ONTOLOGY_IRI}> {{ ?t a {kind} FILTER STRSTARTS(STR(?t), "{RL}")
                OPTIONAL {{ ?t rdfs:subClassOf ?super }}
                OPTIONAL {{ ?t rdfs:domain ?d }} OPTIONAL {{ ?t rdfs:range ?r }} }}
            }} GROUP BY ?t ORDER BY ?t""")
        out = []
        for r in rows:
            iri = r["t"].value
            out.append(
                {
                    "iri": iri,
                    "name": iri[len(RL) :],
                    "labels": texts(st, iri, "rdfs:label"),
                    "definitions": texts(st, iri, "skos:definition"),
                    "supers": (r["supers"].value.split() if r["supers"] else []),
                    "domain": r["domain"].value if r["domain"] else "",
                    "range": r["range"].value if r["range"] else "",
                }
            )
        return out

    schemes = []
    for r in st.store.select(f"SELECT ?s WHERE {{ GRAPH <{ONTOLOGY_IRI}> {{ ?s a skos:ConceptScheme }} }} ORDER BY ?s"):
        scheme = r["s"].value
        concepts = [
            c["c"].value
            for c in st.store.select(
                f"SELECT ?c WHERE {{ GRAPH <{ONTOLOGY_IRI}> {{ ?c skos:inScheme <{scheme}> }} }} ORDER BY ?c"
            )
        ]
        schemes.append(
            {
                "iri": scheme,
                "name": scheme[len(RL) :],
                "labels": texts(st, scheme, "skos:prefLabel"),
                "definitions": texts(st, scheme, "skos:definition"),
                "concepts": [
                    {
                        "iri": c,
                        "name": c[len(RL) :],
                        "labels": texts(st, c, "skos:prefLabel"),
                        "definitions": texts(st, c, "skos:definition"),
                        "notation": next(iter(texts(st, c, "skos:notation").values()), ""),
                    }
                    for c in concepts
                ],
            }
        )
    classes, datatypes = terms("owl:Class"), terms("rdfs:Datatype")
    properties = terms("owl:ObjectProperty") + terms("owl:DatatypeProperty")
    properties.sort(key=lambda t: t["name"])
    everything = {
        i
        for group in (classes, datatypes, properties)
        for t in group
        for i in (t["iri"], *t["supers"], t["domain"], t["range"])
        if i
    }
    return {
        "classes": classes,
        "datatypes": datatypes,
        "properties": properties,
        "schemes": schemes,
        "info": {
            "title": texts(st, ONTOLOGY_IRI, "dct:title"),
            "description": texts(st, ONTOLOGY_IRI, "dct:description"),
            "version": next(iter(texts(st, ONTOLOGY_IRI, "owl:versionInfo").values()), ""),
        },
        "lab": Labeller(st.store.labels(everything), st.base, lang),
        "namespace": RL,
    }


def shapes_reference(st: State, quads: list[ox.Quad], lang: str) -> dict[str, object]:
    """Node shapes with their targets and the constraints of their property shapes."""
    graphs = " ".join(f"<{f.graph}>" for f in st.build.files if f.kind == "shapes")
    rows = st.store.select(f"""
        SELECT ?shape (SAMPLE(?label) AS ?name)
               (GROUP_CONCAT(DISTINCT STR(?target); separator=" ") AS ?targets) WHERE {{
          VALUES ?g {{ {graphs} }}
          GRAPH ?g {{ ?shape a sh:NodeShape . OPTIONAL {{ ?shape rdfs:label ?label FILTER (LANG(?label) = "{lang}") }}
                     OPTIONAL {{ ?shape sh:targetClass|sh:targetSubjectsOf|sh:targetObjectsOf ?target }} }}
        }} GROUP BY ?shape ORDER BY ?shape""")
    node_shapes = []
    for r in rows:
        shape = r["shape"].value
        props = st.store.select(f"""
            SELECT ?path ?min ?max ?class ?datatype ?message WHERE {{
              VALUES ?g {{ {graphs} }}
              GRAPH ?g {{ <{shape}> sh:property ?p . ?p sh:path ?path .
                OPTIONAL {{ ?p sh:minCount ?min }} OPTIONAL {{ ?p sh:maxCount ?max }}
                OPTIONAL {{ ?p sh:class ?class }} OPTIONAL {{ ?p sh:datatype ?datatype }}
                OPTIONAL {{ ?p sh:message ?message }} }}
            }} ORDER BY STR(?path)""")
        node_shapes.append(
            {
                "iri": shape,
                "name": shape.split("#", 1)[-1],
                "label": r["name"].value if r["name"] else "",
                "targets": r["targets"].value.split() if r["targets"] else [],
                "properties": [
                    {
                        k: (p[k].value if p[k] is not None else "")
                        for k in ("path", "min", "max", "class", "datatype", "message")
                    }
                    for p in props
                ],
            }
        )
    iris = {t for s in node_shapes for t in s["targets"]} | {
        p[k] for s in node_shapes for p in s["properties"] for k in ("path", "class", "datatype") if p[k]
    }
    return {"node_shapes": node_shapes, "lab": Labeller(st.store.labels(iris), st.base, lang), "namespace": SHAPES_IRI}


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


def method_not_allowed(error: HTTPException) -> Response:
    """405 with the methods this address really answers (RFC 9110 §15.5.6: Allow is required)."""
    allowed = sorted(getattr(error, "valid_methods", None) or ["GET", "HEAD"])
    response = error_page(405, "Method Not Allowed", f"This address answers {', '.join(allowed)} only.")
    response.headers["Allow"] = ", ".join(allowed)
    return response


def server_error(error: Exception) -> Response:
    return error_page(500, "Internal Server Error", "The server could not answer. The error was logged.")
