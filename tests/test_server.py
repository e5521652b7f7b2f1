"""The real server: `regiolod serve` under each HTTP server (gunicorn, granian) on a free port, used by a real
HTTP client."""

from __future__ import annotations

import ast
import http.client
import socket
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import rdflib
import requests
from rdflib.namespace import RDF, SKOS, Namespace

from tests.conftest import ROOT
from tests.processes import BIN, HTTP_SERVERS, clean_env, free_port, running

RL = Namespace("https://w3id.org/regiolod/def#")


@pytest.fixture(scope="module", params=HTTP_SERVERS)
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[str]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "serve.log"
    env = clean_env()
    env["REGIOLOD_DOWNLOAD_DIR"] = str(tmp_path_factory.mktemp("download"))
    env["REGIOLOD_SERVER"] = request.param
    # Variables named like request headers in the server's environment: no request may read them as its own.
    env["HTTP_ACCEPT_LANGUAGE"] = "en"
    env["HTTP_ACCEPT"] = "text/turtle"
    base = f"http://127.0.0.1:{port}/"
    command = [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--port", str(port), "--workers", "2"]
    with running(command, base, log_path, env=env):
        yield base


def test_linked_data_client_follows_the_303(server: str) -> None:
    response = requests.get(f"{server}id/territory/03358", headers={"Accept": "text/turtle"}, timeout=10)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [303]
    assert response.url == f"{server}doc/territory/03358"
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    heidekreis = rdflib.URIRef(f"{server}id/territory/03358")  # the base IRI is the listening address
    label = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
    assert (heidekreis, label, rdflib.Literal("Heidekreis", lang="de")) in graph


def test_browser_gets_html_and_revalidates(server: str) -> None:
    session = requests.Session()
    first = session.get(f"{server}doc/territory/033580024024", headers={"Accept": "text/html"}, timeout=10)
    assert first.status_code == 200 and "Walsrode" in first.text
    again = session.get(first.url, headers={"Accept": "text/html", "If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 304


def test_a_request_has_only_the_headers_its_client_sent(server: str) -> None:
    """The server's environment holds HTTP_ACCEPT and HTTP_ACCEPT_LANGUAGE (see the fixture): a request that sends
    neither gets what a request without them gets, a German page (and one that sends them gets what it asked)."""
    connection = http.client.HTTPConnection(urlsplit(server).hostname, urlsplit(server).port, timeout=10)
    try:
        connection.request("GET", "/doc/territory/03358")  # http.client sends no Accept and no Accept-Language
        bare = connection.getresponse()
        assert bare.status == 200 and bare.getheader("Content-Type") == "text/html; charset=utf-8"
        assert '<html lang="de"' in bare.read().decode()
    finally:
        connection.close()
    english = requests.get(f"{server}doc/territory/03358", headers={"Accept-Language": "en"}, timeout=10)
    assert '<html lang="en"' in english.text


def test_every_worker_serves_the_same_bytes(server: str) -> None:
    bodies = {
        requests.get(f"{server}doc/organization/metropolregion-hamburg.ttl", timeout=10).content for _ in range(8)
    }
    assert len(bodies) == 1


def test_an_idle_connection_stays_open_longer_than_clients_keep_theirs(server: str) -> None:
    """A client that keeps its connection 4 s (Node's fetch does) finds it open for its next request: the server
    must not close an idle connection first, or the request the client sends just then fails (the fragments
    client met "other side closed" while the server closed idle connections after 2 s)."""
    host, port = server.removeprefix("http://").rstrip("/").split(":")
    request = f"GET /download/manifest.json HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        for _ in range(2):
            connection.sendall(request)
            answer = read_response(connection)
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
            assert b"connection: close" not in answer.lower()
            time.sleep(3.9)


def read_response(connection: socket.socket) -> bytes:
    """One HTTP/1.1 response with a Content-Length, read whole from ``connection``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"the server closed the connection: {data[:200]!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    )
    while len(body) < length:
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return head + b"\r\n\r\n" + body


def sparqlwrapper(server: str, query: str, fmt: str):
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(f"{server}sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setTimeout(30)
    return client.query()


SELECT = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX rl: <https://w3id.org/regiolod/def#> "
    "SELECT ?t ?name WHERE { ?t a rl:DistrictTerritory ; skos:prefLabel ?name FILTER (LANG(?name) = 'de') }"
)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_sparqlwrapper_select_in_every_format(server: str, fmt: str, data_union: rdflib.Graph) -> None:
    result = sparqlwrapper(server, SELECT, fmt)
    converted = result.convert()
    if fmt == "json":
        names = {b["name"]["value"] for b in converted["results"]["bindings"]}
    elif fmt == "xml":
        names = {n.firstChild.data for n in converted.getElementsByTagName("literal")}
    else:
        sep = "," if fmt == "csv" else "\t"
        lines = converted.decode("utf-8").strip().splitlines()[1:]
        names = {line.split(sep)[-1].split('"')[1 if fmt == "tsv" else 0] for line in lines}
    territories = data_union.subjects(RDF.type, RL.DistrictTerritory)
    labels = (name for t in territories for name in data_union.objects(t, SKOS.prefLabel))
    districts = {str(name) for name in labels if isinstance(name, rdflib.Literal) and name.language == "de"}
    assert "Heidekreis" in names and names == districts and len(names) > 38


# SPARQLWrapper converts graph results with rdflib, which still builds a ConjunctiveGraph inside.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_sparqlwrapper_ask_construct_describe(server: str) -> None:
    assert sparqlwrapper(server, "ASK { ?s ?p ?o }", "json").convert()["boolean"] is True
    thing = f"<{server}id/territory/03358>"
    graph = sparqlwrapper(server, f"CONSTRUCT {{ {thing} ?p ?o }} WHERE {{ {thing} ?p ?o }}", "xml").convert()
    assert len(graph) > 10
    described = sparqlwrapper(server, f"DESCRIBE {thing}", "turtle").convert()
    assert rdflib.Graph().parse(data=described, format="turtle")


def test_slow_query_is_stopped_while_others_are_answered(server: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    explosion = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        slow = pool.submit(requests.get, f"{server}sparql", params={"query": explosion, "timeout": "3"}, timeout=30)
        time.sleep(0.5)
        quick = requests.get(
            f"{server}sparql",
            params={"query": "ASK { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        quick_done = time.monotonic() - started
        answer = slow.result()
        slow_done = time.monotonic() - started
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert quick_done < 2.5
    assert answer.status_code == 503 and "time limit of 3 s" in answer.text
    assert 2.5 < slow_done < 10


@pytest.mark.parametrize("http_server", HTTP_SERVERS)
@pytest.mark.parametrize("access_log", ["-", "file", ""])
def test_the_access_log_goes_where_the_setting_says(tmp_path, access_log: str, http_server: str) -> None:
    port = free_port()
    env = clean_env()
    env["REGIOLOD_SERVER"] = http_server
    env["REGIOLOD_DOWNLOAD_DIR"] = str(tmp_path / "download")
    env["REGIOLOD_ACCESS_LOG"] = str(tmp_path / "access.log") if access_log == "file" else access_log
    base = f"http://127.0.0.1:{port}/"
    command = [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--port", str(port), "--workers", "1"]
    with running(command, base, tmp_path / "serve.log", env=env):
        assert requests.get(f"{base}doc/territory/03358", timeout=10).status_code == 200
        time.sleep(0.5)
    logged = [p.read_text() for p in (tmp_path / "serve.log", tmp_path / "access.log") if p.exists()]
    lines = [line for text in logged for line in text.splitlines() if '"GET /doc/territory/03358 ' in line]
    assert len(lines) == (0 if access_log == "" else 1)
    if access_log == "file":
        assert '"GET /doc/territory/03358 ' in (tmp_path / "access.log").read_text()


def test_the_query_runner_is_chosen_once_where_the_app_is_made(settings, build, finished) -> None:
    """`regiolod serve` asks for one query service of the server; the server starts and stops the service
    the app holds and swaps nothing; every other app runs its queries in processes of its own."""
    from dataclasses import replace

    from publisher import create_app
    from publisher.server.serve import GunicornServer
    from publisher.sparql.admission import Queued
    from publisher.sparql.processes import QueryPool
    from publisher.sparql.queryservice import SharedQueries
    from publisher.store.remote import RemoteRunner

    served = replace(settings, sparql_max_concurrent=3, sparql_queue=20, threads=8, workers=4)
    # README: the server holds at most sparql_queue SPARQL requests, running and waiting in one queue; a worker
    # may hold them all, in threads of its own beyond the threads of pages.
    per_worker = served.sparql_queue
    app = create_app(served, build, shared_queries=True)
    runner = app.extensions["regiolod"].runner
    assert isinstance(runner, SharedQueries) and runner.admitted_max == per_worker
    assert runner.query_service.pool.size == 3 and runner.query_service.pool.admitted_max == served.sparql_queue
    server = GunicornServer(app, served)
    try:
        assert app.extensions["regiolod"].runner is runner and server.queries is runner.query_service
        server.load_config()
        assert server.cfg.threads == served.threads + served.sparql_queue
    finally:
        server.on_exit(None)
    alone = create_app(served, build).extensions["regiolod"].runner
    assert isinstance(alone, QueryPool) and alone.size == 3 and alone.admitted_max == per_worker
    remote = replace(served, store="sparql+http://127.0.0.1:9/query", download_dir=str(finished))
    remote_runner = create_app(remote, shared_queries=True).extensions["regiolod"].runner
    assert isinstance(remote_runner, Queued) and isinstance(remote_runner.runner, RemoteRunner)
    assert remote_runner.queue.limit == served.sparql_queue


CHILD = """
import os, signal, sys, time
from publisher.server.rustserver import end_new_children_on_stop_signals
signal.signal(signal.SIGTERM, lambda *_: None)  # the master's handler: it would only set a flag of the master's
signal.signal(signal.SIGINT, lambda *_: None)
if sys.argv[1] == "registered":
    end_new_children_on_stop_signals()
ended = []
for stop in (signal.SIGTERM, signal.SIGINT):
    pid = os.fork()
    if pid == 0:
        time.sleep(5)  # a worker that has not yet set its own handlers
        os._exit(0)
    time.sleep(0.2)
    os.kill(pid, stop)
    start = time.monotonic()
    _, status = os.waitpid(pid, 0)
    ended.append((os.WIFSIGNALED(status) and os.WTERMSIG(status) == stop, round(time.monotonic() - start, 1)))
print(ended)
"""


@pytest.mark.parametrize("registered", ["registered", "not registered"])
def test_a_child_of_the_granian_master_ends_on_a_stop_signal_before_it_sets_handlers(registered: str) -> None:
    """A granian worker keeps the master's signal handlers from the fork until it has loaded the app and set its
    own: a SIGTERM or Ctrl-C in that window set a flag of the master's copy and the worker served on until killed
    30 s later (5 of 10 stops right after the start). The master makes every child it forks end on SIGTERM and
    SIGINT until the child sets its own handlers; without that, the same child ignores both."""
    command = [str(BIN / "python"), "-c", CHILD, registered]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT, check=True).stdout
    ended = ast.literal_eval(out)  # the list the child printed
    if registered == "registered":
        assert [stopped for stopped, _ in ended] == [True, True] and max(s for _, s in ended) < 2
    else:
        assert [stopped for stopped, _ in ended] == [False, False]  # slept its 5 s and ended by itself


@pytest.mark.parametrize("http_server", HTTP_SERVERS)
def test_the_server_writes_nothing_in_the_users_home(tmp_path, http_server: str) -> None:
    """A server started, asked and stopped leaves the user's home as it was: gunicorn's control socket
    ($HOME/.gunicorn/gunicorn.ctl, one path for every server of the user, which lets any of the user's processes
    change or stop it) is not opened; regiolod's own pid file and `regiolod reload` manage the server."""
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    env = {k: v for k, v in clean_env().items() if k != "XDG_RUNTIME_DIR"}
    env |= {"HOME": str(home), "REGIOLOD_SERVER": http_server, "REGIOLOD_DOWNLOAD_DIR": str(tmp_path / "download")}
    command = [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--port", str(port), "--workers", "2"]
    with running(command, f"http://127.0.0.1:{port}/", tmp_path / "serve.log", env=env):
        answer = requests.get(f"http://127.0.0.1:{port}/doc/territory/03358.ttl", timeout=10)
        assert answer.status_code == 200
        assert list(home.rglob("*")) == []
    assert list(home.rglob("*")) == []
    # Nor does a start or stop warn of anything, not of the threads a worker runs by design (granian warns of more
    # than 2 × cores + 1 threads; most wait their turn in the SPARQL queue).
    text = (tmp_path / "serve.log").read_text()
    assert "[WARNING]" not in text and "Traceback" not in text, text
