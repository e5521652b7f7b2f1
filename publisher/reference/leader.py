"""Write the LEADER regions of Lower Saxony 2023–2027 (``data/leader-niedersachsen.ttl``) from the reference files.

Every region named in ``leader_regionen_niedersachsen_2023-2027.csv`` becomes a territory (``rl:LeaderRegion``)
with its local action group as body (``dct:spatial``); every row of ``leader_niedersachsen_2023-2027_members.csv``
a membership of that group, keyed by the member's ARS (a Gemeinde's 12 digits, a Samtgemeinde's 9, a Kreis's 5)
as the register names it, with the row's funding period, coverage, note and source. The regions that
``data/leader.ttl`` already describes keep their IRIs there: this file adds only the members it lacks. A funding
period's end is not a membership's end (DESIGN.md §5): no row dates a beginning or an end, so none is written.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from pathlib import Path

from publisher.gv100ad.labels import association_label, district_body, municipality_body_label, name_base
from publisher.gv100ad.records import Record, Register, read_register
from publisher.gv100ad.turtle import Node, iri, literal, typed
from publisher.reference.leader_rows import Group, Member, Region
from publisher.reference.leader_text import (
    UNKEYED,
    copy_notes,
    graph_description,
    group_description,
    membership_notes,
    recognition_kind,
)
from publisher.reference.leader_turtle import curated_regions, document
from publisher.vocab import DL_BY_DE_2_0

REGIONS_FILE = "leader_regionen_niedersachsen_2023-2027.csv"
MEMBERS_FILE = "leader_niedersachsen_2023-2027_members.csv"
REGISTER_FILE = "destatis_GV100AD_2023-11-30.txt"
OUTPUT = Path("data/leader-niedersachsen.ttl")
CURATED = Path("data/leader.ttl")
GRAPH = "id/graph/leader-niedersachsen"
#: The day the reference files were compiled (their SOURCES.md); the graph's dct:modified.
COMPILED = "2026-12-03"
PERIODS = {"2023-2027": "rl:period-2023-2027", "2014-2020": "rl:period-2014-2020"}
#: coverage column → (coverage concept or None, role). "partial?" is partial: the row's note names the part
#: that belongs to another region; "full (as listed)" is full as the source lists it, with the row's note.
COVERAGES = {
    "full": ("rl:coverage-full", "rl:role-member"),
    "full (as listed)": ("rl:coverage-full", "rl:role-member"),
    "partial": ("rl:coverage-partial", "rl:role-member"),
    "partial?": ("rl:coverage-partial", "rl:role-member"),
    "partner": (None, "rl:role-partner"),
}
#: member_level → (register record type, ARS length).
LEVELS = {"Gemeinde": ("60", 12), "Gemeindeverband (Samtgemeinde)": ("50", 9), "Kreis": ("40", 5)}


class ReferenceError(Exception):
    """A reference file says something the generator cannot write faithfully; names the file and row."""


def read_regions(path: Path) -> list[Region]:
    regions = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            found = re.fullmatch(r"(.*?)\s*\(([^()]+)\)", row["leader_region"])
            name, abbreviation = (found.group(1), found.group(2)) if found else (row["leader_region"], "")
            regions.append(
                Region(
                    name, abbreviation, row["period"], row["recognition"],
                    row["source"], row["source_date"], row["note"],
                )
            )
    return regions


def read_members(path: Path) -> list[Member]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Member(
                re.sub(r"\s*\([^()]+\)$", "", r["leader_region"]), r["period"], r["member_name"], r["member_ars"],
                r["member_level"], r["coverage"], r["source"], r["source_date"], r["note"],
            )
            for r in csv.DictReader(f)
        ]


def member_label(member: Member, register: Register) -> str:
    """The member body's label as the register import writes it, after checking key, level and name."""
    level, length = LEVELS[member.level]
    record: Record | None = register.levels[level].get(member.key)
    if len(member.key) != length or record is None or name_base(record.name) != name_base(member.name):
        raise ReferenceError(f"{MEMBERS_FILE}: {member.name} ({member.key}) is not a {member.level} of the register")
    if level == "60":
        return municipality_body_label(record)
    if level == "50":
        return association_label(record)
    return district_body(record)[1]


def member_key(member: Member, register: Register) -> str:
    """The key of the member's IRI as the register import gives it: a kreisfreie Stadt's Gemeinde and Kreis
    are one body, keyed by the district key (publisher/gv100ad/things.py)."""
    district = register.levels["40"].get(member.key[:5])
    kreisfrei = LEVELS[member.level][0] == "60" and district is not None and district.type_code in ("41", "42")
    return member.key[:5] if kreisfrei else member.key


def groups_of(regions: list[Region], curated: dict[str, tuple[str, str, str]]) -> list[Group]:
    found = []
    for r in regions:
        if r.name in curated:
            found.append(Group(r, *curated[r.name], curated=True))
        else:
            label = f"Lokale Aktionsgruppe {r.name}"
            found.append(Group(r, f"id/organization/lag-{r.slug}", f"id/territory/leader-{r.slug}", label, False))
    if len({g.organization for g in found}) != len(found):
        raise ReferenceError(f"{REGIONS_FILE}: two regions give the same IRI")
    return found


def region_nodes(g: Group, members: list[Member]) -> list[Node]:
    r = g.region
    kind = recognition_kind(r.recognition)
    names = [literal(f"LEADER-Region {r.name}"), literal(f"LEADER region {r.name}", "en")]
    alt = [literal(f"{r.name} ({r.abbreviation})")] if r.abbreviation else []
    territory = Node(
        iri(g.territory),
        [
            ("a", ["rl:Territory", "rl:LeaderRegion"]),
            ("skos:prefLabel", names),
            ("skos:altLabel", alt),
            ("rl:fundingProgramme", ["rl:programme-leader"]),
            ("dct:source", [iri(r.source)]),
        ],
    )
    description = group_description(r, kind, members, r.name in UNKEYED)
    notes = copy_notes(r.source) + [literal(f"Recognition per the reference list: {r.recognition}", "en")]
    notes += [literal(f"Note of the reference list: {r.note}", "en")] if r.note else []
    group = Node(
        iri(g.organization),
        [
            ("a", ["rl:LocalActionGroup", "rl:Cooperation", "org:Organization"]),
            ("skos:prefLabel", [literal(g.label), literal(f"Local action group {r.name}", "en")]),
            ("skos:altLabel", alt),
            ("org:classification", ["rl:orgtype-lokale-aktionsgruppe"]),
            ("rl:foundingGround", ["rl:ground-funding-programme"]),
            ("rl:fundingProgramme", ["rl:programme-leader"]),
            ("dct:spatial", [iri(g.territory)]),
            ("dct:description", [literal(description[0]), literal(description[1], "en")]),
            ("skos:note", notes),
            ("dct:source", [iri(r.source)]),
        ],
    )
    return [territory, group]


def membership_node(g: Group, m: Member, key: str, label: str) -> Node:
    coverage, role = COVERAGES[m.coverage]
    period = PERIODS[m.period]
    shown = m.period.replace("-", "–")
    de, en = ("Partner von", "partner of") if role == "rl:role-partner" else ("Mitglied von", "member of")
    en_group = f"Local action group {g.region.name}" if not g.curated else g.label
    return Node(
        iri(f"{g.organization.replace('id/organization/', 'id/membership/')}/{key}"),
        [
            ("a", ["org:Membership"]),
            (
                "skos:prefLabel",
                [
                    literal(f"{label}: {de} {g.label} (Förderperiode {shown})"),
                    literal(f"{label}: {en} {en_group} (funding period {shown})", "en"),
                ],
            ),
            ("org:member", [iri(f"id/organization/{key}")]),
            ("org:organization", [iri(g.organization)]),
            ("org:role", [role]),
            ("rl:fundingPeriod", [period]),
            ("rl:coverage", [coverage] if coverage else []),
            ("skos:note", membership_notes(m.coverage, m.note, m.source_date)),
            ("dct:source", [iri(m.source)]),
        ],
    )


def generate(reference: Path, root: Path) -> str:
    """Return the Turtle text of the LEADER regions of Lower Saxony from the reference folder."""
    regions = read_regions(reference / REGIONS_FILE)
    members = read_members(reference / MEMBERS_FILE)
    register = read_register(reference / REGISTER_FILE)
    curated, curated_memberships = curated_regions(root / CURATED)
    groups = {g.region.name: g for g in groups_of(regions, curated)}
    for name, member in UNKEYED.items():
        if member not in groups[name].region.note:
            raise ReferenceError(f"{REGIONS_FILE}: the note of {name} no longer names {member}")
    unknown = sorted({m.region for m in members} - set(groups))
    if unknown:
        raise ReferenceError(f"{MEMBERS_FILE}: regions not in {REGIONS_FILE}: {', '.join(unknown)}")
    pairs = Counter((m.region, m.key) for m in members)
    if max(pairs.values()) > 1:
        raise ReferenceError(f"{MEMBERS_FILE}: a member is listed twice in one region")
    by_region: dict[str, list[Member]] = {name: [] for name in groups}
    for m in members:
        by_region[m.region].append(m)
    sections: list[tuple[str, list[Node]]] = []
    written = 0
    for g in sorted(groups.values(), key=lambda g: g.organization):
        nodes = [] if g.curated else region_nodes(g, by_region[g.region.name])
        for m in sorted(by_region[g.region.name], key=lambda m: m.key):
            key = member_key(m, register)
            if (g.organization, f"id/organization/{key}") not in curated_memberships:
                nodes.append(membership_node(g, m, key, member_label(m, register)))
                written += 1
        if nodes:
            sections.append((f"LEADER-Region {g.region.name}", nodes))
    graph = graph_node(regions, members, groups, written)
    return document(graph, sections)


def graph_node(regions: list[Region], members: list[Member], groups: dict[str, Group], written: int) -> Node:
    sources = sorted({r.source for r in regions} | {m.source for m in members} | land_sources(regions))
    description = graph_description(regions, members, [g for g in groups.values() if g.curated], written)
    return Node(
        iri(GRAPH),
        [
            ("a", ["sd:Graph", "prov:Entity"]),
            (
                "skos:prefLabel",
                [
                    literal("LEADER-Regionen in Niedersachsen 2023–2027"),
                    literal("LEADER regions in Lower Saxony 2023–2027", "en"),
                ],
            ),
            ("dct:description", [literal(description[0]), literal(description[1], "en")]),
            ("prov:wasDerivedFrom", [iri(s) for s in sources]),
            ("dct:license", [iri(DL_BY_DE_2_0)]),
            ("dct:creator", [literal("regiolod-Redaktion")]),
            ("dct:modified", [typed(COMPILED, "xsd:date")]),
        ],
    )


def land_sources(regions: list[Region]) -> set[str]:
    """The pages the recognition column cites (the Land's statement that all applicants were recognised)."""
    return {u for r in regions for u in re.findall(r"https?://[^\s),;]+", r.recognition)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="the reference folder (../shared/data)")
    parser.add_argument("--root", type=Path, default=Path("."), help="the project folder (default: here)")
    args = parser.parse_args(argv)
    text = generate(args.reference, args.root)
    (args.root / OUTPUT).write_text(text, encoding="utf-8")
    print(f"wrote {args.root / OUTPUT}")


if __name__ == "__main__":
    main()
