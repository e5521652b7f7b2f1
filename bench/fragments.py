"""The cost of a page of /fragments against a document: the same run, the same app, cold and cached.

Run: .venv/bin/python bench/fragments.py [--runs N]
Reports medians in milliseconds of a few fragment pages (N-Quads, the format Comunica asks for first) and
of Heidekreis's document (/doc/territory/03358.nq), and their ratio; the target (issue 22) is that a page
costs less than a document (ratio < 1). "Cold" empties the process's render cache and its cache of header
values and counts (ETags, fragment counts) before every request, for both alike.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from urllib.parse import quote

from timing import request_median_ms, shipped_build

from publisher import create_app
from publisher.render.fragments import default_graph
from publisher.vocab import ORG, SKOS

DOCUMENT = "/doc/territory/03358.nq"
QUADS = {"Accept": "application/n-quads"}


def fragments(base: str) -> dict[str, str]:
    """The pages measured: what Comunica asks while answering the example queries, and the largest pattern."""

    def url(**parts: str) -> str:
        return "/fragments?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in parts.items())

    union = default_graph(base)
    return {
        "subject (Heidekreis), default graph": url(subject=f"{base}id/territory/03358", graph=union),
        "predicate org:member, default graph": url(predicate=ORG + "member", graph=union),
        "label literal, default graph": url(object='"Heidekreis"@de', graph=union),
        "predicate skos:prefLabel, page 20": url(predicate=SKOS + "prefLabel", graph=union, page="20"),
        "empty pattern, first page": "/fragments",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    settings, build = shipped_build()
    app = create_app(replace(settings, rate_limit=0), build)

    def median(url: str, cold: bool) -> float:
        return request_median_ms(app, url, QUADS, args.runs, cold)

    worst = {"cold": 0.0, "cached": 0.0}
    for mode in ("cold", "cached"):
        document = median(DOCUMENT, mode == "cold")
        print(f"{'document ' + DOCUMENT:<48} {mode:>6}: {document:7.2f} ms")
        for name, url in fragments(settings.base_iri).items():
            page = median(url, mode == "cold")
            worst[mode] = max(worst[mode], page / document)
            print(f"{name:<48} {mode:>6}: {page:7.2f} ms = {page / document:.2f}x the document")
    print(f"worst ratio page / document: cold {worst['cold']:.2f}x, cached {worst['cached']:.2f}x (target < 1)")


if __name__ == "__main__":
    main()
