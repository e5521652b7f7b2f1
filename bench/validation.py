"""Time SHACL validation: the store validator against pySHACL, on the shipped data and a large copy.

Run: .venv/bin/python bench/validation.py [--copies 100] [--reference-copies 0] [--data DIR]

The copy repeats every shipped data file ``--copies`` times with renamed IRIs (``id/territory/c7-03358``)
in a temporary folder; ``--data`` validates a folder of your own instead (e.g. the output of
generate.py). pySHACL runs on the shipped data and, with ``--reference-copies N``, on an N-fold copy:
it needs minutes from about 50,000 triples on. Reports seconds; the store validator's time is the
median of three runs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from timing import ROOT

from publisher.config import Settings
from publisher.dataset.build import discover_files, load_files
from publisher.dataset.sources import SourceFile
from publisher.dataset.validate import validate_store


def replicate(copies: int, out: Path) -> Path:
    """Write ``copies`` renamed copies of every shipped data file into ``out``."""
    out.mkdir(parents=True)
    for path in sorted((ROOT / "data").glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        for k in range(copies):
            renamed = re.sub(r"<id/graph/", f"<id/graph/c{k}-", text)
            renamed = re.sub(r"<id/(?!graph/)([^/>]+)/", lambda m, k=k: f"<id/{m.group(1)}/c{k}-", renamed)
            (out / f"c{k}-{path.name}").write_text(renamed, encoding="utf-8")
    return out


def seconds(engine: str, settings: Settings, data: Path | None, runs: int) -> tuple[float, int, int]:
    """Load the data once; return the median validation time, the triples and the issues."""
    files: list[SourceFile] = discover_files(settings, [data] if data else None)
    store = load_files(files, settings.base_iri)
    times, issues = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        issues = len(validate_store(store, files, engine).issues)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(store), issues


def report(label: str, engine: str, settings: Settings, data: Path | None) -> None:
    took, triples, issues = seconds(engine, settings, data, 3 if engine == "store" else 1)
    print(f"{label:<28} {engine:<8} {triples:>9} quads {took:>9.2f} s  {issues} issues", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--reference-copies", type=int, default=0)
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    settings = Settings(base_iri="http://127.0.0.1:8000/", root=ROOT)
    for engine in ("store", "pyshacl"):
        report("shipped data", engine, settings, None)
    with tempfile.TemporaryDirectory(prefix="regiolod-bench-") as scratch:
        if args.reference_copies:
            folder = replicate(args.reference_copies, Path(scratch) / "reference")
            for engine in ("store", "pyshacl"):
                report(f"{args.reference_copies} copies", engine, settings, folder)
        folder = args.data or replicate(args.copies, Path(scratch) / "copies")
        report(str(args.data) if args.data else f"{args.copies} copies", "store", settings, folder)


if __name__ == "__main__":
    main()
