"""The targets of the scale issue, checked against one scale's results: met, not met, or not measured."""

from __future__ import annotations

REGIOLOD = ("regiolod-memory", "regiolod-disk", "regiolod-remote", "regiolod-remote-named")
MET, MISSED, UNKNOWN = "met", "**not met**", "not measured"
SLOW_MS, SLOW_RATIO, CHEAP_PLUS_MS = 10.0, 1.5, 2.0


def rows_of(scale: dict) -> dict[str, dict]:
    return {row["config"]: row for row in scale["configs"] if "unavailable" not in row}


def run_at(row: dict | None, kind: str, clients: int) -> dict | None:
    if row is None:
        return None
    return next((r for r in row.get(kind, []) if r["connections"] == clients), None)


def query_latency(configs: dict[str, dict]) -> list[list[str]]:
    """Median within 1.5x Oxigraph for queries slower than 10 ms there, within +2 ms for cheaper ones."""
    reference = {q["name"]: q for q in configs.get("oxigraph", {}).get("queries", [])}
    out = []
    for name in REGIOLOD:
        queries = configs.get(name, {}).get("queries")
        if not queries or not reference:
            out.append([f"SPARQL latency per query, {name}", UNKNOWN, ""])
            continue
        missed = []
        for q in queries:
            ref = reference.get(q["name"])
            if ref is None or ref["status"] != 200:
                continue
            slow = ref["median_ms"] > SLOW_MS
            ok = q["status"] == 200 and (
                q["median_ms"] <= SLOW_RATIO * ref["median_ms"]
                if slow
                else q["median_ms"] <= ref["median_ms"] + CHEAP_PLUS_MS
            )
            if not ok:
                missed.append(f"{q['name']} {q['median_ms']:.1f} vs {ref['median_ms']:.1f} ms")
        verdict = MISSED if missed else MET
        out.append([f"SPARQL latency per query, {name}", verdict, "; ".join(missed) or f"{len(queries)} queries"])
    return out


def ratio_target(label: str, row: dict | None, ref: dict | None, kind: str, clients: int, least: float) -> list[str]:
    ours, theirs = run_at(row, kind, clients), run_at(ref, kind, clients)
    if not ours or not theirs:
        return [label, UNKNOWN, ""]
    if not theirs["ok_rps"]:
        detail = f"{ours['ok_rps']:.0f} req/s; the reference finished no request in {theirs['seconds']:.0f} s"
        return [label, MET if ours["ok_rps"] > 0 else MISSED, detail]
    ratio = ours["ok_rps"] / theirs["ok_rps"]
    detail = f"{ours['ok_rps']:.0f} vs {theirs['ok_rps']:.0f} req/s = {ratio:.2f}×"
    return [label, MET if ratio >= least else MISSED, detail]


def throughput(configs: dict[str, dict]) -> list[list[str]]:
    out = []
    for name in REGIOLOD:
        row = configs.get(name)
        out.append(
            ratio_target(
                f"query mix at 8 clients ≥ 0.8× Oxigraph, {name}", row, configs.get("oxigraph"), "sparql", 8, 0.8
            )
        )
        out.append(
            ratio_target(
                f"query mix at 8 clients ≥ 20× rdflib-endpoint, {name}",
                row,
                configs.get("rdflib-endpoint"),
                "sparql",
                8,
                20,
            )
        )
        for clients in (8, 32):
            # Issue 23: twice what bare Flask served under gunicorn (the old ceiling), and 0.9x of bare Flask
            # under granian, the server regiolod runs on now (the new ceiling).
            label = f"dereferencing at {clients} clients ≥ 2.0× bare Flask under gunicorn, {name}"
            out.append(ratio_target(label, row, configs.get("bareflask"), "deref", clients, 2.0))
            label = f"dereferencing at {clients} clients ≥ 0.9× bare Flask under granian, {name}"
            out.append(ratio_target(label, row, configs.get("bareflask-granian"), "deref", clients, 0.9))
        run = run_at(row, "deref", 32)
        label = f"dereferencing p99 < 25 ms at 32 clients, {name}"
        out.append(
            [label, UNKNOWN, ""]
            if not run
            else [label, MET if run["p99_ms"] < 25 else MISSED, f"{run['p99_ms']:.1f} ms"]
        )
    for clients in (8, 32):
        label = f"static export via nginx ≥ 0.8× plain nginx at {clients} clients"
        out.append(ratio_target(label, configs.get("nginx-static"), configs.get("nginx-plain"), "deref", clients, 0.8))
    return out


def build_and_memory(scale: dict, configs: dict[str, dict]) -> list[list[str]]:
    out = []
    if scale["scale"] == "germany":
        build = scale["times_s"].get("build")
        label = "Germany import builds in < 2 min"
        out.append(
            [label, UNKNOWN, scale["problems"].get("build", "")]
            if build is None
            else [label, MET if build < 120 else MISSED, f"{build:.0f} s"]
        )
    for store in ("disk", "memory"):
        one = configs.get(f"regiolod-{store}-1w", {}).get("memory")
        four = configs.get(f"regiolod-{store}-4w", {}).get("memory")
        label = f"{'on-disk' if store == 'disk' else 'in-memory'} store: 4 workers < 1.5× the memory of 1 (PSS)"
        if not one or not four or not one["peak_pss_mib"]:
            out.append([label, UNKNOWN, ""])
        else:
            pss, rss = four["peak_pss_mib"] / one["peak_pss_mib"], four["peak_rss_mib"] / one["peak_rss_mib"]
            detail = f"PSS {four['peak_pss_mib']:.0f} vs {one['peak_pss_mib']:.0f} MiB = {pss:.2f}×; RSS {rss:.2f}×"
            out.append([label, MET if pss < 1.5 else MISSED, detail])
    return out


#: Issue 23: a query Oxigraph answers in less than this is cheap, and may cost us at most the allowance more.
CHEAP_MS = 10.0
CHEAP_ALLOWANCE_MS = {
    "regiolod-memory": 1.0,
    "regiolod-disk": 1.0,
    "regiolod-remote": 2.0,
    "regiolod-remote-named": 2.0,
}


def cheap_queries(configs: dict[str, dict]) -> list[list[str]]:
    """Issue 23: every query Oxigraph answers in < 10 ms within +1 ms of it (embedded) or +2 ms (remote); the
    detail gives the median of the differences and the worst, so a run on a busy machine reads as such."""
    reference = {q["name"]: q for q in configs.get("oxigraph", {}).get("queries", [])}
    out = []
    for name, allowance in CHEAP_ALLOWANCE_MS.items():
        label = f"cheap queries (< {CHEAP_MS:g} ms in Oxigraph) within +{allowance:g} ms, {name}"
        queries = configs.get(name, {}).get("queries")
        if not queries or not reference:
            out.append([label, UNKNOWN, ""])
            continue
        extra = []
        for q in queries:
            ref = reference.get(q["name"])
            if ref and ref["status"] == 200 and q["status"] == 200 and ref["median_ms"] < CHEAP_MS:
                extra.append((q["median_ms"] - ref["median_ms"], q["name"]))
        if not extra:
            out.append([label, UNKNOWN, "no cheap query"])
            continue
        extra.sort()
        middle = extra[len(extra) // 2][0]
        worst, worst_name = extra[-1]
        detail = f"{len(extra)} queries: median +{middle:.2f} ms, worst +{worst:.2f} ms ({worst_name})"
        out.append([label, MET if worst <= allowance else MISSED, detail])
    return out


def sparql_at_32(configs: dict[str, dict]) -> list[list[str]]:
    """Issue 23: the SPARQL mix at 32 clients fails no request, and keeps ≥ 0.8× Oxigraph at 32 and at 8."""
    out = []
    for name in REGIOLOD:
        row = configs.get(name)
        run = run_at(row, "sparql", 32)
        label = f"query mix at 32 clients: no failed request, {name}"
        out.append(
            [label, UNKNOWN, ""]
            if not run
            else [label, MET if not run["failed"] else MISSED, f"{run['failed']} failed"]
        )
        label = f"query mix at 32 clients ≥ 0.8× Oxigraph, {name}"
        out.append(ratio_target(label, row, configs.get("oxigraph"), "sparql", 32, 0.8))
    return out


def evaluate(scale: dict) -> list[list[str]]:
    """Every target as a row: (target, verdict, detail)."""
    configs = rows_of(scale)
    issue23 = cheap_queries(configs) + sparql_at_32(configs)
    return query_latency(configs) + throughput(configs) + issue23 + build_and_memory(scale, configs)
