"""HTML pages for people, the ontology and shapes documents, listings and long link lists."""

from __future__ import annotations

import functools
import gzip
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import rdflib
from rdflib.namespace import VOID

from publisher.render.page_data import COVERAGE
from tests.conftest import BASE, make_client


class Page(HTMLParser):
    """Collect what a reader sees and where the links go."""

    def __init__(self, html: str):
        super().__init__()
        self.html = html
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self._href: str | None = None
        self._script: dict | None = None
        self.title = ""
        self._in_title = False
        self._in_h1 = False
        self.h1 = ""
        self.h2: list[str] = []
        self._in_h2 = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self._href = a.get("href")
            self.links.append((a.get("href") or "", ""))
        if tag == "script":
            self._script = a
        self._in_title = tag == "title"
        self._in_h1 = tag == "h1"
        if tag == "h2":
            self.h2.append("")

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None
        if tag == "script":
            self._script = None
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._script is not None:
            self.scripts.append((self._script, data))
            return
        self.text.append(data)
        if self._in_title:
            self.title += data
        if self._in_h1:
            self.h1 += data
        if self.h2 and self.lasttag == "h2":
            self.h2[-1] += data.strip()
        if self._href is not None and self.links and self._href == self.links[-1][0]:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)

    @property
    def plain(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))

    def href_of(self, text: str) -> str:
        return next(h for h, t in self.links if t.strip() == text)


def page(client, path: str, **headers) -> Page:
    response = client.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, path
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return Page(response.data.decode("utf-8"))


def test_heidekreis_page_shows_identity_codes_geography_and_sources(client) -> None:
    p = page(client, "/doc/territory/03358")
    assert p.h1.strip() == "Heidekreis"
    for fact in (
        "03358",
        "DE938",
        "Kreisschlüssel",
        "145.394",  # German separators (the data: 145394 and 1881.46)
        "1.881,46 km²",
        "Niedersachsen",
        "Walsrode",
        "Statistisches Bundesamt (Destatis)",
        "dl-by-de/2.0",
    ):
        assert fact in p.plain, fact
    assert ("http://www.wikidata.org/entity/Q5922", "http://www.wikidata.org/entity/Q5922") in p.links
    groups = [h for h in p.h2 if h in ("Beschreibung", "Amtliche Schlüssel", "Gebiet", "Verweise", "Herkunft")]
    assert groups == ["Beschreibung", "Amtliche Schlüssel", "Gebiet", "Verweise", "Herkunft"]


def test_english_by_parameter_and_by_accept_language(client) -> None:
    assert "Official codes" in page(client, "/doc/territory/03358?lang=en").plain
    assert "Official codes" in page(client, "/doc/territory/03358", **{"Accept-Language": "en-GB,en;q=0.9"}).plain
    english = page(client, "/doc/organization/metropolregion-hamburg?lang=en")
    assert english.h1.strip() == "Hamburg Metropolitan Region"


def test_cooperation_lists_current_and_past_members_apart(client) -> None:
    p = page(client, "/doc/organization/metropolregion-hamburg")
    text = p.plain
    assert "Heute (21)" in text and "Früher (1)" in text
    current, past = text.split("Heute (21)")[1].split("Früher (1)")
    assert "Stadt Schwerin" in current and "1. Januar 2017" in current  # written out; the machine value:
    assert '<time datetime="2017-01-01">' in p.html
    assert "Landkreis Ludwigslust-Parchim" in past and "31. Dezember 2016" in past and "Teilgebiet" in past


def test_member_page_lists_its_memberships_and_history(client) -> None:
    p = page(client, "/doc/organization/033580024024")
    assert "Vogelpark-Region" in p.plain and "Wirtschaftsförderung Deltaland" in p.plain
    assert "Eingliederung der Gemeinde Bomlitz in die Stadt Walsrode" in p.plain
    bomlitz = page(client, "/doc/organization/03358004")
    assert "1. Januar 2020" in bomlitz.plain and "Stadt Walsrode" in bomlitz.plain
    assert '<time datetime="2020-01-01">' in bomlitz.html


def test_schema_org_island_is_valid_json(client) -> None:
    p = page(client, "/doc/territory/03358")
    [(attrs, data)] = p.scripts
    assert attrs["type"] == "application/ld+json"
    island = json.loads(data)
    assert island["@type"] == "AdministrativeArea"
    assert island["@id"] == f"{BASE}id/territory/03358"
    assert {"propertyID": "Kreisschlüssel", "value": "03358", "@type": "PropertyValue"} in island["identifier"]
    body = page(client, "/doc/organization/03358").scripts[0][1]
    assert json.loads(body)["@type"] == "GovernmentOrganization"


def test_every_link_to_our_own_things_stays_on_the_base(client) -> None:
    for path in ("/", "/doc/territory/03358", "/doc/organization/metropolregion-hamburg", "/territories"):
        for href, _ in page(client, path).links:
            if "regiolod" in href and not href.startswith("https://w3id.org/"):
                assert href.startswith(BASE), (path, href)


def test_a_person_clicks_from_home_to_the_merger_and_back(client) -> None:
    """Home → Heidekreis → Walsrode → the Bomlitz merger → the LEADER region → back home."""

    def follow(href: str) -> Page:
        assert href.startswith(BASE)
        path = href[len(BASE) - 1 :]
        response = client.get(path, headers={"Accept": "text/html"})
        if response.status_code == 303:
            location = response.headers["Location"]
            assert location.startswith(BASE)
            response = client.get(location[len(BASE) - 1 :], headers={"Accept": "text/html"})
        assert response.status_code == 200, path
        return Page(response.data.decode("utf-8"))

    home = page(client, "/")
    kreis = follow(home.href_of("Heidekreis"))
    walsrode = follow(kreis.href_of("Walsrode"))
    body = follow(walsrode.href_of("Stadt Walsrode"))
    merger = follow(body.href_of("Eingliederung der Gemeinde Bomlitz in die Stadt Walsrode"))
    assert "Gemeinde Bomlitz" in merger.plain
    lag = follow(body.href_of("Lokale Aktionsgruppe Vogelpark-Region"))
    region = follow(lag.href_of("LEADER-Region Vogelpark-Region"))
    assert region.h1.strip() == "LEADER-Region Vogelpark-Region"
    assert follow(region.href_of("regiolod")).h1.startswith("Regionen")


def test_home_counts_what_the_dataset_holds(client, sparql) -> None:
    p = page(client, "/")
    territories = sparql("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a rl:Territory }")[0]["n"]
    assert re.search(rf"Gebiete {territories}\b", p.plain)
    assert "Metropolregion Hamburg" in p.plain and "Zweckverband Aller-Leine-Tal" in p.plain


SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


def service_description(client) -> rdflib.Graph:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.data, format="turtle")


def count(client, query: str) -> int:
    """The single number a SELECT (COUNT ...) answers at /sparql."""
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.data[:300]
    [row] = response.json["results"]["bindings"]
    return int(next(iter(row.values()))["value"])


def test_home_totals_say_what_they_count_and_link_the_query_that_gives_them(client) -> None:
    p = page(client, "/")
    dataset = int(re.search(r"Tripel im Datensatz: [^(]*\( Abfrage \) (\d+)", p.plain).group(1))
    statements = int(re.search(r"Aussagen am SPARQL-Endpunkt: [^(]*\( Abfrage \) (\d+)", p.plain).group(1))
    queries = [parse_qs(urlsplit(h).query)["query"][0] for h, t in p.links if t == "Abfrage"]
    dataset_query, statements_query = [q for q in queries if q not in {c.query for c in COVERAGE}]
    assert count(client, dataset_query) == dataset
    assert count(client, statements_query) == statements
    # The dataset's number is VoID's and the N-Triples dump's ...
    void = rdflib.Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data)
    assert int(void.value(rdflib.URIRef(f"{BASE}id/dataset/regiolod"), VOID.triples)) == dataset
    with client.get("/download/regiolod.nt.gz") as dump:
        assert len(gzip.decompress(dump.data).splitlines()) == dataset
    # ... the endpoint's is the Service Description's, graph by graph, and what a plain COUNT(*) gives.
    sd = service_description(client)
    [default] = list(sd.objects(None, SD.defaultGraph))
    assert int(sd.value(default, VOID.triples)) == statements
    named = [int(sd.value(g, VOID.triples)) for g in sd.objects(None, SD.graph)]
    assert sum(named) == statements
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == statements


@functools.cache
def dump_graph(gzipped: bytes) -> rdflib.Graph:
    """The N-Triples dump read by rdflib, once for every store mode that serves the same bytes."""
    return rdflib.Graph().parse(data=gzip.decompress(gzipped), format="nt")


def test_home_coverage_numbers_are_what_their_queries_count_at_the_endpoint_and_in_the_dump(client) -> None:
    """Each coverage number of the home page (and of ``regiolod stats``) is what its linked query answers at
    /sparql, and what the same query answers over the N-Quads dump in a second engine (rdflib)."""
    with client.get("/download/regiolod.nt.gz") as dump:
        dataset = dump_graph(dump.data)  # the data and derived triples, where every counted thing is
    p = page(client, "/")
    shown = {}
    for c in COVERAGE:
        number = int(re.search(rf"{re.escape(c.de)} \( Abfrage \) (\d+)", p.plain).group(1))
        [href] = [h for h, t in p.links if t == "Abfrage" and parse_qs(urlsplit(h).query)["query"][0] == c.query]
        assert count(client, parse_qs(urlsplit(href).query)["query"][0]) == number, c.key
        [row] = dataset.query(c.query)
        assert int(row[0]) == number, c.key
        shown[c.key] = number
    assert shown["metropolitan_regions"] >= 11 and shown["districts"] >= 38


def test_every_graph_the_server_names_dereferences(client) -> None:
    """The Service Description, the N-Quads and the pages name graphs under {base}id/graph/; each is a thing."""
    names = {str(n) for n in service_description(client).objects(None, SD.name) if str(n).startswith(BASE)}
    assert {f"{BASE}id/graph/catalog", f"{BASE}id/graph/derived", f"{BASE}id/graph/heidekreis"} <= names
    for name in sorted(names):
        assert name.startswith(f"{BASE}id/graph/")
        response = client.get(name[len(BASE) - 1 :], headers={"Accept": "text/turtle"})
        assert response.status_code == 303, name
        document = client.get(response.headers["Location"][len(BASE) - 1 :], headers={"Accept": "text/turtle"})
        assert document.status_code == 200, name
        graph = rdflib.Graph().parse(data=document.data, format="turtle")
        assert (rdflib.URIRef(name), rdflib.RDF.type, SD.Graph) in graph
        assert graph.value(rdflib.URIRef(name), rdflib.SKOS.prefLabel) is not None


@pytest.fixture(scope="module")
def iris_client():
    return make_client(data_dir="tests/data/iris")


def test_markup_from_the_data_renders_as_text(iris_client) -> None:
    response = iris_client.get("/doc/organization/hostile", headers={"Accept": "text/html"})
    html = response.data.decode("utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>fetter" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in Page(html).plain  # shown as text, not as a link
    [(_, island)] = Page(html).scripts
    assert "</script" not in island
    assert json.loads(island)["name"].startswith("<script>")
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert header in response.headers


def test_long_link_lists_are_cut_and_say_where_the_rest_is() -> None:
    small = make_client(incoming_limit=5)
    turtle = small.get("/doc/territory/03358.ttl")
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    doc = rdflib.URIRef(f"{BASE}doc/territory/03358")
    more = graph.value(doc, rdflib.RDFS.seeAlso)
    assert str(more) == f"{BASE}incoming/territory/03358"
    total = int(graph.value(more, rdflib.URIRef("http://www.w3.org/ns/hydra/core#totalItems")))
    assert total > 5
    thing = rdflib.URIRef(f"{BASE}id/territory/03358")
    assert len(set(graph.subjects(None, thing)) - {doc}) <= 5
    html = Page(small.get("/doc/territory/03358.html").data.decode())
    assert f"Gezeigt werden 5 von {total}" in html.plain
    seen = set()
    page_no = 1
    while True:
        response = small.get(f"/incoming/territory/03358?page={page_no}", headers={"Accept": "text/turtle"})
        part = rdflib.Graph().parse(data=response.data, format="turtle")
        links = {(s, p) for s, p in part.subject_predicates(thing)}
        assert links and not (links & seen)
        seen |= links
        if (None, rdflib.URIRef("http://www.w3.org/ns/hydra/core#next"), None) not in part:
            break
        page_no += 1
    assert len(seen) == total


def test_ontology_document_negotiates_and_reads_well(client) -> None:
    turtle = client.get("/def", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    rl = rdflib.Namespace("https://w3id.org/regiolod/def#")
    assert (rl.Territory, rdflib.RDF.type, rdflib.OWL.Class) in graph
    assert client.get("/def.jsonld").headers["Content-Type"] == "application/ld+json"
    p = page(client, "/def")
    for text in (
        "Gebiet",
        "territory",
        "Amtlicher Gemeindeschlüssel",
        "Organisationsarten",
        "Eingliederung",
        "A municipality is incorporated into another",
    ):
        assert text in p.plain, text
    resource = page(client, "/doc/territory/03358")
    assert any(h == f"{BASE}def#DistrictTerritory" for h, _ in resource.links)


def test_shapes_document_negotiates_and_reads_well(client) -> None:
    graph = rdflib.Graph().parse(data=client.get("/shapes.ttl").data, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert len(set(graph.subjects(rdflib.RDF.type, sh.NodeShape))) >= 12
    p = page(client, "/shapes")
    assert "Mitgliedschaft" in p.plain and "A membership needs exactly one member" in p.plain


def test_listings_page_through_every_territory(sparql) -> None:
    small = make_client(page_size=20)
    total = int(sparql("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a rl:Territory }")[0]["n"])
    seen: list[str] = []
    page_no = 1
    while True:
        p = page(small, f"/territories?page={page_no}")
        seen += [h for h, _ in p.links if h.startswith(f"{BASE}id/territory/")]
        if not any(t.strip().startswith("weiter") for _, t in p.links):
            break
        page_no += 1
    assert len(seen) == len(set(seen)) == total
    assert small.get("/territories?page=99").status_code == 404
    districts = every_page(small, "/organizations?type=rl:orgtype-landkreis")
    assert "Landkreis Heidekreis" in districts and "Stadt Walsrode" not in districts


def every_page(client, path: str) -> str:
    """The text of every page of a listing (all 400 districts fill many pages of 20)."""
    text, page_no = "", 1
    while True:
        p = page(client, f"{path}&page={page_no}")
        text += p.plain
        if not any(t.strip().startswith(("weiter", "next")) for _, t in p.links):
            return text
        page_no += 1


def test_every_type_filter_and_language_of_a_listing_comes_from_one_list_per_kind() -> None:
    """Sorting every thing of a kind is the cost (2 s for all of Germany on disk): it is done once per kind,
    so neither a language, a real type nor an unknown one makes the store sort again."""
    client = make_client(page_size=20)
    st = client.application.extensions["regiolod"]
    asked = []
    select = st.store.select
    st.store.select = lambda query: asked.append(query) or select(query)
    everything = page(client, "/organizations")
    districts = every_page(client, "/organizations?type=rl:orgtype-landkreis&lang=en")
    unknown = client.get("/organizations?type=https://example.org/no-such-type", headers={"Accept": "text/html"})
    english = page(client, "/organizations?lang=en")
    assert len([q for q in asked if "GROUP_CONCAT" in q]) == 1
    assert "Landkreis Heidekreis" in districts and "Stadt Walsrode" not in districts
    assert unknown.status_code == 400  # refused from the same list, see below
    assert re.search(r"\b\d+ entries\b", english.plain) and "Einträge" in everything.plain


def test_two_figures_with_the_same_number_are_both_shown_preferred_first(client) -> None:
    """The membership's share is stated twice (26 %, by the company and by the press, ranked): two values."""
    p = page(
        client,
        "/doc/membership/metropolregion-hannover-braunschweig-goettingen-wolfsburg-gmbh/"
        "kommunen-in-der-metropolregion-ev.html",
    )
    company = p.plain.index("Angabe der Website der Gesellschaft")
    press = p.plain.index("Angabe der Presse (Rundblick)")
    assert company < press  # the preferred statement first


# ---------------------------------------------------------------------------------------------
# Links from blank nodes: a source names the things that cite it


DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def sources_cited_from_blank_nodes(sparql) -> list[str]:
    rows = sparql(f"""SELECT DISTINCT ?src WHERE {{ ?b ?link ?src
        FILTER(isBlank(?b) && isIRI(?src) && STRSTARTS(STR(?src), "{BASE}id/")) }} ORDER BY ?src""")
    return [r["src"] for r in rows]


def citing_things(sparql, src: str) -> set[rdflib.URIRef]:
    """The named things that reach a blank node linking to ``src`` (a figure, a geometry): asked with SPARQL
    for one and two steps, after checking that no such blank node lies deeper."""
    # OPTIONAL + !BOUND, not FILTER NOT EXISTS: pyoxigraph evaluates NOT EXISTS without the outer bindings, once
    # per blank node (the register's source has thousands: minutes instead of a second).
    deeper = sparql(f"""SELECT ?b WHERE {{ ?b ?link <{src}> FILTER isBlank(?b)
        OPTIONAL {{ ?o ?p ?b FILTER isIRI(?o) }}
        OPTIONAL {{ ?mid ?q ?b . ?o2 ?p2 ?mid FILTER(isIRI(?o2) && isBlank(?mid)) }}
        FILTER (!BOUND(?o) && !BOUND(?o2)) }}""")
    assert deeper == []
    # Each branch starts from the source: pyoxigraph evaluates a UNION before joining it with the outer pattern
    # (every two-step path of the dataset: 85 s at the size of issue 19, 0.02 s anchored).
    rows = sparql(f"""SELECT DISTINCT ?o WHERE {{
        {{ ?b ?link <{src}> . ?o ?p ?b }} UNION {{ ?b ?link <{src}> . ?mid ?q ?b . ?o ?p ?mid FILTER isBlank(?mid) }}
        FILTER(isBlank(?b) && isIRI(?o) && ?o != <{src}>) }}""")
    return {rdflib.URIRef(r["o"]) for r in rows}


def test_a_source_names_the_things_that_cite_it_and_carries_no_empty_blank_nodes(client, sparql) -> None:
    """A figure's ``dct:source`` once put a blank node into the source's document for every figure (168),
    each saying nothing but that; the document names the things that hold those figures instead."""
    sources = sources_cited_from_blank_nodes(sparql)
    assert f"{BASE}id/source/destatis-gv100ad-2023-11-30" in sources
    for src in sources:
        key = src[len(f"{BASE}id/") :]
        graph = rdflib.Graph().parse(data=client.get(f"/doc/{key}.ttl").data, format="turtle")
        blanks = {t for triple in graph for t in triple if isinstance(t, rdflib.BNode)}
        # Every blank node hangs from a statement of the document (so from a named thing): none is there
        # only as the subject of a link.
        assert all(any(graph.subjects(None, b)) for b in blanks), key
        citing = citing_things(sparql, src)
        shown = set(graph.subjects(DCT.references, rdflib.URIRef(src)))
        assert citing and referencing_pages(client, key, src) == citing >= shown, key
        html = page(client, f"/doc/{key}")
        assert {str(c) for c in shown} <= {h for h, _ in html.links}, key


def referencing_pages(client, key: str, src: str) -> set[rdflib.URIRef]:
    """The things that reference ``src`` on every page of its incoming links (the register's source has over
    1,000, more than one description holds)."""
    found: set[rdflib.URIRef] = set()
    page_no = 1
    while True:
        response = client.get(f"/incoming/{key}?page={page_no}", headers={"Accept": "text/turtle"})
        assert response.status_code == 200
        graph = rdflib.Graph().parse(data=response.data, format="turtle")
        found |= {s for s in graph.subjects(DCT.references, rdflib.URIRef(src)) if isinstance(s, rdflib.URIRef)}
        if not any(str(p).endswith("hydra/core#next") for p in graph.predicates()):
            return found
        page_no += 1


@pytest.mark.parametrize("key", ["territory/03358", "source/destatis-gv100ad-2023-11-30"])
def test_long_link_lists_page_every_link_once(key: str) -> None:
    """Cut at 5, the links come page by page, each (subject, predicate, graph) once and all of them named."""
    import pyoxigraph as ox

    small = make_client(incoming_limit=5)
    thing = ox.NamedNode(f"{BASE}id/{key}")
    full = make_client(incoming_limit=100_000).get(f"/doc/{key}.nq")  # the register's source has over 1,000
    doc = ox.NamedNode(f"{BASE}doc/{key}")
    everything = {(q.subject, q.predicate, q.graph_name) for q in ox.parse(full.data, format=ox.RdfFormat.N_QUADS)
                  if q.object == thing and q.subject != doc}  # fmt: skip
    seen: set = set()
    page_no = 1
    while True:
        response = small.get(f"/incoming/{key}?page={page_no}", headers={"Accept": "application/n-quads"})
        assert response.status_code == 200
        quads = list(ox.parse(response.data, format=ox.RdfFormat.N_QUADS))
        links = {(q.subject, q.predicate, q.graph_name) for q in quads if q.object == thing}
        assert 0 < len(links) <= 5 and not (links & seen)
        assert all(isinstance(s, ox.NamedNode) for s, _, _ in links)
        seen |= links
        if not any(q.predicate.value.endswith("hydra/core#next") for q in quads):
            break
        page_no += 1
    assert seen == everything and len(everything) > 5


# ---------------------------------------------------------------------------------------------
# Listings: one rule for type filters, page numbers and pages after the last


def accepted_types(sparql, kind: str) -> set[str]:
    """The types a listing can be filtered by, asked of the data directly."""
    if kind == "territories":
        rows = sparql("""SELECT DISTINCT ?t WHERE { ?s a rl:Territory , ?t
            FILTER(?t != rl:Territory && STRSTARTS(STR(?t), STR(rl:))) }""")
    else:
        rows = sparql("SELECT DISTINCT ?t WHERE { ?s org:classification ?t }")
    return {r["t"] for r in rows}


@pytest.mark.parametrize("kind", ["territories", "organizations"])
@pytest.mark.parametrize(
    "asked", ["rl:NoSuchType", "https://example.org/no-such-type", "nope:x", "Landkreis", "rl:DistrictTerritory"]
)
def test_an_unknown_type_is_refused_naming_every_accepted_type(client, sparql, kind: str, asked: str) -> None:
    if kind == "territories" and asked == "rl:DistrictTerritory":
        asked = "rl:orgtype-landkreis"  # a type of the other listing
    response = client.get(f"/{kind}", query_string={"type": asked}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    shown = Page(response.data.decode("utf-8"))
    assert asked in shown.plain
    offered = [h for h, _ in shown.links if f"/{kind}?type=" in h]
    expected = accepted_types(sparql, kind)
    rl = "https://w3id.org/regiolod/def#"
    assert {h.split("type=", 1)[1].replace("rl%3A", rl) for h in offered} == expected
    for t in expected:
        assert t.replace(rl, "rl:") in shown.plain
    for href in offered:  # every value it names is accepted
        assert client.get(href[len(BASE) - 1 :], headers={"Accept": "text/html"}).status_code == 200
    text = client.get(f"/{kind}", query_string={"type": asked}, headers={"Accept": "text/plain"})
    assert text.status_code == 400 and text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert all(t.replace(rl, "rl:") in text.data.decode() for t in expected)


PAGED = ["/territories?page={}", "/organizations?page={}", "/catalog?page={}", "/incoming/territory/03358?page={}"]
ALL_PAGED = [*PAGED, "/sitemap-{}.xml"]


@pytest.mark.parametrize("listing", PAGED)
@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", "+2", " 2", "1_0", ""])
def test_a_page_that_is_not_a_whole_number_from_1_is_a_bad_request(client, listing: str, value: str) -> None:
    response = client.get(listing.format(quote(value)), headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "page must be a whole number from 1" in Page(response.data.decode("utf-8")).plain


@pytest.fixture(scope="module")
def small_pages(app):
    """A client of the same store with short pages, so that every listing but the sitemap has several."""
    from dataclasses import replace

    from publisher import create_app

    st = app.extensions["regiolod"]
    settings = replace(st.settings, page_size=20, catalog_page_size=1, incoming_limit=5)
    return create_app(settings, None if settings.store else st.build).test_client(use_cookies=False)


@pytest.mark.parametrize("listing", ALL_PAGED)
@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_a_page_after_the_last_is_404_naming_the_last_page(small_pages, listing: str, accept: str) -> None:
    """Every listing answers a page after its last alike: 404 in the negotiated format (RDF where the
    listing is RDF, else HTML or plain text) that says which page is the last and links to it, also
    in a Link header; that page answers, and the one after it is 404 too."""
    client = small_pages
    response = client.get(listing.format(999), headers={"Accept": accept})
    assert response.status_code == 404
    [last_url] = re.findall(r'<([^>]+)>; rel="last"', response.headers["Link"])
    last = int(re.findall(r"(?:page=|sitemap-)(\d+)", last_url)[-1])
    assert last_url == BASE + listing.format(last).lstrip("/")
    assert client.get(last_url[len(BASE) - 1 :], headers={"Accept": accept}).status_code == 200
    after = client.get(listing.format(last + 1), headers={"Accept": accept})
    assert after.status_code == 404 and after.headers["Link"] == response.headers["Link"]
    assert last > 1 or listing.startswith("/sitemap")
    content_type = response.headers["Content-Type"]
    said = f"the last page is {last}"
    if accept == "text/html":
        assert content_type == "text/html; charset=utf-8"
        shown = Page(response.data.decode("utf-8"))
        assert said in shown.plain and last_url in {h for h, _ in shown.links}
    elif listing.startswith(("/catalog", "/incoming")):  # the listing is RDF: so is its 404
        assert content_type == "text/turtle; charset=utf-8"
        graph = rdflib.Graph().parse(data=response.data, format="turtle")
        assert (None, rdflib.RDFS.seeAlso, rdflib.URIRef(last_url)) in graph
        assert any(said in str(c) for c in graph.objects(None, rdflib.RDFS.comment))
    else:
        assert content_type == "text/plain; charset=utf-8"
        assert said in response.data.decode() and last_url in response.data.decode()


def test_views_ask_their_queries_and_labels_of_page_data_only() -> None:
    """A view parses the request, calls one function of render/page_data and renders (STYLE 3): no view
    module runs a SELECT or asks the store for labels itself, so every query a page needs has one home."""
    import ast

    from tests.conftest import ROOT

    asked = []
    for name in ("pages.py", "resources.py", "harvest.py", "sparql.py"):
        tree = ast.parse((ROOT / "publisher" / "web" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("select", "labels") and "store" in ast.unparse(node):
                asked.append(f"web/{name}:{node.lineno} .{node.attr}")
    assert asked == []


def test_a_day_is_answered_alike_from_every_store(client, sparql) -> None:
    """?at= reads its timeline through the Store protocol: memory, disk and remote stores answer alike."""
    from tests.test_timetravel import members_by_sparql, members_on_page

    org = f"{BASE}id/organization/metropolregion-hamburg"
    expected = members_by_sparql(sparql, org, "2016-06-30")
    response = client.get("/doc/organization/metropolregion-hamburg.ttl?at=2016-06-30")
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    assert {str(o) for o in graph.objects(rdflib.URIRef(org), rdflib.URIRef("http://www.w3.org/ns/org#hasMember"))} == (
        expected
    )
    page = client.get("/doc/organization/metropolregion-hamburg?at=2016-06-30", headers={"Accept": "text/html"})
    assert members_on_page(page.get_data(as_text=True)) == expected
    walsrode = client.get("/doc/territory/033580024024?at=2019-06-01", headers={"Accept": "text/html"})
    assert "(03358022): bestand<" in walsrode.get_data(as_text=True)
