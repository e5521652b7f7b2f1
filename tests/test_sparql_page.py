"""The query page a person uses at /sparql: failures shown on it, and the Service Description it links to."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import rdflib
from rdflib.compare import isomorphic

from tests.conftest import BASE, ROOT

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
#: A query a person might mistype: a blank first line, characters the page must escape, a pattern without object.
BROKEN = "\nPREFIX rl: <https://w3id.org/regiolod/def#>\nSELECT * WHERE {\n  ?s rl:name \"a < b & 'c'\" ;\n     ?p \n}"
EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HEADINGS = {"de": "Die Abfrage wurde nicht ausgeführt.", "en": "The query was not run."}
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


class PageReader(HTMLParser):
    """What a person sees of the query page: the textarea's text, the alert, the links with their types."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.textarea: str | None = None
        self.alert = ""
        self.links: list[dict[str, str | None]] = []
        self.html_lang = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang") or ""
        if tag == "textarea" and attributes.get("name") == "query":
            self.textarea = ""
            self._in.append("textarea")
        elif tag == "section" and attributes.get("role") == "alert":
            self._in.append("alert")
        elif tag == "a":
            self.links.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if self._in and {"textarea": "textarea", "section": "alert"}.get(tag) == self._in[-1]:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "textarea" in self._in:
            self.textarea = (self.textarea or "") + data
        elif "alert" in self._in:
            self.alert += data


def read_page(response) -> PageReader:
    assert response.mimetype == "text/html", response.data[:200]
    reader = PageReader()
    reader.feed(response.data.decode("utf-8"))
    return reader


def shown_query(reader: PageReader) -> str:
    """The query as the form will send it again (HTML drops one newline right after <textarea>)."""
    assert reader.textarea is not None
    return reader.textarea[1:] if reader.textarea.startswith("\n") else reader.textarea


# --- Failures from the form ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("how", ["post-form", "get-browser"])
def test_syntax_error_from_the_form_keeps_the_query_on_the_page(client, how: str, lang: str) -> None:
    """A mistyped query comes back on the query page with the parser's message, the query still in the editor."""
    headers = {**BROWSER, "Accept-Language": lang}
    if how == "post-form":
        response = client.post("/sparql", data={"query": BROKEN, "format": "html"}, headers=headers)
    else:
        response = client.get("/sparql", query_string={"query": BROKEN}, headers=headers)
    assert response.status_code == 400
    page = read_page(response)
    assert shown_query(page) == BROKEN
    assert "Syntax error at line 6, column" in page.alert
    assert HEADINGS[lang] in page.alert and page.html_lang == lang
    assert response.headers["Content-Language"] == lang
    assert "Accept" in response.headers["Vary"]
    assert "ETag" not in response.headers  # a failure is not a representation to revalidate


def test_time_out_from_the_form_keeps_the_query_and_says_when_to_retry(client) -> None:
    """A query stopped at the time limit: 503 with Retry-After, the page telling so, the query kept."""
    response = client.post("/sparql", data={"query": EXPLOSION, "format": "html", "timeout": "1"}, headers=BROWSER)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Cache-Control"] == "no-store"
    page = read_page(response)
    assert shown_query(page) == EXPLOSION
    assert "time limit of 1 s" in page.alert and "Bitte in 1 s erneut versuchen" in page.alert


@pytest.mark.parametrize(
    ("query", "protocol", "status", "words"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", {}, 400, "SERVICE"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", {}, 403, "read-only"),
        ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", {}, 400, "not a graph of this endpoint"),
        ("ASK { ?s ?p ?o }", {"default-graph-uri": "http://example.org/g"}, 400, "not a graph of this endpoint"),
        ("ASK { ?s ?p ?o }", {"timeout": "soon"}, 400, "timeout must be a number"),
    ],
)
def test_refused_queries_from_the_form_keep_the_query_on_the_page(
    client, query: str, protocol: dict, status: int, words: str
) -> None:
    """Queries the endpoint refuses: the same status as for any client, told on the page with the query kept."""
    response = client.post("/sparql", data={"query": query, "format": "html", **protocol}, headers=BROWSER)
    assert response.status_code == status
    page = read_page(response)
    assert shown_query(page) == query
    assert words in page.alert


@pytest.mark.parametrize(
    ("headers", "fmt"),
    [
        ({"Accept": "application/sparql-results+json"}, None),
        ({"Accept": "application/sparql-results+xml"}, None),
        ({"Accept": "text/csv"}, None),
        ({}, None),
        (BROWSER, "json"),  # a browser that asked for SPARQL JSON (the form's format menu)
    ],
    ids=["json", "xml", "csv", "no-accept", "format-json"],
)
def test_api_clients_keep_plain_errors(client, headers: dict, fmt: str | None) -> None:
    """Clients of the protocol get the failure in plain words, as before: no page to parse."""
    extra = {"format": fmt} if fmt else {}
    for query in (BROKEN, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"):
        response = client.get("/sparql", query_string={"query": query, **extra}, headers=headers)
        assert response.status_code == 400
        assert response.mimetype == "text/plain"
        assert b"<html" not in response.data


# --- The Service Description and its link -----------------------------------------------------


def service_description(client, **request) -> rdflib.Graph:
    response = client.get("/sparql", **request)
    assert response.status_code == 200, response.data
    parser = {
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
        "application/rdf+xml": "xml",
        "application/n-triples": "nt",
    }[response.mimetype]
    return rdflib.Graph().parse(data=response.data, format=parser)


def test_the_pages_turtle_link_yields_the_service_description(client) -> None:
    """The "Turtle" link at the foot of the query page, followed by a browser, answers Turtle, not the page again."""
    page = read_page(client.get("/sparql", headers=BROWSER))
    (link,) = [a for a in page.links if a.get("type") == "text/turtle"]
    href = link["href"]
    assert href.startswith(BASE + "sparql")
    followed = client.get(href.removeprefix(BASE.rstrip("/")), headers=BROWSER)
    assert followed.status_code == 200 and followed.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=followed.data, format="turtle")
    assert (None, SD.endpoint, rdflib.URIRef(BASE + "sparql")) in graph
    assert isomorphic(graph, service_description(client, headers={"Accept": "text/turtle"}))


@pytest.mark.parametrize(
    ("word", "media"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
    ],
)
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_format_parameter_without_a_query_picks_the_service_description_format(client, word: str, media: str) -> None:
    """``/sparql?format=…`` without a query: the Service Description in that format, whatever Accept says."""
    response = client.get("/sparql", query_string={"format": word}, headers=BROWSER)
    assert response.mimetype == media
    assert response.headers["Content-Location"] == f"{BASE}sparql?format={word}"
    graph = service_description(client, query_string={"format": word}, headers=BROWSER)
    assert isomorphic(graph, service_description(client, headers={"Accept": media}))
    assert (None, SD.endpoint, rdflib.URIRef(BASE + "sparql")) in graph


@pytest.mark.parametrize(
    "request_args",
    [
        {"query_string": {"format": "ttl"}},
        {"query_string": {"format": "jsonld"}},
        {"query_string": {"format": "rdf"}},
        {"query_string": {"format": "nt"}},
        {"headers": {"Accept": "text/turtle"}},
        {"headers": {**BROWSER, "Accept-Language": "de"}},
        {"headers": {**BROWSER, "Accept-Language": "en"}},
        {"query_string": {"format": "html"}},
    ],
    ids=["ttl", "jsonld", "rdf", "nt", "accept-turtle", "page-de", "page-en", "page-format"],
)
def test_service_description_and_query_page_revalidate(app, client, request_args: dict) -> None:
    """ETag (the build's version) and Last-Modified on every format, and 304 on either kind of revalidation."""
    response = client.get("/sparql", **request_args)
    assert response.status_code == 200
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert etag.strip('"').startswith(app.extensions["regiolod"].build.version + "-")
    headers = request_args.get("headers", {})
    query_string = request_args.get("query_string", {})
    again = client.get("/sparql", query_string=query_string, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/sparql", query_string=query_string, headers={**headers, "If-Modified-Since": modified})
    assert since.status_code == 304
    changed = client.get("/sparql", query_string=query_string, headers={**headers, "If-None-Match": '"other"'})
    assert changed.status_code == 200 and changed.data == response.data


def test_each_representation_has_its_own_etag(client) -> None:
    """Formats and languages differ in bytes, so they differ in ETag (a cache must not mix them)."""
    asked = [{"query_string": {"format": word}} for word in ("ttl", "jsonld", "rdf", "nt")] + [
        {"headers": {**BROWSER, "Accept-Language": lang}} for lang in ("de", "en")
    ]
    tags = [client.get("/sparql", **a).headers["ETag"] for a in asked]
    assert len(set(tags)) == len(tags)
    negotiated = client.get("/sparql", headers={**BROWSER, "Accept-Language": "en"})
    assert "Accept" in negotiated.headers["Vary"] and "Accept-Language" in negotiated.headers["Vary"]


#: What each ``format=`` word of the query page and of its download links gives (the query page's own words).
FORMAT_WORDS = {
    "html": "text/html",
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
}
GRAPH_WORDS = {"ttl", "jsonld", "rdf", "nt"}


def test_every_format_the_page_offers_gives_that_format(client) -> None:
    """Each choice of the form's format menu, and each download link under a result, answers in the format it
    names; the links of a SELECT result offer the result formats, those of a CONSTRUCT result the RDF ones."""
    page = client.get("/sparql", headers=BROWSER).data.decode("utf-8")
    menu = re.search(r'<select name="format">(.*?)</select>', page, re.DOTALL)
    assert menu is not None
    offered = re.findall(r'<option value="([^"]+)"', menu.group(1))
    assert sorted(offered) == sorted(FORMAT_WORDS)
    select = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2"
    for word in offered:
        query = construct if word in GRAPH_WORDS else select
        answer = client.get("/sparql", query_string={"query": query, "format": word}, headers=BROWSER)
        assert (answer.status_code, answer.mimetype) == (200, FORMAT_WORDS[word]), word
    for query, words in ((select, set(FORMAT_WORDS) - GRAPH_WORDS - {"html"}), (construct, GRAPH_WORDS)):
        results = read_page(client.get("/sparql", query_string={"query": query, "format": "html"}))
        links = [  # the links to the formats (the language switch keeps the query too, but names no format)
            str(link["href"]) for link in results.links
            if str(link.get("href")).startswith("?query=") and "format=" in str(link.get("href"))
        ]
        linked = {re.search(r"format=([^&]+)", href).group(1) for href in links}
        assert linked == words
        for href in links:
            word = re.search(r"format=([^&]+)", href).group(1)
            assert client.get("/sparql" + href, headers=BROWSER).mimetype == FORMAT_WORDS[word], href


def test_readme_lists_the_service_description_formats() -> None:
    """The README's route table names /sparql?format= with every word the endpoint answers without a query."""
    from publisher.negotiation import GRAPH_FORMATS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `/sparql"))
    assert "`/sparql?format=" in row
    for fmt in GRAPH_FORMATS:
        assert re.search(rf"\b{fmt.word}\b", row), fmt.word
