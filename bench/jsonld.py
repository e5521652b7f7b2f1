"""The cost of JSON-LD with the context's terms: cold JSON-LD against cold Turtle of the same documents.

Run: .venv/bin/python bench/jsonld.py [--runs N]
Reports medians in milliseconds and the ratio JSON-LD / Turtle for Heidekreis and Metropolregion Hamburg,
both rendered cold (the render cache and header values emptied before every request) and asked in turns,
so a busy machine slows both alike. A second line times the writer alone (serialize() of the document's
statements) for JSON-LD and Turtle. Run it on two commits to compare writers: the ratios are comparable
across runs, the milliseconds are not. ``--reference DIR`` also times the JSON-LD writer of another
checkout (DIR/publisher/render/rdf.py, e.g. a worktree of main) in the same process and run, in turns with
this one: the ratio of the two writers is the change's cost.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from dataclasses import replace

import pyoxigraph as ox
from timing import shipped_build

from publisher import create_app
from publisher.negotiation import JSONLD, TURTLE
from publisher.render.rdf import serialize

DOCUMENTS = [
    "territory/03358",  # Heidekreis: figures by date, codes, containment, the most links
    "organization/metropolregion-hamburg",  # the most memberships of any cooperation
]


def median_ms(runs: int, work: dict[str, object]) -> dict[str, float]:
    """Median milliseconds of each callable in ``work``, called in turns ``runs`` times."""
    times: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):
        for name, call in work.items():
            start = time.perf_counter()
            call()  # type: ignore[operator]
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(found) for name, found in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--reference", help="a checkout whose publisher/render/rdf.py is the writer to compare with")
    args = parser.parse_args()
    reference = None
    if args.reference:
        spec = importlib.util.spec_from_file_location("reference_rdf", f"{args.reference}/publisher/render/rdf.py")
        assert spec is not None and spec.loader is not None
        reference = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(reference)
    settings, build = shipped_build()
    app = create_app(replace(settings, rate_limit=0), build)
    client = app.test_client()
    state = app.extensions["regiolod"]

    def cold(url: str):
        def get() -> None:
            state.cache.values.clear()
            state.tags.values.clear()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    for key in DOCUMENTS:
        medians = median_ms(args.runs, {"ttl": cold(f"/doc/{key}.ttl"), "jsonld": cold(f"/doc/{key}.jsonld")})
        ratio = medians["jsonld"] / medians["ttl"]
        print(
            f"/doc/{key:<40} cold: Turtle {medians['ttl']:6.2f} ms, JSON-LD {medians['jsonld']:6.2f} ms = {ratio:.2f}x"
        )
        quads = list(ox.parse(client.get(f"/doc/{key}.nq").data, format=ox.RdfFormat.N_QUADS))
        writers = median_ms(
            args.runs, {"ttl": lambda q=quads: serialize(q, TURTLE), "jsonld": lambda q=quads: serialize(q, JSONLD)}
        )
        ratio = writers["jsonld"] / writers["ttl"]
        shown = f"Turtle {writers['ttl']:6.2f} ms, JSON-LD {writers['jsonld']:6.2f} ms = {ratio:.2f}x"
        print(f"/doc/{key:<40} writer: {shown} ({len(quads)} statements)")
        if reference is not None:
            pair = median_ms(
                args.runs,
                {"this": lambda q=quads: serialize(q, JSONLD), "ref": lambda q=quads: reference.serialize(q, JSONLD)},
            )
            ratio = pair["this"] / pair["ref"]
            shown = f"this {pair['this']:6.2f} ms, reference {pair['ref']:6.2f} ms = {ratio:.2f}x"
            print(f"/doc/{key:<40} JSON-LD writer against the reference: {shown}")


if __name__ == "__main__":
    main()
