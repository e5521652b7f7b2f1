"""Load on a server: sequential latency per request with a plain HTTP client, throughput with wrk.

Latency is measured one request at a time over one keep-alive connection (warm-up first), so it
shows what one request costs. Throughput uses wrk, a C load generator, with a Lua script that
cycles through the same fixed list of requests, so that the client is not the bottleneck.
"""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "wrk" / "mix.lua"


@dataclass(frozen=True)
class Request:
    """One request of a mix: what to GET, with which Accept, and the status that is right."""

    name: str
    path: str
    accept: str = ""
    expect: int = 200


@dataclass
class Latency:
    """Sequential timings of one request in milliseconds, and what it returned."""

    name: str
    median_ms: float
    p90_ms: float
    status: int
    rows: int | None
    runs: int


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation, as numpy's default does."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def fetch(conn: http.client.HTTPConnection, req: Request) -> tuple[int, bytes]:
    headers = {"Accept": req.accept} if req.accept else {}
    conn.request("GET", req.path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def count_rows(body: bytes) -> int | None:
    """Rows of a SPARQL JSON result (or 1/0 for ASK); None when the body is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if "boolean" in data:
        return int(bool(data["boolean"]))
    return len(data.get("results", {}).get("bindings", []))


def timed_fetch(conn: http.client.HTTPConnection, req: Request) -> tuple[int, bytes, float]:
    """Fetch once; (status, body, seconds), with status 0 when the server did not answer in time."""
    start = time.perf_counter()
    try:
        status, body = fetch(conn, req)
    except (OSError, http.client.HTTPException):
        conn.close()  # the next request opens a fresh connection
        status, body = 0, b""
    return status, body, time.perf_counter() - start


def sequential(
    port: int,
    requests: list[Request],
    warmup: int,
    runs: int,
    budget_s: float = 60,
    timeout: float = 300,
    stop_on: frozenset[int] = frozenset({0}),
) -> list[Latency]:
    """Time each request ``runs`` times after ``warmup`` untimed runs, one at a time.

    A request whose warm-up shows that ``runs`` runs would take longer than ``budget_s`` gets
    fewer runs (at least one), so that one pathological query cannot stall the whole benchmark.
    A request that does not answer within ``timeout`` is recorded with status 0 and ends the
    series: the server may still be working on it, so the caller decides how to go on. So does
    an answer whose status is in ``stop_on`` (a front end's 503 at its time limit leaves the
    query running in a backend that has no limit of its own).
    """
    results = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        for req in requests:
            status, body, spent = 200, b"", 0.0
            for _ in range(warmup):
                status, body, seconds = timed_fetch(conn, req)
                spent += seconds
                if status in stop_on:
                    break
            if status in stop_on:
                results.append(Latency(req.name, spent * 1000, spent * 1000, status, None, 0))
                break
            each = spent / warmup if warmup else 0.0
            planned = max(1, min(runs, int(budget_s / each))) if each > 0 else runs
            times = []
            for _ in range(planned):
                status, body, seconds = timed_fetch(conn, req)
                times.append(seconds * 1000)
                if status in stop_on:
                    break
            rows = count_rows(body) if status == 200 else None
            median, p90 = statistics.median(times), percentile(times, 0.9)
            results.append(Latency(req.name, median, p90, status, rows, len(times)))
            if status in stop_on:
                break
    finally:
        conn.close()
    return results


def check(port: int, requests: list[Request], timeout: float = 60, give_up_after: int = 3) -> dict[str, int]:
    """Request each entry once; count those whose status is not the expected one (0: no answer in time).

    After ``give_up_after`` requests in a row without an answer the rest are counted as not checked:
    a server that stopped answering would otherwise hold the benchmark for hours.
    """
    wrong: dict[str, int] = {}
    silent = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        for n, req in enumerate(requests):
            if silent >= give_up_after:
                wrong["not checked"] = len(requests) - n
                break
            status, _, _ = timed_fetch(conn, req)
            silent = silent + 1 if status == 0 else 0
            if status != req.expect:
                key = f"{req.expect}->{status}"
                wrong[key] = wrong.get(key, 0) + 1
    finally:
        conn.close()
    return wrong


def write_requests(requests: list[Request], path: Path) -> Path:
    """Write a mix for the Lua script: one ``PATH<TAB>ACCEPT`` line per request."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{r.path}\t{r.accept}\n" for r in requests), encoding="utf-8")
    return path


def wrk(port: int, mix: Path, connections: int, duration: float, timeout: float = 30) -> dict[str, object]:
    """Run wrk for ``duration`` seconds with ``connections`` clients; return its counts and percentiles."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={round(timeout)}s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}",
        "--",
        str(mix),
    ]
    for attempt in (1, 2):
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(min(2.0, duration / 2))
        spread = connection_spread(port)
        stdout, stderr = process.communicate()
        done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        if done.returncode == 0:
            break
        # wrk gives up when a connection is refused or reset (a server still busy with a query
        # nobody waits for): wait a moment and try once more, then report what wrk said.
        if attempt == 2:
            said = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise OSError(f"wrk exited with {done.returncode}: {' / '.join(said) or 'no message'}")
        time.sleep(5)
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("{"))
    data = json.loads(line)
    seconds = data["duration_us"] / 1e6
    errors = data["errors"]
    failed = errors["status"] + errors["timeout"] + errors["read"] + errors["connect"]
    ok = max(0, data["requests"] - errors["status"])
    return {
        "connections": connections,
        "seconds": round(seconds, 2),
        "requests": data["requests"],
        "rps": round(data["requests"] / seconds, 1),
        "ok_rps": round(ok / seconds, 1),
        "failed": failed,
        "errors": errors,
        "p50_ms": data["latency_us"]["p50"] / 1000,
        "p90_ms": data["latency_us"]["p90"] / 1000,
        "p99_ms": data["latency_us"]["p99"] / 1000,
        "max_ms": data["latency_us"]["max"] / 1000,
        "spread": spread,
    }


def connection_spread(port: int) -> list[int]:
    """How many of the open client connections each server process holds, most first (``ss``).

    A gunicorn worker keeps the keep-alive connections it accepted, and which worker accepts is a race:
    with all 8 connections in one of 2 workers, that worker's core does all the work and the run
    measures half the server (seen here: 1,000 vs 2,000 req/s for the same warm server, run after run).
    """
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    pids = [part.split(",")[0] for line in out.splitlines() for part in line.split("pid=")[1:]]
    return sorted((pids.count(p) for p in set(pids)), reverse=True)
