"""Hostile bytes on the wire: the real server (each HTTP server, started once) over raw sockets.

Raw request lines, lying Content-Length, overlong URLs, malformed and gigantic headers and invalid
UTF-8 in the request target never reach the app in a form it cannot handle: each gets its exact
4xx, quickly, without internals, and the server answers ``GET /`` afterwards. Where the two servers
answer differently and both answers are what HTTP allows, the tables say which and why.
"""

from __future__ import annotations

import http.client
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from tests.conftest import ROOT
from tests.hostile.support import BOUND, assert_no_leak
from tests.processes import BIN, HTTP_SERVERS, clean_env, free_port, running


@dataclass(frozen=True)
class Server:
    port: int
    name: str


@pytest.fixture(scope="module", params=HTTP_SERVERS)
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Server]:
    """`regiolod serve` with two workers on a free loopback port, under each HTTP server."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("hostile-server") / "serve.log"
    env = clean_env()
    env["REGIOLOD_DOWNLOAD_DIR"] = str(tmp_path_factory.mktemp("download"))
    env["REGIOLOD_RATE_LIMIT"] = "0"  # every case comes from one address; 429 has its own tests
    env["REGIOLOD_SERVER"] = request.param
    command = [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--port", str(port), "--workers", "2"]
    with running(command, f"http://127.0.0.1:{port}/", log_path, env=env):
        yield Server(port, request.param)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float


def exchange(server: Server, data: bytes, end: bool = False) -> Answer | None:
    """Send raw bytes and read one answer, framed by its Content-Length (or chunks, or the close).

    ``end``: close our sending side after the bytes, so a server waiting for more of a body sees that no
    more comes. None when the server closed the connection without an answer.
    """
    start = time.monotonic()
    raw = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=BOUND) as s:
        try:
            s.sendall(data)
            if end:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # EPIPE, ECONNRESET, ENOTCONN: it answered an overlong line before reading it all
        try:
            while not complete(raw) and (chunk := s.recv(65536)):
                raw += chunk
        except OSError:
            pass  # closed with our unread bytes in its buffer; what arrived before the reset is the answer
    raw = skip_interim(raw)
    if not raw:
        return None
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(lines[0].split()[1]), headers, body, time.monotonic() - start)


def skip_interim(raw: bytes) -> bytes:
    while raw.startswith(b"HTTP/1.1 100 ") and b"\r\n\r\n" in raw:  # an interim answer to Expect: 100-continue
        raw = raw.split(b"\r\n\r\n", 1)[1]
    return raw


def complete(raw: bytes) -> bool:
    """Whether ``raw`` holds a whole answer: its head, and as much body as its Content-Length or chunks say."""
    raw = skip_interim(raw)
    head, found, body = raw.partition(b"\r\n\r\n")
    if not found or raw.startswith(b"HTTP/1.1 100 "):
        return False
    if length := re.search(rb"(?im)^content-length:\s*(\d+)", head):
        return len(body) >= int(length.group(1))
    if re.search(rb"(?im)^transfer-encoding:\s*chunked", head):
        return body.endswith(b"0\r\n\r\n")
    return False  # read to the close


def answered(server: Server, data: bytes) -> Answer:
    answer = exchange(server, data)
    assert answer is not None, "the server closed the connection without an answer"
    return answer


def server_is_up(server: Server) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=BOUND)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    finally:
        connection.close()


HOST = b"Host: 127.0.0.1\r\n"


def post(path: bytes, headers: bytes, body: bytes) -> bytes:
    return b"POST " + path + b" HTTP/1.1\r\n" + HOST + headers + b"\r\n" + body


DIRECT = b"Content-Type: application/sparql-query\r\n"
FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
WIRE = [
    ("garbage-request-line", b"GARBAGE\r\n\r\n", {400}),
    ("binary-noise", bytes(range(1, 256)) + b"\r\n\r\n", {400}),
    ("http-version-9-9", b"GET / HTTP/9.9\r\n" + HOST + b"\r\n", {400, 505}),
    ("no-http-version", b"GET /\r\n\r\n", {400}),
    ("nul-in-method", b"G\x00T / HTTP/1.1\r\n" + HOST + b"\r\n", {400}),
    ("lowercase-method", b"get / HTTP/1.1\r\n" + HOST + b"\r\n", {400, 405}),
    ("method-10kb", b"A" * 10_000 + b" / HTTP/1.1\r\n" + HOST + b"\r\n", {400, 414}),
    ("url-16kb", b"GET /doc/" + b"a" * 16 * 1024 + b" HTTP/1.1\r\n" + HOST + b"\r\n", {414}),
    ("url-100kb", b"GET /doc/" + b"a" * 100 * 1024 + b" HTTP/1.1\r\n" + HOST + b"\r\n", {414}),
    ("sparql-url-16kb", b"GET /sparql?query=" + b"%7B" * 5500 + b" HTTP/1.1\r\n" + HOST + b"\r\n", {414}),
    ("header-without-colon", b"GET / HTTP/1.1\r\n" + HOST + b"NoColonHere\r\n\r\n", {400}),
    ("header-name-with-space", b"GET / HTTP/1.1\r\n" + HOST + b"Bad Name: v\r\n\r\n", {400}),
    ("obsolete-line-folding", b"GET / HTTP/1.1\r\n" + HOST + b"X-A: a\r\n  folded\r\n\r\n", {400}),
    ("nul-in-header-value", b"GET / HTTP/1.1\r\n" + HOST + b"X-A: a\x00b\r\n\r\n", {400}),
    ("bare-lf-line-ends", b"GET / HTTP/1.1\nHost: 127.0.0.1\n\n", {400}),
    ("accept-100kb", b"GET / HTTP/1.1\r\n" + HOST + b"Accept: " + b"a" * 100_000 + b"\r\n\r\n", {431}),
    ("200-headers", b"GET / HTTP/1.1\r\n" + HOST + b"".join(b"X-%d: v\r\n" % i for i in range(200)) + b"\r\n", {431}),
    ("invalid-utf8-path", b"GET /doc/\xff\xfe HTTP/1.1\r\n" + HOST + b"\r\n", {400}),
    ("invalid-utf8-query", b"GET /sparql?query=\xff\xfe HTTP/1.1\r\n" + HOST + b"\r\n", {400}),
    ("escaped-invalid-utf8-path", b"GET /doc/territory/%FF%FE HTTP/1.1\r\n" + HOST + b"\r\n", {404}),
    ("escaped-invalid-utf8-query", b"GET /sparql?query=%FF%FE HTTP/1.1\r\n" + HOST + b"\r\n", {400}),
    ("crlf-in-path", b"GET /doc/x%0d%0aSet-Cookie:%20a=b HTTP/1.1\r\n" + HOST + b"\r\n", {404}),
    (
        "content-length-longer-than-body",
        post(b"/sparql", FORM + b"Content-Length: 1000\r\n", b"query=ASK%7B%7D"),
        {400},
    ),
    ("content-length-longer-direct", post(b"/sparql", DIRECT + b"Content-Length: 900\r\n", b"ASK {}"), {400}),
    ("content-length-shorter-than-body", post(b"/sparql", FORM + b"Content-Length: 5\r\n", b"query=ASK%7B%7D"), {400}),
    ("content-length-negative", post(b"/sparql", DIRECT + b"Content-Length: -1\r\n", b"ASK{}"), {400}),
    ("content-length-not-a-number", post(b"/sparql", DIRECT + b"Content-Length: abc\r\n", b"ASK{}"), {400}),
    ("content-length-twice", post(b"/sparql", DIRECT + b"Content-Length: 5\r\nContent-Length: 6\r\n", b"ASK{}"), {400}),
    ("content-length-petabyte", post(b"/sparql", DIRECT + b"Content-Length: 1000000000000000\r\n", b"ASK{}"), {413}),
    (
        "chunked-and-content-length",
        post(b"/sparql", DIRECT + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", b"5\r\nASK{}\r\n0\r\n\r\n"),
        {400},
    ),
    (
        "chunk-size-garbage",
        post(b"/sparql", DIRECT + b"Transfer-Encoding: chunked\r\n", b"zz\r\nASK{}\r\n0\r\n\r\n"),
        {400},
    ),
    ("chunked-cut-short", post(b"/sparql", DIRECT + b"Transfer-Encoding: chunked\r\n", b"ff\r\nASK{}"), {400}),
    ("no-content-type", post(b"/sparql", b"Content-Length: 5\r\n", b"ASK{}"), {415}),
    ("lying-content-type", post(b"/sparql", DIRECT + b"Content-Length: 15\r\n", b"query=ASK%7B%7D"), {400}),
    ("connect-to-ssh", b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n", {400, 404, 405}),
    ("options-asterisk", b"OPTIONS * HTTP/1.1\r\n" + HOST + b"\r\n", {200, 204, 400, 404}),
    ("trace-with-cookie", b"TRACE / HTTP/1.1\r\n" + HOST + b"Cookie: secret-cookie\r\n\r\n", {405}),
    ("static-traversal", b"GET /static/..%2f..%2fpyproject.toml HTTP/1.1\r\n" + HOST + b"\r\n", {404}),
    ("download-traversal", b"GET /download/../../pyproject.toml HTTP/1.1\r\n" + HOST + b"\r\n", {404}),
]


#: Requests whose body is shorter than announced: the server waits for the rest, so the client ends its sending
#: side and the app sees the body end early (a client that half-closes after a whole request gets no answer
#: from granian, which closes such a connection: the other cases keep their connection open).
INCOMPLETE = {"content-length-longer-than-body", "content-length-longer-direct", "chunked-cut-short"}

#: Where granian's answer differs from gunicorn's and is what HTTP allows (RFC 9112).
GRANIAN = {
    # §2.2: "a recipient MAY recognize a single LF as a line terminator".
    "bare-lf-line-ends": {200},
    # §6.3: Transfer-Encoding overrides Content-Length; the server "MUST close the connection after
    # responding" (checked below), so no second request can hide in the body.
    "chunked-and-content-length": {200},
    # A chunked body cut short by the client's end: granian hands the app the bytes that came as the whole body
    # (it reports no error), so the endpoint, which only reads, answers what it got: here a whole query.
    "chunked-cut-short": {200, 400},
}


@pytest.mark.parametrize(("case", "data", "statuses"), WIRE, ids=[c[0] for c in WIRE])
def test_hostile_bytes_get_a_clean_4xx(server: Server, case: str, data: bytes, statuses: set[int]) -> None:
    answer = exchange(server, data, end=case in INCOMPLETE)
    assert answer is not None, "the server closed the connection without an answer"
    expected = GRANIAN.get(case, statuses) if server.name == "granian" else statuses
    assert answer.status in expected, (answer.status, answer.body[:300])
    assert answer.elapsed < BOUND
    assert_no_leak(answer.body)
    assert b"[build-system]" not in answer.body and b"secret-cookie" not in answer.body
    assert "set-cookie" not in answer.headers
    if case == "chunked-and-content-length" and answer.status < 400:
        assert answer.headers["connection"] == "close"
    assert server_is_up(server)


def test_expect_continue_then_the_answer(server: Server) -> None:
    data = post(
        b"/sparql",
        DIRECT + b"Accept: application/sparql-results+json\r\nExpect: 100-continue\r\nContent-Length: 5\r\n",
        b"ASK{}",
    )
    answer = answered(server, data)
    assert answer.status == 200 and b'"boolean": true' in answer.body


FOREIGN_HOSTS = [
    ("absolute-form-target", b"GET http://evil.example/doc/territory/03358 HTTP/1.1\r\nHost: evil.example\r\n", 200),
    ("markup-in-host", b"GET / HTTP/1.1\r\nHost: <script>alert(1)</script>\r\n", 200),
    ("double-slash-path", b"GET //doc//territory/03358 HTTP/1.1\r\nHost: evil.example\r\n", 404),
    (
        "id-redirect",
        b"GET /id/territory/03358 HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: evil.example\r\n",
        303,
    ),
    ("http-1-0-without-host", b"GET / HTTP/1.0\r\n", 200),
]


@pytest.mark.parametrize(("case", "head", "status"), FOREIGN_HOSTS, ids=[c[0] for c in FOREIGN_HOSTS])
def test_links_never_come_from_the_request(server: Server, case: str, head: bytes, status: int) -> None:
    answer = answered(server, head + b"Accept: text/html\r\n\r\n")
    assert answer.status == status
    assert answer.elapsed < BOUND
    assert b"evil" not in answer.body and b"<script>alert" not in answer.body
    assert "evil" not in answer.headers.get("location", "")
    if status == 303:
        assert answer.headers["location"] == f"http://127.0.0.1:{server.port}/doc/territory/03358"
    assert server_is_up(server)


def test_service_over_the_wire_fetches_nothing(server: Server, canary) -> None:
    query = f"SELECT * WHERE {{ SERVICE <http://{canary.authority}/sparql> {{ ?s ?p ?o }} }}"
    answer = answered(server, b"GET /sparql?query=" + quote(query).encode() + b" HTTP/1.1\r\n" + HOST + b"\r\n")
    assert answer.status == 400 and b"SERVICE" in answer.body
    canary.assert_silent()
    assert server_is_up(server)


#: Request targets as a client may put them on the wire (curl sends them as typed), and the status each
#: gets: a "%" that begins no escape is a 400; escapes of no IRI character and characters no IRI may hold
#: (sent raw, so the app sees them before anything decodes them) name nothing, a 404.
WIRE_PATHS = [
    (b"/doc/%ZZ", 400),
    (b"/doc/%", 400),
    (b"/%", 400),
    (b"/id/territory/03358%ZZ", 400),
    (b"/incoming/%?page=2", 400),
    (b"/catalog%ZZ", 400),
    (b"/download/%", 400),
    (b"/doc/%C3%28", 404),
    (b"/id/%C3%28", 404),
    (b"/doc/%EE%80%80", 404),
    (b"/download/%C3%28", 404),
    (b"/doc/a<b>", 404),
    (b'/doc/a"b', 404),
    (b"/id/a{b}", 404),
    (b"/doc/a|b", 404),
    (b"/doc/a\\b", 404),
    (b"/doc/a^b", 404),
    (b"/doc/a`b", 404),
    (b"/incoming/a[b]", 404),
]
#: Characters granian's parser refuses in a request target (RFC 3986 has no place for them): a 400 of its own.
REFUSED_BY_GRANIAN = {b"/doc/a<b>", b"/doc/a`b"}
#: A browser gets an HTML page; linked-data clients get plain text, or a description of nothing where the
#: path names a thing (/id/, /doc/, /incoming/) and the answer is a 404.
WIRE_ACCEPTS = [
    (b"text/html,application/xhtml+xml,*/*;q=0.8", "text/html", "text/html"),
    (b"text/turtle", "text/plain", "text/turtle"),
    (b"application/n-triples", "text/plain", "application/n-triples"),
]


@pytest.mark.parametrize(("accept", "media", "described"), WIRE_ACCEPTS, ids=[a[0][:11].decode() for a in WIRE_ACCEPTS])
@pytest.mark.parametrize(("path", "status"), WIRE_PATHS, ids=[p[0].decode() for p in WIRE_PATHS])
def test_odd_paths_get_a_clean_answer_in_the_negotiated_format(
    server: Server, path: bytes, status: int, accept: bytes, media: str, described: str
) -> None:
    answer = answered(server, b"GET " + path + b" HTTP/1.1\r\n" + HOST + b"Accept: " + accept + b"\r\n\r\n")
    if server.name == "granian" and path in REFUSED_BY_GRANIAN:
        assert (answer.status, answer.body) == (400, b"")  # refused before the app, with nothing to leak
    else:
        assert answer.status == status, answer.body[:300]
        thing = status == 404 and path.split(b"/")[1] in (b"doc", b"id", b"incoming")
        assert answer.headers["content-type"].split(";")[0] == (described if thing else media)
    assert_no_leak(answer.body)
    assert server_is_up(server)
