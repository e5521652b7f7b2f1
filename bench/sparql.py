"""Latency of the SPARQL endpoint in process, next to pyoxigraph's own Store.query on the same build.

Run: .venv/bin/python bench/sparql.py [--runs N]
For each example query in queries/: the median time of a GET /sparql (JSON results) through the
Flask test client, which forks a child per query, and the median time of Store.query plus
pyoxigraph's JSON serialization in the same process (the reference), and their ratio.
"""

from __future__ import annotations

import argparse

import pyoxigraph as ox
from timing import median_ms, shipped_build

from publisher import create_app
from publisher.sparql.examples import load_examples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    settings, build = shipped_build()
    client = create_app(settings, build).test_client()
    headers = {"Accept": "application/sparql-results+json"}
    print(f"{'query':<42} {'endpoint ms':>12} {'Store.query ms':>15} {'ratio':>7} {'diff ms':>8}")
    for example in load_examples(settings):

        def endpoint(example=example):
            assert client.get("/sparql", query_string={"query": example.query}, headers=headers).status_code == 200

        def reference(example=example):
            result = build.oxigraph.query(example.query, use_default_graph_as_union=True)
            result.serialize(format=ox.QueryResultsFormat.JSON)

        ours, ref = median_ms(endpoint, args.runs), median_ms(reference, args.runs)
        print(f"{example.name:<42} {ours:>12.2f} {ref:>15.2f} {ours / ref:>7.1f} {ours - ref:>8.2f}")


if __name__ == "__main__":
    main()
