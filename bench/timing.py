"""What every benchmark here shares: a median timer and the build of the shipped dataset."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from publisher.config import Settings
from publisher.dataset.build import LoadedBuild, load_build

ROOT = Path(__file__).resolve().parent.parent


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def request_median_ms(app: Any, url: str, headers: dict[str, str], runs: int, cold: bool) -> float:
    """Median wall time of ``runs`` GETs of ``url`` from the app, in milliseconds; ``cold`` empties the app's
    cache of rendered documents and ETags before each (not timed), so every answer is rendered again."""
    client, state = app.test_client(), app.extensions["regiolod"]
    times = []
    for _ in range(runs):
        if cold:
            state.cache.values.clear()
            state.tags.values.clear()
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def shipped_build() -> tuple[Settings, LoadedBuild]:
    settings = Settings(base_iri="http://127.0.0.1:8000/", root=ROOT)
    return settings, load_build(settings)


def finished_store(build: Path) -> tuple[Path, Path]:
    """A finished build (`regiolod build --store DIR`): the folder of its current build and its on-disk store."""
    build = build.resolve()
    current = (build / "current").resolve() if (build / "current").exists() else build
    return current, current / "store"


def oxigraph_read_only(store: Path, port: int) -> subprocess.Popen:
    """Oxigraph server over a store folder, its default graph the union of the graphs (the recommended remote
    setup), on a loopback port; the caller stops it."""
    command = [str(Path(sys.executable).parent / "oxigraph"), "serve-read-only", "--location", str(store)]
    command += ["--union-default-graph", "--bind", f"127.0.0.1:{port}"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
