"""Write ``data/metropolregionen.ttl``: the listings of nine metropolitan regions, one per row of the shared list.

The list (``metropolregionen_members_other9.csv`` in the shared reference data) names, per region, the
districts and towns it lists with a status, a source and a note. Each row becomes one ``org:Membership``
(ORG §5.4) of the region's body, whose role says what the row says: a member, a founding member, an
associated member (``rl:role-partner``), a unit that only lies in the region's territory
(``rl:role-territory-only``) or a listing the sources dispute (``rl:role-disputed-member``). The bodies
and territories themselves are curated in ``data/metropolitan-regions.ttl``.

Run ``python -m publisher.reference.metropolitan ../shared/data`` from the project folder.
"""

from __future__ import annotations

import argparse
import csv
import re
from dataclasses import dataclass
from pathlib import Path

from publisher.reference.copies import original
from publisher.reference.turtle import Node, document, gyear, iri, literal, xsd_date

CSV_NAME = "metropolregionen_members_other9.csv"
OUTPUT = Path("data") / "metropolregionen.ttl"
GRAPH = "id/graph/metropolregionen"
#: The day the shared list was compiled (its SOURCES.md: "Added 2026-12-03"); the file's dct:modified.
COMPILED = "2026-12-03"

#: region (as the list names it) → (body key, English name of the body for membership labels)
BODIES: dict[str, tuple[str, str]] = {
    "Metropolregion Nürnberg": ("metropolregion-nuernberg", "Nuremberg Metropolitan Region"),
    "Metropolregion München": ("europaeische-metropolregion-muenchen-ev", "European Metropolitan Region of Munich"),
    "Metropolregion Stuttgart": ("metropolregion-stuttgart", "Stuttgart Metropolitan Region"),
    "Metropolregion FrankfurtRheinMain": (
        "metropolregion-frankfurtrheinmain",
        "FrankfurtRhineMain Metropolitan Region",
    ),
    "Metropolregion Rhein-Neckar": ("verband-region-rhein-neckar", "Rhine-Neckar Regional Association"),
    "Hauptstadtregion Berlin-Brandenburg": ("hauptstadtregion-berlin-brandenburg", "Berlin-Brandenburg Capital Region"),
    "Metropolregion Nordwest": (
        "metropolregion-bremen-oldenburg-im-nordwesten-ev",
        "Bremen-Oldenburg Metropolitan Region in the Northwest",
    ),
    "Metropolregion Mitteldeutschland": (
        "europaeische-metropolregion-mitteldeutschland-ev",
        "European Metropolitan Region of Central Germany",
    ),
    "Metropolregion Rheinland": ("metropolregion-rheinland-ev", "Rhineland Metropolitan Region"),
    "Metropole Ruhr (Regionalverband Ruhr)": ("regionalverband-ruhr", "Ruhr Regional Association"),
}

#: English words for the member types of the list.
MEMBER_TYPES = {
    "Landkreis": "district",
    "Kreis": "district",
    "Kreisfreie Stadt": "independent city",
    "Stadtkreis": "urban district",
    "Stadt": "town",
}


@dataclass(frozen=True)
class Role:
    """What a row's status makes of its membership: the concept, and how labels and notes say it."""

    concept: str
    german: str  # "Mitglied von X"
    english: str
    note: str = ""  # German note that explains a role other than a plain membership


MEMBER = Role("rl:role-member", "Mitglied von", "member of")
FOUNDING = Role("rl:role-founding-member", "Gründungsmitglied von", "founding member of")
ASSOCIATED = Role(
    "rl:role-partner",
    "assoziiertes Mitglied von",
    "associated member of",
    "Assoziiertes Mitglied, kein Vollmitglied: die Quelle sagt, nur Landkreise und kreisfreie Städte können "
    "Vollmitglied sein. Als Partner (rl:role-partner) geführt.",
)
TERRITORY_ONLY = Role(
    "rl:role-territory-only",
    "im Gebiet von",
    "in the territory of",
    "Die Quelle führt diese Einheit als Teil des Gebiets, nicht als Mitglied einer Körperschaft: sie gehört zum "
    "Gebiet der Metropolregion, ist aber kein Mitglied (rl:role-territory-only).",
)
DISPUTED = Role(
    "rl:role-disputed-member",
    "strittig bei",
    "disputed listing in",
    "Die gesehenen Listen widersprechen sich, ob diese Einheit dazugehört: weder als Mitglied noch als Teil des "
    "Gebiets geführt (rl:role-disputed-member).",
)


def role_of(status: str) -> Role:
    """Read a row's status; an unknown status stops the generator rather than guess."""
    for prefix, role in (
        ("disputed", DISPUTED),
        ("territory", TERRITORY_ONLY),
        ("associated member", ASSOCIATED),
        ("founding member", FOUNDING),
        ("member", MEMBER),
    ):
        if status.startswith(prefix):
            return role
    raise ValueError(f"unknown status {status!r}")


DAY = r"(\d{4}-\d{2}-\d{2})"
URL = r"(https?://\S+)"


def beginning(row: dict[str, str], rows: list[dict[str, str]]) -> tuple[str, list[str]]:
    """Return the membership's beginning as a Turtle literal (or "") and the sources that date it."""
    status, note = row["status"], row["note"]
    if found := re.match(rf"member since {DAY}$", status):
        return xsd_date(found[1]), []
    if found := re.match(r"member since (\d{4})$", status):
        return gyear(found[1]), []
    if found := re.search(rf"founded {DAY}", status):
        # A founding member's membership begins with the founding; the row dated that day reports it.
        same_day = [r["source"] for r in rows if r["region"] == row["region"] and r["source_date"] == found[1]]
        return xsd_date(found[1]), [original(s)[0] for s in same_day]
    if found := re.search(rf"joined {DAY} per {URL}", note):
        return xsd_date(found[1]), [original(found[2])[0]]
    return "", []


def exit_note(note: str) -> str:
    """Say in German what the row reports of an exit, and why no end is given."""
    if found := re.search(rf"Exit decided by (.+?) {DAY}", note):
        return (
            f"Der Austritt wurde am {found[2]} beschlossen ({found[1]}); das ist ein Beschluss, kein Austrittsdatum: "
            "ein Ende der Mitgliedschaft ist nicht angegeben."
        )
    if re.search(r"exit reported|decided not to continue", note):
        return "Ein Austritt wird berichtet (undatierte Quelle, um 2025); ohne Datum ist kein Ende angegeben."
    if "Schonfrist" in note:
        return "Berichtet wird eine „Schonfrist“ (undatierte Quelle, um 2025); ein Ende ist nicht angegeben."
    return ""


def member_label(row: dict[str, str]) -> tuple[str, str]:
    kind = row["member_type"]
    return f"{row['member_name']} ({kind})", f"{row['member_name']} ({MEMBER_TYPES[kind]})"


def membership(row: dict[str, str], rows: list[dict[str, str]]) -> Node:
    """One row as an org:Membership of its region's body."""
    body, body_en = BODIES[row["region"]]
    role = role_of(row["status"])
    source, copied = original(row["source"])
    begin, dating = beginning(row, rows)
    german, english = member_label(row)
    notes_de = [role.note, exit_note(row["note"])]
    if any(original(u)[1] for u in re.findall(URL, row["note"])):
        notes_de.append(
            "Ein Datum oder Hinweis der Anmerkung wurde aus einer Kopie eines Wikipedia-Artikels gelesen; genannt ist "
            "der Originalartikel."
        )
    if copied:
        notes_de.append(
            "Gelesen aus einer Kopie des Wikipedia-Artikels, nicht aus dem Original; zitiert ist der Originalartikel "
            "(die Kopie nennt keine Version)."
        )
    note_en = " ".join(
        part
        for part in (
            f"Status in the compiled list: {rewrite_copies(row['status'])}.",
            f"Source dated: {rewrite_copies(row['source_date'])}." if row["source_date"] else "",
            rewrite_copies(row["note"]),
        )
        if part
    )
    german_note = " ".join(n for n in notes_de if n)
    interval = [Node(None, [("a", ["time:ProperInterval"]), ("time:hasBeginning", [instant(begin)])])] if begin else []
    return Node(
        iri(f"id/membership/{body}/{row['member_ars']}"),
        [
            ("a", ["org:Membership"]),
            (
                "skos:prefLabel",
                [
                    literal(f"{german}: {role.german} {row['region']}"),
                    literal(f"{english}: {role.english} {body_en}", "en"),
                ],
            ),
            ("org:member", [iri(f"id/organization/{row['member_ars']}")]),
            ("org:organization", [iri(f"id/organization/{body}")]),
            ("org:role", [role.concept]),
            ("org:memberDuring", interval),
            ("rl:coverage", ["rl:coverage-full"]),
            ("skos:note", [literal(german_note)] * bool(german_note) + [literal(note_en, "en")]),
            ("dct:source", [iri(s) for s in sorted({source, *dating})]),
        ],
    )


def instant(value: str) -> Node:
    prop = "time:inXSDDate" if value.endswith("^^xsd:date") else "time:inXSDgYear"
    return Node(None, [("a", ["time:Instant"]), (prop, [value])])


def rewrite_copies(text: str) -> str:
    """Replace the address of a copy in a note by its original's, marked as read from a copy."""

    def swap(match: re.Match[str]) -> str:
        url, copied = original(match[0])
        return f"{url} (read from a copy)" if copied else url

    return re.sub(r"https?://[^\s;,)]+", swap, text)


def read_rows(shared: Path) -> list[dict[str, str]]:
    with (shared / CSV_NAME).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    unknown = sorted({r["region"] for r in rows} - BODIES.keys())
    if unknown:
        raise ValueError(f"{CSV_NAME}: no body for the regions {unknown}")
    return rows


def graph_node(rows: list[dict[str, str]]) -> Node:
    """Describe the file's named graph: what it holds, how roles were read, where it comes from."""
    sources = sorted({original(r["source"])[0] for r in rows})
    return Node(
        iri(GRAPH),
        [
            ("a", ["sd:Graph", "prov:Entity"]),
            (
                "skos:prefLabel",
                [
                    literal("Neun weitere Europäische Metropolregionen: Mitglieder und Gebiete"),
                    literal("Nine further European metropolitan regions: members and territories", "en"),
                ],
            ),
            ("dct:description", [literal(DESCRIPTION_DE), literal(DESCRIPTION_EN, "en")]),
            ("prov:wasDerivedFrom", [iri(s) for s in sources]),
            ("dct:license", ["<http://dcat-ap.de/def/licenses/cc-by/4.0>"]),
            ("dct:creator", [literal("regiolod-Redaktion")]),
            ("dct:modified", [xsd_date(COMPILED)]),
        ],
    )


DESCRIPTION_DE = (
    "Je Zeile der zusammengestellten Liste eine Mitgliedschaft (org:Membership) beim Träger einer der neun weiteren "
    "Europäischen Metropolregionen (Rhein-Ruhr mit zwei Trägern: Metropolregion Rheinland und Regionalverband Ruhr); "
    "Träger und Gebiete stehen in metropolitan-regions.ttl. Die Rolle folgt dem Status der Zeile: Mitglied, "
    "Gründungsmitglied (Rheinland, Gründung am 20.02.2017), assoziiertes Mitglied (Stadt Sonneberg, als Partner), "
    "nur Gebiet (rl:role-territory-only) oder strittig (rl:role-disputed-member). Nur Gebiet heißt: die Einheit "
    "gehört zum Gebiet, ist aber kein Mitglied. So stehen die beiden Landkreise der Metropolregion München, die "
    "nicht Mitglied des Vereins sind; die 20 Stadt- und Landkreise des Kooperationsraums Stuttgart (die fünf "
    "Regionen Stuttgart, Heilbronn-Franken, Nordschwarzwald, Ostwürttemberg und Neckar-Alb; einen Träger mit "
    "Mitgliedern auf Kreisebene gibt es nicht, das Gebiet besteht aus diesen Kreisen); die 19 Kreise der "
    "Hauptstadtregion Berlin-Brandenburg (die Quelle nennt die beiden Länder ganz; die Kreisliste stammt aus dem "
    "Gemeindeverzeichnis); und die 24 Kreise von FrankfurtRheinMain, die alle gesehenen Listen nennen. Fulda, "
    "Lahn-Dill-Kreis und Marburg-Biedenkopf nennen nur einige dieser nicht amtlichen Listen: strittig. Wer Mitglied "
    "ist, dessen Gebiet liegt im Gebiet der Metropolregion; das leitet der Publisher ab, diese Datei sagt es nicht. "
    "Kreise stehen mit ihrem fünfstelligen Schlüssel, die Städte Zwickau, Aachen und Sonneberg als Gemeinden mit "
    "ihrem zwölfstelligen ARS. Austritte aus der Metropolregion Rheinland 2025 sind nur berichtet oder beschlossen, "
    "nicht datiert: kein Ende angegeben. Wo nur eine Kopie eines Wikipedia-Artikels gelesen wurde, ist der "
    "Originalartikel zitiert und die Mitgliedschaft sagt es. Erzeugt aus metropolregionen_members_other9.csv "
    "(Stand der Liste 2026-12-03, Quellen je Zeile, 2007–2026)."
)
DESCRIPTION_EN = (
    "One membership (org:Membership) per row of the compiled list, with the body of one of the nine further "
    "European metropolitan regions (Rhine-Ruhr has two bodies: Metropolregion Rheinland and Regionalverband Ruhr); "
    "bodies and territories are in metropolitan-regions.ttl. The role follows the row's status: member, founding "
    "member, associated member (as partner), territory only or disputed. Territory only: the unit lies in the "
    "region's territory but is not a member; so are the two districts of the Munich region outside its association, "
    "the 20 districts of the Stuttgart cooperation area (which has no body with members at district level), the 19 "
    "districts of Berlin-Brandenburg (the two states as a whole) and the 24 districts FrankfurtRhineMain lists "
    "agree on; Fulda, Lahn-Dill-Kreis and Marburg-Biedenkopf are disputed. Reported exits from the Rhineland region "
    "in 2025 carry no date, so no end is given. Where only a copy of a Wikipedia article was read, the original "
    "article is cited and the membership says so."
)


def generate(shared: Path) -> str:
    """Return the Turtle text of ``data/metropolregionen.ttl`` from the shared reference folder."""
    rows = read_rows(shared)
    sections: dict[str, list[Node]] = {}
    for row in rows:
        sections.setdefault(row["region"], []).append(membership(row, rows))
    header = f"# Generated by `python -m publisher.reference.metropolitan` from {CSV_NAME}; regenerate, do not edit.\n"
    return document(
        header,
        [("This file's named graph and its provenance", [graph_node(rows)])]
        + [(region, nodes) for region, nodes in sections.items()],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("shared", type=Path, help="the shared reference folder (../shared/data)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"where to write (default {OUTPUT})")
    args = parser.parse_args(argv)
    args.out.write_text(generate(args.shared), encoding="utf-8")


if __name__ == "__main__":
    main()
