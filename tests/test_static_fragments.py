"""The static export writes the first pages of small Quad Pattern Fragments, and a real nginx serves them.

The export writes the unbound pattern's first page and each exported thing's subject pattern in the RDF
formats of /fragments; nginx answers exactly those query strings from the files (the app's bytes, its
Content-Type, Link and Cache-Control, nginx's own ETag) and hands every other query and HTML to the app.
"""

from __future__ import annotations

import json
import random
import re
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from publisher.publish.fragment_export import WRITTEN_FORMATS, fragment_requests
from publisher.render.fragments import Pattern, fragment_url
from tests import test_static
from tests.conftest import BASE
from tests.test_static import app_get, get, needs_nginx

# The export of the shipped dataset with the app as upstream, and nginx serving it (one per session).
shipped = test_static.shipped
served = test_static.served

#: nginx's ETag of a static file: its date and size in hexadecimal.
NGINX_ETAG = re.compile(r'"[0-9a-f]+-[0-9a-f]+"')
HEIDEKREIS = f"{BASE}id/territory/03358"
HAMBURG = f"{BASE}id/organization/metropolregion-hamburg"


def subject_path(iri: str) -> str:
    """The address of a subject's fragment as the app links it (the canonical spelling)."""
    return "/" + fragment_url(BASE, Pattern(subject=ox.NamedNode(iri))).removeprefix(BASE)


@pytest.fixture(scope="module")
def exported_keys(shipped) -> list[str]:
    """The keys whose documents the export wrote, read back from the site's files."""
    folder, _, _ = shipped
    doc = folder / "site" / "doc"
    return sorted(p.relative_to(doc).as_posix()[: -len(".html")] for p in doc.rglob("*.html"))


def test_the_export_writes_the_first_page_of_each_things_subject_pattern(shipped, exported_keys, app) -> None:
    folder, _, _ = shipped
    site = folder / "site"
    report = json.loads((site / ".regiolod" / "export.json").read_text())
    expected = fragment_requests(app, exported_keys)
    assert report["fragments"] == len(expected) == len(exported_keys) + 1  # every thing and the unbound pattern
    client = app.test_client(use_cookies=False)
    for args, stem in random.Random(7).sample(expected, 15) + expected[:1]:
        for fmt in WRITTEN_FORMATS:
            answer = app_get(client, "/fragments" + (f"?{args}" if args else ""), {"Accept": fmt.media_type})
            assert (site / f"{stem}.{fmt.suffix}").read_bytes() == answer.data, (args, fmt.suffix)
    files = [p for p in (site / "fragments").rglob("*") if p.is_file()]
    assert len(files) == len(expected) * len(WRITTEN_FORMATS)


@needs_nginx
@pytest.mark.parametrize("fmt", WRITTEN_FORMATS, ids=lambda f: f.suffix)
def test_nginx_serves_exported_fragments_as_the_app_does(served, app, exported_keys, fmt) -> None:
    """Same bytes, quads, Content-Type, Link, Cache-Control and Vary as the app; from the file (nginx's
    ETag, answering If-None-Match with 304)."""
    client = app.test_client(use_cookies=False)
    sample = [HEIDEKREIS, HAMBURG, *(f"{BASE}id/{k}" for k in random.Random(3).sample(exported_keys, 10))]
    for path in ["/fragments", *(subject_path(iri) for iri in sample)]:
        headers = {"Accept": fmt.media_type}
        response = get(served + path, headers)
        answer = app_get(client, path, headers)
        assert response.status_code == answer.status_code == 200, path
        assert response.content == answer.data, path
        parsed = set(ox.parse(response.content, format=ox.RdfFormat.from_media_type(fmt.media_type)))
        expected = set(ox.parse(answer.data, format=ox.RdfFormat.from_media_type(fmt.media_type)))
        assert parsed == expected and len(parsed) > 0, path
        for name in ("Content-Type", "Link", "Cache-Control", "Vary", "Access-Control-Allow-Origin"):
            assert response.headers.get(name) == answer.headers.get(name), (path, name)
        assert NGINX_ETAG.fullmatch(response.headers["ETag"]) and response.headers["ETag"] != answer.headers["ETag"]
        again = get(served + path, headers | {"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, path


@needs_nginx
def test_other_fragment_requests_still_go_to_the_app(served, app) -> None:
    """HTML, other pages, other spellings and other patterns are the app's answers (its own ETag)."""
    client = app.test_client(use_cookies=False)
    cases = [
        ("/fragments", {"Accept": "text/html"}),
        (subject_path(HEIDEKREIS), {"Accept": "text/html", "Accept-Language": "en"}),
        ("/fragments?page=2", {"Accept": "text/turtle"}),
        ("/fragments?subject=" + quote(HEIDEKREIS, safe="/:"), {"Accept": "text/turtle"}),  # another spelling
        (subject_path(HEIDEKREIS) + "&predicate=" + quote(f"{BASE}nothing"), {"Accept": "application/n-quads"}),
        ("/fragments?subject=not%20an%20iri", {"Accept": "text/turtle"}),  # 400 from the app
        (subject_path(HEIDEKREIS), {"Accept": "image/png"}),  # 406 from the app
    ]
    for path, headers in cases:
        response = get(served + path, headers)
        answer = app_get(client, path, headers)
        assert response.status_code == answer.status_code, path
        assert response.headers.get("Content-Type") == answer.headers.get("Content-Type"), path
        if answer.status_code == 200:
            assert response.headers["ETag"] == answer.headers["ETag"], path  # proxied, not a file
            if headers["Accept"] != "text/html":
                assert response.content == answer.data, path
