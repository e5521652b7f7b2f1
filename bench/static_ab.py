"""The static export behind its generated nginx configuration against plain nginx, in turns (A B A B).

The system benchmark measures one configuration after the other, so a noisy neighbour on a shared
machine can land on one row only (a run of 14,902 req/s with a p99 of 53 ms beside one of 25,882).
This script starts both servers on a scale that ``system.py`` prepared (its scratch folder holds the
static export, the pre-rendered files and the mixes) and measures them in alternating runs at 8 and
32 clients; the ratio of each pair is static / plain, and the report shows the median of the pairs.

    .venv/bin/python bench/system.py --scratch DIR --scales shipped --configs nginx-plain,nginx-static
    .venv/bin/python bench/static_ab.py --scratch DIR [--rounds 2] [--duration 10] [--conf FOLDER]

``--conf FOLDER`` (repeatable) adds the export served with the nginx.conf and regiolod.conf of another
folder (with logs/ and tmp/ beside them; its ``root`` names the site): a configuration rendered by another
commit, measured in the same turns against the same files.
"""

from __future__ import annotations

import argparse
import json
import statistics
from contextlib import ExitStack
from pathlib import Path

from configs import Options, Scale, nginx_plain, nginx_static
from load import wrk
from procs import install_signal_handlers, stop_all
from system import BASE_IRI, CLIENTS, WARM_UP_S


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scratch", type=Path, required=True, help="the scratch folder of a system.py run")
    parser.add_argument("--scale", default="shipped")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs per client count (default 2: A B A B)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each wrk run (default 10)")
    parser.add_argument("--conf", type=Path, action="append", default=[], help="a folder with another generated config")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    install_signal_handlers()
    work = args.scratch.resolve() / args.scale
    scales = []
    for folder in [work / "static", *args.conf]:
        scale = Scale(args.scale, work, BASE_IRI, static_dir=folder.resolve(), prerendered=work / "prerendered")
        scale.mixes = {"deref app": work / "mixes" / "deref-app.tsv", "deref file": work / "mixes" / "deref-file.tsv"}
        scales.append(scale)
    opts = Options(args.scratch, 30, 60)
    names = ["static", *(f"conf{n}" for n in range(1, len(args.conf) + 1))]
    rows: dict[int, list[dict]] = {c: [] for c in CLIENTS}
    try:
        with ExitStack() as stack:
            plain = stack.enter_context(nginx_plain(scales[0], opts))
            servers = [("plain", plain.port, scales[0].mixes["deref file"])]
            for name, scale in zip(names, scales, strict=True):
                running = stack.enter_context(nginx_static(scale, opts))
                servers.append((name, running.port, scale.mixes["deref app"]))
            for _, port, mix in servers:
                wrk(port, mix, max(CLIENTS), WARM_UP_S)
            for clients in CLIENTS:
                for _ in range(args.rounds):
                    turn = {name: wrk(port, mix, clients, args.duration) for name, port, mix in servers}
                    ratios = {n: round(turn[n]["ok_rps"] / turn["plain"]["ok_rps"], 3) for n in names}
                    rows[clients].append({"runs": turn, "ratios": ratios})
                    rates = ", ".join(f"{n} {turn[n]['ok_rps']:,.0f}" for n in turn)
                    print(f"{clients:>3} clients: {rates} req/s; ratios to plain {ratios}", flush=True)
    finally:
        stop_all()
    summary = {c: {n: statistics.median(t["ratios"][n] for t in turns) for n in names} for c, turns in rows.items()}
    failed = {c: sum(r["failed"] for t in turns for r in t["runs"].values()) for c, turns in rows.items()}
    print(json.dumps({"median_ratio_to_plain": summary, "failed": failed}))


if __name__ == "__main__":
    main()
