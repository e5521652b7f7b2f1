"""Per-application state and the helpers every view shares: keys, URLs, caching, conditional GET."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import itertools
import re
import string
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import quote

import pyoxigraph as ox
from flask import Response, abort, current_app, request
from werkzeug.http import http_date

from publisher.config import Settings
from publisher.dataset.build import Build
from publisher.negotiation import DOCUMENT_FORMATS, HTML, Format, negotiate
from publisher.publish.catalog import VoidStatistics
from publisher.publish.dumps import Dumps
from publisher.render import asof, page_data
from publisher.render.html import iri_to_uri
from publisher.render.suggest import LazyLabelIndex
from publisher.sparql.admission import QueryQueue, Queued
from publisher.sparql.description import supported_functions
from publisher.sparql.processes import QueryPool
from publisher.sparql.queryservice import QueryService, SharedQueries
from publisher.sparql.runner import Runner
from publisher.store.embedded import EmbeddedStore
from publisher.store.protocol import Store
from publisher.store.remote import RemoteRunner, RemoteStore

if TYPE_CHECKING:  # made by the server (server/serve.py) and handed in: only its type is named here
    from publisher.server.rendercache import SharedRenders

#: Whole listings kept (76,000 entries are ~20 MB): one per kind, for the current build and the one before.
LISTINGS = 4
CACHE_SIZE = 4096
#: Request headers that can turn an answer into 304/412; without any of them, no need to ask.
CONDITIONAL = frozenset({"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"})
#: What a request target may hold as sent (RFC 3986 §3.3-3.5: pchar, "/", "?", "#", and "%" of escapes);
#: every other byte is escaped (``<``, ``[``, a space, non-ASCII), as a browser sends it, so that a path
#: always gives a valid IRI.
_KEEP_IN_PATH = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/?#%"
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
#: A "%" that does not begin an escape ("%" HEXDIG HEXDIG, RFC 3986 §2.1).
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


V = TypeVar("V")


class Recent(Generic[V]):
    """The ``size`` most recently used values, each made once per key; safe across threads.

    Two threads missing the same key at once both make it (rendering is idempotent); the lock is
    never held while making.
    """

    def __init__(self, size: int):
        self.size = size
        self.values: OrderedDict[tuple[str, ...], V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, ...], make: Callable[[], V]) -> V:
        """The value of ``key``, made now if it is not among the most recent."""
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = make()
        with self.lock:
            self.values[key] = value
            if len(self.values) > self.size:
                self.values.popitem(last=False)
        return value


def solutions_of(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """The solutions of a SELECT query's result."""
    assert isinstance(result, ox.QuerySolutions), "a SELECT query answers solutions"
    return result


def iri_character(ch: str) -> bool:
    """Whether a non-ASCII character may stand unescaped in an IRI's path (RFC 3987 §2.2, ``ucschar``)."""
    c = ord(ch)
    return (
        0xA0 <= c <= 0xD7FF
        or 0xF900 <= c <= 0xFDCF
        or 0xFDF0 <= c <= 0xFFEF
        or (0x10000 <= c <= 0xDFFFD and c & 0xFFFF <= 0xFFFD)
        or 0xE1000 <= c <= 0xEFFFD
    )


def normalize_path(raw: str) -> str:
    """Turn a request path into IRI form (RFC 3987 §3.2): decode UTF-8 escapes of non-ASCII
    characters an IRI may hold and of unreserved ASCII, keep every other escape (``%2F``, ``%20``,
    ``%2B``, private-use and non-characters, bytes that are not UTF-8) as it is."""

    def fix(match: re.Match[str]) -> str:
        octets = bytes.fromhex(match.group(0).replace("%", ""))
        out, i = [], 0
        while i < len(octets):
            b = octets[i]
            size = 1 if b < 0x80 else 2 if b >> 5 == 0b110 else 3 if b >> 4 == 0b1110 else 4 if b >> 3 == 0b11110 else 0
            chunk = octets[i : i + size] if size else b""
            try:
                ch = chunk.decode("utf-8") if size else None
            except UnicodeDecodeError:
                ch = None
            if ch is not None and (iri_character(ch) if size > 1 else ch.isalnum() or ch in "-._~"):
                out.append(ch)
                i += size
            else:
                out.append(f"%{b:02X}")
                i += 1
        return "".join(out)

    return _PERCENT.sub(fix, raw)


def query_runner(settings: Settings, store: Store, shared: bool) -> Runner:
    """Choose where the SPARQL queries of an app run: the remote store, the server's one query service
    (``shared``: the gunicorn master forks it before the workers), or query processes of this process."""
    queued = settings.sparql_queue  # running and waiting (admission.py): a worker's over a remote store
    if isinstance(store, RemoteStore):
        return Queued(RemoteRunner(store.endpoint), QueryQueue(queued, queued, settings.sparql_queue_wait))
    if not isinstance(store, EmbeddedStore):
        raise TypeError(f"no query runner for a {type(store).__name__}")
    embedded = store  # an on-disk store opens its pyoxigraph store in each query process: ask it there
    size, wait = settings.sparql_max_concurrent, settings.sparql_queue_wait
    pool = QueryPool(lambda: embedded.oxigraph, size, wait=wait, admitted=queued)
    # A worker holds at most the queue's length of SPARQL requests, in threads beyond those of pages
    # (admission.server_threads); the one queue, in the service, orders and bounds them all.
    return SharedQueries(QueryService(pool), admitted=queued) if shared else pool


@dataclass
class State:
    """What the app holds: settings, the store over the current build, and rendered bytes."""

    settings: Settings
    store: Store
    build: Build
    cache: Recent[tuple[bytes, str]] = field(default_factory=lambda: Recent(CACHE_SIZE))
    known: Recent[bool] = field(default_factory=lambda: Recent(4 * CACHE_SIZE))  # thing key -> whether it exists
    tags: Recent[str] = field(default_factory=lambda: Recent(CACHE_SIZE))  # header values: ETags, Link lists
    headers: Recent[list[tuple[str, str]]] = field(default_factory=lambda: Recent(CACHE_SIZE))  # of documents
    # Whole listings (per kind; every type filter and language is served from it): sorting them is the cost.
    listings: Recent[page_data.Listing] = field(default_factory=lambda: Recent(LISTINGS))
    dumps: Dumps | None = None
    stats: VoidStatistics | None = None
    # Kept as built: the store turns derived integer types such as xsd:nonNegativeInteger into xsd:integer.
    catalog: list[ox.Quad] = field(default_factory=list)
    # Whether the server runs the queries of all its workers in one query service (query_runner).
    shared_queries: bool = False
    runner: Runner = field(init=False)
    graph_names: frozenset[str] = frozenset()
    graph_sizes: dict[str, int] = field(default_factory=dict)
    extension_functions: list[str] | None = None
    # Rendered documents every worker of the server shares (rendercache.py); set by `regiolod serve`.
    shared: SharedRenders | None = None

    def __post_init__(self) -> None:
        # From the build's own counts: a server process never scans the store to start.
        sizes = dict(self.build.graph_sizes)
        if self.catalog and isinstance(catalog_graph := self.catalog[0].graph_name, ox.NamedNode):
            sizes[catalog_graph.value] = len(set(self.catalog))
        self.graph_sizes = dict(sorted(sizes.items()))
        self.graph_names = frozenset(sizes)
        self.runner = query_runner(self.settings, self.store, self.shared_queries)
        self._subjects: list[str] | None = None
        self._document_count: int | None = None
        self._first_fact: tuple[str, dt.date | None] | None = None
        self._timeline: tuple[str, asof.Timeline] | None = None
        self.labels = LazyLabelIndex(self.read_labels)

    def read_labels(self) -> list[tuple[str, str]]:
        """(key, German label) of every labelled thing under ``{base}id/``, for the hints of a 404."""
        return page_data.thing_labels(self.store, self.base)

    def functions(self) -> list[str]:
        """The extension functions the engine evaluates, asked once, when first needed.

        Embedded stores are asked through an empty store of the same engine (no handle to the data is
        opened in the gunicorn master); a remote store is asked itself, and again later if it was down.
        """
        if self.extension_functions is None:
            if isinstance(self.store, RemoteStore):
                remote = self.store
                found = supported_functions(lambda q: [r["x"] for r in remote.select(q)])
                if time.monotonic() < remote.endpoint.down_until:
                    return found  # the store failed while being asked: ask again next time
            else:
                empty = ox.Store()
                found = supported_functions(lambda q: [r["x"] for r in solutions_of(empty.query(q))])
            self.extension_functions = found
        return self.extension_functions

    def subjects(self) -> list[str]:
        """Every thing under ``{base}id/`` (static export), listed once per process."""
        if self._subjects is None:
            listed = self.subjects_file()
            if listed is not None:
                with gzip.open(listed, "rt", encoding="utf-8") as lines:
                    self._subjects = [line.rstrip("\n") for line in lines]
            else:
                self._subjects = self.store.subjects(self.base + "id/")
        return self._subjects

    def subjects_file(self) -> Path | None:
        """The finished build's sorted list of things, so that no process lists a large store's subjects."""
        return self.build.subjects_path

    def documented(self) -> Iterator[str]:
        """Every thing under ``{base}id/`` with a document of its own, in order, read from the build's
        list without holding all of it: an IRI with a fragment shares the document of the IRI before
        the ``#`` (a client never sends the fragment), so it is left out."""
        listed = self.subjects_file()
        if listed is None or self._subjects is not None:
            yield from (s for s in self.subjects() if "#" not in s)
            return
        with gzip.open(listed, "rt", encoding="utf-8") as lines:
            yield from (s for s in (line.rstrip("\n") for line in lines) if "#" not in s)

    def document_count(self) -> int:
        """How many things :meth:`documented` lists, counted once per process."""
        if self._document_count is None:
            self._document_count = sum(1 for _ in self.documented())
        return self._document_count

    def document_slice(self, start: int, stop: int) -> list[str]:
        """Things ``start`` to ``stop`` of :meth:`documented` (sitemap pages)."""
        return list(itertools.islice(self.documented(), start, stop))

    @property
    def dataset_iri(self) -> str:
        return f"{self.base}id/dataset/regiolod"

    @property
    def endpoint(self) -> str:
        return f"{self.base}sparql"

    @property
    def base(self) -> str:
        return self.settings.base_iri

    @cached_property
    def last_modified(self) -> str:
        return http_date(self.build.modified)

    def thing_iri(self, key: str) -> str:
        return f"{self.base}id/{key}"

    def doc_url(self, key: str, fmt: Format | None = None) -> str:
        suffix = f".{fmt.suffix}" if fmt else ""
        return iri_to_uri(f"{self.base}doc/{key}{suffix}")

    def alternates(self, url_for_format: Callable[[Format], str], formats: Iterable[Format] = DOCUMENT_FORMATS) -> str:
        return ", ".join(f'<{url_for_format(f)}>; rel="alternate"; type="{f.media_type}"' for f in formats)

    def document_links(self, key: str, day: dt.date | None = None) -> str:
        """The Link header naming every format of the document of ``key``, made once per key and day; of a
        day, also today's document (RFC 5829 "latest-version") and the documents of the day before the
        last change and of the next change ("predecessor-version", "successor-version")."""
        if day is None:
            return self.tags.get(("alternates", key), lambda: self.alternates(lambda f: self.doc_url(key, f)))
        return self.tags.get((self.build.version, "alternates", key, day.isoformat()), lambda: self.dated(key, day))

    def dated(self, key: str, day: dt.date) -> str:
        """The Link header of the document of ``key`` on ``day`` (:meth:`document_links`)."""
        links = [self.alternates(lambda f: with_day(self.doc_url(key, f), day))]
        links.append(f'<{self.doc_url(key)}>; rel="latest-version"')
        last, following = asof.around(self.timeline().change_days(self.thing_iri(key)), day)
        if last is not None:
            links.append(f'<{with_day(self.doc_url(key), last - asof.DAY)}>; rel="predecessor-version"')
        if following is not None:
            links.append(f'<{with_day(self.doc_url(key), following)}>; rel="successor-version"')
        return ", ".join(links)

    def changes_of(self, iri: str) -> asof.Timeline:
        """A timeline that knows the change days of ``iri``: the whole one when a page of a day has loaded it,
        else one read for ``iri`` alone (today's pages link the changes around today, and must not pay for
        reading every dated fact: over a remote store at the size of the shipped data, longer than its limit)."""
        if self._timeline is not None and self._timeline[0] == self.build.version:
            return self._timeline[1]
        return asof.Timeline.of_thing(self.store, iri)

    def timeline(self) -> asof.Timeline:
        """Every dated fact a view of a day needs (render/asof.py), read once per build and process, when
        a page of a day first asks for it (today's pages read their thing's changes only: :meth:`changes_of`)."""
        if self._timeline is None or self._timeline[0] != self.build.version:
            self._timeline = (self.build.version, asof.Timeline.load(self.store))
        return self._timeline[1]

    def first_fact(self) -> dt.date | None:
        """The earliest day a dated fact of the build speaks of, asked once per build."""
        if self._first_fact is None or self._first_fact[0] != self.build.version:
            self._first_fact = (self.build.version, asof.first_fact(self.store, self.base))
        return self._first_fact[1]

    def etag(self, *parts: str) -> str:
        return self.tags.get((self.build.version, *parts), lambda: self._etag(parts))

    def _etag(self, parts: tuple[str, ...]) -> str:
        digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]
        return f"{self.build.version}-{digest}"

    def rendered(self, key: tuple[str, ...], render: Callable[[], tuple[bytes, str]]) -> tuple[bytes, str]:
        """Return cached bytes for this build, rendering them once (DESIGN §7: cache keyed by build):
        from this process's memory, else from what another worker rendered, else rendered here."""
        return self.cache.get((self.build.version, *key), lambda: self.render_shared(key, render))

    def render_shared(self, key: tuple[str, ...], render: Callable[[], tuple[bytes, str]]) -> tuple[bytes, str]:
        if self.shared is None:
            return render()
        version, name = self.build.version, "\0".join(key)
        found = self.shared.get(version, name)
        if found is None:
            found = render()
            self.shared.put(version, name, found)
        return found

    def exists(self, key: str) -> bool:
        """Whether the thing ``key`` is described in this build; asked of the store once per key, so a
        remote store is not asked again on every request for the same thing."""
        return self.known.get((self.build.version, key), lambda: self.store.has(self.thing_iri(key)))

    def respond(
        self,
        body: bytes,
        content_type: str,
        etag_parts: tuple[str, ...],
        status: int = 200,
        vary: str | None = None,
        extra: list[tuple[str, str]] | None = None,
    ) -> Response:
        """A response with ETag and Last-Modified that answers revalidation with 304; ``extra`` are more
        headers (given here rather than set one by one: setting a header searches all the others)."""
        headers = [("Vary", vary)] if vary else []
        if status == 200:
            headers += [("ETag", f'"{self.etag(*etag_parts)}"'), ("Last-Modified", self.last_modified)]
        response = Response(body, status=status, content_type=content_type, headers=headers + (extra or []))
        if status == 200 and not CONDITIONAL.isdisjoint(request.headers.keys()):
            response.make_conditional(request)
        return response


def with_day(url: str, day: dt.date | None) -> str:
    """``url`` with ``at=`` the day (before any fragment); unchanged without a day."""
    if day is None:
        return url
    url, hash_, fragment = url.partition("#")
    return f"{url}{'&' if '?' in url else '?'}at={day.isoformat()}{hash_}{fragment}"


def suffix_or_accept(
    ext: str | None, suffixes: Mapping[str, Format], offered: tuple[Format, ...]
) -> tuple[Format | None, Format | None]:
    """(the format a route's suffix fixes among ``suffixes``, the format to answer in: that one or the one
    ``Accept`` chooses among ``offered``, None when nothing is acceptable); an unknown suffix is a 404."""
    fixed = suffixes.get(ext) if ext is not None else None
    if ext is not None and fixed is None:
        abort(404)
    return fixed, fixed or negotiate(request.headers.get("Accept"), offered)


def vary_for(fixed: Format | None, fmt: Format, profiled: bool = False) -> str | None:
    """The Vary header of a negotiated representation: Accept unless a suffix fixed the format,
    Accept-Language for HTML, whose language is negotiated too, and Accept-Profile for the RDF formats of
    what has profiles (``profiled``: documents)."""
    varies = ([] if fixed else ["Accept"]) + (["Accept-Language"] if fmt is HTML else [])
    return ", ".join(varies + (["Accept-Profile"] if profiled and fmt is not HTML else [])) or None


def state() -> State:
    """The state of the application serving the request."""
    found = current_app.extensions["regiolod"]
    assert isinstance(found, State)
    return found


def raw_path() -> str:
    """The request path as the client sent it, without query and fragment, in URI characters."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or quote(request.path)
    # WSGI hands the request line over as latin-1 decoded bytes; escape any non-ASCII byte.
    # The query is cut off first: escaping it too made every request with a query (``?at=``) dearer.
    path = quote(raw.encode("latin-1", "replace").split(b"?", 1)[0].split(b"#", 1)[0], safe=_KEEP_IN_PATH)
    if "://" in path:  # absolute-form request target
        path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
    script = request.script_root or ""
    if script and path.startswith(script):
        path = path[len(script) :]
    return path


def malformed_escape() -> bool:
    """Whether the request path has a "%" that begins no escape (``/doc/%ZZ``, a lone ``%``).

    Without the raw request target (granian hands over only the decoded path), the decoded path is read:
    its server decodes every escape and leaves a "%" that begins none as it came. A "%25" the client sent
    then reads the same, so ``/doc/%25ZZ`` is refused too: it names nothing either way."""
    environ = request.environ
    if "RAW_URI" in environ or "REQUEST_URI" in environ:
        return _MALFORMED_ESCAPE.search(raw_path()) is not None
    return _MALFORMED_ESCAPE.search(environ.get("PATH_INFO", "")) is not None


def request_key(prefix: str) -> str:
    """The part of the raw request path after ``/{prefix}/``, exactly as the client sent it."""
    path = raw_path()
    if not prefix:
        return normalize_path(path.lstrip("/"))
    marker = f"/{prefix}/"
    return normalize_path(path[path.find(marker) + len(marker) :]) if marker in path else ""


def page_language() -> str:
    """``?lang=`` wins; else the one chosen before (the ``lang`` cookie); else the best of de and en by
    Accept-Language; else German."""
    asked = request.args.get("lang", "")
    if asked in ("de", "en"):
        return asked
    if request.cookies.get("lang") in ("de", "en"):
        return request.cookies["lang"]
    best = request.accept_languages.best_match(["de", "en"])
    return best or "de"


def request_query() -> str:
    """The request's query string as the client sent it, with ``?`` (empty when there is none); bytes
    outside printable ASCII are percent-encoded, and a "%" that begins no escape becomes "%25", so it can go
    into a Location header or an IRI."""
    raw = request.query_string
    return "?" + _MALFORMED_ESCAPE.sub("%25", quote(raw, safe=_KEEP_IN_PATH)) if raw else ""
