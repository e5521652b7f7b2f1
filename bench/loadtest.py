"""Bounded load test of the real server: 64 clients for 60 s, one SPARQL query in ten deliberately expensive.

    .venv/bin/python bench/loadtest.py [--clients 64] [--seconds 60] [--quick]

Builds the shipped dataset into a scratch folder, serves it with `regiolod serve --store` under
gunicorn on a loopback port (2 workers, per-client rate limit on, each simulated client with its own
address through X-Forwarded-For), and runs a mix of dereferencing (Accept and suffix), /id/
redirects, catalog, a dump download and SPARQL (example queries; one query in ten a cartesian product
that only the time limit ends). Asserts, and exits 1 when any fails:

- no 5xx other than the announced limits (503 with Retry-After from SPARQL: time limit or busy);
- p99 of the cheap requests under --p99-ms while the expensive ones run;
- the server's memory (sum of the PSS of master, workers and query processes) back within
  --memory-slack of its baseline 10 s after the load (the query processes that were killed at the
  time limit free everything they held). The baseline is taken after --warmup seconds of the same
  clients on the cheap part of the mix, so it is the warm server (caches filled, every thread and
  query process in use), not the idle one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from procs import children, free_port, memory_kib

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
THINGS = [
    "territory/03358",
    "territory/03",
    "organization/03358",
    "organization/metropolregion-hamburg",
    "territory/033580024024",
    "source/destatis-gv100ad-2023-11-30",
]
ACCEPTS = ["text/turtle", "application/ld+json", "text/html", "application/n-triples", "application/rdf+xml"]


def tree_pss(pid: int) -> int:
    """Proportional memory (PSS) in bytes of ``pid`` and every descendant: pages shared after fork
    are split among the processes that share them, so the sum is what the server really holds."""
    return sum(tree_pss_by_depth(pid).values())


def tree_pss_by_depth(pid: int) -> dict[int, int]:
    """PSS in bytes summed per depth below ``pid``: 0 the gunicorn master, 1 its workers, 2 their
    query processes."""
    tree, totals, todo = children(), {}, [(pid, 0)]
    while todo:
        p, depth = todo.pop()
        totals[depth] = totals.get(depth, 0) + memory_kib(p)[1] * 1024
        todo += [(c, depth + 1) for c in tree.get(p, [])]
    return totals


def examples() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]


MIX = [  # (share, kind): one SPARQL query in ten is the expensive one
    (0.02, "expensive"),
    (0.18, "query"),
    (0.45, "document"),
    (0.10, "redirect"),
    (0.10, "suffix"),
    (0.10, "catalog"),
    (0.05, "download"),
]


def pick(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for share, kind in MIX:
        total += share
        if roll < total:
            return kind
    return MIX[-1][1]


def run_clients(clients: int, base: str, until: float, results: list, expensive: bool, every=None) -> None:
    """Run ``clients`` client threads until ``until``; call ``every`` twice a second meanwhile."""
    threads = [
        threading.Thread(target=client_loop, args=(n, base, until, results, examples(), expensive))
        for n in range(clients)
    ]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if every:
            every()
        time.sleep(0.5)


def client_loop(n: int, base: str, until: float, results: list, queries: list[str], expensive: bool) -> None:
    rng = random.Random(n)
    session = requests.Session()
    session.headers["X-Forwarded-For"] = f"10.1.{n // 256}.{n % 256}"
    while time.monotonic() < until:
        kind = pick(rng)
        if kind == "expensive" and not expensive:
            kind = "query"
        thing = rng.choice(THINGS)
        start = time.monotonic()
        try:
            if kind == "expensive":
                params = {"query": EXPENSIVE}
                r = session.get(base + "sparql", params=params, headers={"Accept": "text/csv"}, timeout=60)
            elif kind == "query":
                r = session.post(base + "sparql", data={"query": rng.choice(queries)}, timeout=60,
                                 headers={"Accept": "application/sparql-results+json"})  # fmt: skip
            elif kind == "document":
                r = session.get(base + "doc/" + thing, headers={"Accept": rng.choice(ACCEPTS)}, timeout=60)
            elif kind == "redirect":
                r = session.get(base + "id/" + thing, allow_redirects=False, timeout=60)
            elif kind == "suffix":
                r = session.get(base + "doc/" + thing + rng.choice([".ttl", ".jsonld", ".nt", ".html"]), timeout=60)
            elif kind == "catalog":
                r = session.get(base + rng.choice(["catalog", ".well-known/void", "sitemap.xml"]),
                                headers={"Accept": "text/turtle"}, timeout=60)  # fmt: skip
            else:
                r = session.get(base + "download/territories.ttl.gz", timeout=60)
            status, retry = r.status_code, r.headers.get("Retry-After")
            leak = b"Traceback" in r.content
        except requests.RequestException as exc:
            status, retry, leak = 0, None, False
            print(f"client {n}: {kind}: {exc}", file=sys.stderr)
        results.append((kind, status, retry, (time.monotonic() - start) * 1000, leak))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--p99-ms", type=float, default=1000, help="bound on p99 of cheap requests")
    parser.add_argument("--memory-slack", type=float, default=1.25, help="memory after / baseline at most")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of the cheap mix before the baseline")
    parser.add_argument("--quick", action="store_true", help="16 clients for 10 s")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.seconds, args.warmup = 16, 10, 5
    scratch = Path(tempfile.mkdtemp(prefix="regiolod-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIOLOD_")}
    env.update(
        REGIOLOD_BASE_IRI=base,
        REGIOLOD_SPARQL_TIMEOUT="5",
        REGIOLOD_CLIENT_HEADER="X-Forwarded-For",
        REGIOLOD_RATE_LIMIT="50",
        REGIOLOD_RATE_BURST="100",
    )
    store = scratch / "store"
    subprocess.run([str(BIN / "regiolod"), "--root", str(ROOT), "build", "--store", str(store)], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    log = (scratch / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--store", str(store), "--port", str(port),
         "--workers", "2"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                if requests.get(base, timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        # Warm up with the same clients and the cheap part of the mix for a while: every cache, every
        # thread of both workers and their query processes come into use, so the baseline is the
        # server's warm steady state and "back to baseline" shows what the expensive load left behind.
        warmup: list = []
        run_clients(args.clients, base, time.monotonic() + args.warmup, warmup, expensive=False)
        time.sleep(5)
        baseline_parts = tree_pss_by_depth(server.pid)
        baseline = sum(baseline_parts.values())
        results: list = []
        peak = baseline

        def sample() -> None:
            nonlocal peak
            peak = max(peak, tree_pss(server.pid))

        run_clients(args.clients, base, time.monotonic() + args.seconds, results, expensive=True, every=sample)
        time.sleep(10)
        after_parts = tree_pss_by_depth(server.pid)
        after = sum(after_parts.values())
        alive = requests.get(base, timeout=10).status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)

    by_kind: dict[str, list] = {}
    for kind, status, retry, ms, leak in results:
        by_kind.setdefault(kind, []).append((status, retry, ms, leak))
    cheap = [ms for kind, status, _, ms, _ in results if kind not in ("expensive", "query") and status < 500]
    bad = [
        (kind, status)
        for kind, status, retry, _, _ in results
        if status == 0 or (status >= 500 and not (status == 503 and retry and kind in ("expensive", "query")))
    ]
    leaks = sum(1 for *_, leak in results if leak)
    statuses = Counter(status for _, status, *_ in results)
    figures = {
        "clients": args.clients,
        "seconds": args.seconds,
        "requests": len(results),
        "throughput_per_s": round(len(results) / args.seconds, 1),
        "statuses": dict(sorted(statuses.items())),
        "cheap_p50_ms": round(percentile(cheap, 0.5), 1),
        "cheap_p99_ms": round(percentile(cheap, 0.99), 1),
        "per_kind": {
            k: {
                "n": len(v),
                "p50_ms": round(statistics.median([x[2] for x in v]), 1),
                "p99_ms": round(percentile([x[2] for x in v], 0.99), 1),
                "statuses": dict(sorted(Counter(x[0] for x in v).items())),
            }
            for k, v in sorted(by_kind.items())
        },
        "example_queries_answered": f"{sum(1 for k, st, *_ in results if k == 'query' and st == 200)}"
        f" of {len(by_kind.get('query', []))}",
        "warmup_example_queries_answered": f"{sum(1 for k, st, *_ in warmup if k == 'query' and st == 200)}"
        f" of {sum(1 for k, *_ in warmup if k == 'query')} in {args.warmup:g} s without expensive queries",
        "memory_baseline_mb": round(baseline / 2**20, 1),
        "memory_peak_mb": round(peak / 2**20, 1),
        "memory_after_mb": round(after / 2**20, 1),
        "memory_mb_master_workers_query_processes": {
            "baseline": [round(baseline_parts.get(d, 0) / 2**20, 1) for d in range(3)],
            "after": [round(after_parts.get(d, 0) / 2**20, 1) for d in range(3)],
        },
        "unannounced_failures": len(bad),
        "stack_traces": leaks,
        "alive_after": alive,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    checks = {
        "no 5xx other than announced limits (and no failed connection)": not bad,
        "no stack trace in any body": leaks == 0,
        f"p99 of cheap requests under {args.p99_ms:g} ms": figures["cheap_p99_ms"] < args.p99_ms,
        f"memory back within {args.memory_slack:g}x of the baseline": after <= args.memory_slack * baseline,
        "server still up": alive,
        "every kind of request was made": len(by_kind) == 7,
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
