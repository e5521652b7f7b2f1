"""Front-end code comes from our own origin with the integrity hashes of the bytes served; pages work without it."""

from __future__ import annotations

import base64
import hashlib
import tomllib
from html.parser import HTMLParser

import pytest

import publisher.web.sparql as sparql_view
from publisher.render.assets import STATIC, YASGUI, Bundle
from tests.conftest import BASE, ROOT

needs_editor = pytest.mark.skipif(
    not YASGUI, reason="the query editor is not in publisher/static/vendor/: run `make vendor` (needs npm)"
)


class Elements(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def loaded(self) -> list[dict[str, str | None]]:
        """The scripts and style sheets the browser fetches."""
        return [a for t, a in self.tags if (t, bool(a.get("src"))) == ("script", True) or a.get("rel") == "stylesheet"]


def query_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response, Elements(response.data.decode())


@needs_editor
def test_query_page_loads_the_editor_from_its_own_origin_with_the_hash_of_the_served_bytes(client) -> None:
    _, page = query_page(client)
    loaded = page.loaded()
    editor = [a for a in loaded if "/vendor/yasgui/" in (a.get("src") or a.get("href") or "")]
    assert len(editor) == 2  # the script and its style sheet
    for attrs in loaded:
        url = attrs.get("src") or attrs.get("href") or ""
        assert url.startswith(BASE + "static/"), url  # nothing from another origin
    for attrs in editor:
        with client.get((attrs.get("src") or attrs.get("href"))[len(BASE) - 1 :]) as served:
            assert served.status_code == 200
            expected = "sha384-" + base64.b64encode(hashlib.sha384(served.data).digest()).decode()
        assert attrs["integrity"] == expected  # W3C Subresource Integrity §3.3.5


def test_query_page_allows_no_other_origin(client) -> None:
    response, _ = query_page(client)
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    for directive in ("script-src", "style-src", "font-src", "connect-src", "img-src"):
        assert "http" not in policy[directive] and "*" not in policy[directive], (directive, policy[directive])
    assert policy["connect-src"] == "'self'"


def test_query_page_without_the_editor_files_keeps_its_form(client, tmp_path, monkeypatch) -> None:
    """A source checkout without npm: no element for the editor, no error, the plain form works."""
    monkeypatch.setattr(sparql_view, "YASGUI", Bundle(js=YASGUI.js, css=YASGUI.css, folder=tmp_path))
    _, page = query_page(client)
    assert not [a for a in page.loaded() if "vendor" in (a.get("src") or a.get("href") or "")]
    assert not [a for t, a in page.tags if t == "script" and a.get("src")]  # query.js has nothing to set up
    assert ("form", {"method": "post", "action": BASE + "sparql", "class": "query", "id": "query-form"}) in page.tags
    answer = client.post("/sparql", data={"query": "ASK {}", "format": "html"}, headers={"Accept": "text/html"})
    assert answer.status_code == 200 and "true" in answer.data.decode().lower()


def test_bundle_is_false_until_both_files_are_there(tmp_path) -> None:
    bundle = Bundle(js="a.js", css="a.css", folder=tmp_path)
    assert not bundle and bundle.js_integrity is None
    (tmp_path / "a.js").write_bytes(b"alert(1)")
    assert not bundle
    (tmp_path / "a.css").write_bytes(b"")
    assert bundle
    # the SHA-384 of no bytes (FIPS 180-4), base64-encoded as SRI metadata is
    assert bundle.css_integrity == "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb"


def test_every_static_file_is_in_the_wheel() -> None:
    """package-data names every file under static/, vendored ones too, so `pip install .` serves them."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["publisher"]
    package = STATIC.parent
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    static = {p for p in STATIC.rglob("*") if p.is_file()}
    assert static and static <= shipped, sorted(str(p.relative_to(package)) for p in static - shipped)
