"""Static export: the files are the app's bytes, and a real nginx serves them as the app would."""

from __future__ import annotations

import os
import random
import re
import shlex
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.serving import make_server

from publisher.negotiation import CATALOG_FORMATS, DOCUMENT_FORMATS, VOID_FORMATS, negotiate, parse_accept
from publisher.publish.export import StaticExportError, variant_group, write_static
from publisher.publish.nginx import (
    COMMON_ACCEPT_HEADERS,
    ServerOptions,
    accept_map,
    choose,
    english_by_header,
    render_config,
)
from publisher.render.html import iri_to_uri
from tests.conftest import BASE, make_client
from tests.processes import free_port, running
from tests.test_web_negotiation import DOC, FIREFOX, MATRIX, ROUND_TRIP, SUFFIXES, expected_graph

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
NO_NGINX = "Debian package nginx not installed (looked on PATH and at /usr/sbin/nginx): apt-get install nginx"
needs_nginx = pytest.mark.skipif(NGINX is None, reason=NO_NGINX)
SAMPLE = ["territory/03358", "organization/metropolregion-hamburg", "change/2020-01-01-walsrode-bomlitz"]
# Headers compared between the app and nginx, response by response.
COMPARED = (
    "Content-Type",
    "Vary",
    "Content-Location",
    "Link",
    "Content-Language",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "X-Content-Type-Options",
    "Content-Security-Policy",
    "Referrer-Policy",
    "Last-Modified",
    "Cache-Control",
)


@contextmanager
def app_server(app) -> Iterator[str]:
    """The app over real HTTP on a free loopback port: the upstream nginx hands the rest to."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()


def nginx_command(folder: Path, *extra: str) -> list[str]:
    # Started as root (a container), nginx would switch its workers to "nobody", who cannot read
    # pytest's private temporary folders; as any other user the directive is not needed.
    directives = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    conf, log = folder / "nginx.conf", folder / "logs" / "error.log"
    return [str(NGINX), "-p", str(folder), "-c", str(conf), "-e", str(log), "-g", directives, *extra]


@contextmanager
def nginx(folder: Path, port: int) -> Iterator[str]:
    """nginx with the generated configuration, as the README says to run it."""
    url = f"http://127.0.0.1:{port}"
    with running(nginx_command(folder), f"{url}/robots.txt", folder / "logs" / "nginx.out"):
        yield url


def get(url: str, headers: dict[str, str | None] | None = None, **kwargs) -> requests.Response:
    """GET without requests' own Accept (``*/*``) unless the case names one: None drops a header."""
    merged = {"Accept": None, "Accept-Encoding": "identity"} | (headers or {})
    return requests.get(url, headers=merged, allow_redirects=False, timeout=10, **kwargs)


def app_get(client, path: str, headers: dict[str, str | None] | None = None):
    """The app's answer to the same request, read and closed (static files are sent from open files)."""
    with client.get(path, headers={k: v for k, v in (headers or {}).items() if v is not None}) as response:
        response.get_data()
    return response


@pytest.fixture(scope="session")  # test_static_fragments.py reads the same export
def shipped(app, tmp_path_factory: pytest.TempPathFactory):
    """The shipped dataset exported once, with the app running as the upstream."""
    folder = tmp_path_factory.mktemp("static")
    with app_server(app) as upstream:
        port = free_port()
        result = write_static(app, folder, listen=f"127.0.0.1:{port}", upstream=upstream)
        yield folder, port, result


@pytest.fixture(scope="session")
def served(shipped) -> Iterator[str]:
    if NGINX is None:
        pytest.skip(NO_NGINX)
    folder, port, _ = shipped
    with nginx(folder, port) as url:
        yield url


@pytest.fixture(scope="module")
def iris_app():
    return make_client(data_dir="tests/data/iris").application


@contextmanager
def iris_nginx(iris_app, folder: Path, with_app: bool) -> Iterator[str]:
    port = free_port()
    if not with_app:
        write_static(iris_app, folder, listen=f"127.0.0.1:{port}")
        with nginx(folder, port) as url:
            yield url
        return
    with app_server(iris_app) as upstream:
        write_static(iris_app, folder, listen=f"127.0.0.1:{port}", upstream=upstream)
        with nginx(folder, port) as url:
            yield url


# ---------------------------------------------------------------------------------------------
# The export


def test_export_writes_every_document_of_every_thing(shipped, app) -> None:
    folder, _, result = shipped
    st = app.extensions["regiolod"]
    keys = sorted(iri_to_uri(iri[len(BASE + "id/") :]) for iri in st.subjects())  # files carry the URI form
    fragments = [k for k in keys if "#" in k]
    assert fragments and result.skipped == {"fragment IRI, never requested": fragments}
    assert result.things == len(keys) - len(fragments)
    site = folder / "site"
    for key in keys:
        if "#" in key:
            continue
        names = {f"{key}.{f.suffix}" for f in DOCUMENT_FORMATS} | {f"{key}.html.en"}
        assert all((site / "doc" / name).is_file() for name in names), key
    written = [p for p in site.rglob("*") if p.is_file()]
    assert len(written) == result.files + 1  # and the export's own report
    assert sum(p.stat().st_size for p in written if p.name != "export.json") == result.bytes
    assert f"skipped {len(fragments)} keys (fragment IRI, never requested)" in "\n".join(result.summary())


def test_files_are_the_apps_bytes(shipped, client) -> None:
    site = shipped[0] / "site"
    for key in SAMPLE:
        for fmt in DOCUMENT_FORMATS:
            name = f"{key}.{fmt.suffix}"
            assert (site / "doc" / name).read_bytes() == app_get(client, f"/doc/{name}").data
        english = app_get(client, f"/doc/{key}", {"Accept": "text/html", "Accept-Language": "en"}).data
        assert (site / "doc" / f"{key}.html.en").read_bytes() == english
        assert b'lang="en"' in english
    for name, path, accept in [
        ("def.ttl", "/def", "text/turtle"),
        ("shapes.jsonld", "/shapes", "application/ld+json"),
        ("catalog.rdf", "/catalog", "application/rdf+xml"),
        (".well-known/void.nt", "/.well-known/void", "application/n-triples"),
        ("index.html", "/", "text/html"),
        ("context.jsonld", "/context.jsonld", None),
        ("sitemap-1.xml", "/sitemap-1.xml", None),
    ]:
        assert (site / name).read_bytes() == app_get(client, path, {"Accept": accept}).data


def test_files_carry_the_apps_last_modified(shipped, client) -> None:
    site = shipped[0] / "site"
    for name in ("doc/territory/03358.ttl", "static/style.css"):
        expected = app_get(client, f"/{name}").last_modified
        assert int((site / name).stat().st_mtime) == int(expected.timestamp())


def test_variants_of_one_address_never_share_an_etag(shipped) -> None:
    """nginx's ETag is the file's date and size; an address's variants must differ in one of them."""
    site = shipped[0] / "site"
    etags: dict[str, set[tuple[int, int]]] = {}
    variants = 0
    for path in site.rglob("*.*"):
        name = path.relative_to(site).as_posix()
        group = variant_group(name)
        if group != name:
            stat = path.stat()
            etags.setdefault(group, set()).add((int(stat.st_mtime), stat.st_size))
            variants += 1
    assert variants == sum(len(pairs) for pairs in etags.values())


def test_a_new_export_replaces_the_old_in_one_switch(iris_app, tmp_path: Path) -> None:
    first = write_static(iris_app, tmp_path)
    second = write_static(iris_app, tmp_path)
    assert (tmp_path / "site").resolve() == second.site
    assert first.site == second.site  # the same data gives the same export
    assert [p.name for p in (tmp_path / "sites").iterdir()] == [second.site.name]
    with pytest.raises(ValueError, match="listen address"):
        write_static(iris_app, tmp_path, listen="127.0.0.1:80; include /etc/passwd")
    assert (tmp_path / "site").resolve() == second.site  # a refused export leaves the old one serving
    assert [p.name for p in (tmp_path / "sites").iterdir()] == [second.site.name]


def test_an_app_with_a_rate_limit_is_refused(tmp_path: Path) -> None:
    app = make_client(data_dir="tests/data/iris", rate_limit=50).application
    with pytest.raises(StaticExportError, match="rate_limit=0"):
        write_static(app, tmp_path)
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"base": 'http://example.org/"x/'}, "base IRI"),
        ({"base": "http://example.org/${x}/"}, "base IRI"),
        ({"base": "ftp://example.org/"}, "base IRI"),
        ({"upstream": "https://app.example.org"}, "upstream"),
        ({"listen": "8080 ssl; }"}, "listen address"),
    ],
)
def test_unusable_parameters_are_refused(tmp_path: Path, change: dict, message: str) -> None:
    options = {"base": BASE, "version": "v", "folder": tmp_path, "root": tmp_path} | change
    with pytest.raises(ValueError, match=message):
        render_config(ServerOptions(**options), [])


# ---------------------------------------------------------------------------------------------
# Regex negotiation, checked against the app's negotiation without nginx


def random_accept(rng: random.Random) -> str:
    """An Accept header of the shapes clients send: up to five ranges, weights with one decimal."""
    pool = [
        "text/html", "application/xhtml+xml", "text/turtle", "text/n3", "application/ld+json", "application/json",
        "application/rdf+xml", "application/xml", "text/plain", "application/n-triples", "application/n-quads",
        "text/x-nquads", "image/png", "image/*", "text/*", "application/*", "*/*", "text/csv",
        "application/sparql-results+json",
    ]  # fmt: skip
    params = ["", ";charset=utf-8", '; profile="http://www.w3.org/ns/json-ld#compacted"', ";v=b3"]
    weights = [None, "1", "1.0", "0.9", "0.8", "0.5", "0.3", "0.1", "0", "0.0", "0.05"]
    parts = []
    for media in rng.sample(pool, rng.randint(1, 5)):
        weight = rng.choice(weights)
        parts.append(media + rng.choice(params) + ("" if weight is None else rng.choice([";q=", "; q="]) + weight))
    return rng.choice([",", ", "]).join(parts)


def names_a_format_twice(header: str, formats) -> bool:
    """Outside what regex negotiation promises (see publisher/publish/nginx.py)."""
    ranges = parse_accept(header)
    return any(
        sum(f"{r.type}/{r.subtype}" in (f.media_type, *f.aliases) for r in ranges) > 1 for f in formats
    )


@pytest.mark.parametrize("formats", [DOCUMENT_FORMATS, CATALOG_FORMATS, VOID_FORMATS], ids=["doc", "catalog", "void"])
def test_regex_negotiation_picks_what_the_app_picks(formats) -> None:
    exact, rules = accept_map(formats)
    rng = random.Random(20261124)
    headers = [random_accept(rng) for _ in range(4000)] + list(COMMON_ACCEPT_HEADERS) + [m[0] or "" for m in MATRIX]
    checked = 0
    for header in headers:
        if names_a_format_twice(header, formats):
            continue
        expected = negotiate(header, formats)
        assert choose(exact, rules, header) == (expected.suffix if expected else ""), header
        checked += 1
    assert checked > 3000


def test_regex_negotiation_limit_weights_below_a_tenth_are_equal() -> None:
    """The documented limit: 0.05 and 0.01 are one band, so the server's order decides."""
    exact, rules = accept_map(DOCUMENT_FORMATS)
    header = "application/rdf+xml;q=0.05, text/turtle;q=0.01"
    assert negotiate(header).suffix == "rdf"
    assert choose(exact, rules, header) == "ttl"


BROWSER_LANGUAGES = [
    "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7",  # Chrome, German
    "de,en-US;q=0.7,en;q=0.3",  # Firefox, German
    "en-US,en;q=0.9",  # Chrome, English
    "en-GB,en;q=0.5",
    "fr-FR,fr;q=0.9,en;q=0.8",
    "fr-FR,fr;q=0.9",
    "nl,de;q=0.7,en;q=0.3",
    "*",
    "en;q=0",
    "",
]


@pytest.mark.parametrize("header", BROWSER_LANGUAGES)
def test_language_rule_agrees_with_the_app_for_browser_headers(header: str) -> None:
    app_choice = parse_accept_header(header, LanguageAccept).best_match(["de", "en"]) or "de"
    assert english_by_header(header) == (app_choice == "en")


# ---------------------------------------------------------------------------------------------
# A real nginx with the generated configuration


def assert_same_response(nginx_response: requests.Response, app_response) -> None:
    assert nginx_response.status_code == app_response.status_code
    assert nginx_response.content == app_response.data
    for name in COMPARED:
        if name == "Last-Modified" and app_response.last_modified:
            # A variant as large as another of its address is dated a few seconds later (ETags stay apart).
            later = parsedate_to_datetime(nginx_response.headers[name]) - app_response.last_modified
            assert 0 <= later.total_seconds() < 7
            continue
        assert nginx_response.headers.get(name) == app_response.headers.get(name), name


@needs_nginx
@pytest.mark.parametrize(("accept", "status", "content_type"), MATRIX)
def test_nginx_negotiates_like_the_app(served, client, accept, status, content_type) -> None:
    response = get(served + DOC, {"Accept": accept})
    assert response.status_code == status
    assert response.headers["Content-Type"] == content_type
    assert "Accept" in response.headers["Vary"]
    assert_same_response(response, app_get(client, DOC, {"Accept": accept}))


@needs_nginx
@pytest.mark.parametrize("accept", COMMON_ACCEPT_HEADERS)
def test_nginx_answers_real_clients_like_the_app(served, client, accept: str) -> None:
    for path in (DOC, "/def", "/catalog", "/.well-known/void"):
        assert_same_response(get(served + path, {"Accept": accept}), app_get(client, path, {"Accept": accept}))


@needs_nginx
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_nginx_id_answers_303_see_other(served, method: str) -> None:
    response = requests.request(method, f"{served}/id/territory/03358", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}doc/territory/03358"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


DATED_PATHS = [
    "/doc/territory/03358?at=2019-06-01",
    "/doc/territory/03358.ttl?at=2019-06-01",
    "/doc/territory/03358?lang=en&at=2019-06-01",
    "/doc/territory/03358?at=yesterday",
    "/doc/territory/03358?at=",
    "/?at=2011-06-01",
    "/id/territory/03358004?at=2019-06-01",
]


@needs_nginx
@pytest.mark.parametrize("path", DATED_PATHS)
def test_nginx_leaves_every_other_day_to_the_app(served, client, path: str) -> None:
    """The export holds today; a request with at= (a good day or a bad one) is the app's to answer."""
    for accept in ("text/html", "text/turtle"):
        response = get(served + path, {"Accept": accept})
        expected = app_get(client, path, {"Accept": accept})
        assert response.status_code == expected.status_code, (path, accept)
        assert response.content == expected.data, (path, accept)
        assert response.headers.get("Location") == expected.headers.get("Location")
        assert response.headers.get("Valid-At") == expected.headers.get("Valid-At")


@needs_nginx
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/doc/territory/03358.ttl?_profile=schema", {}),
        ("/doc/territory/03358?_profile=alt", {"Accept": "text/turtle"}),
        ("/doc/territory/03358?_profile=nonsense", {"Accept": "text/turtle"}),
        ("/doc/territory/03358", {"Accept": "text/turtle", "Accept-Profile": "<http://data.europa.eu/m8g/>"}),
        ("/doc/organization/03358", {"Accept": "text/turtle", "Accept-Profile": "<http://data.europa.eu/m8g/>"}),
    ],
)
def test_nginx_leaves_every_profile_to_the_app(served, client, path: str, headers: dict[str, str]) -> None:
    """The export holds the default representations; a profile asked by ?_profile= or Accept-Profile (and the
    list of alternates) is the app's to answer, with the same status, body and Content-Profile."""
    response = get(served + path, headers)
    expected = app_get(client, path, headers)
    assert response.status_code == expected.status_code, path
    assert response.content == expected.data, path
    assert response.headers.get("Content-Profile") == expected.headers.get("Content-Profile"), path


@needs_nginx
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's JSON-LD parser
@pytest.mark.parametrize(("suffix", "parser", "content_type"), SUFFIXES)
def test_nginx_suffix_fixes_the_format(
    served, build, finished: Path, suffix: str, parser: str | None, content_type: str
) -> None:
    response = get(f"{served}{DOC}.{suffix}", {"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Location"] == f"{BASE}doc/territory/03358.{suffix}"
    assert "Accept," not in response.headers.get("Vary", "") and response.headers.get("Vary") != "Accept"
    if parser and parser != "nquads":
        graph = rdflib.Graph().parse(data=response.content, format=parser)
        assert isomorphic(graph, expected_graph(build, finished))


HEADER_CASES = [
    (DOC, {"Accept": "text/turtle"}),
    (DOC, {"Accept": FIREFOX}),
    (DOC, {"Accept": FIREFOX, "Accept-Language": "en-US,en;q=0.5"}),
    (DOC + "?lang=en", {"Accept": "text/html", "Accept-Language": "de"}),
    (DOC + ".ttl", {}),
    (DOC + ".html", {"Accept-Language": "en"}),
    (DOC + ".nq", {"Accept": "text/html"}),
    (DOC, {"Accept": "image/png"}),
    ("/doc/organization/metropolregion-hamburg", {"Accept": "application/ld+json"}),
    ("/def", {"Accept": "application/ld+json"}),
    ("/def", {"Accept": "image/png"}),
    ("/def.html", {"Accept-Language": "en"}),
    ("/shapes", {}),
    ("/shapes.nt", {}),
    ("/catalog", {}),
    ("/catalog", {"Accept": "text/html"}),
    ("/catalog", {"Accept": "image/png"}),
    ("/catalog.html?lang=en", {}),
    ("/catalog.rdf", {}),
    ("/.well-known/void", {}),
    ("/.well-known/void", {"Accept": "application/ld+json"}),
    ("/.well-known/void", {"Accept": "text/html"}),
    ("/", {}),
    ("/", {"Accept-Language": "en"}),
    ("/context.jsonld", {}),
    ("/robots.txt", {}),
    ("/sitemap.xml", {}),
    ("/sitemap-1.xml", {}),
    ("/static/style.css", {}),
]


@needs_nginx
@pytest.mark.parametrize(("path", "headers"), HEADER_CASES)
def test_nginx_sends_the_apps_bytes_and_headers(served, client, path: str, headers: dict[str, str]) -> None:
    assert_same_response(get(served + path, headers), app_get(client, path, headers))


@needs_nginx
def test_nginx_revalidation_gives_304(served) -> None:
    first = get(served + DOC, {"Accept": "text/turtle"})
    again = get(served + DOC, {"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = get(served + DOC, {"Accept": "text/turtle", "If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


@needs_nginx
def test_nginx_unknown_thing_is_the_apps_404(served, client) -> None:
    for path, accept in [("/doc/territory/0335802", "text/html"), ("/doc/territory/walsrod", "text/turtle")]:
        response = get(served + path, {"Accept": accept})
        assert response.status_code == 404
        assert response.content == app_get(client, path, {"Accept": accept}).data
    assert get(f"{served}/id/territory/nothing").status_code == 404


@needs_nginx
@pytest.mark.parametrize(
    "path", ["/territories?page=2", "/organizations", "/download/", "/catalog?page=1", "/incoming/territory/03358"]
)
def test_nginx_hands_what_is_not_a_file_to_the_app(served, client, path: str) -> None:
    response = get(served + path, {"Accept": "text/html"})
    expected = app_get(client, path, {"Accept": "text/html"})
    assert response.status_code == expected.status_code
    assert response.content == expected.data


@pytest.fixture(scope="module")
def iris_with_app(iris_app, tmp_path_factory) -> Iterator[str]:
    if NGINX is None:
        pytest.skip(NO_NGINX)
    with iris_nginx(iris_app, tmp_path_factory.mktemp("iris-app"), with_app=True) as url:
        yield url


@needs_nginx
@pytest.mark.parametrize(("requested", "key"), ROUND_TRIP)
def test_nginx_unusual_iris_round_trip_exactly(iris_with_app, requested: str, key: str) -> None:
    response = get(f"{iris_with_app}/doc/{requested}.ttl")
    if key == "organization/c%2Bd":  # "+" and "%2B" are different IRIs; only "+" is in the data
        assert response.status_code == 404
        return
    assert response.status_code == 200, requested
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    [topic] = list(graph.objects(None, rdflib.FOAF.primaryTopic))
    assert str(topic) == f"{BASE}id/{key}"


@needs_nginx
def test_nginx_serves_unusual_keys_from_files_and_passes_other_spellings_on_exactly(iris_with_app, iris_app) -> None:
    client = iris_app.test_client(use_cookies=False)
    for path in [
        "/doc/organization/zweckverband-stra%C3%9Fe-%C3%BCber",
        "/doc/organization/a%20b.nt",
        "/doc/organization/c+d.jsonld",
        "/doc/organization/e%2Ff.rdf",
        "/doc/organization/e/f.ttl",
        "/doc/organization/zweckverband-stra%c3%9fe-%c3%bcber.ttl",  # lower-case escapes: no file, the app
        "/doc/organization/e%2ff.ttl",  # the app keeps %2F: not e/f
    ]:
        turtle = {"Accept": "text/turtle"}
        assert_same_response(get(iris_with_app + path, turtle), app_get(client, path, turtle))
    response = get(f"{iris_with_app}/id/organization/zweckverband-stra%C3%9Fe-%C3%BCber")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}doc/organization/zweckverband-stra%C3%9Fe-%C3%BCber"


@needs_nginx
def test_nginx_without_an_app_answers_404_for_everything_else(iris_app, tmp_path: Path) -> None:
    not_found = iris_app.test_client(use_cookies=False).get("/nothing", headers={"Accept": "text/html"})
    with iris_nginx(iris_app, tmp_path, with_app=False) as url:
        assert get(f"{url}/doc/organization/c+d.ttl").status_code == 200
        for path in ["/doc/organization/nothing", "/id/organization/nothing", "/sparql", "/catalog?page=2"]:
            response = get(url + path)
            assert response.status_code == 404, path
            assert response.content == not_found.data
            assert response.headers["Access-Control-Allow-Origin"] == "*"


@needs_nginx
def test_nginx_serves_a_base_with_a_path(tmp_path: Path) -> None:
    from publisher import create_app
    from publisher.config import Settings
    from tests.conftest import ROOT

    base = "http://regiolod.test/regio/"
    settings = Settings(base_iri=base, root=ROOT, data_dir="tests/data/iris", rate_limit=0, download_dir=str(tmp_path))
    port = free_port()
    write_static(create_app(settings), tmp_path / "out", listen=f"127.0.0.1:{port}")
    with nginx(tmp_path / "out", port) as url:
        response = get(f"{url}/regio/id/organization/c+d")
        assert response.status_code == 303
        assert response.headers["Location"] == f"{base}doc/organization/c+d"
        response = get(f"{url}/regio/doc/organization/c+d", {"Accept": "text/turtle"})
        assert response.status_code == 200
        assert response.headers["Content-Location"] == f"{base}doc/organization/c+d.ttl"
        for path in ("/regio/", "/regio/def.ttl", "/regio/catalog", "/regio/.well-known/void", "/regio/robots.txt"):
            assert get(url + path).status_code == 200, path
        assert get(f"{url}/doc/organization/c+d").status_code == 404


# The GeoJSON of things with a boundary (publish/boundaries.py): files at each detail, today; the rest is the app's.
GEOJSON_FILES = [
    "/doc/territory/03358.geojson",
    "/doc/territory/03358.geojson?detail=coarse",
    "/doc/territory/03358.geojson?detail=medium",
    "/doc/territory/03358.geojson?detail=full",
    "/doc/organization/metropolregion-hamburg.geojson?detail=coarse",
]
GEOJSON_TO_THE_APP = [
    "/doc/territory/03358.geojson?detail=rough",
    "/doc/territory/03358.geojson?detail=",
    "/doc/territory/03358.geojson?at=2019-06-01",
    "/doc/territory/03358.geojson?detail=full&at=2019-06-01",
    "/doc/change/2020-01-01-walsrode-bomlitz.geojson",
]


def test_export_writes_the_geojson_of_every_thing_with_a_boundary(shipped, app, client) -> None:
    from publisher.render.geojson import bounded_of

    site = shipped[0] / "site"
    st = app.extensions["regiolod"]
    bounded = sorted(iri_to_uri(i[len(BASE + "id/") :]) for i in bounded_of(st.store, st.build.version))
    written = sorted(p.relative_to(site / "doc").as_posix()[: -len(".geojson")] for p in site.rglob("*.geojson"))
    assert written == bounded
    for path in GEOJSON_FILES:
        name, _, query = path.partition("?")
        detail = query.removeprefix("detail=")
        file = site / (name.lstrip("/") + ("" if detail in ("", "medium") else f".{detail}"))
        assert file.read_bytes() == app_get(client, path).data


@needs_nginx
@pytest.mark.parametrize("path", GEOJSON_FILES)
def test_nginx_serves_the_geojson_the_export_wrote(served, client, path: str) -> None:
    response, expected = get(served + path), app_get(client, path)
    assert_same_response(response, expected)
    assert response.headers["ETag"] != expected.headers["ETag"], "nginx's ETag (date and size): from the file"


@needs_nginx
@pytest.mark.parametrize("path", GEOJSON_TO_THE_APP)
def test_nginx_leaves_other_geojson_to_the_app(served, client, path: str) -> None:
    response, expected = get(served + path), app_get(client, path)
    assert_same_response(response, expected)
    assert response.headers.get("ETag") == expected.headers.get("ETag")


# ---------------------------------------------------------------------------------------------
# Exact keys in front of regular expressions: the same value, found in the map's hash


def map_entries(conf: str, variable: str) -> list[tuple[str, str]]:
    """The (key, value) pairs of ``map SOURCE $variable { ... }`` in a rendered configuration."""
    found = re.search(rf"^map \S+ \${variable} \{{\n(.*?)^\}}", conf, re.MULTILINE | re.DOTALL)
    assert found, f"no map of ${variable}"
    entries = [shlex.split(line.strip().rstrip(";")) for line in found.group(1).splitlines() if line.strip()]
    return [(e[0], e[1] if len(e) > 1 else "") for e in entries]


def by_expressions(entries: list[tuple[str, str]], value: str) -> str | None:
    """What the map's regular expressions alone give for ``value`` (named captures filled in), or ``None``."""
    for key, result in entries:
        if key.startswith("~"):
            pattern = re.sub(r"\(\?<(?=\w)", "(?P<", key.lstrip("~*"))  # PCRE's named groups in Python's spelling
            found = re.search(pattern, value, re.IGNORECASE if key.startswith("~*") else 0)
            if found:
                groups = found.groupdict()
                return re.sub(r"\$(\w+)", lambda m, g=groups: g.get(m.group(1)) or m.group(0), result)
    return None


@pytest.mark.parametrize(
    "variable",
    [
        "regiolod_documents_file",
        "regiolod_catalog_file",
        "regiolod_doc_suffix_file",
        "regiolod_geo_file",
        "regiolod_dated",
        "regiolod_page_csp",
        "regiolod_csp",
        "regiolod_referrer_policy",
    ],
)
def test_exact_map_keys_give_what_the_expressions_would(tmp_path: Path, variable: str) -> None:
    options = ServerOptions(base=BASE, version="v", folder=tmp_path, root=tmp_path, boundary_keys=("territory/03358",))
    entries = map_entries(render_config(options, [])["regiolod.conf"], variable)
    exact = [(k, v) for k, v in entries if not k.startswith("~") and k != "default"]
    assert exact, f"no exact keys in the map of ${variable}"
    default = dict(entries).get("default")
    for key, value in exact:
        # nginx compares exact keys without case, the expressions with it: every key is lower case already
        assert key == key.lower()
        assert value == by_expressions(entries, key) or (by_expressions(entries, key) is None and value == default)
