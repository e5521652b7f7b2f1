"""Render time and weight of the Heidekreis page and a cooperation's page, against the pages before issue 21.

Run: .venv/bin/python bench/pages.py [--runs N] [--reference REV]

The reference ("today's pages" of issue 21) is the code before the first merge of issue 21 (by default the
first parent of the first merge whose message names issue 21; ``--reference main`` compares with main),
checked out into a temporary worktree beside this one and removed afterwards. Each side runs in its own
process over its own tree and data (the same app in-process, as bench/timetravel.py); the two processes
are asked in turns, one request at a time, so a busy machine slows both alike.
Reported, per page (median milliseconds and the ratio this code / reference):

- first: the first request of a fresh process (what a worker's first visitor waits for: every index the page
  needs is read then), wall and the process's CPU time (a busy machine stretches the wall time);
- cold: the render cache and header caches emptied before every request (indexes kept), as timetravel.py;
- cached: the same page again.

And the page weight of this code's pages: HTML, the JS and CSS the page loads (each file once), and the
GeoJSON its map loads; with the reference's beside it (a reference tree has no vendored Leaflet: ``make vendor``
never runs in it, so its pages load no Leaflet).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "Heidekreis": "/doc/territory/03358.html",
    "Metropolregion Hamburg": "/doc/organization/metropolregion-hamburg.html",
}
BASE = "http://127.0.0.1:8000/"
ASSET = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref)="([^"]+)"')
GEOJSON = re.compile(r'data-geojson="([^"]+)"')


# -- the worker: one process over one tree, answering one request per line of its input -------------------------


def worker(root: Path, downloads: str) -> None:
    from dataclasses import replace

    from publisher import create_app
    from publisher.config import Settings
    from publisher.dataset.build import load_build

    assert Path(sys.modules["publisher"].__file__ or "").is_relative_to(root), "the tree's own code runs"
    settings = Settings(base_iri=BASE, root=root, download_dir=downloads)
    build = load_build(settings)
    app = create_app(replace(settings, rate_limit=0), build)  # writes the dumps: build time, not request time
    client = app.test_client(use_cookies=False)
    state = app.extensions["regiolod"]
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        mode, path = line.split()
        if mode == "weight":
            print(json.dumps(weight(client, path)), flush=True)
            continue
        if mode == "cold":
            state.cache.values.clear()
            state.tags.values.clear()
        start, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        elapsed, used = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
        assert response.status_code == 200, (path, response.status_code)
        print(json.dumps({"ms": elapsed, "cpu_ms": used}), flush=True)


def local(url: str) -> str:
    return url.removeprefix(BASE.rstrip("/")).replace("&amp;", "&")


def weight(client: object, path: str) -> dict[str, int]:
    """Bytes of the page's HTML, of its scripts and style sheets, and of the GeoJSON its map loads."""
    html = client.get(path).data  # type: ignore[attr-defined]
    text = html.decode("utf-8")
    found = {"html": len(html), "js": 0, "css": 0, "geojson": 0}
    for url in sorted(set(ASSET.findall(text))):
        kind = "js" if url.split("?")[0].endswith(".js") else "css"
        found[kind] += len(client.get(local(url)).data)  # type: ignore[attr-defined]
    for url in sorted(set(GEOJSON.findall(text))):
        found["geojson"] += len(client.get(local(url)).data)  # type: ignore[attr-defined]
    svg = re.findall(r"<svg.*?</svg>", text, flags=re.S)
    found["svg_in_html"] = sum(len(s.encode("utf-8")) for s in svg)
    return found


# -- the driver ----------------------------------------------------------------------------------------------------


class Side:
    def __init__(self, name: str, root: Path, downloads: Path):
        self.name = name
        env = dict(os.environ, PYTHONPATH=str(root))
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(root), "--downloads", str(downloads)]
        self.process = subprocess.Popen(
            command, cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.ready = False

    def ask(self, mode: str, path: str) -> dict[str, float]:
        assert self.process.stdin and self.process.stdout
        if not self.ready:
            assert json.loads(self.process.stdout.readline())["ready"]
            self.ready = True
        self.process.stdin.write(f"{mode} {path}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} worker stopped")
        answer: dict[str, float] = json.loads(line)
        return answer

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=60)


def first_issue_21_merge_parent() -> str:
    merges = subprocess.run(
        ["git", "log", "--merges", "--first-parent", "--format=%H %s", "--reverse"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    first = next(line.split()[0] for line in merges if "(issue 21)" in line)
    return first + "^1"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reference", default="")
    parser.add_argument("--first", type=int, default=2, help="fresh processes per page and side")
    parser.add_argument("--worker", default="")
    parser.add_argument("--downloads", default="")
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker), args.downloads)
        return
    reference = args.reference or first_issue_21_merge_parent()
    commit = subprocess.run(["git", "rev-parse", "--short", reference], cwd=ROOT, capture_output=True, text=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    tree = scratch / "reference"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), reference], cwd=ROOT, check=True)
    try:
        run(args.runs, args.first, commit.stdout.strip(), {"current": ROOT, "reference": tree}, scratch)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def run(runs: int, first: int, commit: str, trees: dict[str, Path], scratch: Path) -> None:
    print(f"reference: {commit}, {runs} runs per mode, asked in turns")

    def pair() -> list[Side]:  # each side's dumps are written by its first process and reused by the next
        return [Side(name, root, scratch / f"downloads-{name}") for name, root in trees.items()]

    times: dict[tuple[str, str, str], list[float]] = {}
    # first requests: a fresh pair of processes per page, so each page's first request reads every index
    for title, path in PAGES.items():
        for _ in range(first):
            sides = pair()
            for side in sides:
                answer = side.ask("cached", path)
                times.setdefault((title, "first", side.name), []).append(answer["ms"])
                times.setdefault((title, "first CPU", side.name), []).append(answer["cpu_ms"])
            for side in sides:
                side.close()
    sides = pair()
    try:
        for title, path in PAGES.items():
            for mode in ("cold", "cached"):
                for side in sides:
                    side.ask(mode, path)  # once unmeasured: the process-wide indexes are read by now
                for _ in range(runs):
                    for side in sides:
                        times.setdefault((title, mode, side.name), []).append(side.ask(mode, path)["ms"])
        weights = {(title, side.name): side.ask("weight", path) for title, path in PAGES.items() for side in sides}
    finally:
        for side in sides:
            side.close()
    for title in PAGES:
        print(f"\n{title} ({PAGES[title]})")
        for mode in ("first", "first CPU", "cold", "cached"):
            now = statistics.median(times[(title, mode, "current")])
            before = statistics.median(times[(title, mode, "reference")])
            print(f"  {mode:<9} now {now:9.2f} ms, reference {before:9.2f} ms = {now / before:5.2f}x")
        now_w, before_w = weights[(title, "current")], weights[(title, "reference")]
        for kind in ("html", "svg_in_html", "js", "css", "geojson"):
            print(f"  {kind:<11} now {now_w[kind] / 1000:8.1f} KB, before {before_w[kind] / 1000:8.1f} KB")
        total_now = sum(now_w[k] for k in ("html", "js", "css", "geojson"))
        total_before = sum(before_w[k] for k in ("html", "js", "css", "geojson"))
        print(f"  total       now {total_now / 1000:8.1f} KB, before {total_before / 1000:8.1f} KB"
              f" = {total_now / total_before:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
