"""Time validation of the Germany import with and without boundaries (issue 19: with < 2 min, as a ratio).

Run: .venv/bin/python bench/boundaries.py [--shared ../shared/data]

Imports the register (GV100AD 2023-11-30) into two copies of the project, one with the three BKG
VG5000 boundary files (``--boundaries``), and times in each: parsing all files into the store,
SHACL validation (the store validator, as ``regiolod validate``), and enrichment (which derives the
cooperation geometries). Prints seconds, quads and the ratio with/without.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from timing import ROOT

from publisher.config import Settings
from publisher.dataset.build import discover_files, load_files
from publisher.dataset.enrich import enrich
from publisher.dataset.validate import validate_store
from publisher.gv100ad import import_register

LAYERS = [f"{name}_bkg_vg5000_2021-01-01.geojson" for name in ("kreise", "gemeindeverbaende", "gemeinden")]
REGISTER = "destatis_GV100AD_2023-11-30.txt"


def project(scratch: Path, name: str, shared: Path, with_boundaries: bool) -> Settings:
    root = scratch / name
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("examples", "germany"))
    boundaries = [shared / layer for layer in LAYERS] if with_boundaries else None
    out = root / "data" / "germany"
    import_register(shared / REGISTER, out, graph_folder="germany", curated=root / "data", boundaries=boundaries)
    return Settings(base_iri="http://127.0.0.1:8000/", root=root)


def measure(settings: Settings) -> dict[str, float]:
    files = discover_files(settings)
    start = time.perf_counter()
    store = load_files(files, settings.base_iri)
    parsed = time.perf_counter()
    issues = len(validate_store(store, files, "store").issues)
    validated = time.perf_counter()
    enrich(store, settings.base_iri + "id/graph/derived", dt.date(2026, 12, 4))
    enriched = time.perf_counter()
    return {
        "quads": len(store),
        "parse s": parsed - start,
        "validate s": validated - parsed,
        "enrich s": enriched - validated,
        "issues": issues,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="regiolod-bench-") as scratch:
        for name, with_boundaries in (("without", False), ("with", True)):
            settings = project(Path(scratch), name, args.shared, with_boundaries)
            results[name] = measure(settings)
            row = "  ".join(f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v:,}" for k, v in results[name].items())
            print(f"{name:<8} boundaries: {row}", flush=True)
    for key in ("parse s", "validate s", "enrich s"):
        ratio = results["with"][key] / results["without"][key]
        print(f"ratio with/without, {key[:-2]}: {ratio:.2f}")


if __name__ == "__main__":
    main()
