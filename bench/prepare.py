"""Prepare a scale for the system benchmark: its data, build, Oxigraph store, mixes and pre-rendered documents.

Every step is timed; a step that cannot run (the importer or the static export has not landed, the
data does not conform) is written down as the scale's problem, and the configurations that need
it show "not available" with that reason.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from configs import BENCH, BIN, ROOT, Options, Scale, regiolod_disk, regiolod_env, regiolod_memory
from load import Request, fetch, write_requests
from mixes import app_requests, deref_plan, describe_requests, file_requests, load_queries, sparql_requests, things
from procs import NotAvailable, free_port, timed

SYNTHETIC = {"syn1m": 1_000_000, "syn5m": 5_000_000}
#: Where the configurations answer SPARQL: regiolod, Oxigraph server, rdflib-endpoint.
SPARQL_PATHS = ("/sparql", "/query", "/")
GV100AD = ROOT.parent / "shared" / "data" / "destatis_GV100AD_2023-11-30.txt"


def command_has(args: list[str], word: str) -> bool:
    """Whether ``regiolod ARGS --help`` succeeds and mentions ``word`` (a command that has landed)."""
    result = subprocess.run([str(BIN / "regiolod"), *args, "--help"], capture_output=True, text=True)
    return result.returncode == 0 and word in result.stdout


def link_data(scale: Scale, folders: list[Path]) -> Path:
    """A data folder of symbolic links: the shipped data next to the scale's own files."""
    data = scale.work / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    for folder in [ROOT / "data", *folders]:
        for path in sorted(folder.rglob("*.ttl")):
            target = data / path.name
            if target.exists():
                raise NotAvailable(f"two data files are called {path.name}")
            target.symlink_to(path.resolve())
    return data


def prepare_data(scale: Scale, seed: int, gv100ad: Path) -> Path:
    """Generate, import or pick the data of a scale; return its data folder."""
    if scale.name == "shipped":
        return ROOT / "data"
    if scale.name in SYNTHETIC:
        out = scale.work / "generated"
        manifest = out / "synthetic.json"
        wanted = {"triples": SYNTHETIC[scale.name], "seed": seed}
        if not manifest.exists() or json.loads(manifest.read_text())["arguments"] != wanted:
            command = [sys.executable, str(BENCH / "generate.py"), "--triples", str(wanted["triples"])]
            command += ["--seed", str(seed), "--out", str(out)]
            scale.times["generate"] = timed(command, scale.work / "logs" / "generate.log")
        return link_data(scale, [out])
    if scale.name == "germany":
        if not command_has(["import"], "gv100ad"):
            raise NotAvailable("`regiolod import gv100ad` is not available yet")
        if not gv100ad.is_file():
            raise NotAvailable(f"{gv100ad.name} not found")
        out = scale.work / "import"
        command = [str(BIN / "regiolod"), "import", "gv100ad", str(gv100ad), "--out", str(out)]
        scale.times["import"] = timed(command, scale.work / "logs" / "import.log", regiolod_env(scale))
        return link_data(scale, [out])
    raise NotAvailable(f"unknown scale {scale.name}")


def build(scale: Scale, static_export: bool) -> Path:
    """`regiolod build --store DIR` (and ``--static`` when asked for): validate, enrich, write everything.

    The static export runs in the same command, so the data is validated once; its own time is
    read from the command's summary and the build time is the rest.
    """
    folder, static = scale.work / "build", scale.work / "static"
    for old in (folder, static):
        if old.exists():
            shutil.rmtree(old)
    command = [str(BIN / "regiolod"), "build", "--store", str(folder)]
    log = scale.work / "logs" / "build.log"
    skipped = None
    if not static_export:
        skipped = "no static export (nginx-static not chosen, or the scale not in --static-scales)"
    elif not command_has(["build"], "--static"):
        skipped = "`regiolod build --static` is not available yet"
    if skipped:
        scale.problems["static"] = skipped
        scale.times["build"] = timed(command, log, regiolod_env(scale))
        return folder
    listen = ["--static", str(static), "--listen", f"127.0.0.1:{free_port()}"]
    try:
        total = timed(command + listen, log, regiolod_env(scale))
    except NotAvailable as exc:
        scale.problems["static"] = str(exc)
        scale.times["build"] = timed(command, log, regiolod_env(scale))
        return folder
    exported = re.search(r"^Static export of build .* in ([0-9.]+) s$", log.read_text(errors="replace"), re.MULTILINE)
    if exported:
        scale.times["static export"] = float(exported.group(1))
        scale.times["build"] = total - float(exported.group(1))
    else:
        scale.times["build with static export"] = total
    scale.static_dir = static
    return folder


def load_oxigraph(scale: Scale) -> Path:
    """`oxigraph load` of the build's store image into a store for Oxigraph server."""
    folder = scale.work / "oxigraph"
    if folder.exists():
        shutil.rmtree(folder)
    dump = scale.build_dir / "current" / "store.nq.gz"
    command = [str(BIN / "oxigraph"), "load", "--location", str(folder), "--file", str(dump)]
    scale.times["oxigraph load"] = timed(command, scale.work / "logs" / "oxigraph-load.log")
    return folder


def write_mixes(scale: Scale, size: int, seed: int) -> dict[str, list[Request]]:
    """Write the SPARQL and dereferencing mixes of a scale for wrk; return them."""
    files = sorted(scale.data_dir.rglob("*.ttl"))
    plan = deref_plan(things(files, scale.base_iri), scale.base_iri, size, seed)
    queries = load_queries()
    mixes = {
        **{f"sparql {path}": sparql_requests(queries, path) for path in SPARQL_PATHS},
        "deref app": app_requests(plan),
        "deref file": file_requests(plan),
        "deref describe": describe_requests(plan, scale.base_iri),
    }
    for name, requests in mixes.items():
        file_name = re.sub(r"[^a-z]+", "-", name).strip("-") + ".tsv"
        scale.mixes[name] = write_requests(requests, scale.work / "mixes" / file_name)
    return mixes


def prerender(scale: Scale, opts: Options, mixes: dict[str, list[Request]]) -> Path:
    """Fetch every document of the mixes once from regiolod and keep the bytes for bare Flask and nginx."""
    folder = scale.work / "prerendered"
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "bodies").mkdir(parents=True)
    start = regiolod_disk(2) if scale.build_dir else regiolod_memory
    index: dict[str, dict[str, object]] = {}
    wrong = 0
    with start(scale, opts) as running:
        conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=300)
        for n, req in enumerate(mixes["deref app"]):
            headers = {"Accept": req.accept} if req.accept else {}
            conn.request("GET", req.path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            wrong += response.status != req.expect
            kept = {k: v for k, v in response.getheaders() if k.lower() not in ("date", "server", "connection")}
            kept.pop("Content-Length", None)
            (folder / "bodies" / str(n)).write_bytes(body)
            index[f"{req.path}\t{req.accept}"] = {"status": response.status, "headers": kept, "body": f"bodies/{n}"}
        for req in mixes["deref file"]:
            if req.expect != 200:
                continue
            status, body = fetch(conn, req)
            wrong += status != 200
            target = folder / "www" / req.path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        conn.close()
    (folder / "index.json").write_text(json.dumps(index, sort_keys=True), encoding="utf-8")
    if wrong:
        scale.problems["prerender"] = f"{wrong} documents did not answer as expected while pre-rendering"
    return folder


def prepare(
    scale: Scale, opts: Options, seed: int, deref_size: int, gv100ad: Path, static_export: bool
) -> dict[str, list[Request]]:
    """Run every preparation step of a scale that can run; return the mixes."""
    steps = [("data", lambda: prepare_data(scale, seed, gv100ad), "data_dir")]
    steps.append(("build", lambda: build(scale, static_export), "build_dir"))
    steps.append(("oxigraph", lambda: load_oxigraph(scale), "oxigraph_dir"))
    for step, run, attribute in steps:
        if step != "data" and scale.data_dir is None:
            scale.problems[step] = scale.problems["data"]
            continue
        if step == "oxigraph" and scale.build_dir is None:
            scale.problems[step] = scale.problems["build"]
            continue
        try:
            setattr(scale, attribute, run())
        except NotAvailable as exc:
            scale.problems[step] = str(exc)
    if scale.data_dir is None:
        return {}
    mixes = write_mixes(scale, deref_size, seed)
    try:
        scale.prerendered = prerender(scale, opts, mixes)
    except NotAvailable as exc:
        scale.problems["prerendered"] = str(exc)
    if scale.build_dir is not None:
        meta = json.loads((scale.build_dir / "current" / "build.json").read_text(encoding="utf-8"))
        scale.triples = sum(meta["graph_sizes"].values())
    return mixes
