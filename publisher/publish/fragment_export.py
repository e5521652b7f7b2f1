"""The fragments a static export writes: the first page of small Quad Pattern Fragments, as files.

Which patterns: the unbound pattern (``/fragments``, the entry point a client such as Comunica asks
first) and each exported thing's subject pattern (``/fragments?subject=<iri>``, what a client asks to
dereference the thing), each in the RDF formats of /fragments. Only first pages, at the canonical address
the app links (:func:`publisher.render.fragments.fragment_url`): nginx matches the query string (``$args``)
exactly, and every other query, page, spelling or format (HTML, whose language is negotiated) goes to the
app as before. A page holds at most 100 statements, so these files are small; the export writes five
per thing beside the seven of its documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from publisher.negotiation import HTML
from publisher.render.fragments import FRAGMENT_FORMATS, Pattern, fragment_url

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

#: The formats written: every format of /fragments but HTML (the app answers browsers, in their language).
WRITTEN_FORMATS = tuple(f for f in FRAGMENT_FORMATS if f is not HTML)
#: Longer query strings are left to the app: nginx's map keys must fit its hash buckets.
MAX_ARGS = 200
#: The folder of the fragment files in the site.
FOLDER = "fragments"


class SiteWriter(Protocol):
    """What the export's writer (publisher/publish/export.py) does for this module."""

    def fits(self, names: list[str]) -> bool: ...

    def write(self, name: str, body: bytes, modified: float) -> None: ...


@dataclass(frozen=True)
class FragmentFile:
    """A fragment page the export wrote: the query string nginx matches, the files' name without the
    format suffix, and the Link and Cache-Control headers the app sends with it."""

    args: str
    stem: str
    link: str
    cache_control: str


def fragment_requests(app: Flask, keys: Iterable[str]) -> list[tuple[str, str]]:
    """(query string, file stem) of the unbound pattern and of each key's subject pattern, first pages."""
    st = app.extensions["regiolod"]
    found = [("", f"{FOLDER}/all")]
    for key in keys:
        url = fragment_url(st.base, Pattern(subject=ox.NamedNode(st.thing_iri(key))))
        args = url.partition("?")[2]
        if len(args) <= MAX_ARGS:
            found.append((args, f"{FOLDER}/subject/{key}"))
    return found


def export_fragments(
    app: Flask, client: FlaskClient, writer: SiteWriter, keys: Iterable[str], now: float
) -> list[FragmentFile]:
    """Write the first page of every pattern of :func:`fragment_requests` in each written format; a pattern
    the app does not answer with 200 in every format is left to the app."""
    written = []
    for args, stem in fragment_requests(app, keys):
        path = "/fragments" + (f"?{args}" if args else "")
        responses = []
        for fmt in WRITTEN_FORMATS:
            response = client.get(path, headers={"Accept": fmt.media_type})
            with response:
                response.get_data()
            responses.append((fmt, response))
        names = [f"{stem}.{fmt.suffix}" for fmt, _ in responses]
        if any(r.status_code != 200 for _, r in responses) or not writer.fits(names):
            continue
        for name, (_, response) in zip(names, responses, strict=True):
            header = response.headers.get("Last-Modified")
            writer.write(name, response.data, parsedate_to_datetime(header).timestamp() if header else now)
        headers = responses[0][1].headers
        written.append(FragmentFile(args, stem, headers.get("Link", ""), headers.get("Cache-Control", "")))
    return written
