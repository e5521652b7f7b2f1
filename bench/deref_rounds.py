"""Dereferencing in rounds: the configurations that answer the dereferencing mix, started side by side and
measured in turns, so that a verdict rests on a spread of runs rather than on one run per configuration.

Run: .venv/bin/python bench/deref_rounds.py [--rounds 5] [--duration 5] [--things 300] [--configs a,b]
     [--scratch DIR] [--results DIR]

The shipped scale is prepared as the system benchmark prepares it (prepare.py: the build, the mix, the
pre-rendered bytes of bare Flask). Every configuration is started and warmed up (the mix at 32 clients for a few
seconds, so that every worker has answered it), then each round measures every configuration in a new seeded
order, for ``duration`` seconds at 8 and at 32 clients. A machine that gets busier or quieter during the run then
shifts every configuration alike, and a round's ratios use that round's references.

The report (``bench/results/{date}-deref-rounds.md`` and ``.json``): per configuration and client count the median,
lowest and highest ok req/s and p99 over the rounds; per target the ratio of each round (against the same
round's reference), their median and spread, and the verdict on the median and on the worst round.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from configs import BENCH, CONFIGS, Options, Running, Scale
from load import check, wrk
from prepare import GV100AD, prepare
from procs import install_signal_handlers, stop_all
from system import BASE_IRI, machine

DEFAULT_CONFIGS = ("regiolod-memory", "regiolod-disk", "regiolod-remote", "bareflask", "bareflask-granian")
OLD, NEW = "bareflask", "bareflask-granian"
CLIENTS = (8, 32)
WARM_UP_S = 5
#: The issue's targets: at least this many times the old ceiling, this share of the new one, p99 below this.
OLD_CEILING_TIMES, NEW_CEILING_SHARE, P99_MS_AT_32 = 2.0, 0.9, 25.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of each wrk run")
    parser.add_argument("--things", type=int, default=300, help="things in the dereferencing mix")
    parser.add_argument("--configs", default=",".join(DEFAULT_CONFIGS), help="comma-separated configuration names")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scratch", type=Path, help="folder for data, builds and logs (default: a new one in $TMPDIR)")
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument("--name", default="deref-rounds", help="the report's name after the date")
    return parser.parse_args()


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2), "max": round(max(values), 2)}


def main() -> None:
    args = parse_args()
    install_signal_handlers()
    chosen = [c for c in CONFIGS if c.name in args.configs.split(",")]
    missing = set(args.configs.split(",")) - {c.name for c in chosen}
    if missing:
        raise SystemExit(f"unknown configurations: {', '.join(sorted(missing))}")
    scratch = (args.scratch or Path(tempfile.mkdtemp(prefix="deref-rounds-"))).resolve()
    scale = Scale("shipped", scratch / "shipped", BASE_IRI)
    scale.work.mkdir(parents=True, exist_ok=True)
    opts = Options(scratch, sparql_timeout=30, start_timeout=600)
    print(f"preparing in {scale.work}", flush=True)
    scale.requests = prepare(scale, opts, args.seed, args.things, GV100AD, static_export=False)
    runs: dict[str, dict[int, list[dict]]] = {c.name: {n: [] for n in CLIENTS} for c in chosen}
    wrong: dict[str, dict[str, int]] = {}
    order = random.Random(args.seed)
    try:
        with ExitStack() as stack:
            running: dict[str, Running] = {}
            for config in chosen:
                print(f"starting {config.name}", flush=True)
                running[config.name] = stack.enter_context(config.start(scale, opts))
            for name, server in running.items():
                key = f"deref {server.deref_mix}"
                wrong[name] = check(server.port, scale.requests[key])
                wrk(server.port, scale.mixes[key], max(CLIENTS), WARM_UP_S)
            for turn in range(1, args.rounds + 1):
                names = list(running)
                order.shuffle(names)
                print(f"round {turn}: {' '.join(names)}", flush=True)
                for name in names:
                    server = running[name]
                    for clients in CLIENTS:
                        result = wrk(server.port, scale.mixes[f"deref {server.deref_mix}"], clients, args.duration)
                        runs[name][clients].append(result)
    finally:
        stop_all()
    report = summarize(args, runs, wrong)
    stem = f"{dt.date.today().isoformat()}-{args.name}"
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"{stem}.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (args.results / f"{stem}.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


def summarize(args: argparse.Namespace, runs: dict[str, dict[int, list[dict]]], wrong: dict) -> dict:
    rows = []
    for name, by_clients in runs.items():
        for clients, results in by_clients.items():
            rows.append({
                "config": name,
                "clients": clients,
                "ok_rps": spread([float(r["ok_rps"]) for r in results]),
                "p99_ms": spread([float(r["p99_ms"]) for r in results]),
                "failed": sum(int(r["failed"]) for r in results),
                "runs": results,
            })  # fmt: skip
    targets = []
    for name in runs:
        if name in (OLD, NEW):
            continue
        for clients in CLIENTS:
            mine = [float(r["ok_rps"]) for r in runs[name][clients]]
            for reference, least in ((OLD, OLD_CEILING_TIMES), (NEW, NEW_CEILING_SHARE)):
                if reference not in runs:
                    continue
                theirs = [float(r["ok_rps"]) for r in runs[reference][clients]]
                ratios = [a / b for a, b in zip(mine, theirs, strict=True) if b > 0]
                targets.append({
                    "target": f"dereferencing at {clients} clients ≥ {least}× {reference}",
                    "config": name,
                    "ratios": [round(r, 2) for r in ratios],
                    "median": round(statistics.median(ratios), 2),
                    "met_on_median": statistics.median(ratios) >= least,
                    "met_every_round": min(ratios) >= least,
                })  # fmt: skip
            if clients == 32:
                p99 = [float(r["p99_ms"]) for r in runs[name][clients]]
                targets.append({
                    "target": f"p99 < {P99_MS_AT_32:g} ms at 32 clients",
                    "config": name,
                    "ratios": [round(p, 1) for p in p99],
                    "median": round(statistics.median(p99), 1),
                    "met_on_median": statistics.median(p99) < P99_MS_AT_32,
                    "met_every_round": max(p99) < P99_MS_AT_32,
                })  # fmt: skip
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"rounds": args.rounds, "duration_s": args.duration, "things": args.things, "seed": args.seed},
        "wrong_answers": wrong,
        "rows": rows,
        "targets": targets,
    }


def markdown(report: dict) -> str:
    s = report["settings"]
    lines = [
        f"# Dereferencing in rounds, {report['date']}",
        "",
        "Machine: {cpus} cores, {memory_gib} GiB, {system}, Python {python}, {wrk}; commit {commit}.".format(
            **report["machine"]
        ),
        f"{s['rounds']} rounds; in each, every configuration in a new order for {s['duration_s']:g} s at 8 and at 32 "
        f"clients (wrk); {s['things']} things in the mix (shipped scale), seed {s['seed']}. Every configuration "
        "started side by side and warmed up first.",
        "",
        "| configuration | clients | ok req/s median (min–max) | p99 ms median (min–max) | failed | wrong answers |",
        "|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        r, p = row["ok_rps"], row["p99_ms"]
        wrong = report["wrong_answers"].get(row["config"]) or "none"
        lines.append(
            f"| {row['config']} | {row['clients']} | {r['median']:,.0f} ({r['min']:,.0f}–{r['max']:,.0f}) | "
            f"{p['median']:.1f} ({p['min']:.1f}–{p['max']:.1f}) | {row['failed']} | {wrong} |"
        )
    lines += [
        "",
        "Targets: each round's ratio uses that round's reference (for p99: the milliseconds of each round).",
        "",
        "| target | configuration | each round | median | met on the median | met in every round |",
        "|---|---|---|---|---|---|",
    ]
    for t in report["targets"]:
        each = ", ".join(f"{v:g}" for v in t["ratios"])
        lines.append(
            f"| {t['target']} | {t['config']} | {each} | {t['median']:g} | "
            f"{'met' if t['met_on_median'] else '**not met**'} | {'yes' if t['met_every_round'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
