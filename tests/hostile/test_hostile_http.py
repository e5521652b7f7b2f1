"""Hostile HTTP through the app: malformed Accept, path traversal, overlong URLs, wrong methods.

Each case names the exact status; the body never shows internals nor a file from outside the
dumps, the answer comes quickly, and the app answers its home page afterwards.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from tests.hostile.support import assert_safe_answer, assert_still_up, timed

DOC = "/doc/territory/03358"
KNOWN_TYPES = {
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/rdf+xml",
    "application/n-triples",
    "application/n-quads",
    "text/plain",
}

ACCEPT = [
    ("semicolons", ";;;", 200),
    ("q-not-a-number", "text/turtle;q=abc", 200),
    ("q-overflow", "text/turtle;q=1e309", 200),
    ("q-negative", "text/turtle;q=-1", 200),
    ("q-nan", "text/turtle;q=NaN", 200),
    ("q-too-precise", "text/turtle;q=0.0001", 200),
    ("q-above-one", "text/turtle;q=1.5", 200),
    ("q-10000-digits", "text/turtle;q=0." + "9" * 10_000, 200),
    ("q-zero-everything", "*/*;q=0", 406),
    ("q-zero-all-offered", "text/html;q=0, text/turtle;q=0, */*;q=0", 406),
    ("10000-unknown-ranges", ", ".join(f"x{i}/y{i}" for i in range(10_000)), 406),
    ("10000-turtle-ranges", ", ".join(["text/turtle;q=0.5"] * 10_000), 200),
    ("100kb-parameters", "text/turtle;" + "a=b;" * 25_000, 200),
    ("100kb-one-token", "text/" + "t" * 100_000, 406),
    ("quoted-comma", 'text/turtle;x="a,b\\"c", text/html;q=0.1', 200),
    ("unterminated-quote", 'text/turtle;x="abc', 200),
    ("only-commas", ",,,,,,", 200),
    ("wildcard-type-only", "*/turtle", 200),
    ("non-ascii", "text/türtle, */*;q=0.1", 200),
    ("control-characters", "text/turtle\x01\x02;q=\x7f", 200),
]


@pytest.mark.parametrize(("case", "accept", "status"), ACCEPT, ids=[c[0] for c in ACCEPT])
def test_malformed_accept_is_never_fatal(client, case: str, accept: str, status: int) -> None:
    response, elapsed = timed(lambda: client.get(DOC, headers={"Accept": accept}))
    assert_safe_answer(response, elapsed, status)
    assert response.mimetype in KNOWN_TYPES
    assert_still_up(client)


ACCEPT_ELSEWHERE = [
    ("sparql-service-description", "/sparql", "text/turtle;q=abc, ;;;"),
    ("sparql-query", "/sparql?query=ASK%7B%7D", "application/sparql-results+json;q=1e309, ;;;"),
    ("ontology", "/def", "text/turtle;q=-1"),
    ("catalog", "/catalog", "application/rdf+xml;q=NaN"),
    ("unknown-thing", "/doc/territory/nope", ";;;, text/turtle;q=abc"),
    ("void", "/.well-known/void", ",,,"),
]


@pytest.mark.parametrize(("case", "path", "accept"), ACCEPT_ELSEWHERE, ids=[c[0] for c in ACCEPT_ELSEWHERE])
def test_malformed_accept_elsewhere(client, case: str, path: str, accept: str) -> None:
    response, elapsed = timed(lambda: client.get(path, headers={"Accept": accept}))
    assert_safe_answer(response, elapsed, 404 if case == "unknown-thing" else 200)
    assert_still_up(client)


def test_malformed_accept_language(client) -> None:
    response, elapsed = timed(
        lambda: client.get(DOC, headers={"Accept": "text/html", "Accept-Language": ";;;, de;q=abc, *;q=1e309"})
    )
    assert_safe_answer(response, elapsed, 200)
    assert response.headers["Content-Language"] in ("de", "en")


#: What a traversal would reveal: the project's own files and the machine's.
SECRETS = ("[build-system]", "root:x:0:0", "def create_app")
TRAVERSAL = [
    ("id-dot-dot", "/id/../../../etc/passwd"),
    ("id-encoded-slash", "/id/..%2F..%2F..%2Fetc%2Fpasswd"),
    ("id-nul", "/id/territory/03358%00"),
    ("doc-encoded-dots", "/doc/%2e%2e%2f%2e%2e%2fpyproject.toml"),
    ("doc-backslash", "/doc/..%5c..%5cpyproject.toml"),
    ("doc-double-encoded", "/doc/%252e%252e%252fpyproject.toml"),
    ("doc-nul-before-suffix", "/doc/territory/03358%00.ttl"),
    ("doc-absolute", "/doc//etc/passwd"),
    ("incoming-encoded-slash", "/incoming/..%2F..%2Fetc%2Fpasswd"),
    ("download-dot-dot", "/download/../pyproject.toml"),
    ("download-encoded-slash", "/download/..%2Fpyproject.toml"),
    ("download-encoded-dots", "/download/%2e%2e%2fpyproject.toml"),
    ("download-backslash", "/download/..%5c..%5cpyproject.toml"),
    ("download-double-encoded", "/download/%252e%252e%252fpyproject.toml"),
    ("download-nul", "/download/SHA256SUMS%00"),
    ("download-nul-then-name", "/download/manifest.json%00.txt"),
    ("download-etc", "/download/%2Fetc%2Fpasswd"),
    ("download-doubled-dots", "/download/....//....//pyproject.toml"),
    ("download-dot-file", "/download/.."),
    ("static-dot-dot", "/static/../../pyproject.toml"),
    ("static-encoded-slash", "/static/..%2f..%2fpyproject.toml"),
    ("static-backslash", "/static/..%5c__init__.py"),
    ("static-module", "/static/../__init__.py"),
    ("def-suffix-dots", "/def.%2e%2e"),
    ("sitemap-dots", "/sitemap-..%2F1.xml"),
]


@pytest.mark.parametrize(("case", "path"), TRAVERSAL, ids=[c[0] for c in TRAVERSAL])
def test_path_traversal_finds_nothing(client, case: str, path: str) -> None:
    response, elapsed = timed(lambda: client.get(path))
    assert_safe_answer(response, elapsed, 404)
    body = response.get_data(as_text=True)
    assert not any(secret in body for secret in SECRETS)
    assert_still_up(client)


OVERLONG = [
    ("doc-16kb-path", "/doc/" + "a" * 16 * 1024, 404),
    ("doc-100kb-path", "/doc/territory/" + "x" * 100 * 1024, 404),
    ("id-100kb-path", "/id/" + "%41" * 34 * 1024, 404),
    ("sparql-100kb-query", "/sparql?query=" + "A" * 100 * 1024, 413),
    ("listing-page-100k-digits", "/territories?page=" + "9" * 100_000, 400),
    ("listing-page-huge", "/territories?page=99999999999999999999999", 404),
    ("listing-page-negative", "/organizations?page=-5", 400),
    ("listing-type-100kb", "/territories?type=" + "x" * 100 * 1024, 400),
    ("listing-type-unknown-prefix", "/territories?type=nope:Thing", 400),
    ("incoming-page-huge", "/incoming/territory/03358?page=99999999999999999999999", 404),
    ("incoming-page-not-a-number", "/incoming/territory/03358?page=abc", 400),
    ("catalog-page-huge", "/catalog?page=99999999999999999999999", 404),
    ("catalog-page-garbage", "/catalog?page=%00", 400),
    ("catalog-modified-since-markup", "/catalog?modified_since=%3Cscript%3E", 400),
    ("sitemap-page-huge", "/sitemap-99999999999999999999999.xml", 404),
    ("lang-markup", "/?lang=%3Cscript%3E", 200),
    ("projection-code-100kb", "/projection?from=2019-01-01&code=" + "9" * 100 * 1024, 400),
    ("projection-code-markup", "/projection?from=2019-01-01&code=%3Cscript%3E", 400),
    ("projection-code-nul", "/projection?from=2019-01-01&code=%00", 400),
    ("projection-iri-breaks-out", "/projection?from=2019-01-01&iri=http://x/%3E%7DSERVICE%3Chttp://a/%3E%7B", 400),
    ("projection-iri-100kb", "/projection?from=2019-01-01&iri=http://x/" + "a" * 100 * 1024, 400),
    ("projection-date-markup", "/projection?code=03358004&from=%3Cscript%3E", 400),
    ("projection-year-zero", "/projection?code=03358004&from=0000-01-01", 400),
    ("projection-date-100kb", "/projection?code=03358004&from=" + "2" * 100 * 1024, 400),
    ("projection-last-day-backwards", "/projection?code=03358&from=9999-12-31&to=0001-01-01", 200),
    ("projection-both-ends-of-time", "/projection?code=03358&from=0001-01-01&to=9999-12-31", 200),
    ("projection-repeated-code", "/projection?code=03358&code=03358004&from=2019-01-01", 200),
    # ?at= is a calendar date YYYY-MM-DD or a 400 saying so (never a 500, never reflected as markup).
    ("at-impossible-day", "/doc/territory/03358?at=2023-02-30", 400),
    ("at-compact", "/doc/territory/03358?at=20230101", 400),
    ("at-word", "/doc/territory/03358?at=yesterday", 400),
    ("at-empty", "/doc/territory/03358?at=", 400),
    ("at-markup", "/doc/territory/03358?at=%3Cscript%3E", 400),
    ("at-100kb", "/territories?at=" + "9" * 100 * 1024, 400),
    ("at-nul", "/?at=2019-06-01%00", 400),
    ("at-year-zero", "/organizations?at=0000-01-01", 400),
    ("at-unicode-digits", "/doc/territory/03358?at=%D9%A2%D9%A0%D9%A1%D9%A9-06-01", 400),
    ("at-twice", "/doc/territory/03358?at=2019-06-01&at=2019-06-02", 400),
    ("at-year-9999", "/doc/territory/03358?at=9999-12-31", 200),
    ("at-year-1", "/doc/territory/03358?at=0001-01-01", 200),
    # ?_profile= names a profile by token or IRI, or "alt" (the list); else a 4xx saying which exist.
    ("profile-markup", "/doc/territory/03358?_profile=%3Cscript%3E", 400),
    ("profile-100kb", "/doc/territory/03358?_profile=" + "x" * 100 * 1024, 400),
    ("profile-nul", "/doc/territory/03358?_profile=schema%00", 400),
    ("profile-twice", "/doc/territory/03358?_profile=schema&_profile=schema", 400),
    ("profile-in-html", "/doc/territory/03358?_profile=schema", 406),
    ("profile-not-of-this-thing", "/doc/territory/03358.ttl?_profile=cpov", 406),
    ("profile-alternates", "/doc/territory/03358?_profile=alt&at=2019-06-01", 200),
]


@pytest.mark.parametrize(("case", "path", "status"), OVERLONG, ids=[c[0] for c in OVERLONG])
def test_overlong_and_absurd_parameters(client, case: str, path: str, status: int) -> None:
    response, elapsed = timed(lambda: client.get(path, headers={"Accept": "text/html"}))
    assert_safe_answer(response, elapsed, status)
    assert "<script>" not in response.get_data(as_text=True)
    assert_still_up(client)


METHODS = ["PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "PROPFIND", "FOO"]
ROUTES = [
    ("/", {"GET", "HEAD", "OPTIONS"}),
    (DOC, {"GET", "HEAD", "OPTIONS"}),
    ("/download/", {"GET", "HEAD", "OPTIONS"}),
    ("/sparql", {"GET", "HEAD", "POST", "OPTIONS"}),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("path", "allowed"), ROUTES, ids=[r[0] for r in ROUTES])
def test_other_methods_get_405_with_the_true_allow(client, method: str, path: str, allowed: set[str]) -> None:
    response, elapsed = timed(lambda: client.open(path, method=method, data=b"x"))
    assert_safe_answer(response, elapsed, 405)
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
    assert_still_up(client)


def test_post_to_a_read_only_page_is_405(client) -> None:
    response, elapsed = timed(lambda: client.post(DOC, data={"query": "CLEAR ALL"}))
    assert_safe_answer(response, elapsed, 405)
    assert "POST" not in response.headers["Allow"]


HOST_PATHS = [
    ("id-redirect", "/id/territory/03358", 303),
    ("double-slash", "/doc//territory/03358", 404),
    ("doc-page", DOC, 200),
    ("no-trailing-slash", "/download", 200),
    ("not-found", "/nowhere", 404),
]


@pytest.mark.parametrize(("case", "path", "status"), HOST_PATHS, ids=[c[0] for c in HOST_PATHS])
def test_host_and_forwarded_headers_never_make_links(client, case: str, path: str, status: int) -> None:
    """Links and redirects come from the configured base IRI, never from Host or X-Forwarded-* (README)."""
    headers = {
        "Host": "evil.example",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "gopher",
        "X-Forwarded-Prefix": "/evil",
        "Accept": "text/html",
    }
    response, elapsed = timed(lambda: client.get(path, headers=headers))
    assert_safe_answer(response, elapsed, status)
    assert "evil" not in response.headers.get("Location", "")
    assert "evil" not in response.get_data(as_text=True)


#: Paths with a "%" that begins no escape (RFC 3986 §2.1), on every kind of route: no resource has such a name.
MALFORMED_ESCAPES = [
    "/doc/%ZZ",
    "/doc/%",
    "/%",
    "/doc/territory/03358%ZZ",
    "/doc/territory/03358.ttl%",
    "/id/%ZZ",
    "/id/territory/%",
    "/incoming/%ZZ",
    "/incoming/territory/03358%?page=2",
    "/catalog%ZZ",
    "/catalog.%",
    "/download/%ZZ",
    "/download/%",
    "/def.%ZZ",
]
#: Escapes that decode to no character an IRI may hold: not UTF-8, a lone surrogate, private use, a
#: non-character. They name nothing here.
NOT_IRI_ESCAPES = [
    "/doc/%C3%28",
    "/id/%C3%28",
    "/incoming/%C3%28",
    "/doc/territory/%FF%FE",
    "/doc/%ED%A0%80",
    "/doc/%EE%80%80",
    "/id/organization/%EF%BF%BE",
    "/doc/%EF%B7%90.ttl",
    "/download/%C3%28",
    "/catalog.%C3%28",
]
#: Accept headers of a browser, of linked-data clients and of a client that takes anything, with the
#: kind of answer each gets for an error page (a description of nothing for /id/, /doc/ and /incoming/).
ERROR_ACCEPTS = [
    ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html", "text/html"),
    ("text/turtle", "text/plain", "text/turtle"),
    ("application/ld+json", "text/plain", "application/ld+json"),
    ("application/n-triples", "text/plain", "application/n-triples"),
    ("*/*", "text/html", "text/html"),
]


@pytest.mark.parametrize("path", MALFORMED_ESCAPES)
@pytest.mark.parametrize(("accept", "media", "_"), ERROR_ACCEPTS, ids=[a[0].split(",")[0] for a in ERROR_ACCEPTS])
def test_a_malformed_escape_is_a_400_in_the_negotiated_format(client, path: str, accept: str, media: str, _) -> None:
    response, elapsed = timed(lambda: client.get(path, headers={"Accept": accept}))
    assert_safe_answer(response, elapsed, 400)
    assert response.mimetype == media
    assert "%25" in response.get_data(as_text=True)  # it says how to write a percent sign
    assert_still_up(client)


@pytest.mark.parametrize("path", NOT_IRI_ESCAPES)
@pytest.mark.parametrize(("accept", "media", "rdf"), ERROR_ACCEPTS, ids=[a[0].split(",")[0] for a in ERROR_ACCEPTS])
def test_an_escape_of_no_iri_character_names_nothing(client, path: str, accept: str, media: str, rdf: str) -> None:
    response, elapsed = timed(lambda: client.get(path, headers={"Accept": accept}))
    assert_safe_answer(response, elapsed, 404)
    described = path.split("/")[1] in ("doc", "id", "incoming")
    assert response.mimetype == (rdf if described else media)
    if described and rdf != "text/html":  # the 404 of a thing is a description of nothing, and parses
        assert list(ox.parse(response.get_data(), format=ox.RdfFormat.from_media_type(rdf)))
    assert_still_up(client)


@pytest.mark.parametrize(
    ("case", "header", "status"),
    [
        ("accept-profile-100kb", "<" + "x" * 100 * 1024 + ">", 400),
        ("accept-profile-markup", "<script>alert(1)</script>", 400),
        ("accept-profile-no-brackets", "https://schema.org/", 400),
        ("accept-profile-q-nonsense", "<https://schema.org/>;q=abc", 400),
        ("accept-profile-unknown", "<urn:x-none>, <http://example.org/p>;q=0.1", 200),
    ],
)
def test_a_malformed_accept_profile_is_a_400(client, case: str, header: str, status: int) -> None:
    response, elapsed = timed(lambda: client.get(DOC, headers={"Accept": "text/turtle", "Accept-Profile": header}))
    assert_safe_answer(response, elapsed, status)
    assert "<script>" not in response.get_data(as_text=True)
    assert_still_up(client)


#: Query strings with a "%" that begins no escape, on routes whose error answer names the address asked for
#: (an RDF error document is about that address, so the address must become a valid IRI).
MALFORMED_QUERY_ESCAPES = [
    ("profile", "/doc/territory/03358?_profile=%", 400),
    ("profile-and-more", "/doc/territory/03358?_profile=%ZZ&x=%", 400),
    ("fragments", "/fragments?subject=%25%ZZ&predicate=%", 400),
    ("projection", "/projection?code=%&from=2019-01-01", 400),
    ("listing-past-the-end", "/list/territory?page=99999&x=%", 404),
]


@pytest.mark.parametrize(
    ("case", "path", "status"), MALFORMED_QUERY_ESCAPES, ids=[c[0] for c in MALFORMED_QUERY_ESCAPES]
)
@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "text/html"])
def test_a_malformed_escape_in_the_query_is_answered_in_the_asked_format(
    client, case: str, path: str, status: int, accept: str
) -> None:
    response, elapsed = timed(lambda: client.get(path, headers={"Accept": accept}))
    assert_safe_answer(response, elapsed, status)
    if accept != "text/html" and response.mimetype == accept:  # an RDF error document parses, its subject an IRI
        assert list(ox.parse(response.get_data(), format=ox.RdfFormat.from_media_type(accept)))
    assert_still_up(client)


def test_what_granian_lets_through_is_refused_as_gunicorn_would(app) -> None:
    """Under granian the app is served behind ``wire.checked``: past gunicorn's limits a request gets the status
    gunicorn gives, in the negotiated format."""
    from werkzeug.test import Client

    from publisher.server.wire import FIELD_LIMIT, TARGET_LIMIT, checked

    client = Client(checked(app.wsgi_app))
    long_path = "/doc/" + "a" * TARGET_LIMIT
    turtle = client.get(long_path, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 414 and turtle.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "POST" in turtle.get_data(as_text=True)
    page = client.get(long_path, headers={"Accept": "text/html"})
    assert page.status_code == 414 and page.headers["Content-Type"].startswith("text/html")
    assert client.get("/sparql", query_string={"query": "ASK {}" + " " * TARGET_LIMIT}).status_code == 414
    assert client.get("/", headers={"X-Long": "a" * (FIELD_LIMIT + 1)}).status_code == 431
    assert client.get("/", headers={"X-Long": "a" * FIELD_LIMIT}).status_code == 200
    assert client.get("/", environ_overrides={"REQUEST_METHOD": "get"}).status_code == 400
    assert client.get("/", environ_overrides={"REQUEST_METHOD": "G" * 40}).status_code == 400
    assert client.get(DOC, headers={"Accept": "text/turtle"}).status_code == 200
    assert_still_up(app.test_client())


def test_a_worker_forgets_variables_that_read_as_a_request() -> None:
    from publisher.server.wire import forget_request_variables

    environment = {"HTTP_ACCEPT": "text/turtle", "CONTENT_LENGTH": "5", "PATH": "/bin", "REGIOLOD_PORT": "8000"}
    assert forget_request_variables(environment) == ["CONTENT_LENGTH", "HTTP_ACCEPT"]
    assert environment == {"PATH": "/bin", "REGIOLOD_PORT": "8000"}
