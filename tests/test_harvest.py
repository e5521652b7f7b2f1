"""What harvesters and crawlers rely on: dumps, the DCAT-AP.de catalog, VoID, sitemap and robots."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, SKOS, VOID

from publisher.config import Settings
from publisher.dataset.terms import to_rdflib
from publisher.publish.dumps import dump_quads, read_dumps, write_dumps
from tests.conftest import BASE, ROOT, isomorphic, make_client

WIKIDATA_ITEMS = "http://www.wikidata.org/entity/"

CONFORMANCE = ROOT.parent / "shared" / "conformance"
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DCATDE = rdflib.Namespace("http://dcat-ap.de/def/dcatde/")
FIXTURES = ROOT / "tests" / "data"


def fetch(client, path: str, **headers) -> bytes:
    """GET a file and close the response (downloads are streamed from disk)."""
    with client.get(path, headers=headers) as response:
        assert response.status_code in (200, 206, 304), path
        return response.data


def catalog_graph(client, path: str = "/catalog.ttl") -> rdflib.Graph:
    response = client.get(path)
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.data, format="turtle")


def served_graph(build) -> rdflib.Graph:
    graph = rdflib.Graph()
    for q in dump_quads(build):
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize(
    ("name", "parser"), [("regiolod.nt.gz", "nt"), ("regiolod.ttl.gz", "turtle"), ("regiolod.jsonld.gz", "json-ld")]
)
def test_dumps_reparse_to_exactly_the_served_graph(client, build, name: str, parser: str) -> None:
    graph = rdflib.Graph().parse(data=gzip.decompress(fetch(client, f"/download/{name}")), format=parser)
    assert isomorphic(graph, served_graph(build))


def test_nquads_dump_keeps_every_named_graph(client, build) -> None:
    quads = list(ox.parse(gzip.decompress(fetch(client, "/download/regiolod.nq.gz")), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == len(dump_quads(build))
    assert {q.graph_name.value for q in quads} == {*build.data_graphs, build.derived_graph}


def served_dumps(client):
    """The dumps the client's app serves (from its store mode's download folder)."""
    dumps = client.application.extensions["regiolod"].dumps
    assert dumps is not None
    return dumps


def test_checksums_and_sizes_match_the_files(client) -> None:
    dumps = served_dumps(client)
    sums = fetch(client, "/download/SHA256SUMS").decode()
    for f in dumps.files:
        data = fetch(client, f"/download/{f.name}")
        assert len(data) == f.bytes
        assert hashlib.sha256(data).hexdigest() == f.sha256
        assert f"{f.sha256}  {f.name}" in sums
    graph = catalog_graph(client)
    for dist in graph.subjects(RDF.type, DCAT.Distribution):
        url = str(graph.value(dist, DCAT.downloadURL))
        if "/download/" not in url:
            continue
        data = fetch(client, url[len(BASE) - 1 :])
        assert int(graph.value(dist, DCAT.byteSize)) == len(data)
        checksum = graph.value(dist, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256


def test_downloads_are_served_from_the_default_relative_folder(build, tmp_path, monkeypatch) -> None:
    """`make serve` runs with download_dir "download", relative to the project folder, not to the package."""
    from publisher import create_app
    from publisher.config import Settings

    monkeypatch.chdir(tmp_path)
    client = create_app(Settings(base_iri=BASE, rate_limit=0), build).test_client(use_cookies=False)
    sums = fetch(client, "/download/SHA256SUMS").decode()
    listed = dict(reversed(line.split()) for line in sums.splitlines())
    assert set(listed) == {f.name for f in read_dumps(tmp_path / "download").files}
    for name, digest in listed.items():
        assert hashlib.sha256(fetch(client, f"/download/{name}")).hexdigest() == digest
    assert json.loads(fetch(client, "/download/manifest.json"))


def test_downloads_are_cacheable_and_support_ranges(client) -> None:
    with client.get("/download/regiolod.ttl.gz") as first:
        data, headers = first.data, first.headers
    assert headers["Content-Length"] == str(len(data))
    assert headers["ETag"] and headers["Last-Modified"]
    assert headers["Repr-Digest"].startswith("sha-256=:")
    with client.get("/download/regiolod.ttl.gz", headers={"If-None-Match": headers["ETag"]}) as again:
        assert again.status_code == 304
    with client.get("/download/regiolod.ttl.gz", headers={"Range": "bytes=10-19"}) as part:
        assert part.status_code == 206
        assert part.data == data[10:20]
        assert part.headers["Content-Range"] == f"bytes 10-19/{len(data)}"


@pytest.mark.parametrize(
    "path",
    [
        "/download/../pyproject.toml",
        "/download/%2e%2e%2fpyproject.toml",
        "/download/builds",
        "/download/nothing.nq.gz",
        "/download/..%2Fmanifest.json",
    ],
)
def test_only_published_files_are_served(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"[build-system]" not in response.data


def test_listing_page_names_every_file(client) -> None:
    html = client.get("/download/").data.decode()
    for f in served_dumps(client).files:
        assert f.name in html and f.sha256 in html


def test_a_failed_build_leaves_the_previous_dumps_intact(build, tmp_path, monkeypatch) -> None:
    first = write_dumps(build, tmp_path)
    before = {f.name: (first.folder / f.name).read_bytes() for f in first.files}
    calls = {"n": 0}
    import publisher.publish.dumps as dumps_module

    real = dumps_module.GzipOutput.write

    def failing(self, data, statements=0):  # the disk fills up in the middle of the second file
        calls["n"] += 1
        if calls["n"] == 200:
            raise OSError(28, "No space left on device")
        return real(self, data, statements)

    monkeypatch.setattr(dumps_module.GzipOutput, "write", failing)
    build_version = build.version
    try:
        build.version = "f" * 16
        with pytest.raises(OSError):
            write_dumps(build, tmp_path)
    finally:
        build.version = build_version
    current = read_dumps(tmp_path)
    assert current.version == first.version
    assert {f.name: (current.folder / f.name).read_bytes() for f in current.files} == before
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [first.version]


def load_shapes(*paths) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path)
    for s, o in list(graph.subject_objects(SH.property)):  # dangling references in ranges.ttl (SOURCES.md #1)
        if (o, SH.path, None) not in graph:
            graph.remove((s, SH.property, o))
    return graph


def shacl_results(data: rdflib.Graph, shapes: rdflib.Graph) -> list[tuple[rdflib.URIRef, str, str]]:
    """Validate ``data`` once and give every result as (severity, focus node, "focus path: message")."""
    import pyshacl

    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    return [
        (
            report.value(result, SH.resultSeverity),
            str(report.value(result, SH.focusNode)),
            f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
            f"{report.value(result, SH.resultMessage)}",
        )
        for result in report.subjects(RDF.type, SH.ValidationResult)
    ]


def violations(data: rdflib.Graph, shapes: rdflib.Graph) -> list[str]:
    return sorted(text for severity, _, text in shacl_results(data, shapes) if severity == SH.Violation)


def warnings_of(data: rdflib.Graph, shapes: rdflib.Graph) -> list[str]:
    """The results of a severity below Violation (sh:Warning, sh:Info)."""
    return sorted(text for severity, _, text in shacl_results(data, shapes) if severity != SH.Violation)


needs_conformance = pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="official shapes not found next to the project")


@needs_conformance
def test_catalog_has_no_dcat_ap_3_0_1_violations(client) -> None:
    data = catalog_graph(client) + rdflib.Graph().parse(FIXTURES / "eu-vocabularies.ttl")
    shapes = load_shapes(
        CONFORMANCE / "dcat-ap-3.0.1" / "dcat-ap-SHACL.ttl", CONFORMANCE / "dcat-ap-3.0.1" / "ranges.ttl"
    )
    assert violations(data, shapes) == []


def with_dcat_ap_de_vocabularies(graph: rdflib.Graph) -> rdflib.Graph:
    """``graph`` with the vocabularies DCAT-AP.de's shapes check values against (EU, GovData, ADMS)."""
    data = graph + rdflib.Graph().parse(FIXTURES / "eu-vocabularies.ttl")
    for vocabulary in (
        "govdata-mqa/dcat-ap-de-licenses-open.rdf",
        "govdata-mqa/dcat-ap-de-contributors.rdf",
        "vocabularies/ADMS_SKOS_v1.00.rdf",
    ):
        data.parse(CONFORMANCE / vocabulary)
    return data


def dcat_ap_de_shapes(deprecated: bool = True) -> rdflib.Graph:
    """The shapes of DCAT-AP.de 3.0 on DCAT-AP 3.0.0 (with or without the deprecation warnings)."""
    de = CONFORMANCE / "dcat-ap-de-3.0"
    extra = (de / "dcat-ap-de-deprecated.ttl",) if deprecated else ()
    return load_shapes(
        CONFORMANCE / "dcat-ap-3.0.0" / "dcat-ap-SHACL.ttl",
        de / "dcat-ap-SHACL-DE.ttl",
        *extra,
        de / "dcat-ap-spec-german-additions.ttl",
        de / "dcat-ap-de-controlledvocabularies.ttl",
    )


@needs_conformance
def test_catalog_has_no_dcat_ap_de_3_0_violations(client) -> None:
    data = with_dcat_ap_de_vocabularies(catalog_graph(client))
    found = shacl_results(data, dcat_ap_de_shapes())
    assert [text for severity, _, text in found if severity == SH.Violation] == []
    # Warnings and infos: only that the placeholder contributor ID is not on GovData's list (it is a
    # setting, README "For harvesters"); nothing deprecated, no other vocabulary.
    assert {focus for severity, focus, _ in found if severity != SH.Violation} == {Settings().contributor_id}


@needs_conformance
def test_catalog_uses_no_term_dcat_ap_de_3_0_deprecates(client) -> None:
    """The deprecation shapes of DCAT-AP.de 3.0 (severity Warning) find nothing, politicalGeocodingURI included."""
    shapes = load_shapes(CONFORMANCE / "dcat-ap-de-3.0" / "dcat-ap-de-deprecated.ttl")
    assert warnings_of(catalog_graph(client), shapes) == []


def test_catalog_states_the_spatial_coverage_with_dct_spatial(client, sparql) -> None:
    """DCAT-AP.de 3.0 deprecates dcatde:politicalGeocodingURI (spec, "Datensatz: Geopolitische Abdeckung
    (DEPRECATED)"); the coverage is dct:spatial, with the geocoding IRI the data itself gives the district."""
    graph = catalog_graph(client)
    assert list(graph.triples((None, DCATDE.politicalGeocodingURI, None))) == []
    [district] = sparql(
        f"""SELECT ?code WHERE {{ <{BASE}id/territory/03358> skos:exactMatch ?code
        FILTER STRSTARTS(STR(?code), "http://dcat-ap.de/def/politicalGeocoding/districtKey/") }}"""
    )
    germany = rdflib.URIRef("http://publications.europa.eu/resource/authority/country/DEU")
    level = rdflib.URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/administrativeDistrict")
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 4
    for dataset in datasets:
        assert set(graph.objects(dataset, DCTERMS.spatial)) == {rdflib.URIRef(district["code"]), germany}
        assert set(graph.objects(dataset, DCATDE.politicalGeocodingLevelURI)) == {level}  # not deprecated


def test_harvest_walk_collects_everything_and_counts_match_void(client) -> None:
    """Follow hydra:next from /catalog to the end, then download each dump and count its triples."""
    small = make_client(catalog_page_size=1)
    url, datasets, distributions, seen_pages = "/catalog.ttl", set(), set(), 0
    while url:
        graph = catalog_graph(small, url)
        seen_pages += 1
        datasets |= set(graph.subjects(RDF.type, DCAT.Dataset))
        distributions |= {(d, graph.value(d, DCAT.downloadURL)) for d in graph.subjects(RDF.type, DCAT.Distribution)}
        view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
        nxt = graph.value(view, HYDRA.next)
        url = str(nxt)[len(BASE) - 1 :] if nxt else ""
    assert seen_pages == 4 and len(datasets) == 4
    void = rdflib.Graph().parse(
        data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data, format="turtle"
    )
    dataset = rdflib.URIRef(f"{BASE}id/dataset/regiolod")
    expected = int(void.value(dataset, VOID.triples))
    dumped = [u for _, u in distributions if str(u).endswith("regiolod.nt.gz")]
    [nt] = dumped
    lines = gzip.decompress(fetch(client, str(nt)[len(BASE) - 1 :])).decode().strip().splitlines()
    assert len(lines) == expected
    assert {str(u) for _, u in distributions} >= {f"{BASE}download/{f.name}" for f in served_dumps(client).files}


def test_modified_since_filters_datasets(client) -> None:
    assert (
        len(set(catalog_graph(client, "/catalog.ttl?modified_since=2999-01-01").subjects(RDF.type, DCAT.Dataset))) == 0
    )
    assert (
        len(set(catalog_graph(client, "/catalog.ttl?modified_since=2000-01-01").subjects(RDF.type, DCAT.Dataset))) == 4
    )
    assert client.get("/catalog?modified_since=yesterday").status_code == 400


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/catalog.ttl", "text/turtle"),
        ("/catalog.rdf", "application/rdf+xml"),
        ("/catalog.jsonld", "application/ld+json"),
    ],
)
def test_catalog_in_every_format(client, path: str, media: str) -> None:
    response = client.get(path)
    assert response.mimetype == media
    assert client.get("/catalog", headers={"Accept": media}).mimetype == media


def test_the_html_catalog_says_it_varies_with_the_language(client) -> None:
    """A shared cache must not hand the German catalog page to an English reader: Vary and ETag say so."""
    german = client.get("/catalog", headers={"Accept": "text/html", "Accept-Language": "de"})
    english = client.get("/catalog", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert german.status_code == english.status_code == 200 and german.data != english.data
    # The language a reader chose before is a cookie (publisher/web/language.py): the page varies by it too.
    assert {v.strip() for v in german.headers["Vary"].split(",")} == {"Accept", "Accept-Language", "Cookie"}
    assert german.headers["ETag"] != english.headers["ETag"]
    assert client.get("/catalog.html?lang=en").headers["Vary"] == "Accept-Language, Cookie"
    assert client.get("/catalog", headers={"Accept": "text/turtle"}).headers["Vary"] == "Accept"


def test_void_describes_the_dataset(client, sparql, data_files) -> None:
    graph = rdflib.Graph().parse(
        data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data, format="turtle"
    )
    dataset = rdflib.URIRef(f"{BASE}id/dataset/regiolod")
    assert (dataset, RDF.type, VOID.Dataset) in graph and (dataset, RDF.type, DCAT.Dataset) in graph
    assert graph.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(f"{BASE}sparql")
    assert str(graph.value(dataset, VOID.uriSpace)) == f"{BASE}id/"
    assert len(set(graph.objects(dataset, VOID.dataDump))) == 4
    assert rdflib.URIRef("http://www.w3.org/ns/org#") in set(graph.objects(dataset, VOID.vocabulary))
    territories = int(sparql("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a rl:Territory }")[0]["n"])
    partitions = {
        graph.value(p, VOID["class"]): int(graph.value(p, VOID.entities))
        for p in graph.objects(dataset, VOID.classPartition)
    }
    assert partitions[rdflib.URIRef("https://w3id.org/regiolod/def#Territory")] == territories
    wikidata = int(
        sparql("""SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s skos:exactMatch ?o }
        FILTER (STRSTARTS(STR(?o), "http://www.wikidata.org/entity/") && ?g != <https://w3id.org/regiolod/def>) }""")[
            0
        ]["n"]
    )
    linksets = {
        str(graph.value(s, DCTERMS.title)): int(graph.value(s, VOID.triples))
        for s in graph.objects(dataset, VOID.subset)
    }
    in_files = sum(
        1 for g in data_files.values() for o in g.objects(None, SKOS.exactMatch) if str(o).startswith(WIKIDATA_ITEMS)
    )
    assert linksets["Verknüpfungen zu Wikidata"] == wikidata == in_files > 38  # the districts of data/register/


LDES = rdflib.Namespace("https://w3id.org/ldes#")


def test_every_service_of_the_catalog_answers_at_its_endpoint_as_its_standard_says(client) -> None:
    """A harvester finds the SPARQL endpoint and the change feed in the catalog, on every page of it: each
    dcat:DataService names an endpoint that answers as the standard it names (a SPARQL query, an LDES root),
    and its own IRI dereferences."""
    graph = catalog_graph(client)
    catalog = rdflib.URIRef(f"{BASE}id/catalog")
    services = set(graph.objects(catalog, DCAT.service))
    assert services == set(graph.subjects(RDF.type, DCAT.DataService))
    standards = {graph.value(s, DCTERMS.conformsTo): graph.value(s, DCAT.endpointURL) for s in services}
    assert set(standards) == {
        rdflib.URIRef("https://www.w3.org/TR/sparql11-protocol/"),
        rdflib.URIRef("https://w3id.org/ldes/specification"),
    }
    sparql = str(standards[rdflib.URIRef("https://www.w3.org/TR/sparql11-protocol/")])[len(BASE) - 1 :]
    ask = {"query": "ASK { ?s ?p ?o }"}
    answer = client.get(sparql, query_string=ask, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200 and answer.json["boolean"] is True
    feed = str(standards[rdflib.URIRef("https://w3id.org/ldes/specification")])
    root = client.get(feed[len(BASE) - 1 :], headers={"Accept": "text/turtle"})
    assert root.status_code == 200
    stream = rdflib.Graph().parse(data=root.data, format="turtle", publicID=feed)
    assert list(stream.subjects(RDF.type, LDES.EventStream))  # the root node of an event stream
    for service in services:
        assert {"de", "en"} <= {t.language for t in graph.objects(service, DCTERMS.title)}
        assert graph.value(service, DCAT.servesDataset) == rdflib.URIRef(f"{BASE}id/dataset/regiolod")
        assert client.get(str(service)[len(BASE) - 1 :]).status_code == 303
    second = catalog_graph(make_client(catalog_page_size=1), "/catalog.ttl?page=2")
    assert set(second.objects(catalog, DCAT.service)) == services


def test_the_html_catalog_and_the_home_page_link_the_services(client) -> None:
    """A person finds them too: the catalog page lists every service with its endpoint, the home page links
    the change feed next to SPARQL."""
    page = client.get("/catalog", headers={"Accept": "text/html", "Accept-Language": "en"}).data.decode()
    assert f'<a href="{BASE}sparql">{BASE}sparql</a>' in page
    assert f'<a href="{BASE}changes/">{BASE}changes/</a>' in page
    assert "regiolod changes (Linked Data Event Stream)" in page
    german = client.get("/catalog", headers={"Accept": "text/html", "Accept-Language": "de"}).data.decode()
    assert "regiolod-Änderungen (Linked Data Event Stream)" in german
    home = client.get("/", headers={"Accept": "text/html"}).data.decode()
    assert f'href="{BASE}changes/"' in home


def test_every_document_links_back_to_the_dataset(client) -> None:
    graph = rdflib.Graph().parse(data=client.get("/doc/organization/03358.ttl").data, format="turtle")
    assert (
        rdflib.URIRef(f"{BASE}doc/organization/03358"),
        VOID.inDataset,
        rdflib.URIRef(f"{BASE}id/dataset/regiolod"),
    ) in graph


def test_catalog_resources_are_dereferenceable(client) -> None:
    response = client.get("/id/dataset/regiolod")
    assert response.status_code == 303
    assert client.get("/doc/dataset/regiolod.ttl").status_code == 200


def test_sitemap_lists_every_document_once(client, app, build, store_mode: str) -> None:
    """Each /doc/ page once: an IRI with a fragment (the catalog's ``…/regiolod#class-0``) is described in
    the document of the IRI before the ``#``, so listing it named that document again (107 times)."""
    from publisher.render.html import iri_to_uri

    index = ET.fromstring(client.get("/sitemap.xml").data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    pages = [e.text for e in index.findall("s:sitemap/s:loc", ns)]
    assert pages == [f"{BASE}sitemap-1.xml"]
    urls = ET.fromstring(client.get("/sitemap-1.xml").data)
    locs = [e.text for e in urls.findall("s:url/s:loc", ns)]
    assert f"{BASE}doc/territory/03358" in locs and len(locs) == len(set(locs))
    assert all(e.text for e in urls.findall("s:url/s:lastmod", ns))
    served = ox.Store()
    served.extend(build.oxigraph)
    served.extend(app.extensions["regiolod"].catalog)
    rows = served.query(
        f"""SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
            FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/") && !CONTAINS(STR(?s), "#")) }}"""
    )
    documents = {iri_to_uri(f"{BASE}doc/" + r["s"].value[len(f"{BASE}id/") :]) for r in rows}
    assert any("#" in q.subject.value for q in app.extensions["regiolod"].catalog)  # there are fragment IRIs
    assert set(locs) == documents and len(locs) <= 50_000
    # Every listed page answers; over a remote store (each page a dozen queries over the network) every 25th of
    # each kind of thing, the first of each included (all 2,700 took the suite's remote run over 20 minutes).
    kinds: dict[str, list[str]] = {}
    for loc in sorted(locs):
        kinds.setdefault(loc[len(f"{BASE}doc/") :].split("/")[0], []).append(loc)
    step = 1 if store_mode in ("memory", "on-disk") else 25
    for loc in [loc for listed in kinds.values() for loc in listed[::step]]:
        assert client.head(loc[len(BASE) - 1 :]).status_code == 200, loc
    assert client.get("/sitemap-2.xml").status_code == 404


def test_a_finished_build_lists_its_things_so_the_sitemap_never_scans_the_store(
    settings, build, finished, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build writes every thing under id/ once; a server over it pages the sitemap from that list
    (here 100 a page) and never asks the store for all its subjects (21 s at 5 M statements)."""
    from dataclasses import replace

    import publisher.web.harvest
    from publisher import create_app
    from publisher.store.embedded import EmbeddedStore, OnDiskStore

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}

    def sitemap(client) -> list[str]:
        index = ET.fromstring(client.get("/sitemap.xml").data)
        pages = [e.text for e in index.findall("s:sitemap/s:loc", ns)]
        assert pages == [f"{BASE}sitemap-{n}.xml" for n in range(1, len(pages) + 1)]
        locs = []
        for n in range(1, len(pages) + 1):
            locs += [e.text for e in ET.fromstring(client.get(f"/sitemap-{n}.xml").data).findall("s:url/s:loc", ns)]
        assert client.get(f"/sitemap-{len(pages) + 1}.xml").status_code == 404
        return locs

    monkeypatch.setattr(publisher.web.harvest, "SITEMAP_SIZE", 100)
    expected = sitemap(create_app(settings, build).test_client())  # the store's own subjects, in memory

    def refuse(*_: object) -> list[str]:
        raise AssertionError("the store was asked for every subject")

    monkeypatch.setattr(EmbeddedStore, "subjects", refuse)
    monkeypatch.setattr(OnDiskStore, "subjects", refuse)
    client = create_app(replace(settings, store=str(finished), download_dir=str(finished))).test_client()
    locs = sitemap(client)
    assert locs == expected and len(locs) > 100 and len(set(locs)) == len(locs) and not any("#" in u for u in locs)
    assert f"{BASE}doc/territory/03358" in locs
    assert client.get("/sitemap-0.xml").status_code == 404


def test_robots_points_to_the_sitemap_and_keeps_crawlers_off_queries(client) -> None:
    text = client.get("/robots.txt").data.decode()
    assert f"Sitemap: {BASE}sitemap.xml" in text
    assert re.search(r"^Disallow: /sparql\?$", text, re.MULTILINE)


def test_build_command_writes_dumps(runner, tmp_path) -> None:
    from publisher.cli import main

    result = runner.invoke(main, ["--base-iri", BASE, "--root", str(ROOT), "build", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    dumps = read_dumps(tmp_path)
    assert {f.name for f in dumps.files} >= {
        "regiolod.nq.gz",
        "regiolod.nt.gz",
        "regiolod.ttl.gz",
        "regiolod.jsonld.gz",
    }
    assert all(f.sha256 in result.output for f in dumps.files)


def test_dumps_are_byte_identical_across_loads(settings, tmp_path) -> None:
    """Blank nodes are named by content, arrays sorted: the same build gives the same files and checksums."""
    from publisher.dataset.build import load_build

    first = write_dumps(load_build(settings), tmp_path / "one")
    second = write_dumps(load_build(settings), tmp_path / "two")
    assert [(f.name, f.sha256) for f in first.files] == [(f.name, f.sha256) for f in second.files]
