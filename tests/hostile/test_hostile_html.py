"""Hostile data and hostile queries on HTML pages: shown as text, never run.

A project copy gets ``tests/hostile/hostile.ttl`` as one more data file; it conforms to the shapes
yet carries markup, quotes, ``</script>``, javascript:/data:/vbscript: IRIs and bidi controls. Each
page is parsed with html.parser: the only scripts are our JSON-LD island (or the query page's own
files), no attribute is an event handler, no link leaves http(s), and the hostile text is there as text.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from publisher.config import Settings
from tests.conftest import BASE, ROOT
from tests.hostile.support import assert_safe_answer, assert_still_up, timed

HOSTILE_DATA = Path(__file__).with_name("hostile.ttl")
LABEL_DE = "<script>alert('label')</script> \"quoted\" & 'single' <img src=x onerror=alert(1)>"
LABEL_EN = "\u202egnp.exe\u202c <b onclick=alert('en')>bold</b>"
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "cite", "background"}
FOREIGN_TAGS = {"img", "iframe", "object", "embed", "b", "math", "base"}
#: The pages draw their own SVG (maps, membership timelines); any other svg element came from the data.
OUR_SVG_CLASSES = {"map-svg", "timeline-chart"}
OUR_SCRIPT_SOURCES = (BASE + "static/",)  # nothing from another origin


@dataclass
class Page(HTMLParser):
    """What a page holds that could run: scripts, attributes, links; and its visible text."""

    scripts: list[tuple[dict[str, str | None], str]] = field(default_factory=list)
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _script: dict[str, str | None] | None = None

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        else:
            self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def scheme(value: str) -> str:
    """The scheme a browser would see: control characters and spaces are dropped before it (WHATWG URL)."""
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
    return cleaned.split(":", 1)[0] if ":" in cleaned else ""


def assert_inert(html: str) -> Page:
    """Nothing from the data or the query can run on this page."""
    page = parse(html)
    for attrs, body in page.scripts:
        if attrs.get("type") in ("application/ld+json", "application/json"):
            json.loads(body)  # our island, or the query editor's vocabulary: data, and still valid JSON
            assert "</" not in body and "<!--" not in body
        else:
            assert (attrs.get("src") or "").startswith(OUR_SCRIPT_SOURCES), attrs
            assert body.strip() == ""
    for tag, attrs in page.tags:
        assert tag not in FOREIGN_TAGS, (tag, attrs)
        if tag == "svg":
            assert attrs.get("class") in OUR_SVG_CLASSES, attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in LINK_ATTRIBUTES and value:
                assert scheme(value) in ("", "http", "https"), (tag, name, value)
    assert not BIDI.search(html), "a bidi control reached the page"
    return page


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory):
    """An app over the shipped data plus the hostile file (which must still conform)."""
    from publisher import create_app

    root = tmp_path_factory.mktemp("hostile-project")
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("examples"))
    shutil.copy(HOSTILE_DATA, root / "data" / "hostile.ttl")
    settings = Settings(base_iri=BASE, root=root, download_dir=str(root / "download"), rate_limit=0)
    return create_app(settings).test_client(use_cookies=False)


HOSTILE_PAGES = [
    ("hostile-thing-de", "/doc/organization/hostile-markup?lang=de", [LABEL_DE, "javascript:alert('exact')"]),
    ("hostile-thing-en", "/doc/organization/hostile-markup?lang=en", ["[U+202E]gnp.exe[U+202C]"]),
    ("hostile-thing-links", "/doc/organization/hostile-markup", ["data:text/html;base64", "vbscript:msgbox(1)"]),
    ("incoming-from-javascript", "/doc/territory/03358", ["<script>alert('incoming-label')</script>"]),
    ("membership-table", "/doc/organization/03358", [LABEL_DE, "</td><script>alert('note')</script>"]),
    ("licence-and-sources", "/doc/membership/hostile-markup/03358", ["javascript:alert('licence')"]),
    ("incoming-page", "/incoming/territory/03358", ["<script>alert('incoming-label')</script>"]),
    # markup first in both labels: they sort before the shipped names, onto the first page of the listing
    ("listing", "/organizations", [LABEL_DE, "<b>Kooperation mit javascript:-IRI</b>"]),
    ("home", "/", [LABEL_DE]),
    ("not-found-with-markup", "/doc/%3Cscript%3Ealert(1)%3C%2Fscript%3E", []),
]


@pytest.mark.parametrize(("case", "path", "shown"), HOSTILE_PAGES, ids=[c[0] for c in HOSTILE_PAGES])
def test_hostile_data_is_shown_as_text(hostile_client, case: str, path: str, shown: list[str]) -> None:
    response, elapsed = timed(lambda: hostile_client.get(path, headers={"Accept": "text/html"}))
    assert_safe_answer(response, elapsed, 404 if case.startswith("not-found") else 200)
    assert response.mimetype == "text/html"
    page = assert_inert(response.get_data(as_text=True))
    text = "".join(page.text)
    for expected in shown:
        assert expected in text, expected
    assert_still_up(hostile_client)


def test_json_ld_island_keeps_the_hostile_label_exactly(hostile_client) -> None:
    page = parse(hostile_client.get("/doc/organization/hostile-markup?lang=de").get_data(as_text=True))
    islands = [json.loads(body) for attrs, body in page.scripts if attrs.get("type") == "application/ld+json"]
    assert len(islands) == 1
    assert islands[0]["name"] == LABEL_DE  # escaped for the script element, yet the same string
    assert "sameAs" not in islands[0]  # the only exactMatch is a javascript: IRI
    en = parse(hostile_client.get("/doc/organization/hostile-markup?lang=en").get_data(as_text=True))
    island = next(json.loads(b) for a, b in en.scripts if a.get("type") == "application/ld+json")
    assert island["name"] == LABEL_EN  # bidi controls kept as JSON escapes, not dropped


def test_rdf_keeps_the_hostile_values_unchanged(hostile_client) -> None:
    import rdflib

    response = hostile_client.get("/doc/organization/hostile-markup.ttl")
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    thing = rdflib.URIRef(f"{BASE}id/organization/hostile-markup")
    labels = set(graph.objects(thing, rdflib.SKOS.prefLabel))
    assert rdflib.Literal(LABEL_DE, lang="de") in labels and rdflib.Literal(LABEL_EN, lang="en") in labels
    assert (thing, rdflib.SKOS.exactMatch, rdflib.URIRef("javascript:alert('exact')")) in graph


HOSTILE_QUERIES = [
    ("literal-markup", "SELECT ?x WHERE { BIND(\"<script>alert('q')</script>\" AS ?x) }"),
    ("javascript-iri", "SELECT ?x WHERE { BIND(IRI(\"javascript:alert('q')\") AS ?x) }"),
    ("data-iri", 'SELECT ?x WHERE { BIND(IRI("data:text/html,<script>alert(1)</script>") AS ?x) }'),
    ("bidi-literal", 'SELECT ?x WHERE { BIND("\u202eevil\u202c" AS ?x) }'),
    ("markup-in-comment", "ASK { } # </textarea><script>alert('comment')</script>"),
    ("markup-variable-name", "SELECT ?script WHERE { BIND('\"><svg onload=alert(1)>' AS ?script) }"),
    ("construct-markup", 'CONSTRUCT { <urn:a> <urn:b> "</pre><script>alert(1)</script>" } WHERE { }'),
]


@pytest.mark.parametrize(("case", "query"), HOSTILE_QUERIES, ids=[c[0] for c in HOSTILE_QUERIES])
def test_query_page_shows_queries_and_results_as_text(client, case: str, query: str) -> None:
    response, elapsed = timed(lambda: client.get("/sparql", query_string={"query": query, "format": "html"}))
    assert_safe_answer(response, elapsed, 200)
    page = assert_inert(response.get_data(as_text=True))
    assert BIDI.sub("", query.split("#")[0][:20]) in "".join(page.text)  # the query is echoed, as text
    assert_still_up(client)
