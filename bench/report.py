"""Write the system benchmark's report: a Markdown table per scale, the targets met or not, and the raw JSON.

Every ratio is against a reference measured in the same run on the same machine: SPARQL against
Oxigraph server, dereferencing against bare Flask (the app's ceiling) and plain nginx (the
ceiling for files), the static export against plain nginx, memory of 4 workers against 1.
"""

from __future__ import annotations

import json
from pathlib import Path

from targets import evaluate

REGIOLOD = ("regiolod-memory", "regiolod-disk", "regiolod-remote", "regiolod-remote-named")


def by_name(scale: dict) -> dict[str, dict]:
    return {row["config"]: row for row in scale["configs"]}


def num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def preparation(scale: dict) -> list[str]:
    times = scale["times_s"]
    rows = [[step, num(seconds, 1)] for step, seconds in times.items()]
    rows += [[f"{step} (not available)", reason] for step, reason in scale["problems"].items()]
    head = [f"Triples in the build (all graphs, with derived and catalog): {num(scale['triples'], 0)}", ""]
    return head + table(["step", "seconds"], rows)


def configurations(scale: dict) -> list[str]:
    rows = []
    for row in scale["configs"]:
        if "unavailable" in row:
            rows.append([row["config"], "not available: " + row["unavailable"], "", "", "", ""])
            continue
        mem, backend = row.get("memory", {}), row.get("backend_memory")
        extra = f" (+ backend {num(backend['peak_rss_mib'])} / {num(backend['peak_pss_mib'])})" if backend else ""
        rows.append(
            [
                row["config"],
                row["title"],
                num(row.get("startup_s"), 2),
                f"{num(mem.get('peak_rss_mib'))} / {num(mem.get('peak_pss_mib'))}{extra}",
                str(mem.get("processes", "")),
                wrong_answers(row),
            ]
        )
    header = ["configuration", "what", "start-up s", "peak RSS / PSS MiB", "processes", "wrong answers"]
    return table(header, rows)


def wrong_answers(row: dict) -> str:
    """Requests of the dereferencing mix (asked once each) whose status was not the expected one."""
    if "deref_wrong" not in row:
        return "–"
    return ", ".join(f"{n}× {change}" for change, n in sorted(row["deref_wrong"].items())) or "none"


def latency(scale: dict) -> list[str]:
    configs = by_name(scale)
    reference = {q["name"]: q for q in configs.get("oxigraph", {}).get("queries", [])}
    ours = [c for c in (*REGIOLOD, "rdflib-endpoint") if configs.get(c, {}).get("queries")]
    if not ours and not reference:
        return ["No SPARQL latency measured."]
    first = reference.values() if reference else configs[ours[0]]["queries"]
    names = [q["name"] for q in first]
    header = ["query", "rows", "Oxigraph median / p90 ms"] + [f"{c} median / p90 ms (×, +ms)" for c in ours]
    rows = []
    for name in names:
        ref = reference.get(name)
        line = [
            name,
            str(ref["rows"]) if ref else "–",
            f"{num(ref['median_ms'], 2)} / {num(ref['p90_ms'], 2)}" if ref else "–",
        ]
        for c in ours:
            q = next((x for x in configs[c]["queries"] if x["name"] == name), None)
            if q is None:
                line.append("–")
                continue
            cell = f"{num(q['median_ms'], 2)} / {num(q['p90_ms'], 2)}"
            if q["status"] != 200:
                cell += f" status {q['status']}"
            elif ref and ref["status"] == 200:
                cell += f" ({q['median_ms'] / ref['median_ms']:.2f}×, {q['median_ms'] - ref['median_ms']:+.2f})"
                if q["rows"] != ref["rows"]:
                    cell += f" rows {q['rows']}"
            line.append(cell)
        rows.append(line)
    return table(header, rows)


def throughput(scale: dict) -> list[str]:
    configs = by_name(scale)
    rows = []
    for kind, references in (("sparql", ("oxigraph",)), ("deref", ("bareflask", "bareflask-granian", "nginx-plain"))):
        for row in scale["configs"]:
            for run in row.get(kind, []):
                ratios = []
                for ref_name in references:
                    ref = next(
                        (r for r in configs.get(ref_name, {}).get(kind, []) if r["connections"] == run["connections"]),
                        None,
                    )
                    if ref and ref["ok_rps"] and ref_name != row["config"]:
                        ratios.append(f"{run['ok_rps'] / ref['ok_rps']:.2f}× {ref_name}")
                failed = run["failed"]
                rows.append(
                    [
                        kind if kind == "sparql" else f"deref ({row.get('deref_mix', '')})",
                        row["config"],
                        str(run["connections"]),
                        num(run["ok_rps"]),
                        str(failed) if failed else "0",
                        num(run["p50_ms"], 2),
                        num(run["p99_ms"], 2),
                        "+".join(map(str, run.get("spread") or [])) or "–",
                        ", ".join(ratios) or "–",
                    ]
                )
    if not rows:
        return ["No throughput measured."]
    header = ["mix", "configuration", "clients", "ok req/s", "failed", "p50 ms", "p99 ms", "per process", "ratio"]
    notes = [
        "per process: the client connections each server process held during the run (a gunicorn worker keeps "
        "the keep-alive connections it accepted; a lone 8 means one process held every connection)."
    ] + [
        f"{row['config']} ran the SPARQL mix without {', '.join(row['sparql_skipped'])} (no answer within the limit)."
        for row in scale["configs"]
        if row.get("sparql_skipped")
    ]
    return table(header, rows) + ([""] + notes if notes else [])


def memory_workers(scale: dict) -> list[str]:
    configs = by_name(scale)
    rows = []
    for name in ("regiolod-disk-1w", "regiolod-disk", "regiolod-disk-4w"):
        row = configs.get(name)
        if row and "memory" in row:
            m = row["memory"]
            rows.append([name, num(m["peak_rss_mib"]), num(m["peak_pss_mib"]), str(m["processes"])])
    return table(["configuration", "peak RSS MiB", "peak PSS MiB", "processes"], rows) if rows else []


def markdown(results: dict) -> str:
    machine = results["machine"]
    s = results["settings"]
    lines = [
        f"# System benchmark, {results['started']}",
        "",
        f"Machine: {machine['cpus']} cores, {machine['memory_gib']} GiB, {machine['system']}, "
        f"Python {machine['python']}, {machine['wrk']}; commit {machine['commit']}.",
        f"Settings: wrk {s['duration']} s per run at 8 and 32 clients; {s['runs']} timed runs per query after "
        f"{s['warmup']} warm-up runs (fewer when a query would exceed {s['query_budget']} s); {s['things']} things in "
        f"the dereferencing mix; seed {s['seed']}; quick mode: {s['quick']}.",
        "",
    ]
    for scale in results["scales"]:
        lines += [f"## Scale: {scale['scale']}", "", "### Preparation", ""] + preparation(scale)
        lines += ["", "### Configurations, start-up and peak memory", ""] + configurations(scale)
        lines += ["", "### SPARQL latency per query (sequential)", ""] + latency(scale)
        lines += ["", "### Throughput (wrk)", ""] + throughput(scale)
        workers = memory_workers(scale)
        if workers:
            lines += ["", "### Memory by worker count (on-disk store, same load)", ""] + workers
        lines += ["", "### Targets", ""] + table(["target", "verdict", "detail"], evaluate(scale)) + [""]
    return "\n".join(lines) + "\n"


def write_report(results: dict, folder: Path, date: str) -> tuple[Path, Path]:
    """Write ``{date}.md`` and ``{date}.json`` (numbered when a report of the day exists)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, n = date, 1
    while (folder / f"{stem}.md").exists():
        n += 1
        stem = f"{date}-{n}"
    md, data = folder / f"{stem}.md", folder / f"{stem}.json"
    data.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    md.write_text(markdown(results), encoding="utf-8")
    return md, data
