"""Time to serve a description in process: the largest thing, Turtle and HTML, cold and cached.

Run: .venv/bin/python bench/describe.py [--runs N]
Reports medians in milliseconds; the reference in the same run is pyoxigraph's own Turtle
serialization of the same quads (the floor for building a description per request).
"""

from __future__ import annotations

import argparse

import pyoxigraph as ox
from timing import median_ms, shipped_build

from publisher import create_app
from publisher.store.embedded import EmbeddedStore


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    settings, build = shipped_build()
    store = EmbeddedStore(build)
    things = {
        q.subject.value
        for q in build.oxigraph
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(settings.base_iri + "id/")
    }
    sizes = {t: len(store.describe(t, 10**6).quads) + store.describe(t, 10**6).incoming_total for t in things}
    largest = max(sizes, key=lambda t: (sizes[t], t))
    key = largest[len(settings.base_iri) + 3 :]
    app = create_app(settings, build)
    client = app.test_client()
    state = app.extensions["regiolod"]
    desc = store.describe(largest, settings.incoming_limit)
    floor = median_ms(
        lambda: ox.serialize(
            [ox.Triple(q.subject, q.predicate, q.object) for q in desc.quads + desc.incoming],
            format=ox.RdfFormat.TURTLE,
        ),
        args.runs,
    )
    print(f"largest thing: {largest} ({sizes[largest]} statements and links)")
    print(f"reference: pyoxigraph serialize of the same quads: {floor:.3f} ms")
    for suffix in ("ttl", "html"):

        def cold(suffix=suffix):
            state.cache.clear()
            assert client.get(f"/doc/{key}.{suffix}").status_code == 200

        def warm(suffix=suffix):
            assert client.get(f"/doc/{key}.{suffix}").status_code == 200

        c, w = median_ms(cold, args.runs), median_ms(warm, args.runs)
        print(
            f"{suffix:>5}: cold (render) {c:.2f} ms = {c / floor:.1f}x reference; "
            f"cached {w:.2f} ms = {w / floor:.1f}x reference"
        )


if __name__ == "__main__":
    main()
