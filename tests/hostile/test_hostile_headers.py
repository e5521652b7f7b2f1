"""Security headers: every HTML page forbids inline script, framing and sniffing; every answer forbids sniffing."""

from __future__ import annotations

import pytest

HTML_PAGES = [
    ("home", "GET", "/", 200),
    ("thing", "GET", "/doc/territory/03358", 200),
    ("incoming", "GET", "/incoming/territory/03358", 200),
    ("territories", "GET", "/territories", 200),
    ("organizations", "GET", "/organizations?page=1", 200),
    ("ontology", "GET", "/def", 200),
    ("shapes", "GET", "/shapes", 200),
    ("query-page", "GET", "/sparql", 200),
    ("query-results", "GET", "/sparql?query=ASK%7B%7D&format=html", 200),
    ("downloads", "GET", "/download/", 200),
    ("catalog", "GET", "/catalog.html", 200),
    ("unknown-thing", "GET", "/doc/territory/nope", 404),
    ("no-route", "GET", "/nowhere", 404),
    ("bad-page-number", "GET", "/territories?page=x", 400),
    ("wrong-method", "PUT", "/", 405),
]


def directives(csp: str) -> dict[str, list[str]]:
    """Content-Security-Policy as directive -> sources (CSP Level 3 §2.2)."""
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


@pytest.mark.parametrize(("case", "method", "path", "status"), HTML_PAGES, ids=[c[0] for c in HTML_PAGES])
def test_every_html_page_has_the_security_headers(client, case: str, method: str, path: str, status: int) -> None:
    response = client.open(path, method=method, headers={"Accept": "text/html"})
    assert response.status_code == status
    assert response.mimetype == "text/html"
    csp = directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"]
    scripts = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("no-referrer", "same-origin", "strict-origin-when-cross-origin")


OTHER_ANSWERS = [
    ("turtle", "/doc/territory/03358", "text/turtle", 200),
    ("json-ld", "/doc/territory/03358", "application/ld+json", 200),
    ("sparql-json", "/sparql?query=ASK%7B%7D", "application/sparql-results+json", 200),
    ("sparql-error", "/sparql?query=nonsense", "application/sparql-results+json", 400),
    ("context", "/context.jsonld", "*/*", 200),
    ("robots", "/robots.txt", "*/*", 200),
    ("sitemap", "/sitemap.xml", "*/*", 200),
    ("void", "/.well-known/void", "text/turtle", 200),
    ("not-acceptable", "/doc/territory/03358", "image/png", 406),
    ("not-found-rdf", "/doc/territory/nope", "text/turtle", 404),
]


@pytest.mark.parametrize(("case", "path", "accept", "status"), OTHER_ANSWERS, ids=[c[0] for c in OTHER_ANSWERS])
def test_every_answer_forbids_sniffing(client, case: str, path: str, accept: str, status: int) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # CORS for everyone, but never with credentials (Fetch §3.2.5: "*" and credentials do not mix).
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
