"""No route parses RDF a client sends: XML entities and JSON-LD contexts are never resolved.

DESIGN §8: a 620-byte RDF/XML entity bomb ran over 60 s in rdflib, and remote or file: contexts
are fetched by JSON-LD parsers. regiolod reads no client RDF at all; these cases prove it. Each
body points at a canary file and at the loopback canary: neither may be read or contacted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.support import assert_safe_answer, assert_still_up, timed

ROUTES = [
    "/",
    "/id/territory/03358",
    "/doc/territory/03358",
    "/incoming/territory/03358",
    "/def",
    "/shapes",
    "/context.jsonld",
    "/territories",
    "/download/",
    "/catalog",
    "/.well-known/void",
    "/sitemap.xml",
    "/robots.txt",
    "/sparql",
]
CANARY_TEXT = "regiolod-canary-file-must-never-be-read"


def bodies(canary_file: Path, authority: str) -> list[tuple[str, str, bytes]]:
    """(case, Content-Type, body): XXE to a file and to the canary, an entity bomb, remote contexts."""
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return [
        (
            "rdfxml-xxe-file",
            "application/rdf+xml",
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{canary_file}">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
            '<rdf:Description rdf:about="http://example.org/a"><e:p>&x;</e:p></rdf:Description></rdf:RDF>'.encode(),
        ),
        (
            "rdfxml-xxe-http",
            "application/rdf+xml",
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://{authority}/xxe">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&x;</rdf:RDF>'.encode(),
        ),
        (
            "xml-parameter-entity",
            "application/xml",
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://{authority}/dtd"> %p;]><r/>'.encode(),
        ),
        (
            "rdfxml-entity-bomb",
            "application/rdf+xml",
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "ha">{laughs}]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
            '<rdf:Description rdf:about="http://example.org/a"><e:p>&l9;</e:p></rdf:Description></rdf:RDF>'.encode(),
        ),
        (
            "jsonld-remote-context",
            "application/ld+json",
            f'{{"@context": "http://{authority}/context.jsonld", "@id": "http://example.org/a"}}'.encode(),
        ),
        (
            "jsonld-file-context",
            "application/ld+json",
            f'{{"@context": "file://{canary_file}", "@id": "http://example.org/a"}}'.encode(),
        ),
        (
            "jsonld-import",
            "application/ld+json",
            f'{{"@context": {{"@import": "http://{authority}/c"}}, "@id": "http://example.org/a"}}'.encode(),
        ),
        ("turtle-prefix-to-canary", "text/turtle", f"@prefix e: <http://{authority}/> . e:a e:b e:c .".encode()),
    ]


@pytest.fixture(scope="module")
def canary_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("canary") / "secret.txt"
    path.write_text(CANARY_TEXT + "\n")
    return path


@pytest.mark.parametrize("route", ROUTES)
def test_client_rdf_is_refused_unread(client, canary, canary_file: Path, route: str) -> None:
    for case, content_type, body in bodies(canary_file, canary.authority):
        for method in ("POST", "PUT"):
            response, elapsed = timed(
                lambda method=method, content_type=content_type, body=body: client.open(
                    route, method=method, data=body, headers={"Content-Type": content_type}
                )
            )
            expected = 415 if route == "/sparql" and method == "POST" else 405
            assert_safe_answer(response, elapsed, expected)
            assert CANARY_TEXT not in response.get_data(as_text=True), case
            assert elapsed < 2, f"{case}: {elapsed:.1f} s, as if the body were parsed"
    canary.assert_silent()
    assert_still_up(client)
