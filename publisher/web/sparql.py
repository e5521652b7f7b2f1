"""The SPARQL 1.1 Protocol query operation at /sparql: read-only, bounded, and safe to leave open.

SPARQL 1.1 Protocol §2.1: query via GET (§2.1.1), POST URL-encoded (§2.1.2) and POST direct
(§2.1.3, UTF-8 only); the protocol dataset (default-graph-uri, named-graph-uri) wins over FROM.
A GET without a query returns the Service Description (SPARQL 1.1 SD §2), or the query page.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Response, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from publisher.errors import Problem
from publisher.negotiation import GRAPH_FORMATS, HTML, JSON, RESULT_FORMATS, TURTLE, Format, by_word, negotiate
from publisher.render import assets
from publisher.render.rdf import serialize
from publisher.sparql.description import service_description
from publisher.sparql.examples import Example, load_examples
from publisher.sparql.executables import example_iri
from publisher.sparql.guard import check_query
from publisher.sparql.runner import QueryOptions, QueryResult
from publisher.web.querypage import vocabulary_json
from publisher.web.state import State, page_language, state, vary_for

#: ``format=`` words, per kind of result. Clients such as SPARQLWrapper send ``format=xml`` or
#: ``format=json`` for every query form, so those words mean RDF/XML and JSON-LD for graph results.
RESULT_PARAM = by_word((*RESULT_FORMATS, HTML))
GRAPH_PARAM = by_word((*GRAPH_FORMATS, HTML))
ALLOW = "GET, POST, HEAD, OPTIONS"

#: The query editor, served from our own origin with Subresource Integrity (publisher/render/assets.py); the page works
#: without it. It sends queries to this endpoint only (connect-src), and nothing loads from another origin.
YASGUI = assets.YASGUI
QUERY_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def query_page(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, content_type=HTML.content_type)
    response.headers["Content-Security-Policy"] = QUERY_PAGE_CSP
    return response


def render_page(st: State, lang: str, query: str, examples: list[Example] | None = None, **shown: object) -> str:
    """The query page: the form holding ``query``, the example queries, and a result or an error when given."""
    shown.setdefault("result", None)
    shown.setdefault("downloads", [])
    return render_template(
        "sparql.html",
        lang=lang,
        base=st.base,
        query=query,
        examples=load_examples(st.settings) if examples is None else examples,
        yasgui=YASGUI,
        vocabulary=vocabulary_json(st) if YASGUI else "",
        service_description=sd_url(st, TURTLE),
        **shown,
    )


def wants_page(params: MultiDict[str, str] | None = None) -> bool:
    """Whether the client asked for the HTML page (``format=html``, or a browser's Accept) rather than data;
    ``params`` are the request's parameters (by default the URL's and the form's)."""
    fixed = (request.values if params is None else params).get("format", "").lower()
    if fixed == "html":
        return True
    if fixed in RESULT_PARAM or fixed in GRAPH_PARAM:
        return False
    return negotiate(request.headers.get("Accept"), (*RESULT_FORMATS, *GRAPH_FORMATS, HTML)) is HTML


def refuse(st: State, query: str, problem: Problem, params: MultiDict[str, str] | None = None) -> Response:
    """Say why a query was not answered: on the query page, the query kept in the form, when a person asked
    from it; in plain words for every other client (SPARQL 1.1 Protocol, failure responses: the body is ours
    to choose, best negotiated)."""
    if not wants_page(params):
        return plain(problem)
    error = {"status": problem.status, "message": problem.message.rstrip(), "retry_after": problem.retry_after}
    response = query_page(render_page(st, page_language(), query, error=error), problem.status)
    passing(response, problem)
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Content-Language"] = page_language()
    return response


def plain(problem: Problem) -> Response:
    """Answer a problem in words, never a stack trace: the error handler of every route, and the
    protocol's answer."""
    text = problem.message.rstrip() + "\n"
    response = Response(text, status=problem.status, content_type="text/plain; charset=utf-8")
    passing(response, problem)
    return response


def passing(response: Response, problem: Problem) -> None:
    """Say when to ask again (RFC 9110 §10.2.3), and keep a passing state out of every cache."""
    if problem.retry_after is not None:
        response.headers["Retry-After"] = str(problem.retry_after)
        response.headers["Cache-Control"] = "no-store"


def sparql() -> Response:
    """Answer one protocol request."""
    st = state()
    if request.method == "OPTIONS":
        return preflight()
    try:
        text, default_graphs, named_graphs = read_request()
    except Problem as problem:
        # Only the URL's parameters: a body that could not be read must not be parsed again for its form.
        return refuse(st, request.args.get("query", ""), problem, params=request.args)
    if text is None:
        return describe_service(st)
    return answer_query(st, text, default_graphs, named_graphs)


def preflight() -> Response:
    """CORS preflight (Fetch standard): any origin may query."""
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = ALLOW
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    response.headers["Allow"] = ALLOW
    return response


def read_request() -> tuple[str | None, list[str], list[str]]:
    """Return the query text (None: no query) and the protocol dataset; refuse what is not a query."""
    args = request.args
    if "update" in args or "using-graph-uri" in args or "using-named-graph-uri" in args:
        raise Problem(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    default_graphs = args.getlist("default-graph-uri")
    named_graphs = args.getlist("named-graph-uri")
    if request.method in ("GET", "HEAD"):
        queries = args.getlist("query")
    else:
        mimetype = request.mimetype
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if mimetype == "application/x-www-form-urlencoded":
            read_body()  # the form is parsed from the checked, cached body
            form = request.form
            if "update" in form:
                raise Problem(403, "This endpoint is read-only: SPARQL Update is not accepted.")
            queries = args.getlist("query") + form.getlist("query")
            default_graphs += form.getlist("default-graph-uri")
            named_graphs += form.getlist("named-graph-uri")
        elif mimetype == "application/sparql-query":
            if charset not in ("utf-8", "utf8"):
                raise Problem(415, f"A direct POST must be UTF-8 (SPARQL 1.1 Protocol §2.1.3), not {charset}.")
            try:
                body = read_body().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise Problem(400, f"The query is not valid UTF-8: {exc.reason} at byte {exc.start}.") from None
            queries = args.getlist("query") + [body]
        elif mimetype == "application/sparql-update":
            raise Problem(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        else:
            shown = mimetype or "no Content-Type"
            raise Problem(
                415,
                f"POST needs Content-Type application/x-www-form-urlencoded or application/sparql-query, not {shown}.",
            )
        if not queries:
            raise Problem(400, "The request has no query parameter.")
    if len(queries) > 1:
        raise Problem(400, "The request has more than one query; send exactly one.")
    return (queries[0] if queries else None), default_graphs, named_graphs


def read_body() -> bytes:
    """The whole request body; refuse one that ended before its Content-Length or broke its chunked framing.

    gunicorn marks its input as terminated, so Werkzeug trusts it and a client that closes early would
    have its truncated body run as a shorter query (RFC 9112 §6.3: such a message is incomplete).
    """
    try:
        body = request.get_data(cache=True)
    except HTTPException:
        raise  # 413 and the like keep their own answer
    except Exception:  # the WSGI server's reader: e.g. an invalid chunk size
        raise Problem(400, "The request body is malformed: its chunked transfer coding could not be read.") from None
    announced = request.content_length
    if announced is not None and len(body) < announced:
        raise Problem(
            400,
            f"The request body ended after {len(body)} of the {announced} bytes its Content-Length announced."
        )
    return body


def chosen_format(form: str) -> Format | None:
    """``format=`` wins when it names a format for this kind of result; else Accept decides."""
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    fixed = request.values.get("format", "").lower()
    known = (GRAPH_PARAM if graph_form else RESULT_PARAM).get(fixed)
    if known is not None:
        return known
    offered = (*GRAPH_FORMATS, HTML) if graph_form else (*RESULT_FORMATS, HTML)
    return negotiate(request.headers.get("Accept"), offered)


def answer_query(st: State, text: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
    allowed = st.graph_names
    for graph in default_graphs + named_graphs:
        if graph not in allowed:
            return refuse(
                st,
                text,
                Problem(
                    400,
                    f"<{graph}> is not a graph of this endpoint; it serves only its own graphs "
                    "and never loads data from elsewhere.",
                ),
            )
    try:
        check = check_query(text, allowed, st.endpoint)
    except Problem as problem:
        return refuse(st, text, problem)
    fmt = chosen_format(check.form)
    if fmt is None:
        kinds = (
            "Turtle, JSON-LD, RDF/XML, N-Triples"
            if check.form in ("CONSTRUCT", "DESCRIBE")
            else "SPARQL JSON, SPARQL XML, CSV, TSV"
        )
        return plain(Problem(406, f"No acceptable format for a {check.form} result. Available: {kinds}, HTML."))
    settings = st.settings
    timeout = float(settings.sparql_timeout)
    asked = request.values.get("timeout")
    if asked:
        try:
            timeout = min(timeout, max(0.05, float(asked)))
        except ValueError:
            return refuse(st, text, Problem(400, "timeout must be a number of seconds."))
    options = QueryOptions(
        result_format=fmt if fmt in RESULT_FORMATS else JSON,
        graph_format=fmt if fmt in GRAPH_FORMATS else TURTLE,
        timeout=timeout,
        row_limit=settings.sparql_row_limit,
        base_iri=st.endpoint,
        default_graphs=tuple(default_graphs),
        named_graphs=tuple(named_graphs),
        form=check.form,
        from_graphs=tuple(check.from_graphs),
        from_named=tuple(check.from_named),
    )
    try:
        result = st.runner(text, options)
    except Problem as problem:
        return refuse(st, text, problem)
    if fmt is HTML:
        response = results_page(st, text, result, check.form)
    else:
        content_type = fmt.content_type
        response = Response(result.body, content_type=content_type)
    response.headers["Vary"] = "Accept"
    response.headers["X-Regiolod-Rows"] = str(result.rows)
    if result.truncated:
        response.headers["X-Regiolod-Truncated"] = "true"
        response.headers["X-Regiolod-Row-Limit"] = str(settings.sparql_row_limit)
    return response


def download_links(text: str, form: str) -> list[tuple[str, str]]:
    formats = GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else RESULT_FORMATS
    return [(f.label, "?" + urlencode({"query": text, "format": f.word})) for f in formats]


def results_page(st: State, text: str, result: QueryResult, form: str) -> Response:
    """The result as an HTML table (or Turtle text for graphs), with downloads in every format."""
    lang = page_language()
    table: dict[str, object] = {}
    if result.kind == "solutions":
        doc = json.loads(result.body)
        table = {
            "vars": doc["head"]["vars"],
            "rows": [[row.get(v) for v in doc["head"]["vars"]] for row in doc["results"]["bindings"]],
        }
    elif result.kind == "boolean":
        table = {"boolean": json.loads(result.body)["boolean"]}
    else:
        table = {"graph": result.body.decode("utf-8")}
    body = render_page(
        st,
        lang,
        text,
        result=table,
        rows=result.rows,
        truncated=result.truncated,
        row_limit=st.settings.sparql_row_limit,
        downloads=download_links(text, form),
    )
    return query_page(body)


def describe_service(st: State) -> Response:
    """GET without a query: the Service Description (SPARQL 1.1 SD §2) as RDF, or the query page for browsers.

    ``format=`` (ttl, jsonld, rdf, nt, html) fixes the format, as the page's links do; else Accept decides.
    Both carry ETag and Last-Modified of the build and answer revalidation with 304, as documents do.
    """
    fixed = GRAPH_PARAM.get(request.values.get("format", "").lower())
    offered = (*GRAPH_FORMATS, HTML)
    fmt = fixed or negotiate(request.headers.get("Accept"), offered)
    alternates = st.alternates(lambda f: sd_url(st, f), formats=offered)
    if fmt is None:
        response = plain(Problem(406, "Available: " + ", ".join(f.media_type for f in offered) + "."))
        response.headers["Link"] = alternates
        return response
    extra = [("Content-Location", sd_url(st, fmt)), ("Link", alternates)]
    if fmt is HTML:
        lang = page_language()
        examples = load_examples(st.settings)
        # The examples are read from queries/ as the page is served: an edited example is a new page; so is
        # the editor's bundle appearing, changing or going (`make vendor`), whose hashes the page names.
        editor = (YASGUI.js_integrity or "", YASGUI.css_integrity or "")
        key: tuple[str, ...] = ("sparql", fmt.key, lang, fingerprint([*(e.query for e in examples), *editor]))

        def render() -> tuple[bytes, str]:
            body = render_page(st, lang, default_query(), examples)
            return body.encode("utf-8"), HTML.content_type

        extra += [("Content-Security-Policy", QUERY_PAGE_CSP), ("Content-Language", lang)]
    else:
        functions = st.functions()
        executables = [example_iri(st.endpoint, e.name) for e in load_examples(st.settings)]
        # The functions are asked of the engine (a remote store again, when it was down): part of the key.
        key = ("sparql", fmt.key, fingerprint([*functions, *executables]))

        def render() -> tuple[bytes, str]:
            quads = service_description(st.endpoint, st.graph_sizes, functions, executables)
            body = serialize([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads], fmt)
            return body, fmt.content_type

    body, content_type = st.rendered(key, render)
    return st.respond(body, content_type, key, vary=vary_for(fixed, fmt), extra=extra)


def sd_url(st: State, fmt: Format) -> str:
    """The address of the Service Description (or the query page) in one format."""
    return f"{st.endpoint}?format={fmt.word}"


def fingerprint(texts: Iterable[str]) -> str:
    """A short digest of ``texts``, for keys of what is rendered from them."""
    return hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest()[:16]


def default_query() -> str:
    return (
        "PREFIX rl: <https://w3id.org/regiolod/def#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n\n"
        "SELECT ?territory ?name WHERE {\n  ?territory a rl:Territory ; skos:prefLabel ?name .\n"
        '  FILTER (LANG(?name) = "de")\n} ORDER BY ?name LIMIT 20\n'
    )
