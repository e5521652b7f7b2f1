"""The cost of ``?at=``: the same documents with and without a day, rendered cold and served cached.

Run: .venv/bin/python bench/timetravel.py [--runs N] [--day YYYY-MM-DD] [--clock wall|cpu]
Reports medians in milliseconds and the ratio dated / today for each document and format; the target
(issue 20) is at most 1.5x cold and equal when cached. "Cold" empties the process's render cache and
its caches of header values (ETags, Link lists, a document's headers) before every request, for both alike.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from timing import shipped_build
from werkzeug.test import EnvironBuilder

from publisher import create_app

DOCUMENTS = [
    "organization/metropolregion-hamburg",  # 22 memberships, the most of any cooperation
    "organization/033580024024",  # Walsrode: a merger, a re-keying, three memberships
    "territory/03358",  # Heidekreis: figures by date, containment, the most links
    "organization/lag-vogelpark-region",  # LEADER: funding periods
    # The kinds whose dated documents cost most against today's in a scan of every document (organizations,
    # memberships, geometries), and a thing that ended (its successor's codes are repeated on the day).
    "membership/vogelpark-region/033580024024",
    "geometry/03358/bkg-vg5000-2021-01-01",
    "organization/03358004",  # Bomlitz: merged into Walsrode in 2020, ended today
]
#: Turtle and HTML, and the two other ways to a document: JSON-LD (its own writer) and N-Quads (graph names kept).
SUFFIXES = ("ttl", "html", "jsonld", "nq")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--day", default="2016-06-30")
    # On a shared machine, wall time includes the time others had the processor: CPU time of this process does not.
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    settings, build = shipped_build()
    app = create_app(replace(settings, rate_limit=0), build)  # one client sends thousands of requests
    state = app.extensions["regiolod"]
    state.first_fact()  # asked once per build and process, not per document

    environs: dict[str, dict] = {}

    def answer(environ: dict) -> str:
        """Call the app as a WSGI server does and read its whole body; the status line."""
        status = ""

        def start_response(line: str, _headers: list, _exc: object = None) -> None:
            nonlocal status
            status = line

        body = app.wsgi_app(environ, start_response)
        try:
            b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        return status

    def pair(path: str, cold: bool) -> tuple[float, float]:
        """Median times of today's document and the day's, asked in turns (a busy machine slows both alike)."""
        times: dict[str, list[float]] = {"today": [], "dated": []}
        for url in (path, f"{path}?at={args.day}"):
            # The test client's own work (parsing the URL and its query) would be timed with the request's and is
            # larger for the dated URL: the environ is built once, as a server hands it to the app.
            environs[url] = EnvironBuilder(url, base_url=settings.base_iri).get_environ()
        for _ in range(args.runs):
            for name, url in (("today", path), ("dated", f"{path}?at={args.day}")):
                if cold:
                    for cache in (state.cache, state.tags, state.headers):
                        cache.values.clear()
                environ = dict(environs[url])  # built before the clock starts: what the server does is timed
                start = clock()
                status = answer(environ)
                times[name].append((clock() - start) * 1000)
                assert status.startswith("200"), (url, status)
        return statistics.median(times["today"]), statistics.median(times["dated"])

    worst = {"cold": 0.0, "cached": 0.0}
    for key in DOCUMENTS:
        for suffix in SUFFIXES:
            path = f"/doc/{key}.{suffix}"
            for mode in ("cold", "cached"):
                today, dated = pair(path, mode == "cold")
                worst[mode] = max(worst[mode], dated / today)
                shown = f"today {today:7.2f} ms, at={args.day} {dated:7.2f} ms = {dated / today:.2f}x"
                print(f"{path:<48} {mode:>6}: {shown}")
    print(f"worst ratio: cold {worst['cold']:.2f}x (target <= 1.5x), cached {worst['cached']:.2f}x (target 1x)")


if __name__ == "__main__":
    main()
