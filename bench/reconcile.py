"""The cost of reconciliation: 100 names in one batch against 100 label look-ups in SPARQL, in the same run.

Run: .venv/bin/python bench/reconcile.py [--runs N]
The batch is one POST /reconcile with 100 queries (names of the register, typed as OpenRefine sends them);
the reference is 100 GET /sparql requests, each asking for the things bearing one of those names as a
label, through the same app. Both after a warm-up (the index is built once per build and process, like
the SPARQL engine's caches). Reports medians in milliseconds and the ratio batch / SPARQL look-ups.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace

from timing import shipped_build

from publisher import create_app

NAMES_QUERY = """
SELECT DISTINCT ?label WHERE {
  ?s a rl:MunicipalityTerritory ; skos:prefLabel ?label . FILTER (LANG(?label) = "de")
} ORDER BY ?label"""
LOOKUP = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s WHERE {{ ?s skos:prefLabel|skos:altLabel ?l . FILTER (LCASE(STR(?l)) = LCASE({label})) }}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    settings, build = shipped_build()
    app = create_app(replace(settings, rate_limit=0), build)
    client = app.test_client()
    state = app.extensions["regiolod"]
    names = [str(r["label"].value) for r in state.store.select(NAMES_QUERY) if r["label"] is not None]
    names = names[:: max(1, len(names) // 100)][:100]
    batch = {f"q{i}": {"query": n, "type": "rl:MunicipalityTerritory", "limit": 5} for i, n in enumerate(names)}
    form = {"queries": json.dumps(batch)}

    def reconcile() -> None:
        response = client.post("/reconcile", data=form)
        assert response.status_code == 200 and len(response.get_json()) == len(names)

    def lookups() -> None:
        for name in names:
            query = LOOKUP.format(label=json.dumps(name, ensure_ascii=False))
            response = client.get("/sparql", query_string={"query": query},
                                  headers={"Accept": "application/sparql-results+json"})  # fmt: skip
            assert response.status_code == 200, response.get_data(as_text=True)[:200]

    reconcile()  # builds the index, once per build and process
    lookups()
    times: dict[str, list[float]] = {"batch": [], "sparql": []}
    for _ in range(args.runs):
        for name, run in (("batch", reconcile), ("sparql", lookups)):
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) * 1000)
    batch_ms, sparql_ms = statistics.median(times["batch"]), statistics.median(times["sparql"])
    print(f"{len(names)} names: one reconciliation batch {batch_ms:8.1f} ms, {len(names)} SPARQL label look-ups "
          f"{sparql_ms:8.1f} ms, ratio batch / look-ups {batch_ms / sparql_ms:.2f}")


if __name__ == "__main__":
    main()
