"""Generate synthetic data in the regiolod model at a target size, for the system benchmark.

Run: .venv/bin/python bench/generate.py --triples 1000000 --out DIR [--seed 1]

Same arguments, byte-identical output: everything comes from one seeded random generator and the
output never depends on the clock. The files look like ``data/*.ttl``: relative IRIs, one named
graph per file that describes itself (sd:Graph with source, licence and date), and they pass the
shapes (``regiolod validate DIR``), because a build refuses anything else.

Nothing here is real. Keys live in a reserved range: state keys 90-99 (the real Länder are 01-16),
so every district key, association key, AGS and ARS starts with 9 and collides with no real code.
Labels say so ("Synthetische Gemeinde 000123"), every fact's source is the generator, and no
thing links to Wikidata, NUTS or the DCAT-AP.de geocoding IRIs. Write the files outside the
project folder and never commit them.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from synthetic import Emitter, Municipality, SyntheticModel
from synthetic_cooperations import CooperationModel

#: Date of the generator's output format; the graphs carry it as dct:modified so that the output
#: does not depend on the day it was generated.
FORMAT_DATE = "2026-11-24"
#: Municipalities of a probe run, to learn how many triples one municipality brings on average.
PROBE = 2000
FIRST_STATE = 90
MAX_STATES = 10
MUNICIPALITIES_PER_STATE = 8000


@dataclass
class Plan:
    """How many municipalities each synthetic state gets."""

    municipalities: int
    states: list[int] = field(default_factory=list)

    @classmethod
    def for_municipalities(cls, n: int) -> Plan:
        states = max(1, min(MAX_STATES, math.ceil(n / MUNICIPALITIES_PER_STATE)))
        share, rest = divmod(n, states)
        return cls(n, [share + (1 if i < rest else 0) for i in range(states)])


def generate(plan: Plan, seed: int) -> dict[str, tuple[str, int]]:
    """Return ``{file name: (Turtle text, triples)}`` for a plan; deterministic for a seed."""
    rng = random.Random(seed)
    model, cooperations = SyntheticModel(rng), CooperationModel(rng)
    files: dict[str, tuple[str, int]] = {}
    counter = iter(range(1, 10**7))
    for i, municipalities in enumerate(plan.states):
        state_key = f"{FIRST_STATE + i:02d}"
        emitter = Emitter(f"synthetic-land-{state_key}", FORMAT_DATE)
        members: list[Municipality] = model.state(emitter, state_key, municipalities, counter)
        files[emitter.name + ".ttl"] = emitter.finish(model.state_graph_label(state_key))
        coop = Emitter(f"synthetic-kooperationen-{state_key}", FORMAT_DATE)
        cooperations.cooperations(coop, state_key, members)
        files[coop.name + ".ttl"] = coop.finish(model.cooperation_graph_label(state_key))
    sources = Emitter("synthetic-quellen", FORMAT_DATE)
    cooperations.sources(sources, [f"{FIRST_STATE + i:02d}" for i in range(len(plan.states))])
    files[sources.name + ".ttl"] = sources.finish(model.sources_graph_label())
    return files


def fit(triples: int, seed: int) -> tuple[int, dict[str, tuple[str, int]]]:
    """Generate close to ``triples``: estimate from a probe run, then correct a few times; keep the closest."""
    probe = sum(n for _, n in generate(Plan.for_municipalities(PROBE), seed).values())
    n = max(10, round(triples * PROBE / probe))
    files = generate(Plan.for_municipalities(n), seed)
    for _ in range(4):
        got = sum(k for _, k in files.values())
        if abs(got - triples) <= triples / 200:
            break
        tried = max(10, round(n * triples / got))
        candidate = generate(Plan.for_municipalities(tried), seed)
        if abs(sum(k for _, k in candidate.values()) - triples) >= abs(got - triples):
            break
        n, files = tried, candidate
    return n, files


def write(files: dict[str, tuple[str, int]], out: Path, args: dict[str, object]) -> int:
    """Write the files and a manifest of what was generated; return the number of triples."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("synthetic-*.ttl"):
        if stale.name not in files:
            stale.unlink()
    for name, (text, _) in sorted(files.items()):
        (out / name).write_text(text, encoding="utf-8")
    total = sum(n for _, n in files.values())
    manifest = {"arguments": args, "triples": total, "files": {k: n for k, (_, n) in sorted(files.items())}}
    (out / "synthetic.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="target number of triples (approximate)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder for the Turtle files (outside the project)")
    args = parser.parse_args()
    start = time.perf_counter()
    n, files = fit(args.triples, args.seed)
    total = write(files, args.out, {"triples": args.triples, "seed": args.seed})
    print(f"{args.out}: {total} triples, {n} synthetic municipalities, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
