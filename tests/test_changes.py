"""/changes/: the change feed (LDES 1.0), checked against SPARQL over the same build and read by the LDES client.

The members, their timestamps and their pages are compared with a second computation (SPARQL over the
build, or over the running server's /sparql); the members validate against the feed's tree:shape with
pySHACL; the client test runs `ldes-client` (npm, pinned in package-lock.json) with node against a real
`regiolod serve`, reads the whole stream, and resumes from its saved state after a reload adds an event.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from pyshacl import validate

from publisher.render.changes import (
    AT_LEAST,
    BEFORE,
    IMMUTABLE,
    MEMBER_SHAPE,
    TIMESTAMP,
    TREE_MEMBER,
    TREE_NODE_PROPERTY,
    TREE_RELATION,
    TREE_VALUE,
    VERSION_OF,
    feed_members,
    queried_members,
)
from publisher.store.embedded import EmbeddedStore
from publisher.vocab import RDF_TYPE
from tests.conftest import BASE, ROOT, isomorphic, make_client
from tests.processes import BIN, clean_env, free_port, running
from tests.test_reliability import wait_for, workers_of

NQUADS = {"Accept": "application/n-quads"}
ROOT_PAGE = "/changes/"

# A second way to the members: each kind of dated fact in a query of its own, a year standing for its
# first day (a beginning) or its last (an end).
EXPECTED_QUERIES = {
    "happened": "SELECT DISTINCT ?thing ?day WHERE { ?thing a org:ChangeEvent ; dct:date ?day }",
    "began": """SELECT DISTINCT ?thing ?day ?year WHERE {
                ?thing a org:Membership ; org:memberDuring/time:hasBeginning ?b .
                OPTIONAL { ?b time:inXSDDate ?day } OPTIONAL { ?b time:inXSDgYear ?year } }""",
    "ended": """SELECT DISTINCT ?thing ?day ?year WHERE {
                ?thing a org:Membership ; org:memberDuring/time:hasEnd ?e .
                OPTIONAL { ?e time:inXSDDate ?day } OPTIONAL { ?e time:inXSDgYear ?year } }""",
}


def expected_members(rows_of) -> dict[str, str]:
    """Member IRI → timestamp from the three queries; ``rows_of(query)`` gives rows of plain values."""
    found = {}
    for kind, query in EXPECTED_QUERIES.items():
        for row in rows_of(query):
            day = row.get("day") or (f"{row['year']}-01-01" if kind == "began" else f"{row['year']}-12-31")
            found[f"{row['thing']}#{kind}-{day}"] = f"{day}T00:00:00Z"
    return found


def parse(response) -> list[ox.Quad]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(ox.parse(response.data, format=ox.RdfFormat.N_QUADS))


def relations(quads: list[ox.Quad]) -> dict[str, dict[ox.NamedNode, str]]:
    """Page URL → {relation type: value} of the root's relations."""
    by_node: dict[object, dict[str, object]] = {}
    for q in quads:
        by_node.setdefault(q.subject, {})[q.predicate.value] = q.object
    pages: dict[str, dict[ox.NamedNode, str]] = {}
    for q in quads:
        if q.predicate == TREE_RELATION:
            relation = by_node[q.object]
            node = relation[TREE_NODE_PROPERTY.value]
            kind = relation[RDF_TYPE.value]
            assert isinstance(node, ox.NamedNode) and isinstance(kind, ox.NamedNode)
            pages.setdefault(node.value, {})[kind] = relation[TREE_VALUE.value].value  # type: ignore[union-attr]
    return pages


def read_feed(client) -> tuple[dict[str, dict[ox.NamedNode, str]], dict[str, list[ox.Quad]]]:
    """The root's relations per page and every page's quads, read by following the root."""
    pages = relations(parse(client.get(ROOT_PAGE, headers=NQUADS)))
    return pages, {url: parse(client.get(url.removeprefix(BASE[:-1]), headers=NQUADS)) for url in sorted(pages)}


@pytest.fixture(scope="module")
def feed(app) -> tuple[dict[str, dict[ox.NamedNode, str]], dict[str, list[ox.Quad]]]:
    return read_feed(app.test_client(use_cookies=False))


def members_of(quads: list[ox.Quad]) -> dict[str, str]:
    stamps = {q.subject.value: q.object.value for q in quads if q.predicate == TIMESTAMP}
    return {q.object.value: stamps[q.object.value] for q in quads if q.predicate == TREE_MEMBER}


def test_the_feed_holds_every_change_event_and_every_beginning_and_end_of_a_membership(feed, sparql) -> None:
    _, pages = feed
    got: dict[str, str] = {}
    for quads in pages.values():
        members = members_of(quads)
        assert not set(members) & set(got), "a member is on one page only"
        got |= members
    assert got == expected_members(sparql)
    assert len(got) > 50


def test_each_page_holds_its_month_within_the_bounds_of_its_two_relations(feed) -> None:
    relations_by_page, pages = feed
    months = sorted(relations_by_page)
    assert months == [f"{BASE}changes/{m[-7:]}" for m in months] and len(months) > 3
    for url, bounds in relations_by_page.items():
        assert set(bounds) == {AT_LEAST, BEFORE}
        start, end = (dt.datetime.fromisoformat(bounds[k]) for k in (AT_LEAST, BEFORE))
        assert start.day == 1 and start.strftime("%Y-%m") == url[-7:] and 28 <= (end - start).days <= 31
        stamps = [dt.datetime.fromisoformat(s) for s in members_of(pages[url]).values()]
        assert stamps and all(start <= s < end for s in stamps)


def test_every_page_but_the_newest_is_immutable_and_cached_for_a_year(client, feed) -> None:
    relations_by_page, _ = feed
    urls = sorted(relations_by_page)
    for url in urls:
        response = client.get(url.removeprefix(BASE[:-1]), headers=NQUADS)
        marked = ox.Quad(ox.NamedNode(url), IMMUTABLE, ox.Literal("true", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#boolean"))) in parse(response)  # fmt: skip
        cache = response.headers["Cache-Control"]
        if url == urls[-1]:
            assert "immutable" not in cache and not marked and "max-age=" in cache
        else:
            assert cache == "public, max-age=31536000, immutable" and marked
        again = client.get(url.removeprefix(BASE[:-1]), headers={**NQUADS, "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    assert "immutable" not in client.get(ROOT_PAGE, headers=NQUADS).headers["Cache-Control"]


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's JSON-LD parser
def test_the_formats_say_the_same(client, feed) -> None:
    relations_by_page, _ = feed
    for url in (f"{BASE}changes/", sorted(relations_by_page)[0]):
        graphs = {}
        for media, name in (
            ("text/turtle", "turtle"),
            ("application/ld+json", "json-ld"),
            ("application/n-triples", "nt"),
        ):
            response = client.get(url.removeprefix(BASE[:-1]), headers={"Accept": media})
            assert response.status_code == 200 and response.mimetype == media
            graphs[name] = rdflib.Graph().parse(data=response.data, format=name)
        assert isomorphic(graphs["turtle"], graphs["json-ld"]) and isomorphic(graphs["turtle"], graphs["nt"])


def rdf_graph(quads: list[ox.Quad]) -> rdflib.Graph:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def shapes_with_targets(members: list[str]) -> rdflib.Graph:
    shapes = rdflib.Graph().parse(ROOT / "shapes" / "feed.ttl", format="turtle")
    for member in members:
        shapes.add((rdflib.URIRef(MEMBER_SHAPE.value), rdflib.SH.targetNode, rdflib.URIRef(member)))
    return shapes


def test_every_member_conforms_to_the_tree_shape_and_a_member_without_its_day_does_not(client, feed) -> None:
    _, pages = feed
    root = rdflib.Graph().parse(
        data=client.get(ROOT_PAGE, headers={"Accept": "application/n-triples"}).data, format="nt"
    )
    assert (rdflib.URIRef(f"{BASE}changes/#stream"), rdflib.URIRef("https://w3id.org/tree#shape"),
            rdflib.URIRef(MEMBER_SHAPE.value)) in root  # fmt: skip
    assert (rdflib.URIRef(MEMBER_SHAPE.value), rdflib.RDF.type, rdflib.SH.NodeShape) in root, "the root holds the shape"
    for quads in pages.values():
        data = rdf_graph(quads)
        members = list(members_of(quads))
        conforms, _, report = validate(data, shacl_graph=shapes_with_targets(members))
        assert conforms, report
    broken = rdf_graph(quads)
    broken.remove((rdflib.URIRef(members[0]), rdflib.URIRef(TIMESTAMP.value), None))
    conforms, _, _ = validate(broken, shacl_graph=shapes_with_targets(members))
    assert not conforms


def test_the_store_read_directly_finds_the_members_sparql_finds(build) -> None:
    """The embedded store's members are read from its indexes; a remote store's by SPARQL: the same members."""
    store = EmbeddedStore(build)
    assert feed_members(store) == sorted(queried_members(store))


def test_a_remote_store_answers_the_same_feed(settings, feed, request: pytest.FixtureRequest) -> None:
    """Over a remote SPARQL store (an Oxigraph server with the same build) the root and every page say the same."""
    from dataclasses import replace

    from publisher import create_app

    folder = request.getfixturevalue("finished")
    url = request.getfixturevalue("remote_endpoint")
    remote = create_app(replace(settings, store="sparql+" + url, download_dir=str(folder))).test_client()
    relations_by_page, pages = feed
    remote_relations, remote_pages = read_feed(remote)
    assert remote_relations == relations_by_page
    for address, quads in pages.items():
        assert isomorphic(rdf_graph(remote_pages[address]), rdf_graph(quads)), address
    root = remote.get(ROOT_PAGE, headers={"Accept": "application/n-triples"})
    assert (rdflib.URIRef(MEMBER_SHAPE.value), rdflib.RDF.type, rdflib.SH.NodeShape) in rdflib.Graph().parse(
        data=root.data, format="nt"
    )


def test_members_are_versions_of_the_things_the_store_holds(feed, build) -> None:
    _, pages = feed
    things = {q.object for quads in pages.values() for q in quads if q.predicate == VERSION_OF}
    for thing in things:
        assert isinstance(thing, ox.NamedNode)
        assert next(iter(build.oxigraph.quads_for_pattern(thing, RDF_TYPE, None, None)), None) is not None


@pytest.mark.parametrize(
    ("url", "status"),
    [("/changes/1900-01", 404), ("/changes/2020-13", 400), ("/changes/2020-1", 400), ("/changes/x/y", 400),
     ("/changes/?at=2020-01-01", 400), ("/changes/2020-01?page=2", 400)],
)  # fmt: skip
def test_bad_pages_are_refused_with_a_message_in_the_asked_format(client, url: str, status: int) -> None:
    response = client.get(url, headers={"Accept": "text/turtle"})
    assert response.status_code == status and response.mimetype == "text/turtle"
    comments = [o for _, _, o in rdflib.Graph().parse(data=response.data, format="turtle").triples(
        (None, rdflib.RDFS.comment, None))]  # fmt: skip
    assert comments and len(str(comments[0])) > 20


def test_an_overloaded_feed_answers_429_with_retry_after() -> None:
    client = make_client(rate_limit=1, rate_burst=2)
    statuses = [client.get(ROOT_PAGE, headers=NQUADS).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429
    assert int(client.get(ROOT_PAGE, headers=NQUADS).headers["Retry-After"]) >= 1


# --- the LDES client over a real server -------------------------------------------------------------------

LDES_CLIENT = ROOT / "node_modules" / "ldes-client"
CLIENT = Path(__file__).with_name("changes_client.mjs")


def need_client() -> None:
    if shutil.which("node") is None or not LDES_CLIENT.is_dir():
        pytest.skip("the LDES client needs Debian's nodejs and `make vendor` (npm ci installs ldes-client)")


def served(root: Path, folder: Path) -> tuple[list[str], str, dict[str, str]]:
    port = free_port()
    env = clean_env()
    env["REGIOLOD_DOWNLOAD_DIR"] = str(folder / "download")
    env["REGIOLOD_RATE_LIMIT"] = "0"
    return [str(BIN / "regiolod"), "--root", str(root), "serve", "--port", str(port)], f"http://127.0.0.1:{port}/", env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need_client()
    folder = tmp_path_factory.mktemp("changes-server")
    command, base, env = served(ROOT, folder)
    with running(command, base, folder / "serve.log", env=env):
        yield base


def ldes_client(base: str, state: Path | None = None) -> list[dict[str, str]]:
    """The members the LDES client emits reading the feed from its root (tests/changes_client.mjs)."""
    command = ["node", str(CLIENT), base + "changes/"] + ([str(state)] if state else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def sparql_rows(base: str):
    def rows(query: str) -> list[dict[str, str]]:
        prologue = "PREFIX org: <http://www.w3.org/ns/org#> PREFIX dct: <http://purl.org/dc/terms/> " \
                   "PREFIX time: <http://www.w3.org/2006/time#> "  # fmt: skip
        response = requests.post(base + "sparql", data={"query": prologue + query},
                                 headers={"Accept": "application/sparql-results+json"}, timeout=120)  # fmt: skip
        response.raise_for_status()
        return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]

    return rows


def emitted(members: list[dict[str, str]]) -> dict[str, str]:
    return {m["id"]: m["timestamp"].replace(".000Z", "Z") for m in members}


def test_the_ldes_client_reads_every_member_once_as_sparql_finds_them(server: str) -> None:
    members = ldes_client(server)
    ids = [m["id"] for m in members]
    assert len(ids) == len(set(ids)), "every member once"
    assert emitted(members) == expected_members(sparql_rows(server))
    assert all(m["isVersionOf"] == m["id"].split("#")[0] for m in members)


LATER_CHANGE = """@prefix rl: <https://w3id.org/regiolod/def#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
<id/graph/later-change> a sd:Graph , prov:Entity ; skos:prefLabel "Eine spätere Änderung"@de ;
    prov:wasDerivedFrom <https://de.wikipedia.org/wiki/Landkreis_Heidekreis> ;
    dct:license <http://dcat-ap.de/def/licenses/cc-by/4.0> ; dct:creator "regiolod-Redaktion"@de ;
    dct:modified "2026-11-24"^^xsd:date .
<id/change/2026-11-15-later> a org:ChangeEvent , prov:Activity ;
    skos:prefLabel "Eine spätere Umbenennung"@de , "A later renaming"@en ; dct:type rl:change-renaming ;
    dct:date "2026-11-15"^^xsd:date ;
    org:originalOrganization <id/organization/03358> ; org:resultingOrganization <id/organization/03358> ;
    dct:source <https://de.wikipedia.org/wiki/Landkreis_Heidekreis> .
"""


def test_the_ldes_client_resumes_from_its_state_and_emits_only_what_a_new_build_added(
    project_copy: Path, tmp_path: Path
) -> None:
    need_client()
    command, base, env = served(project_copy, tmp_path)
    state = tmp_path / "client-state"
    with running(command, base, tmp_path / "serve.log", env=env):
        first = emitted(ldes_client(base, state))
        assert first == expected_members(sparql_rows(base))
        oldest = requests.get(base + "changes/" + min(first.values())[:7], headers=NQUADS, timeout=10)
        (project_copy / "data" / "later-change.ttl").write_text(LATER_CHANGE, encoding="utf-8")
        master = int((tmp_path / "download" / "regiolod.pid").read_text())
        old_workers = workers_of(master)
        reload = subprocess.run([str(BIN / "regiolod"), "--root", str(project_copy), "reload"], env=env,
                                capture_output=True, text=True, timeout=300)  # fmt: skip
        assert reload.returncode == 0, reload.stderr
        # The reload is done when every worker of the old build is gone: granian replaces them one after the
        # other, and until then a client may be answered by either build.
        assert wait_for(lambda: not workers_of(master) & old_workers, 120)
        new_page = base + "changes/2026-11"
        for _ in range(300):
            if requests.get(new_page, headers=NQUADS, timeout=10).status_code == 200:
                break
            time.sleep(0.2)
        second = emitted(ldes_client(base, state))
        everything = expected_members(sparql_rows(base))
        again = requests.get(oldest.url, headers=NQUADS, timeout=10)
    assert again.headers["ETag"] == oldest.headers["ETag"] and again.content == oldest.content, (
        "an old page keeps its ETag"
    )
    added = {f"{base}id/change/2026-11-15-later#happened-2026-11-15": "2026-11-15T00:00:00Z"}
    assert everything == first | added
    assert second == added
