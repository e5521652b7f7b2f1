"""The newcomer's path: a fresh checkout, `regiolod serve` as `make serve` starts it, every link followed.

Fixtures with absolute folders once hid a 500 on every download (STYLE 16). Here the files git tracks
are copied into an empty folder, the real console script runs there with the default settings (relative
folders; dumps and pid file land in the copy; the default server, granian), and a crawler follows every
same-site link that a browser, a harvester or a linked-data client can reach from the home page: href and src in HTML,
``Location``, ``Content-Location`` and ``Link`` headers, robots.txt, the sitemaps and every IRI under the
base in RDF bodies; every document is asked for in every format, by suffix and by ``Accept``.

One setting differs from ``make serve``: no rate limit, because one crawler from one address asks for
more than the default allows a client per second (429 is tested on its own).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import pyoxigraph as ox
import pytest
import requests
from requests.utils import parse_header_links

from tests.conftest import ROOT
from tests.processes import BIN, clean_env, free_port, running

#: The first documents found (and the first of each kind) are asked for in every format, by suffix and by
#: Accept (12 requests each); the others as they are linked: their page, and their IRI from RDF bodies.
EVERY_FORMAT = 400
#: Requests per document the crawl may make beyond those in every format (its IRI asked for by a browser and
#: by a linked-data client: two 303s; its page, the page in German and in English, the five formats the page
#: links: about 11, measured 10.7 over 2,756 documents); far more means a link trap.
PER_DOCUMENT = 13
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
LINKED_DATA = "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, application/n-triples;q=0.7"
#: Every format of a document (README, "What the server answers"): suffix, media type, and the Accept header
#: that asks for it (a browser's for HTML, a linked-data client's for Turtle).
DOCUMENT_FORMATS = {
    "html": ("text/html", BROWSER),
    "ttl": ("text/turtle", LINKED_DATA),
    "jsonld": ("application/ld+json", "application/ld+json"),
    "rdf": ("application/rdf+xml", "application/rdf+xml"),
    "nt": ("application/n-triples", "application/n-triples"),
    "nq": ("application/n-quads", "application/n-quads"),
}
#: A last path segment whose suffix fixes the format of the answer, whatever the Accept header says.
FIXED_FORMAT = re.compile(r"\.(html|ttl|jsonld|rdf|nt|nq|xml|txt|gz|json|css|js|svg|geojson)$")
RDF_PARSERS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
#: Connections the crawler keeps open at once.
CLIENTS = 4
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
#: The query of a page of another day (``?at=``; links to the changes around today lead there).
OF_A_DAY = re.compile(r"(^|&)at=")


def tracked_files(root: Path) -> list[str]:
    """The files git would check out, as they are in the working tree (a test of uncommitted work
    sees that work; files not yet added, and a build or venv, are left behind as a clone has none)."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"the newcomer test copies the files git tracks; git is not available here ({exc})")
    return [name for name in listed.decode("utf-8").split("\0") if name]


def copy_checkout(root: Path, target: Path) -> set[str]:
    """Copy the tracked files of ``root`` into ``target``; return the names of those copied."""
    copied = set()
    for name in tracked_files(root):
        source = root / name
        if not source.is_file():  # deleted in the working tree but not yet committed: a clone after the commit
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
        copied.add(name)
    return copied


@dataclass
class Newcomer:
    base: str
    folder: Path
    files: set[str]


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newcomer]:
    """`regiolod serve` in a fresh copy of the project, started as `make serve` starts it."""
    scratch = tmp_path_factory.mktemp("newcomer")
    folder = scratch / "regiolod"
    files = copy_checkout(ROOT, folder)
    port = free_port()
    env = clean_env() | {"REGIOLOD_PORT": str(port), "REGIOLOD_RATE_LIMIT": "0"}
    base = f"http://127.0.0.1:{port}/"
    with running([str(BIN / "regiolod"), "serve"], base, scratch / "serve.log", env=env, cwd=folder):
        yield Newcomer(base, folder, files)


class LinkParser(HTMLParser):
    """Collect every href and src of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


@dataclass
class Crawl:
    """A breadth-first crawl of one site: every URL asked once, a negotiated one once per kind of client."""

    base: str
    #: Requests after which the crawl stops and fails (a link trap).
    limit: int
    local: threading.local = field(default_factory=threading.local)
    sessions: list[requests.Session] = field(default_factory=list)
    queue: deque = field(default_factory=deque)
    seen: set[tuple[str, str]] = field(default_factory=set)
    #: (URL, Accept) -> the media type the answer must have (a document asked for by Accept).
    expected: dict[tuple[str, str], str] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    areas: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    rdf_bodies: int = 0
    dated: int = 0
    #: Kinds of document (territory, organization, …) of which one was asked for in every format.
    kinds: set[str] = field(default_factory=set)
    in_every_format: int = 0
    documents: set[str] = field(default_factory=set)
    downloads: dict[str, str] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)

    @property
    def asked(self) -> int:
        return sum(self.statuses.values())

    def add(self, link: str, accept: str, referrer: str) -> None:
        """Queue a link found at ``referrer`` when it is on this site (fragments are not sent)."""
        url = urljoin(referrer, link.strip())
        parts = urlsplit(url)
        site = urlsplit(self.base)
        if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
            return
        url = urlunsplit(parts._replace(fragment=""))
        # A name with a suffix fixes its format (a document's .ttl, a dump, a style sheet): asked once.
        key = (url, "" if FIXED_FORMAT.search(parts.path) else accept)
        if key not in self.seen:
            self.seen.add(key)
            self.queue.append((url, accept, referrer))
        self.add_formats(url, referrer)

    def add_formats(self, url: str, referrer: str) -> None:
        """Queue a document in every format: by its suffixes, and by Accept without one."""
        parts = urlsplit(url)
        if parts.query or not parts.path.startswith(urlsplit(self.base).path + "doc/"):
            return
        if parts.path.endswith(".geojson"):
            return  # a boundary's GeoJSON (only things with one have it): asked once as linked, no document
        stem = url
        for suffix in DOCUMENT_FORMATS:
            if url.endswith("." + suffix):
                stem = url[: -len(suffix) - 1]
        if stem in self.documents:
            return
        self.documents.add(stem)
        kind = urlsplit(stem).path.split("/doc/", 1)[1].split("/", 1)[0]
        if len(self.documents) > EVERY_FORMAT and kind in self.kinds:
            return  # asked for as it is linked (a page, and its IRI from RDF bodies) but not in every format
        self.kinds.add(kind)
        self.in_every_format += 1
        for suffix, (media, accept) in DOCUMENT_FORMATS.items():
            self.expected[(stem, accept)] = media
            self.add(f"{stem}.{suffix}", "*/*", referrer)
            self.add(stem, accept, referrer)

    def run(self) -> None:
        """Ask for what is queued, a few at a time (the server has two workers), and read the answers here."""
        try:
            with ThreadPoolExecutor(CLIENTS) as pool:
                while self.queue and self.asked < self.limit:
                    batch = [self.queue.popleft() for _ in range(min(len(self.queue), 4 * CLIENTS))]
                    for (url, accept, referrer), response in zip(batch, pool.map(self.get, batch), strict=True):
                        self.read(url, accept, referrer, response)
        finally:
            for session in self.sessions:
                session.close()

    def get(self, item: tuple[str, str, str]) -> requests.Response:
        """GET without following redirects, on this thread's own keep-alive connection."""
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
            self.sessions.append(session)
        url, accept, _ = item
        return session.get(url, headers={"Accept": accept}, allow_redirects=False, timeout=120)

    def read(self, url: str, accept: str, referrer: str, response: requests.Response) -> None:
        self.statuses[response.status_code] += 1
        self.areas["/" + urlsplit(url).path.split("/")[1]] += 1
        if response.status_code >= 400:
            self.failures.append(f"{response.status_code} {url} (Accept: {accept}), linked from {referrer}")
        media = response.headers.get("Content-Type", "").split(";")[0].strip()
        if response.status_code == 200 and self.expected.get((url, accept), media) != media:
            self.failures.append(f"{url} (Accept: {accept}) answered {media}, not {self.expected[(url, accept)]}")
        if OF_A_DAY.search(urlsplit(url).query):
            # A page of another day links the whole site at that day (tests/test_timetravel.py follows those
            # links); asked for here, it is not crawled again for every day a page links to.
            self.dated += 1
            return
        for name in ("Location", "Content-Location"):
            if response.headers.get(name):
                self.add(response.headers[name], accept, url)
        for link in parse_header_links(response.headers.get("Link", "")):
            if link.get("url"):
                self.add(link["url"], link.get("type") or accept, url)
        if response.status_code == 200:
            self.read_body(url, response)

    def read_body(self, url: str, response: requests.Response) -> None:
        """Follow what the body links to, and check that an RDF body parses."""
        media = response.headers.get("Content-Type", "").split(";")[0].strip()
        if media == "text/html":
            parser = LinkParser()
            parser.feed(response.text)
            for link in parser.links:
                self.add(link, BROWSER, url)
        elif media in RDF_PARSERS:
            self.read_rdf(url, response.content, RDF_PARSERS[media])
        elif media == "application/xml" and "sitemap" in url:
            for loc in ET.fromstring(response.content).iter(SITEMAP):
                self.add(loc.text or "", BROWSER, url)
        elif url.endswith("/robots.txt"):
            for line in response.text.splitlines():
                if line.lower().startswith("sitemap:"):
                    self.add(line.split(":", 1)[1], BROWSER, url)
        elif url.endswith("/download/SHA256SUMS"):
            self.checksums = {name: digest for digest, name in (line.split() for line in response.text.splitlines())}
        elif "/download/" in url:
            self.downloads[url.rsplit("/", 1)[1]] = hashlib.sha256(response.content).hexdigest()

    def read_rdf(self, url: str, body: bytes, fmt: ox.RdfFormat) -> None:
        try:
            quads = list(ox.parse(body, format=fmt, base_iri=url))
        except (SyntaxError, ValueError) as exc:
            self.failures.append(f"{url}: the {fmt.name} body does not parse ({exc})")
            return
        self.rdf_bodies += 1
        for q in quads:
            for term in (q.subject, q.predicate, q.object, q.graph_name):
                if isinstance(term, ox.NamedNode) and term.value.startswith(self.base):
                    self.add(term.value, LINKED_DATA, url)

    def summary(self) -> str:
        statuses = ", ".join(f"{n} x {status}" for status, n in sorted(self.statuses.items()))
        areas = ", ".join(f"{area} {n}" for area, n in self.areas.most_common())
        return (
            f"{self.asked} requests ({statuses}; {areas}); {len(self.documents)} documents in "
            f"{self.in_every_format} in {len(DOCUMENT_FORMATS)} formats by suffix and by Accept; "
            f"{self.rdf_bodies} RDF bodies parsed; "
            f"{self.dated} pages of another day asked for; "
            f"{len(self.downloads)} downloads"
        )


def sitemap_documents(base: str) -> list[str]:
    """Every document the sitemaps list (read apart from the crawl, which must reach them all)."""
    index = ET.fromstring(requests.get(f"{base}sitemap.xml", timeout=30).content)
    return [
        (loc.text or "").split("#", 1)[0]
        for part in index.iter(SITEMAP)
        for loc in ET.fromstring(requests.get(part.text or "", timeout=60).content).iter(SITEMAP)
    ]


def test_a_fresh_checkout_serves_every_link_it_gives(newcomer: Newcomer) -> None:
    listed = sitemap_documents(newcomer.base)
    crawl = Crawl(newcomer.base, limit=EVERY_FORMAT * 2 * len(DOCUMENT_FORMATS) + PER_DOCUMENT * len(listed) + 2_000)
    started = time.monotonic()
    crawl.add(newcomer.base, BROWSER, newcomer.base)
    crawl.add("/robots.txt", "*/*", newcomer.base)  # read by every crawler without a link to it
    crawl.run()
    elapsed = time.monotonic() - started
    print(f"\nnewcomer crawl of a copy of {len(newcomer.files)} tracked files: {crawl.summary()}; {elapsed:.0f} s")
    assert not crawl.queue, f"the crawl reached {crawl.limit} requests and was stopped: {crawl.summary()}"
    assert not crawl.failures, "\n".join([crawl.summary(), *crawl.failures[:50]])
    # Every published file was reached through the pages and has the checksum SHA256SUMS gives.
    assert crawl.checksums and {name: crawl.downloads.get(name) for name in crawl.checksums} == crawl.checksums
    assert "manifest.json" in crawl.downloads
    # The sitemaps' documents were all reached: nothing was left out of the crawl.
    assert listed and set(listed) <= crawl.documents
    assert crawl.in_every_format >= min(EVERY_FORMAT, len(listed))


def test_the_fresh_checkout_stays_clean(newcomer: Newcomer) -> None:
    """What the server writes goes into its download folder (ignored by git), nowhere else in the copy."""
    written = {
        p.relative_to(newcomer.folder)
        for p in newcomer.folder.rglob("*")
        if p.is_file() and p.relative_to(newcomer.folder).as_posix() not in newcomer.files
    }
    assert written and {p.parts[0] for p in written} == {"download"}
    assert (newcomer.folder / "download" / "regiolod.pid").is_file()
