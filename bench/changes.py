"""The cost of a page of the change feed against a document of the same size: the same run, the same app.

Run: .venv/bin/python bench/changes.py [--runs N]
Measures, in N-Quads, the root node, the largest month page, and the thing's document whose N-Quads are
closest in size to that page (among every document of the build), cold and cached, and reports medians in
milliseconds and the ratios page / document. "Cold" empties the process's render cache and its cache of
header values (ETags, the feed's months) before every request, for both alike.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import replace

from timing import request_median_ms, shipped_build

from publisher import create_app

QUADS = {"Accept": "application/n-quads"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    settings, build = shipped_build()
    app = create_app(replace(settings, rate_limit=0), build)
    client = app.test_client()
    state = app.extensions["regiolod"]
    base = settings.base_iri

    root = client.get("/changes/", headers=QUADS).get_data(as_text=True)
    months = sorted(set(re.findall(re.escape(base) + r"changes/([0-9]{4}-[0-9]{2})>", root)))
    bodies = {m: client.get(f"/changes/{m}", headers=QUADS).data for m in months}
    largest = max(months, key=lambda m: (len(bodies[m]), m))
    page = f"/changes/{largest}"
    things = [iri.removeprefix(base + "id/") for iri in state.documented()]
    sizes = {key: len(client.get(f"/doc/{key}.nq").data) for key in things}
    document = f"/doc/{min(sizes, key=lambda k: (abs(sizes[k] - len(bodies[largest])), k))}.nq"

    def median(url: str, cold: bool) -> float:
        return request_median_ms(app, url, QUADS, args.runs, cold)

    print(f"{len(months)} month pages; largest {page}: {len(bodies[largest]):,} bytes")
    print(f"document of the nearest size {document}: {len(client.get(document).data):,} bytes")
    for mode in ("cold", "cached"):
        reference = median(document, mode == "cold")
        feed_page = median(page, mode == "cold")
        feed_root = median("/changes/", mode == "cold")
        print(f"{mode:>6}: document {reference:7.2f} ms, page {feed_page:7.2f} ms = {feed_page / reference:.2f}x, "
              f"root {feed_root:7.2f} ms = {feed_root / reference:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
