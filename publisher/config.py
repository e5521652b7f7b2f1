"""One settings record: each setting is (name, default, help); REGIOLOD_* variables override."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """A documented setting with its default."""

    name: str
    default: str
    help: str

    @property
    def env_var(self) -> str:
        return "REGIOLOD_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "base_iri",
        "http://127.0.0.1:8000/",
        "Base IRI of the deployment; relative IRIs in data/ resolve against it. Must end with '/'.",
    ),
    Setting(
        "root",
        ".",
        "Project folder that holds ontology/, shapes/ and data/; every other relative folder or file setting is "
        "relative to it, and it to the working directory.",
    ),
    Setting("data_dir", "data", "Folder of the dataset's Turtle files, relative to root."),
    Setting("ontology_dir", "ontology", "Folder of the ontology's Turtle files, relative to root."),
    Setting(
        "shapes_dir", "shapes", "Folder of the SHACL shapes, relative to root (its examples/ subfolder is not loaded)."
    ),
    Setting("host", "127.0.0.1", "Address `regiolod serve` listens on."),
    Setting("port", "8000", "Port `regiolod serve` listens on."),
    Setting("workers", "2", "Number of gunicorn worker processes of `regiolod serve`."),
    Setting(
        "threads",
        "8",
        "Threads per gunicorn worker: a request waiting for a SPARQL query process or a remote store does not "
        "hold up the others.",
    ),
    Setting("timeout", "30", "Seconds gunicorn gives a request before it restarts the worker."),
    Setting(
        "redirect",
        "303",
        "How /id/ answers: 303 (See Other to /doc/, Cool URIs §4.2) or 200 "
        "(the document itself, with Content-Location and Link rel=describedby).",
    ),
    Setting(
        "incoming_limit",
        "1000",
        "Most incoming links in one description; the rest are paged at /incoming/ and the document says so.",
    ),
    Setting("page_size", "50", "Entries per page of the listing pages."),
    Setting("queries_dir", "queries", "Folder of the example queries (*.rq), relative to root."),
    Setting(
        "sparql_timeout",
        "30",
        "Seconds a SPARQL query may run before it is stopped (a request's timeout parameter may lower it).",
    ),
    Setting(
        "sparql_row_limit",
        "100000",
        "Most rows (or triples) in one SPARQL answer; longer answers are cut and say so in X-Regiolod-Truncated.",
    ),
    Setting(
        "sparql_max_concurrent",
        "4",
        "Queries the server runs at the same time, all workers together (one pool of query processes); "
        "more wait for a free process (sparql_queue_wait), then get 503.",
    ),
    Setting(
        "sparql_queue_wait",
        "10",
        "Seconds a SPARQL query waits for a free query process when all are busy before it gets 503 with "
        "Retry-After (clients such as SPARQLWrapper do not retry by themselves). At most threads - 2 requests "
        "per worker run or wait; more get 503 at once, so pages are always served.",
    ),
    Setting(
        "download_dir",
        "download",
        "Folder for the dumps (one subfolder per build, `current` points to the newest), relative to root.",
    ),
    Setting(
        "publisher_name",
        "regiolod (Herausgeber bitte einstellen)",
        "Name of the publishing body in the catalog. A placeholder: set it per deployment.",
    ),
    Setting("publisher_uri", "", "IRI of the publishing body (empty: {base}id/organization/publisher)."),
    Setting(
        "publisher_type",
        "LocalAuthority",
        "ADMS publisher type: LocalAuthority, RegionalAuthority, NationalAuthority, ...",
    ),
    Setting(
        "contact_email", "opendata@example.org", "Contact e-mail of the catalog. A placeholder: set it per deployment."
    ),
    Setting(
        "contributor_id",
        "http://dcat-ap.de/def/contributors/regiolodPlatzhalter",
        "dcatde:contributorID assigned by GovData. A placeholder: request one before harvesting.",
    ),
    Setting(
        "licence",
        "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
        "Licence of the dataset and its distributions, from http://dcat-ap.de/def/licenses/.",
    ),
    Setting("catalog_page_size", "100", "Datasets per page of /catalog (Hydra paging)."),
    Setting(
        "store",
        "",
        "Where the data is served from: empty (load, validate and hold it in memory), the folder of a finished "
        "on-disk build (`regiolod build --store DIR`), or `sparql+http(s)://host:port/path` for a remote SPARQL "
        "1.1 endpoint holding the build's store.nq.gz (the build's metadata is then read from download_dir).",
    ),
    Setting(
        "rate_limit",
        "50",
        "Requests per second one client may make on average (0: no limit); past it the answer is 429 with "
        "Retry-After. Shared by all workers.",
    ),
    Setting("rate_burst", "200", "Requests one client may make at once before rate_limit applies."),
    Setting(
        "client_header",
        "",
        "Header that a trusted reverse proxy sets to the client's address (e.g. X-Forwarded-For; its last entry "
        "counts). Empty: the connection's address. Set it only behind a proxy that overwrites the header.",
    ),
    Setting(
        "access_log",
        "-",
        "Where `regiolod serve` writes one line per request: `-` standard output, a file path (relative to root), "
        "or empty for no access log (behind a proxy that logs already; saves about a fifth of the time per cached "
        "page).",
    ),
    Setting(
        "pid_file",
        "",
        "File where `regiolod serve` writes its process id for `regiolod reload` (empty: regiolod.pid in "
        "download_dir).",
    ),
    Setting(
        "store_timeout",
        "10",
        "Seconds a remote store has to answer a page's query (connect and read); client queries get sparql_timeout.",
    ),
    Setting(
        "store_dataset",
        "named",
        "How a remote store is asked for the union of the build's graphs: `named` (every graph as "
        "default-graph-uri and named-graph-uri; any SPARQL 1.1 endpoint) or `union` (nothing: the store's "
        "default graph already is the union and it holds nothing but the build, e.g. Oxigraph server with "
        "--union-default-graph; much faster on such stores).",
    ),
    Setting(
        "render_cache",
        "",
        "Folder of the rendered documents that all workers of `regiolod serve` share (one SQLite file, keyed by "
        "build): a document one worker rendered, the others serve without asking the store. Empty: a private "
        "temporary folder for the server's lifetime; a folder of your own keeps them across restarts.",
    ),
    Setting("render_cache_mb", "512", "Most megabytes of rendered documents in render_cache; the oldest go first."),
)

#: The environment variable naming a settings file (TOML, keys are setting names).
SETTINGS_FILE_VAR = "REGIOLOD_SETTINGS_FILE"


#: Settings that are positive whole numbers.
WHOLE_NUMBERS = (
    "port",
    "workers",
    "threads",
    "timeout",
    "incoming_limit",
    "page_size",
    "sparql_row_limit",
    "sparql_max_concurrent",
    "catalog_page_size",
    "rate_burst",
    "render_cache_mb",
)


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one run."""

    base_iri: str = "http://127.0.0.1:8000/"
    root: Path = field(default_factory=lambda: Path("."))
    data_dir: str = "data"
    ontology_dir: str = "ontology"
    shapes_dir: str = "shapes"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 8
    timeout: int = 30
    redirect: str = "303"
    incoming_limit: int = 1000
    page_size: int = 50
    queries_dir: str = "queries"
    sparql_timeout: float = 30.0
    sparql_row_limit: int = 100_000
    sparql_max_concurrent: int = 4
    sparql_queue_wait: float = 10.0
    download_dir: str = "download"
    publisher_name: str = "regiolod (Herausgeber bitte einstellen)"
    publisher_uri: str = ""
    publisher_type: str = "LocalAuthority"
    contact_email: str = "opendata@example.org"
    contributor_id: str = "http://dcat-ap.de/def/contributors/regiolodPlatzhalter"
    licence: str = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    catalog_page_size: int = 100
    store: str = ""
    store_timeout: float = 10.0
    store_dataset: str = "named"
    rate_limit: int = 50
    rate_burst: int = 200
    client_header: str = ""
    access_log: str = "-"
    pid_file: str = ""
    render_cache: str = ""
    render_cache_mb: int = 512

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
        if self.redirect not in ("303", "200"):
            raise ValueError(f"redirect must be 303 or 200: {self.redirect!r}")
        for name in WHOLE_NUMBERS:
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive whole number")
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
        values["root"] = Path(str(values["root"]))
        known = {f.name: f for f in fields(cls)}
        try:
            for name in (*WHOLE_NUMBERS, "rate_limit"):
                values[name] = int(str(values[name]))
            for name in ("sparql_timeout", "store_timeout", "sparql_queue_wait"):
                values[name] = float(str(values[name]))
        except ValueError as exc:
            raise ValueError(f"a numeric setting is not a whole number: {exc}") from None
        return cls(**{k: v for k, v in values.items() if k in known})


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
