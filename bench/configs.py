"""The configurations of the system benchmark: one entry each, started on a scale, measured side by side.

Each entry is a :class:`Config` whose ``start`` is a context manager that yields a
:class:`Running` server and stops it (with its whole process tree) when the block ends. A
configuration that cannot run (a command that has not landed, a failed build, a missing tool)
raises :class:`procs.NotAvailable` with the reason, and the report shows a "not available" row.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from load import Request
from procs import NotAvailable, Started, free_port, server

from publisher.config import Settings

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"


@dataclass
class Scale:
    """One dataset size and everything prepared for it in its scratch folder."""

    name: str
    work: Path
    base_iri: str
    data_dir: Path | None = None
    build_dir: Path | None = None
    oxigraph_dir: Path | None = None
    static_dir: Path | None = None
    prerendered: Path | None = None
    mixes: dict[str, Path] = field(default_factory=dict)
    requests: dict[str, list[Request]] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    triples: int | None = None


@dataclass
class Options:
    """What every configuration needs from the command line."""

    scratch: Path
    sparql_timeout: float
    start_timeout: float


@dataclass
class Running:
    """A configuration that answers: where, which mixes, and the processes to sample."""

    port: int
    startup_s: float
    roots: list[int]
    backend_roots: list[int] = field(default_factory=list)
    sparql_path: str | None = None
    deref_mix: str | None = None


Start = Callable[[Scale, Options], AbstractContextManager[Running]]


@dataclass(frozen=True)
class Config:
    """One configuration of the benchmark."""

    name: str
    title: str
    start: Start
    memory_only: bool = False
    scales: tuple[str, ...] | None = None  # None: every scale


def regiolod_env(scale: Scale, **extra: str) -> dict[str, str]:
    """The environment of a regiolod command on a scale: its data, base IRI and build folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIOLOD_")}
    # One load generator is one client: the per-client rate limit would answer it with 429.
    # No access log, like bare Flask and like a deployment behind a proxy that logs: the same work per request.
    env.update(REGIOLOD_ROOT=str(ROOT), REGIOLOD_BASE_IRI=scale.base_iri, REGIOLOD_RATE_LIMIT="0")
    env["REGIOLOD_SERVER"] = "granian"  # every regiolod row but regiolod-memory-gunicorn (the server before)
    env["REGIOLOD_ACCESS_LOG"] = ""
    if scale.data_dir is not None:
        env["REGIOLOD_DATA_DIR"] = str(scale.data_dir)
    env.update(extra)
    return env


def need(value: object, reason: str) -> None:
    if value is None:
        raise NotAvailable(reason)


def started(scale: Scale, name: str, command: list[str], port: int, ready: str, opts: Options, **env: str):
    """Start a server of a configuration with its log in the scale's folder."""
    # A pid file per configuration: regiolod refuses a second server over one build folder, and deref_rounds.py
    # runs the configurations over one build side by side.
    limit = {"REGIOLOD_SPARQL_TIMEOUT": str(opts.sparql_timeout), "REGIOLOD_PID_FILE": str(scale.work / f"{name}.pid")}
    environment = regiolod_env(scale, **limit, **env) if command[0].endswith("regiolod") else None
    return server(command, port, ready, scale.work / "logs" / f"{name}.log", environment, opts.start_timeout)


def regiolod_memory(workers: int = 2, http_server: str = "granian") -> Start:
    @contextmanager
    def start(scale: Scale, opts: Options) -> Iterator[Running]:
        """`regiolod serve` with the given workers and HTTP server: load, validate and hold the data in memory."""
        need(scale.data_dir, scale.problems.get("data", "no data"))
        port = free_port()
        command = [str(BIN / "regiolod"), "serve", "--workers", str(workers), "--port", str(port)]
        download = str(scale.build_dir or scale.work / "download-memory")
        name = f"regiolod-memory-{workers}w-{http_server}"
        env = {"REGIOLOD_DOWNLOAD_DIR": download, "REGIOLOD_SERVER": http_server}
        with started(scale, name, command, port, "/robots.txt", opts, **env) as s:
            yield Running(port, s.startup_s, [s.process.pid], sparql_path="/sparql", deref_mix="app")

    return start


def regiolod_disk(workers: int) -> Start:
    @contextmanager
    def start(scale: Scale, opts: Options) -> Iterator[Running]:
        """`regiolod serve --store DIR` with the given number of workers over the on-disk build."""
        need(scale.build_dir, scale.problems.get("build", "no on-disk build"))
        port = free_port()
        command = [str(BIN / "regiolod"), "serve", "--store", str(scale.build_dir), "--workers", str(workers)]
        command += ["--port", str(port)]
        with started(scale, f"regiolod-disk-{workers}w", command, port, "/robots.txt", opts) as s:
            yield Running(port, s.startup_s, [s.process.pid], sparql_path="/sparql", deref_mix="app")

    return start


@contextmanager
def oxigraph_server(scale: Scale, opts: Options, union: bool, name: str = "oxigraph") -> Iterator[Started]:
    need(scale.oxigraph_dir, scale.problems.get("oxigraph", "no Oxigraph store"))
    port = free_port()
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(scale.oxigraph_dir)]
    # No --timeout-s: Oxigraph server 0.5 starts a thread per query that sleeps out the whole timeout,
    # and at a few thousand queries per second the server dies for want of threads (measured: at 8
    # clients within 5 s). Queries that do not finish are handled by the harness (server restarted).
    command += ["--bind", f"127.0.0.1:{port}"]
    if union:
        command.append("--union-default-graph")
    with started(scale, name, command, port, "/query?query=ASK%7B%7D", opts) as s:
        yield s


def regiolod_remote(union: bool) -> Start:
    @contextmanager
    def start(scale: Scale, opts: Options) -> Iterator[Running]:
        """`regiolod serve` with 2 workers over Oxigraph server (REGIOLOD_STORE=sparql+http://...).

        ``union``: the server's default graph is the union (--union-default-graph) and regiolod sends
        no dataset (REGIOLOD_STORE_DATASET=union); else regiolod names every graph of the build.
        """
        need(scale.build_dir, scale.problems.get("build", "no finished build"))
        with ExitStack() as stack:
            name = "regiolod-remote" if union else "regiolod-remote-named"
            backend = stack.enter_context(oxigraph_server(scale, opts, union=union, name=f"{name}-backend"))
            port = free_port()
            command = [str(BIN / "regiolod"), "serve", "--workers", "2", "--port", str(port)]
            endpoint = f"sparql+http://127.0.0.1:{backend.port}/query"
            env = {"REGIOLOD_STORE": endpoint, "REGIOLOD_DOWNLOAD_DIR": str(scale.build_dir)}
            env["REGIOLOD_STORE_DATASET"] = "union" if union else "named"
            s = stack.enter_context(started(scale, name, command, port, "/robots.txt", opts, **env))
            yield Running(port, s.startup_s, [s.process.pid], [backend.process.pid], "/sparql", "app")

    return start


@contextmanager
def oxigraph_alone(scale: Scale, opts: Options) -> Iterator[Running]:
    """Oxigraph server over the same store (union default graph): the SPARQL reference."""
    with oxigraph_server(scale, opts, union=True) as s:
        yield Running(s.port, s.startup_s, [s.process.pid], sparql_path="/query", deref_mix="describe")


def nginx_conf(folder: Path, port: int, body: str) -> Path:
    """A self-contained nginx configuration: everything it writes stays inside ``folder``."""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""daemon off;
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    # The access log of the generated configuration (publisher/templates/nginx.conf.j2): the static export is
    # compared with plain nginx on routing and headers, not on whether a server writes a log.
    access_log {folder}/access.log combined buffer=64k flush=1s;
    client_body_temp_path {folder}/tmp-body;
    proxy_temp_path {folder}/tmp-proxy;
    fastcgi_temp_path {folder}/tmp-fastcgi;
    uwsgi_temp_path {folder}/tmp-uwsgi;
    scgi_temp_path {folder}/tmp-scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types {{ text/turtle ttl; application/ld+json jsonld; text/html html; application/n-triples nt; }}
    server {{
        listen 127.0.0.1:{port};
{body}
    }}
}}
""",
        encoding="utf-8",
    )
    return conf


@contextmanager
def nginx_plain(scale: Scale, opts: Options) -> Iterator[Running]:
    """Plain nginx serving the pre-rendered documents as files: the ceiling for dereferencing."""
    need(scale.prerendered, scale.problems.get("prerendered", "no pre-rendered documents"))
    if not Path(NGINX).exists():
        raise NotAvailable(f"{NGINX} is not installed")
    folder = scale.work / "nginx-plain"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    body = f"""        root {scale.prerendered / "www"};
        location ~ ^/id/(.*)$ {{ return 303 /doc/$1; }}"""
    conf = nginx_conf(folder, port, body)
    with started(scale, "nginx-plain", [NGINX, "-p", str(folder), "-c", str(conf)], port, "/", opts) as s:
        yield Running(port, s.startup_s, [s.process.pid], deref_mix="file")


@contextmanager
def nginx_static(scale: Scale, opts: Options) -> Iterator[Running]:
    """nginx with regiolod's static export and the configuration it writes (`regiolod build --static`)."""
    need(scale.static_dir, scale.problems.get("static", "no static export"))
    conf = scale.static_dir / "nginx.conf"
    text = conf.read_text(encoding="utf-8")
    included = "".join(p.read_text(encoding="utf-8") for p in sorted(scale.static_dir.glob("*.conf")))
    match = re.search(r"^\s*listen\s+(?:[\d.]+:)?(\d+)", included, re.MULTILINE)
    if not match:
        raise NotAvailable(f"no listen directive in {scale.static_dir}/*.conf that the benchmark can read")
    command = [NGINX, "-p", str(scale.static_dir), "-c", str(conf), "-e", str(scale.static_dir / "error.log")]
    if not re.search(r"^\s*daemon\s+off", text, re.MULTILINE):
        command += ["-g", "daemon off;"]
    port = int(match.group(1))
    with started(scale, "nginx-static", command, port, "/", opts) as s:
        yield Running(port, s.startup_s, [s.process.pid], deref_mix="app")


@contextmanager
def bare_flask(scale: Scale, opts: Options) -> Iterator[Running]:
    """bench/bareflask.py under gunicorn's threaded workers (2), the server of regiolod before granian: the old
    ceiling for the app."""
    need(scale.prerendered, scale.problems.get("prerendered", "no pre-rendered documents"))
    port = free_port()
    index = scale.prerendered / "index.json"
    # The worker class and threads regiolod had under gunicorn, so that only the work per request differs.
    command = [str(BIN / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", str(Settings().threads)]
    command += ["-b", f"127.0.0.1:{port}", "--chdir", str(BENCH)]
    command.append(f"bareflask:create_app({str(index)!r})")
    with started(scale, "bareflask", command, port, "/", opts) as s:
        yield Running(port, s.startup_s, [s.process.pid], deref_mix="app")


@contextmanager
def bare_flask_granian(scale: Scale, opts: Options) -> Iterator[Running]:
    """bench/bareflask.py under granian as `regiolod serve` runs it (2 workers, WSGI): today's ceiling."""
    need(scale.prerendered, scale.problems.get("prerendered", "no pre-rendered documents"))
    port = free_port()
    index = scale.prerendered / "index.json"
    threads = Settings().threads + Settings().sparql_queue
    command = [str(BIN / "granian"), "--interface", "wsgi", "--workers", "2", "--blocking-threads", str(threads)]
    command += ["--backpressure", str(Settings().connections), "--no-ws", "--http", "1", "--no-access-log"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--working-dir", str(BENCH), "--factory"]
    command.append("bareflask:from_environment")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIOLOD_")} | {"BAREFLASK_INDEX": str(index)}
    log = scale.work / "logs" / "bareflask-granian.log"
    with server(command, port, "/", log, env, opts.start_timeout) as s:
        yield Running(port, s.startup_s, [s.process.pid], deref_mix="app")


@contextmanager
def rdflib_endpoint(scale: Scale, opts: Options) -> Iterator[Running]:
    """rdflib-endpoint (separate venv) over the build's N-Quads: rdflib's own SPARQL engine."""
    program = opts.scratch / "rdflib-endpoint-venv" / "bin" / "rdflib-endpoint"
    if not program.exists():
        raise NotAvailable(f"rdflib-endpoint is not installed in {program.parent.parent}")
    need(scale.build_dir, scale.problems.get("build", "no finished build"))
    nquads = scale.work / "store.nq"
    if not nquads.exists():
        with (scale.build_dir / "current" / "store.nq.gz").open("rb") as packed, nquads.open("wb") as out:
            subprocess.run(["gzip", "-dc"], stdin=packed, stdout=out, check=True)
    port = free_port()
    command = [str(program), "serve", "--host", "127.0.0.1", "--port", str(port), str(nquads)]
    with started(scale, "rdflib-endpoint", command, port, "/sparql", opts) as s:
        yield Running(port, s.startup_s, [s.process.pid], sparql_path="/")


CONFIGS: tuple[Config, ...] = (
    Config("regiolod-memory", "regiolod embedded, in memory (regiolod serve, 2 workers, granian)", regiolod_memory()),
    Config(
        "regiolod-memory-gunicorn",
        "regiolod in memory under gunicorn (REGIOLOD_SERVER=gunicorn, 2 workers): the server before granian",
        regiolod_memory(http_server="gunicorn"),
    ),
    Config(
        "regiolod-disk", "regiolod embedded, on disk (regiolod serve --store, 2 workers, granian)", regiolod_disk(2)
    ),
    Config(
        "regiolod-remote",
        "regiolod over Oxigraph server --union-default-graph (REGIOLOD_STORE=sparql+http, STORE_DATASET=union)",
        regiolod_remote(union=True),
    ),
    Config(
        "regiolod-remote-named",
        "regiolod over Oxigraph server, every graph named (REGIOLOD_STORE_DATASET=named)",
        regiolod_remote(union=False),
    ),
    Config("oxigraph", "Oxigraph server alone (SPARQL reference; DESCRIBE per resource)", oxigraph_alone),
    Config("nginx-plain", "nginx serving pre-rendered files (dereferencing ceiling)", nginx_plain),
    Config("nginx-static", "nginx with regiolod's static export (regiolod build --static)", nginx_static),
    Config(
        "bareflask",
        "bare Flask under gunicorn gthread (2 workers), pre-rendered bytes (the old app ceiling)",
        bare_flask,
    ),
    Config(
        "bareflask-granian",
        "bare Flask under granian like regiolod (2 workers), pre-rendered bytes (app ceiling)",
        bare_flask_granian,
    ),
    Config("rdflib-endpoint", "rdflib-endpoint (rdflib's SPARQL engine)", rdflib_endpoint, scales=("shipped",)),
    Config("regiolod-disk-1w", "regiolod on disk, 1 worker (memory)", regiolod_disk(1), memory_only=True),
    Config("regiolod-disk-4w", "regiolod on disk, 4 workers (memory)", regiolod_disk(4), memory_only=True),
    Config("regiolod-memory-1w", "regiolod in memory, 1 worker (memory)", regiolod_memory(1), memory_only=True),
    Config("regiolod-memory-4w", "regiolod in memory, 4 workers (memory)", regiolod_memory(4), memory_only=True),
)
