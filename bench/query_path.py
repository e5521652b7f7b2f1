"""Where a SPARQL query's time goes: the engine in this process, Oxigraph's server, and regiolod's endpoint.

Run: .venv/bin/python bench/query_path.py --build DIR [--runs N]
DIR is a finished build (`regiolod build --store DIR`; the system benchmark leaves one in its scratch folder
under SCALE/build). For each query in queries/, JSON results, one at a time, in turns:

- engine, disk: pyoxigraph's ``Store.query`` on the build's on-disk store opened read-only in this process,
  plus pyoxigraph's own JSON serialization (what a query process of regiolod's does at best);
- engine, memory: the same on an in-memory store loaded with the same quads;
- Oxigraph server: ``oxigraph serve-read-only --union-default-graph`` on the same store folder, over HTTP
  with one keep-alive connection (``http.client``, the cheapest client Python has);
- regiolod in process: ``GET /sparql`` through the app (Flask's test client) on the same build, its query
  process answering (the guard, the pipes to the query process, the response), no HTTP;
- regiolod server: ``regiolod serve --store`` (2 workers, the default server) on the same build, over HTTP
  with the same client as Oxigraph's: the worker, the shared query service and a query process;
- regiolod remote: ``regiolod serve`` (2 workers) over the Oxigraph server above (``REGIOLOD_STORE=sparql+http``,
  ``REGIOLOD_STORE_DATASET=union``), over HTTP with the same client: the worker, the guard, the keep-alive
  transport to Oxigraph and the conversion of its answer.

The differences between the columns are the figures: what each server's HTTP costs over its engine, what
regiolod's path costs over the same engine, and what the store's medium costs.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from timing import ROOT, finished_store, median_ms, oxigraph_read_only

from publisher import create_app
from publisher.config import Settings

QUERIES = ROOT / "bench" / "queries"
BIN = Path(sys.executable).parent


def timed_ms(fn, runs: int, warmup: int = 2) -> float:
    """Median of ``runs`` calls after ``warmup`` untimed ones, in milliseconds."""
    for _ in range(warmup):
        fn()
    return median_ms(fn, runs)


class Connection:
    """One keep-alive connection to a local server: GET a query, read the whole answer."""

    def __init__(self, port: int, path: str):
        self.port, self.path = port, path
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, query: str) -> tuple[int, bytes]:
        target = f"{self.path}?{urlencode({'query': query})}"
        self.connection.request("GET", target, headers={"Accept": "application/sparql-results+json"})
        response = self.connection.getresponse()
        return response.status, response.read()

    def wait(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if self.get("ASK {}")[0] == 200:
                    return
            except OSError:
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing answers on port {self.port}")
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=Path, required=True, help="a finished build (regiolod build --store DIR)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--port", type=int, default=7879)
    args = parser.parse_args()
    build = args.build.resolve()
    current, store_path = finished_store(build)
    disk = ox.Store.read_only(str(store_path))
    memory = ox.Store()
    memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    oxigraph_server = oxigraph_read_only(store_path, args.port)
    scratch = Path(tempfile.mkdtemp(prefix="query-path-"))
    env = {
        **os.environ,
        "REGIOLOD_ACCESS_LOG": "",
        "REGIOLOD_RATE_LIMIT": "0",
        "REGIOLOD_PID_FILE": str(scratch / "pid"),
    }
    regiolod_server = subprocess.Popen(
        [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--store", str(build), "--port", str(args.port + 1)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    remote_env = {
        **env,
        "REGIOLOD_PID_FILE": str(scratch / "remote.pid"),
        "REGIOLOD_STORE": f"sparql+http://127.0.0.1:{args.port}/query",
        "REGIOLOD_STORE_DATASET": "union",
        "REGIOLOD_DOWNLOAD_DIR": str(build),
    }
    remote_server = subprocess.Popen(
        [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--port", str(args.port + 2)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=remote_env,
    )  # fmt: skip
    oxigraph_http, regiolod_http = Connection(args.port, "/query"), Connection(args.port + 1, "/sparql")
    remote_http = Connection(args.port + 2, "/sparql")
    for connection in (oxigraph_http, regiolod_http, remote_http):
        connection.wait()
    settings = Settings(store=str(build), root=ROOT, download_dir=str(current), rate_limit=0)
    client = create_app(settings).test_client()
    json_results = {"Accept": "application/sparql-results+json"}
    columns = (
        "engine disk", "engine memory", "Oxigraph server", "regiolod in process", "regiolod server", "regiolod remote"
    )  # fmt: skip
    differences = ("Oxigraph−engine", "in process−engine", "regiolod−Oxigraph", "remote−Oxigraph")
    print(f"{'query':<40}" + "".join(f"{c:>20}" for c in columns + differences))
    totals = {c: [] for c in columns}
    try:
        for path in sorted(QUERIES.glob("*.rq")):
            query = path.read_text(encoding="utf-8")

            def engine(store: ox.Store, query: str = query) -> None:
                store.query(query, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)

            def oxigraph(query: str = query) -> None:
                status, body = oxigraph_http.get(query)
                assert status == 200, body[:200]

            def in_process(query: str = query) -> None:
                response = client.get("/sparql", query_string={"query": query}, headers=json_results)
                assert response.status_code == 200, response.get_data()[:200]

            def served(query: str = query, connection: Connection = regiolod_http) -> None:
                status, body = connection.get(query)
                assert status == 200, body[:200]

            calls = {
                "engine disk": lambda: engine(disk),
                "engine memory": lambda: engine(memory),
                "Oxigraph server": oxigraph,
                "regiolod in process": in_process,
                "regiolod server": served,
                "regiolod remote": lambda: served(connection=remote_http),
            }
            medians = {name: timed_ms(call, args.runs) for name, call in calls.items()}
            for name, value in medians.items():
                totals[name].append(value)
            print(
                f"{path.stem:<40}"
                + "".join(f"{medians[c]:>20.2f}" for c in columns)
                + f"{medians['Oxigraph server'] - medians['engine disk']:>+20.2f}"
                + f"{medians['regiolod in process'] - medians['engine disk']:>+20.2f}"
                + f"{medians['regiolod server'] - medians['Oxigraph server']:>+20.2f}"
                + f"{medians['regiolod remote'] - medians['Oxigraph server']:>+20.2f}"
            )
        print(f"{'sum of medians':<40}" + "".join(f"{sum(totals[c]):>20.2f}" for c in columns))
    finally:
        for process in (remote_server, regiolod_server, oxigraph_server):
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
