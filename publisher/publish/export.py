"""Static export: every document the app renders, as files, plus an nginx configuration that serves them.

The app renders everything already, so the export asks it, through Flask's test client, for every
representation of every thing under ``{base}id/`` and of the pages that do not depend on a query,
and writes the bytes it answers: nginx then sends byte for byte what the app would. Layout of ``DIR``::

    nginx.conf, regiolod.conf   the generated configuration (see publisher/publish/nginx.py)
    site -> sites/{digest}      the current export; switched in one atomic rename of a symlink
    sites/{digest}/             doc/{key}.{html,ttl,jsonld,rdf,nt,nq} and doc/{key}.html.en (English),
                                def.*, shapes.*, catalog.*, .well-known/void.*, index.html(.en),
                                context.jsonld, sitemap*.xml, robots.txt, static/*, .regiolod/,
                                fragments/ (first pages of small patterns: publish/fragment_export.py)
    logs/, tmp/, nginx.pid      nginx's, so that it runs without root

A key's files are named by its URI form (``iri_to_uri``: non-ASCII characters percent-encoded,
every other escape kept as in the IRI), which is what clients send and what nginx matches in the raw
request path. Keys that cannot be a file are skipped and counted (with an app upstream, nginx hands
them to the app): fragment IRIs (a client never requests a fragment), empty segments or segments
that start with ``.``, names longer than a file system allows, and a key whose file would collide
with another key's folder.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.negotiation import CATALOG_FORMATS, DOCUMENT_FORMATS, HTML, VOID_FORMATS
from publisher.publish.boundaries import export_geojson
from publisher.publish.fragment_export import export_fragments
from publisher.publish.nginx import ExactFile, ServerOptions, render_config
from publisher.render import maps
from publisher.render.assets import LEAFLET
from publisher.render.geojson import bounded_of
from publisher.render.html import iri_to_uri

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient
    from werkzeug.test import TestResponse

DEFAULT_LISTEN = "127.0.0.1:8080"
MAX_NAME_BYTES = 255
ENGLISH = ".en"  # English HTML lives beside the German file: {name}.html.en
# Headers of single files that nginx repeats as the app sends them.
MIRRORED_HEADERS = ("Cache-Control", "Content-Disposition")
# The variants nginx chooses between at one address: {name}.html.en, {name}.html, {name}.ttl ...
VARIANT_SUFFIXES = (f".html{ENGLISH}", *(f".{f.suffix}" for f in DOCUMENT_FORMATS), ".trig")  # TriG: fragments


class StaticExportError(RuntimeError):
    """The app did not answer a page every export needs, or the folder cannot take the export."""


@dataclass
class StaticExport:
    """What an export wrote: counts for the command line, skipped keys with their reason."""

    folder: Path
    site: Path
    version: str
    things: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    fragment_pages: int = 0
    fragment_files: int = 0
    fragment_bytes: int = 0
    skipped: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> list[str]:
        """Lines for the command line: what was written, what was skipped, how to run nginx."""
        lines = [
            f"Static export of build {self.version}: {self.things} things, {self.files} files, "
            f"{self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s",
            f"  site: {self.site}",
            f"  of them fragments: {self.fragment_pages} first pages, {self.fragment_files} files, "
            f"{self.fragment_bytes / 1e6:.1f} MB",
        ]
        for reason, keys in sorted(self.skipped.items()):
            lines.append(f"  skipped {len(keys)} keys ({reason}), e.g. {keys[0]}")
        lines.append(
            f"  run:  nginx -p {self.folder} -c {self.folder / 'nginx.conf'} -e {self.folder / 'logs' / 'error.log'}"
        )
        return lines


class SiteWriter:
    """Writes files into the new site folder and keeps a digest of every name, byte and date."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.digest = hashlib.sha256()
        self.files = 0
        self.bytes = 0
        self.taken_files: set[str] = set()
        self.taken_dirs: set[str] = set()
        self.etags: dict[str, set[tuple[int, int]]] = {}

    def fits(self, names: list[str]) -> bool:
        """Whether these files can be written without a file and a folder of the same name."""
        for name in names:
            parents = {"/".join(name.split("/")[:i]) for i in range(1, name.count("/") + 1)}
            if name in self.taken_dirs or name in self.taken_files or parents & self.taken_files:
                return False
        return True

    def write(self, name: str, body: bytes, modified: float) -> None:
        """Write one file dated ``modified`` (nginx's Last-Modified is then the app's).

        nginx's ETag is the file's date and size: two variants of one address with the same size
        would share it, and a client that changes its Accept header could get a wrong 304. Such a
        variant is dated a second later, which keeps every ETag of an address distinct.
        """
        stamp = int(modified)
        seen = self.etags.setdefault(variant_group(name), set())
        while (stamp, len(body)) in seen:
            stamp += 1
        seen.add((stamp, len(body)))
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        os.utime(path, (stamp, stamp))
        self.taken_files.add(name)
        self.taken_dirs.update("/".join(name.split("/")[:i]) for i in range(1, name.count("/") + 1))
        self.files += 1
        self.bytes += len(body)
        for part in (name.encode("utf-8"), body, str(stamp).encode("ascii")):
            self.digest.update(len(part).to_bytes(8, "big") + part)


def variant_group(name: str) -> str:
    """The address a file is a variant of: its name without the format (and language) suffix."""
    for suffix in VARIANT_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def modified_time(response: TestResponse, fallback: float) -> float:
    """The response's Last-Modified as a timestamp (what nginx will send for the file)."""
    header = response.headers.get("Last-Modified")
    return email.utils.parsedate_to_datetime(header).timestamp() if header else fallback


def skip_reason(key: str) -> str | None:
    """Why a key (URI form) cannot be a file that nginx finds; ``None`` when it can."""
    if "#" in key:
        return "fragment IRI, never requested"
    if "?" in key:
        return "query in the IRI"
    segments = key.split("/")
    if any(not s or s.startswith(".") for s in segments):
        return "empty segment or segment starting with '.'"
    if any(len(s.encode("utf-8")) + len(".html.en") > MAX_NAME_BYTES for s in segments):
        return "name longer than a file system allows"
    return None


def thing_keys(app: Flask) -> list[str]:
    """The URI form of every key under ``{base}id/`` the store has statements about, sorted."""
    st = app.extensions["regiolod"]
    prefix = st.base + "id/"
    return sorted({iri_to_uri(iri[len(prefix) :]) for iri in st.subjects()})


def thing_pages(key: str) -> Iterator[tuple[str, str]]:
    """(request path, file name) of every document of one thing: six formats, and English HTML."""
    for fmt in DOCUMENT_FORMATS:
        yield f"/doc/{key}.{fmt.suffix}", f"doc/{key}.{fmt.suffix}"
    yield f"/doc/{key}.html?lang=en", f"doc/{key}.html{ENGLISH}"


def export_things(client: FlaskClient, writer: SiteWriter, keys: list[str], result: StaticExport, now: float) -> None:
    """Write every thing's documents; skip (and count) keys that cannot be files or do not answer 200."""
    for key in keys:
        reason = skip_reason(key)
        pages = list(thing_pages(key))
        if reason is None and not writer.fits([name for _, name in pages]):
            reason = "file name taken by another key's folder"
        if reason is None:
            responses = [(name, client.get(path)) for path, name in pages]
            failed = [r.status_code for _, r in responses if r.status_code != 200]
            if failed:
                reason = f"the app answered {failed[0]}"
            else:
                for name, response in responses:
                    writer.write(name, response.data, modified_time(response, now))
                result.things += 1
                continue
        result.skipped.setdefault(reason, []).append(key)


def fetch(client: FlaskClient, path: str, accept: str | None = None, status: int = 200) -> TestResponse:
    """GET a page the export needs; its body is read and the response closed (a file stays open otherwise)."""
    response = client.get(path, headers={"Accept": accept} if accept else {})
    with response:
        response.get_data()
    if response.status_code != status:
        raise StaticExportError(f"GET {path} answered {response.status_code}, not {status}")
    return response


def export_pages(app: Flask, client: FlaskClient, writer: SiteWriter, now: float) -> list[ExactFile]:
    """Write the pages that are not a thing; return the single files nginx serves at one address each."""
    def save(name: str, response: TestResponse) -> None:
        writer.write(name, response.data, modified_time(response, now))

    for name in ("def", "shapes"):
        for fmt in DOCUMENT_FORMATS:
            save(f"{name}.{fmt.suffix}", fetch(client, f"/{name}.{fmt.suffix}"))
        save(f"{name}.html{ENGLISH}", fetch(client, f"/{name}.html?lang=en"))
    for fmt in CATALOG_FORMATS:
        save(f"catalog.{fmt.suffix}", fetch(client, f"/catalog.{fmt.suffix}"))
    save(f"catalog.html{ENGLISH}", fetch(client, "/catalog.html?lang=en"))
    for fmt in VOID_FORMATS:
        save(f".well-known/void.{fmt.suffix}", fetch(client, "/.well-known/void", fmt.media_type))
    save(f"index.{HTML.suffix}", fetch(client, "/"))
    save(f"index.{HTML.suffix}{ENGLISH}", fetch(client, "/?lang=en"))
    save(".regiolod/404.html", fetch(client, "/.regiolod/404", "text/html", status=404))

    singles = ["context.jsonld", "robots.txt", "sitemap.xml"]
    page = 1
    while client.get(f"/sitemap-{page}.xml").status_code == 200:
        singles.append(f"sitemap-{page}.xml")
        page += 1
    static = Path(app.static_folder or "")
    singles += sorted(f"static/{p.relative_to(static).as_posix()}" for p in static.rglob("*") if p.is_file())
    exact = []
    for name in singles:
        response = fetch(client, f"/{name}")
        save(name, response)
        mirrored = tuple((h, response.headers[h]) for h in MIRRORED_HEADERS if h in response.headers)
        exact.append(ExactFile(name, response.headers["Content-Type"], mirrored))
    return exact


def replace_file(path: Path, text: str) -> None:
    """Write a file under a temporary name, then rename it over the old one (atomic on POSIX)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def switch_site(folder: Path, site: Path) -> None:
    """Point ``folder/site`` at the new export in one rename, then remove the exports it replaced."""
    link = folder / "site"
    if link.exists() and not link.is_symlink():
        raise StaticExportError(f"{link} exists and is not the symlink an export maintains")
    tmp = folder / f".site.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Path("sites") / site.name)
    os.replace(tmp, link)
    for old in site.parent.iterdir():
        if old != site and not old.name.startswith(".") and len(old.name) == 16:
            shutil.rmtree(old, ignore_errors=True)


def write_static(
    app: Flask,
    folder: Path | str,
    *,
    listen: str = DEFAULT_LISTEN,
    upstream: str | None = None,
    root: Path | str | None = None,
) -> StaticExport:
    """Export every document of ``app`` into ``folder`` and write the nginx configuration that serves it.

    ``listen`` is nginx's listen address; ``upstream`` the address of a running regiolod app
    (``http://host:port``) for everything nginx cannot answer from files (``None``: those get 404);
    ``root`` where nginx finds the site (default ``folder/site``). The app must be created with
    ``rate_limit=0``: ``create_app(dataclasses.replace(settings, rate_limit=0), build)``.
    """
    started = time.perf_counter()
    st = app.extensions["regiolod"]
    if st.settings.rate_limit:
        # Thousands of requests from one in-process client: the limiter would answer 429 part way.
        raise StaticExportError("export from an app created with rate_limit=0 (the export asks it for every page)")
    folder = Path(folder).resolve()
    sites = folder / "sites"
    sites.mkdir(parents=True, exist_ok=True)
    now = st.build.modified.timestamp()
    client = app.test_client(use_cookies=False)  # each page as asked for: no language remembered from the last
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=sites))
    tmp.chmod(0o755)  # nginx's workers may run as another user than the exporter
    result = StaticExport(folder=folder, site=tmp, version=st.build.version)
    options = ServerOptions(
        base=st.base,
        version=st.build.version,
        folder=folder,
        root=Path(root).absolute() if root else folder / "site",  # as given: resolving would pin one export
        listen=listen,
        upstream=upstream,
        redirect_303=st.settings.redirect != "200",
        proxy_timeout=int(st.settings.sparql_timeout) + 30,
    )
    try:
        writer = SiteWriter(tmp)
        keys = thing_keys(app)
        export_things(client, writer, keys, result, now)
        found = bounded_of(st.store, st.build.version)
        boundaries = tuple(k for k in keys if st.thing_iri(k) in found)  # their Link and CSP differ (web/geo.py)
        options = replace(options, boundary_keys=boundaries, map_csp=maps.map_csp(st.settings.tile_url, bool(LEAFLET)))
        export_geojson(client, writer, boundaries, lambda response: modified_time(response, now))
        exact = export_pages(app, client, writer, now)
        exported = [k for k in keys if f"doc/{k}.html" in writer.taken_files]
        before = writer.files, writer.bytes
        fragments = export_fragments(app, client, writer, exported, now)
        result.fragment_pages = len(fragments)
        result.fragment_files, result.fragment_bytes = writer.files - before[0], writer.bytes - before[1]
        result.files, result.bytes = writer.files, writer.bytes
        report = {
            "version": result.version,
            "base": st.base,
            "things": result.things,
            "files": result.files,
            "bytes": result.bytes,
            "skipped": result.skipped,
            "fragments": len(fragments),
        }
        writer.write(".regiolod/export.json", json.dumps(report, indent=2, sort_keys=True).encode("utf-8"), now)
        # render_config refuses unusable parameters before anything is switched
        configuration = render_config(options, exact, fragments)
        site = sites / writer.digest.hexdigest()[:16]
        if site.exists():
            shutil.rmtree(tmp)
        else:
            tmp.rename(site)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.site = site
    switch_site(folder, site)
    for name in ("logs", "tmp"):
        (folder / name).mkdir(exist_ok=True)
    for name, text in configuration.items():
        replace_file(folder / name, text)
    result.seconds = time.perf_counter() - started
    return result
