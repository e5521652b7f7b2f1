"""One settings table: each setting is a field of :class:`Settings` with its type, default and help;
REGIOLOD_* variables override. :data:`SETTINGS` lists them for the command line, the docs and the tests."""

from __future__ import annotations

import os
import tomllib
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from publisher.vocab import DL_BY_DE_2_0

T = TypeVar("T")


@dataclass(frozen=True)
class Setting:
    """A documented setting: its name, default, type and help; ``REGIOLOD_{NAME}`` overrides the default."""

    name: str
    default: object
    type: type
    help: str

    @property
    def env_var(self) -> str:
        return "REGIOLOD_" + self.name.upper()

    @property
    def text(self) -> str:
        """The default as an environment variable or a settings file writes it (``30``, not ``30.0``)."""
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)

    def parse(self, value: object) -> object:
        """Read a value given as text (environment, settings file) as the setting's type."""
        return value if isinstance(value, self.type) else self.type(str(value))


def setting(default: T, help: str) -> T:
    """Declare a field of :class:`Settings`: the default and the help of a setting, written only here."""
    return field(default=default, metadata={"help": help})


#: The environment variable naming a settings file (TOML, keys are setting names).
SETTINGS_FILE_VAR = "REGIOLOD_SETTINGS_FILE"
#: Whole-number settings for which 0 is allowed (every other one must be positive).
ZERO_ALLOWED = ("rate_limit",)


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one run. The fields are the settings table: name, type, default and help."""

    base_iri: str = setting(
        "http://127.0.0.1:8000/",
        "Base IRI of the deployment; relative IRIs in data/ resolve against it. Must end with '/'.",
    )
    root: Path = setting(
        Path("."),
        "Project folder that holds ontology/, shapes/ and data/; every other relative folder or file setting is "
        "relative to it, and it to the working directory.",
    )
    data_dir: str = setting("data", "Folder of the dataset's Turtle files, relative to root.")
    ontology_dir: str = setting("ontology", "Folder of the ontology's Turtle files, relative to root.")
    shapes_dir: str = setting(
        "shapes", "Folder of the SHACL shapes, relative to root (its examples/ subfolder is not loaded)."
    )
    host: str = setting("127.0.0.1", "Address `regiolod serve` listens on.")
    port: int = setting(8000, "Port `regiolod serve` listens on.")
    server: str = setting(
        "granian",
        "HTTP server of `regiolod serve`: granian (requests are read in its event loop, so idle and slow clients "
        "hold no thread) or gunicorn (threaded workers: each connection holds a thread until its request has "
        "arrived, so slow clients can starve the others; put a proxy that buffers requests in front).",
    )
    workers: int = setting(2, "Number of worker processes of `regiolod serve`.")
    threads: int = setting(
        8,
        "Threads per worker for pages: a request waiting for a remote store does not hold up the others "
        "(SPARQL requests have sparql_queue threads more).",
    )
    connections: int = setting(
        1024,
        "Client connections one granian worker holds open at once, idle, slow or busy (they cost no thread; "
        "requests beyond the worker's threads wait for one); more wait in the listen queue until one closes.",
    )
    timeout: int = setting(
        30,
        "Seconds gunicorn gives a request before it restarts the worker; under granian, seconds a stopping worker "
        "has to finish its requests (at most 30).",
    )
    keep_alive: int = setting(
        15,
        "Seconds `regiolod serve` keeps an idle client connection open for the client's next request (under "
        "granian also the time a client has to send a request's headers). Longer "
        "than the few seconds after which HTTP clients drop an idle connection themselves (4 s is common), so "
        "that a client never sends its next request on a connection the server is just closing.",
    )
    redirect: str = setting(
        "303",
        "How /id/ answers: 303 (See Other to /doc/, Cool URIs §4.2) or 200 "
        "(the document itself, with Content-Location and Link rel=describedby).",
    )
    incoming_limit: int = setting(
        1000, "Most incoming links in one description; the rest are paged at /incoming/ and the document says so."
    )
    page_size: int = setting(50, "Entries per page of the listing pages.")
    queries_dir: str = setting("queries", "Folder of the example queries (*.rq), relative to root.")
    sparql_timeout: float = setting(
        30.0, "Seconds a SPARQL query may run before it is stopped (a request's timeout parameter may lower it)."
    )
    sparql_row_limit: int = setting(
        100_000,
        "Most rows (or triples) in one SPARQL answer; longer answers are cut and say so in X-Regiolod-Truncated.",
    )
    sparql_max_concurrent: int = setting(
        4,
        "Queries the server runs at the same time, all workers together (one pool of query processes); "
        "more wait for a free process (sparql_queue_wait), then get 503.",
    )
    sparql_queue_wait: float = setting(
        10.0,
        "Seconds a SPARQL query waits for a free query process when all are busy before it gets 503 with "
        "Retry-After (clients such as SPARQLWrapper do not retry by themselves).",
    )
    sparql_queue: int = setting(
        64,
        "SPARQL requests the server holds at once, running and waiting in one queue in the order they came; more "
        "get 503 with a Retry-After estimated from the queue. Each worker runs this many threads beyond `threads`, "
        "so that waiting queries never take the threads of pages.",
    )
    download_dir: str = setting(
        "download",
        "Folder for the dumps (one subfolder per build, `current` points to the newest), relative to root.",
    )
    publisher_name: str = setting(
        "regiolod (Herausgeber bitte einstellen)",
        "Name of the publishing body in the catalog. A placeholder: set it per deployment.",
    )
    publisher_uri: str = setting("", "IRI of the publishing body (empty: {base}id/organization/publisher).")
    publisher_type: str = setting(
        "LocalAuthority", "ADMS publisher type: LocalAuthority, RegionalAuthority, NationalAuthority, ..."
    )
    contact_email: str = setting(
        "opendata@example.org", "Contact e-mail of the catalog. A placeholder: set it per deployment."
    )
    contributor_id: str = setting(
        "http://dcat-ap.de/def/contributors/regiolodPlatzhalter",
        "dcatde:contributorID assigned by GovData. A placeholder: request one before harvesting.",
    )
    licence: str = setting(
        DL_BY_DE_2_0, "Licence of the dataset and its distributions, from http://dcat-ap.de/def/licenses/."
    )
    catalog_page_size: int = setting(100, "Datasets per page of /catalog (Hydra paging).")
    store: str = setting(
        "",
        "Where the data is served from: empty (load, validate and hold it in memory), the folder of a finished "
        "on-disk build (`regiolod build --store DIR`), or `sparql+http(s)://host:port/path` for a remote SPARQL "
        "1.1 endpoint holding the build's store.nq.gz (the build's metadata is then read from download_dir).",
    )
    rate_limit: int = setting(
        50,
        "Requests per second one client may make on average (0: no limit); past it the answer is 429 with "
        "Retry-After. Shared by all workers.",
    )
    rate_burst: int = setting(200, "Requests one client may make at once before rate_limit applies.")
    client_header: str = setting(
        "",
        "Header that a trusted reverse proxy sets to the client's address (e.g. X-Forwarded-For; its last entry "
        "counts). Empty: the connection's address. Set it only behind a proxy that overwrites the header.",
    )
    access_log: str = setting(
        "-",
        "Where `regiolod serve` writes one line per request: `-` standard output, a file path (relative to root), "
        "or empty for no access log (behind a proxy that logs already; saves about a fifth of the time per cached "
        "page).",
    )
    pid_file: str = setting(
        "",
        "File where `regiolod serve` writes its process id for `regiolod reload` (empty: regiolod.pid in "
        "download_dir).",
    )
    store_timeout: float = setting(
        10.0,
        "Seconds a remote store has to answer a page's query (connect and read); client queries get sparql_timeout.",
    )
    store_dataset: str = setting(
        "named",
        "How a remote store is asked for the union of the build's graphs: `named` (every graph as "
        "default-graph-uri and named-graph-uri; any SPARQL 1.1 endpoint) or `union` (nothing: the store's "
        "default graph already is the union and it holds nothing but the build, e.g. Oxigraph server with "
        "--union-default-graph; much faster on such stores).",
    )
    store_engine: str = setting(
        "oxigraph",
        "The engine of a remote store: `oxigraph` (Oxigraph server), `virtuoso` (OpenLink Virtuoso 7; its answers "
        "are adapted: blank node labels, booleans, geometries) or `sparql` (any other SPARQL 1.1 endpoint).",
    )
    render_cache: str = setting(
        "",
        "Folder of the rendered documents that all workers of `regiolod serve` share (one SQLite file, keyed by "
        "build): a document one worker rendered, the others serve without asking the store. Empty: a private "
        "temporary folder for the server's lifetime; a folder of your own keeps them across restarts.",
    )
    render_cache_mb: int = setting(512, "Most megabytes of rendered documents in render_cache; the oldest go first.")
    tile_url: str = setting(
        "",
        "Map tiles under the pages' interactive maps, an https:// template with {z}, {x} and {y}; empty (the "
        "default): no tiles, so no page asks another origin for anything.",
    )
    tile_attribution: str = setting("", "The attribution the tiles of tile_url ask for, shown on every map.")

    def __post_init__(self) -> None:
        # Resolved once, where the settings are read: a relative folder handed on would be resolved by each
        # library against a folder of its own (Flask's send_file against the package: every download a 500).
        object.__setattr__(self, "root", Path(self.root).absolute())
        if not self.base_iri.endswith("/"):
            raise ValueError(f"base_iri must end with '/': {self.base_iri!r}")
        if not self.base_iri.startswith(("http://", "https://")):
            raise ValueError(f"base_iri must be an http(s) IRI: {self.base_iri!r}")
        for name in ("sparql_timeout", "store_timeout"):
            if not 0 < float(getattr(self, name)) <= 3600:
                raise ValueError(f"{name} must be between 0 and 3600 seconds")
        if not 0 <= float(self.sparql_queue_wait) <= 3600:
            raise ValueError("sparql_queue_wait must be between 0 and 3600 seconds")
        if self.store.startswith("sparql+") and not self.store.startswith(("sparql+http://", "sparql+https://")):
            raise ValueError(f"a remote store must be sparql+http:// or sparql+https://: {self.store!r}")
        if self.store_dataset not in ("named", "union"):
            raise ValueError(f"store_dataset must be named or union: {self.store_dataset!r}")
        if self.server not in ("granian", "gunicorn"):
            raise ValueError(f"server must be granian or gunicorn: {self.server!r}")
        if self.redirect not in ("303", "200"):
            raise ValueError(f"redirect must be 303 or 200: {self.redirect!r}")
        for s in SETTINGS:
            if s.type is int and s.name not in ZERO_ALLOWED and int(getattr(self, s.name)) < 1:
                raise ValueError(f"{s.name} must be a positive whole number")
        if self.tile_url and not (self.tile_url.startswith("https://") and "{z}" in self.tile_url):
            raise ValueError(f"tile_url must be an https:// template with {{z}}, {{x}} and {{y}}: {self.tile_url!r}")
        if int(self.rate_limit) < 0:
            raise ValueError("rate_limit must be 0 (no limit) or a positive whole number")

    @property
    def data_path(self) -> Path:
        return Path(self.root) / self.data_dir

    @property
    def download_path(self) -> Path:
        return Path(self.root) / self.download_dir

    @property
    def pid_path(self) -> Path:
        return Path(self.root) / self.pid_file if self.pid_file else self.download_path / "regiolod.pid"

    @property
    def remote_store(self) -> bool:
        return self.store.startswith("sparql+")

    @property
    def store_path(self) -> Path | None:
        """The folder of a finished on-disk build, when the data is served from one."""
        if not self.store or self.remote_store:
            return None
        return Path(self.root) / self.store

    @property
    def ontology_path(self) -> Path:
        return Path(self.root) / self.ontology_dir

    @property
    def shapes_path(self) -> Path:
        return Path(self.root) / self.shapes_dir

    @property
    def render_cache_path(self) -> Path | None:
        return Path(self.root) / self.render_cache if self.render_cache else None

    @property
    def access_log_target(self) -> str | None:
        """Where gunicorn writes the access log: ``-`` (standard output), a file under root, or nowhere."""
        if self.access_log in ("", "-"):
            return self.access_log or None
        return str(Path(self.root) / self.access_log)

    @classmethod
    def from_env(
        cls, environ: dict[str, str] | None = None, settings_file: Path | None = None, **overrides: object
    ) -> Settings:
        """Build settings from defaults, then a settings file, then REGIOLOD_* variables, then overrides."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {s.name: s.default for s in SETTINGS}
        if settings_file is None and environ.get(SETTINGS_FILE_VAR):
            settings_file = Path(environ[SETTINGS_FILE_VAR])
        if settings_file is not None:
            values.update(read_settings_file(settings_file))
        for s in SETTINGS:
            if s.env_var in environ:
                values[s.name] = environ[s.env_var]
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            # Each value has its own field's type (Setting.parse reads it as the field's annotated type),
            # which one value type of a dict cannot say.
            parsed: dict[str, Any] = {s.name: s.parse(values[s.name]) for s in SETTINGS}
        except ValueError as exc:
            raise ValueError(f"a numeric setting is not a whole number: {exc}") from None
        return cls(**parsed)


_TYPES = typing.get_type_hints(Settings)
#: Every setting, in the order of the table; each read from its field of :class:`Settings`.
SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.default, _TYPES[f.name], f.metadata["help"]) for f in fields(Settings)
)


def read_settings_file(path: Path) -> dict[str, str]:
    """Read a TOML settings file whose keys are setting names (``store = "sparql+http://..."``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the settings file ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not a valid TOML settings file ({exc})") from None
    known = {s.name for s in SETTINGS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown settings {', '.join(unknown)} (see `regiolod settings`)")
    return {k: str(v) for k, v in data.items()}
