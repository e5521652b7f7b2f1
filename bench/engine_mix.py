"""Throughput of the example queries on a build's on-disk store: the engine as regiolod runs it against Oxigraph server.

Run: .venv/bin/python bench/engine_mix.py --build DIR [--seconds S]
DIR is a finished build (`regiolod build --store DIR`). For 1, 2 and 8 clients, each sending the queries of
queries/ in turn for S seconds (closed loop, after one untimed round): up to ``sparql_max_concurrent`` (4)
processes, each with its own read-only handle of the store and pyoxigraph's JSON serialization (what regiolod's
query processes do, without its web path), against Oxigraph server (``serve-read-only --union-default-graph``) on
the same folder with as many HTTP clients. The ratio says how much of regiolod's gap to Oxigraph on disk is the
engine's, and how much is its own path (compare with the system benchmark's SPARQL mix).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import time
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from timing import ROOT, finished_store, oxigraph_read_only

from publisher.config import Settings

QUERIES = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "bench" / "queries").glob("*.rq"))]


def engine_client(k: int, store_path: str, seconds: float, out: multiprocessing.Queue) -> None:
    store = ox.Store.read_only(store_path)

    def ask(query: str) -> None:
        store.query(query, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)

    out.put(loop(ask, k, seconds))


def http_client(k: int, port: int, seconds: float, out: multiprocessing.Queue) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def ask(query: str) -> None:
        connection.request("GET", "/query?" + urlencode({"query": query}), headers={"Accept": "application/json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200

    out.put(loop(ask, k, seconds))


def loop(ask, k: int, seconds: float) -> int:
    """One untimed round, then the queries in turn (each client starting at its own) until time is up."""
    for query in QUERIES:
        ask(query)
    done, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        ask(QUERIES[(k + done) % len(QUERIES)])
        done += 1
    return done


def per_second(target, clients: int, seconds: float, *args: object) -> float:
    out: multiprocessing.Queue = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=target, args=(k, *args, seconds, out)) for k in range(clients)]
    for process in processes:
        process.start()
    total = sum(out.get() for _ in processes)
    for process in processes:
        process.join()
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=Path, required=True, help="a finished build (regiolod build --store DIR)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--port", type=int, default=7990)
    args = parser.parse_args()
    _, store = finished_store(args.build)
    store_path = str(store)
    processes = Settings().sparql_max_concurrent
    server = oxigraph_read_only(store, args.port)
    try:
        time.sleep(1.5)
        print(f"{'clients':>8} {'engine processes':>17} {'engine q/s':>11} {'Oxigraph q/s':>13} {'ratio':>6}")
        for clients in (1, 2, 8):
            used = min(clients, processes)
            engine = per_second(engine_client, used, args.seconds, store_path)
            oxigraph = per_second(http_client, clients, args.seconds, args.port)
            print(f"{clients:>8} {used:>17} {engine:>11.1f} {oxigraph:>13.1f} {engine / oxigraph:>6.2f}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
