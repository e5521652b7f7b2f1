"""The system benchmark: every configuration on every scale, side by side, in one run on one machine.

Run through ``bench/run`` (which installs wrk, nginx and rdflib-endpoint first), or directly:
    .venv/bin/python bench/system.py [--quick] [--scales shipped,syn1m] [--scratch DIR]

For each scale it prepares the data, the build and the mixes (prepare.py), then starts one
configuration at a time (configs.py) and measures: per-query latency one request at a time,
throughput and p50/p99 with wrk at 8 and 32 clients, start-up time, and the peak RSS and PSS of
the configuration's process tree. The report goes to ``bench/results/{date}.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from configs import BENCH, CONFIGS, Config, Options, Running, Scale
from load import Latency, Request, check, sequential, write_requests, wrk
from prepare import GV100AD, prepare
from procs import MemorySampler, NotAvailable, install_signal_handlers, stop_all
from report import write_report

SCALES = ("shipped", "germany", "syn1m", "syn5m")
BASE_IRI = "http://127.0.0.1:8000/"
#: Seconds of untimed dereferencing load before the measured runs (see load()).
WARM_UP_S = 5
CLIENTS = (8, 32)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds per step, shipped data only: try it out")
    parser.add_argument("--scales", help=f"comma-separated, from {','.join(SCALES)} (default: all; --quick: shipped)")
    parser.add_argument("--configs", help="comma-separated configuration names (default: all)")
    parser.add_argument("--scratch", type=Path, help="folder for data, builds and logs (default: $TMPDIR)")
    parser.add_argument("--results", type=Path, default=BENCH / "results", help="folder for the report")
    parser.add_argument("--duration", type=float, help="seconds of each wrk run (default 20; --quick 3)")
    parser.add_argument("--runs", type=int, help="timed runs per query (default 20; --quick 5)")
    parser.add_argument("--warmup", type=int, help="untimed runs per query first (default 3; --quick 1)")
    parser.add_argument("--things", type=int, help="things in the dereferencing mix (default 1000; --quick 100)")
    parser.add_argument("--query-budget", type=float, default=60, help="seconds of timed runs per query at most")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sparql-timeout", type=float, default=30, help="query time limit of every server")
    parser.add_argument("--start-timeout", type=float, default=3 * 3600, help="seconds a server may take to start")
    parser.add_argument(
        "--static-scales",
        default="shipped,germany",
        help="scales whose documents are all exported for nginx-static (default: shipped,germany; the"
        " export renders every thing in every format, about 17 ms per thing on 2 cores)",
    )
    parser.add_argument("--gv100ad", type=Path, default=GV100AD, help="the GV100AD file for the Germany scale")
    args = parser.parse_args()
    quick = args.quick
    args.duration = args.duration or (3 if quick else 20)
    args.runs = args.runs or (5 if quick else 20)
    args.warmup = args.warmup if args.warmup is not None else (1 if quick else 3)
    args.things = args.things or (100 if quick else 1000)
    args.scales = (args.scales or ("shipped" if quick else ",".join(SCALES))).split(",")
    unknown = set(args.scales) - set(SCALES)
    if unknown:
        parser.error(f"unknown scales: {', '.join(sorted(unknown))}")
    names = [c.name for c in CONFIGS]
    args.configs = args.configs.split(",") if args.configs else names
    if set(args.configs) - set(names):
        parser.error(f"unknown configurations: {', '.join(sorted(set(args.configs) - set(names)))}")
    args.static_scales = set(args.static_scales.split(",")) if "nginx-static" in args.configs else set()
    args.scratch = (args.scratch or Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "regiolod-bench").resolve()
    return args


def sparql_mix(scale: Scale, running: Running, skip: set[str], config: str) -> Path:
    """The SPARQL mix for wrk, without the queries this configuration could not answer in time."""
    path = scale.mixes[f"sparql {running.sparql_path}"]
    if not skip:
        return path
    kept = [r for r in scale.requests[f"sparql {running.sparql_path}"] if r.name not in skip]
    return write_requests(kept, scale.work / "mixes" / f"sparql-{config}.tsv")


@contextmanager
def running_config(config: Config, scale: Scale, opts: Options, row: dict) -> Iterator[Running]:
    """Start a configuration and sample its memory; keep the peaks in ``row`` (over restarts too)."""
    with config.start(scale, opts) as running:
        row.setdefault("startup_s", round(running.startup_s, 2))
        with MemorySampler(running.roots) as memory, MemorySampler(running.backend_roots) as backend:
            yield running
        row["memory"] = merged(row.get("memory"), peaks(memory))
        if running.backend_roots:
            row["backend_memory"] = merged(row.get("backend_memory"), peaks(backend))


def measure(config: Config, scale: Scale, opts: Options, args: argparse.Namespace) -> dict:
    """Start one configuration on one scale, measure it, stop it; return its row of results.

    A query the server did not finish in time may still be running inside it (rdflib-endpoint
    cannot stop one; a remote store's backend runs on after the front end's 503), so after such
    a query the server is started afresh before the next measurement, and the load runs leave
    that query out (the report says which).
    """
    row: dict = {"config": config.name, "title": config.title}
    print(f"[{scale.name}] {config.name} ...", flush=True)
    timings: list[Latency] = []
    remaining: list[Request] | None = None
    skip: set[str] = set()
    try:
        while True:
            with running_config(config, scale, opts, row) as running:
                if config.memory_only:
                    row["load"] = {
                        "deref": wrk(running.port, scale.mixes["deref app"], 8, args.duration),
                        "sparql": wrk(running.port, sparql_mix(scale, running, skip, config.name), 8, args.duration),
                    }
                    break
                if running.sparql_path:
                    if remaining is None:
                        remaining = list(scale.requests[f"sparql {running.sparql_path}"])
                    # Over a backend, a query stopped at the front end's limit still runs in the backend.
                    stop_on = frozenset({0, 503}) if running.backend_roots else frozenset({0})
                    got = sequential(
                        running.port,
                        remaining,
                        args.warmup,
                        args.runs,
                        args.query_budget,
                        opts.sparql_timeout + 30,
                        stop_on,
                    )
                    timings += got
                    remaining = remaining[len(got) :]
                    row["queries"] = [vars(t) for t in timings]
                    if got and got[-1].status in stop_on:
                        skip.add(got[-1].name)
                        continue  # the server may still be busy with it: start afresh
                row.update(load(scale, running, skip, config.name, args))
                break
        if skip:
            row["sparql_skipped"] = sorted(skip)
    except NotAvailable as exc:
        row["unavailable"] = str(exc)
    except (subprocess.CalledProcessError, OSError) as exc:
        row["unavailable"] = f"failed while measuring: {exc}"
    print(f"[{scale.name}] {config.name}: {row.get('unavailable', 'done')}", flush=True)
    return row


def load(scale: Scale, running: Running, skip: set[str], config: str, args: argparse.Namespace) -> dict:
    """wrk at 8 and 32 clients for each mix the configuration serves, after a check of the dereferencing mix.

    Dereferencing goes first: SPARQL load can leave a backend busy with queries nobody waits for.
    Before it is measured, the mix runs untimed at the most clients for a few seconds: the check asks
    each document once over one connection, which fills the cache of one worker only, and a run
    measured on cold workers shows their first renderings, not the server under steady load.
    """
    result: dict = {}
    if running.deref_mix:
        key = f"deref {running.deref_mix}"
        result["deref_wrong"] = check(running.port, scale.requests[key])
        result["deref_mix"] = running.deref_mix
        wrk(running.port, scale.mixes[key], max(CLIENTS), min(WARM_UP_S, args.duration))
        result["deref"] = [wrk(running.port, scale.mixes[key], c, args.duration) for c in CLIENTS]
    if running.sparql_path:
        mix = sparql_mix(scale, running, skip, config)
        result["sparql"] = [wrk(running.port, mix, c, args.duration) for c in CLIENTS]
    return result


def merged(old: dict | None, new: dict) -> dict:
    """The larger of two memory peaks, field by field."""
    return new if old is None else {k: max(old[k], new[k]) for k in new}


def peaks(sampler: MemorySampler) -> dict:
    return {
        "peak_rss_mib": round(sampler.peak_rss_kib / 1024, 1),
        "peak_pss_mib": round(sampler.peak_pss_kib / 1024, 1),
        "processes": sampler.peak_processes,
        "samples": sampler.samples,
    }


def run_scale(name: str, args) -> dict:
    """Prepare one scale and measure every chosen configuration on it."""
    scale = Scale(name, args.scratch / name, BASE_IRI)
    scale.work.mkdir(parents=True, exist_ok=True)
    opts = Options(args.scratch, args.sparql_timeout, args.start_timeout)
    print(f"[{name}] preparing in {scale.work}", flush=True)
    scale.requests = prepare(scale, opts, args.seed, args.things, args.gv100ad, name in args.static_scales)
    rows = [
        measure(c, scale, opts, args)
        for c in CONFIGS
        if c.name in args.configs and (c.scales is None or name in c.scales)
    ]
    return {
        "scale": name,
        "triples": scale.triples,
        "times_s": {k: round(v, 2) for k, v in scale.times.items()},
        "problems": scale.problems,
        "requests": {k: len(v) for k, v in scale.requests.items()},
        "configs": rows,
    }


def machine() -> dict:
    """What the figures were measured on."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH)
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
        "commit": commit.stdout.strip(),
        "wrk": (wrk_version.stdout or wrk_version.stderr).splitlines()[0]
        if (wrk_version.stdout or wrk_version.stderr)
        else "",
    }


def main() -> None:
    args = parse_args()
    install_signal_handlers()
    started = dt.datetime.now(dt.UTC)
    settings = {k: jsonable(v) for k, v in vars(args).items()}
    results = {"started": started.isoformat(timespec="seconds"), "machine": machine(), "settings": settings}
    results["scales"] = scales = []
    partial = args.scratch / "results-so-far.json"
    try:
        for name in args.scales:
            scales.append(run_scale(name, args))
            # kept after every scale: a benchmark of hours must not lose what it measured
            partial.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    finally:
        stop_all()
    markdown, data = write_report(results, args.results, started.date().isoformat())
    print(f"report: {markdown}\ndata:   {data}")
    print(json.dumps({s["scale"]: s["problems"] for s in scales}, indent=2))


def jsonable(value: object) -> object:
    """A setting as the report keeps it: a folder or file by its name only (the report names no folder of the
    machine it ran on), a set sorted."""
    if isinstance(value, Path):
        return value.name
    return sorted(value) if isinstance(value, set) else value


if __name__ == "__main__":
    main()
