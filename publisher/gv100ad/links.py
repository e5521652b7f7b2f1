"""NUTS codes and Wikidata IDs of districts from tables beside the register, kept only where they verifiably fit.

A NUTS-3 code comes from the Destatis district table of 31.12.2018 (codes of the NUTS 2016
version) and is taken for a district key the register has. A Wikidata ID is taken when the
table's key is in the register, its label names the same district (letters and digits compared,
without a qualifier in parentheses or after a slash),
and the district is still the thing it was: a district of the table that the register no longer
has (Eisenach, since 2021-07-01 in the Wartburgkreis) and the district that now holds a Gemeinde
of its name are left out, as they changed after the table was made. A table of kreisfreie
Städte (``ags`` → ``wikidata``) is checked against the Gemeinde of its AGS and against the
district table: both must give the same ID for the same city.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from publisher.gv100ad.labels import name_base, normalised
from publisher.gv100ad.records import Register, RegisterError

QUALIFIER = re.compile(r"[(/]")
NUTS_SOURCE = "id/source/destatis-kreise-2018-12-31"
WIKIDATA_SOURCE = "id/source/wikidata-kreise-2020"


@dataclass
class Links:
    """NUTS codes and Wikidata IDs by district key, and what was left out, for the graph description."""

    nuts: dict[str, str] = field(default_factory=dict)
    nuts_areas: dict[str, str] = field(default_factory=dict)  # district key → area in km² of the NUTS table
    wikidata: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)  # district key → why its Wikidata ID is left out
    nuts_file: bool = False
    wikidata_files: int = 0


def rows(path: Path, delimiter: str) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f, delimiter=delimiter))
    except (OSError, UnicodeDecodeError) as exc:
        raise RegisterError(path, f"cannot read the table ({exc})") from None


def read_nuts(path: Path, register: Register, links: Links) -> None:
    """Take the NUTS-3 code of every district the register has from the table (``AGS;…;NUTS3;…``)."""
    table = rows(path, ";")
    if not table or not {"AGS", "NUTS3"} <= set(table[0]):
        raise RegisterError(path, "a NUTS table needs the columns AGS and NUTS3 (semicolon-separated)")
    for row in table:
        if row["AGS"] in register.levels["40"] and row["NUTS3"].strip():
            links.nuts[row["AGS"]] = row["NUTS3"].strip()
            links.nuts_areas[row["AGS"]] = row.get("area_km2", "").strip()
    links.nuts_file = True


def wikidata_table(path: Path) -> tuple[str, list[dict[str, str]]]:
    """Read a district table (``RS``, ``label``, ``wd``; tab-separated) or a city table (``ags``, ``name``, …)."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0] if path.is_file() else ""
    table = rows(path, "\t" if "\t" in first else ",")
    columns = set(table[0]) if table else set()
    if {"RS", "label", "wd"} <= columns:
        return "districts", table
    if {"ags", "name", "wikidata"} <= columns:
        return "cities", table
    raise RegisterError(path, "a Wikidata table needs the columns RS, label, wd or ags, name, wikidata")


def same_name(register_name: str, label: str) -> bool:
    """Compare names by letters and digits, without the river or region a parenthesis or slash adds.

    "Oldenburg (Oldb)" is "Oldenburg (Oldenburg), Stadt", "Nienburg/Weser" is "Nienburg (Weser)".
    """
    return normalised(QUALIFIER.split(name_base(register_name))[0]) == normalised(QUALIFIER.split(label)[0])


def read_district_ids(table: list[dict[str, str]], register: Register, links: Links) -> None:
    districts, municipalities = register.levels["40"], register.levels["60"]
    gone = {row["RS"].zfill(5): row["label"] for row in table if row["RS"].zfill(5) not in districts}
    for key, label in sorted(gone.items()):
        for m in municipalities.values():
            if m.key[:2] == key[:2] and normalised(name_base(m.name)) == normalised(label):
                why = f"hat seit der Wikidata-Zuordnung von 2020 den Kreis {label} ({key}) aufgenommen"
                links.left_out[m.key[:5]] = why
    for row in table:
        key, qid = row["RS"].zfill(5), row["wd"].rsplit("/", 1)[-1]
        district = districts.get(key)
        if district is None or key in links.left_out or not qid.startswith("Q") or not qid[1:].isdigit():
            continue
        if not same_name(district.name, row["label"]):
            links.left_out[key] = f"Name in der Wikidata-Zuordnung ({row['label']}) weicht vom Gemeindeverzeichnis ab"
            continue
        links.wikidata[key] = qid


def read_city_ids(path: Path, table: list[dict[str, str]], register: Register, links: Links) -> None:
    """Check each city's QID against its Gemeinde and the district table; a disagreement stops the import."""
    by_ags = {m.ags: m for m in register.levels["60"].values()}
    for row in table:
        m = by_ags.get(row["ags"])
        key = row["ags"][:5]
        district = register.levels["40"].get(key)
        if m is None or district is None or district.type_code not in ("41", "42") or m.name != row["name"]:
            continue  # not a kreisfreie Stadt of this register under that name: nothing verified
        if key in links.left_out:
            continue
        if links.wikidata.get(key, row["wikidata"]) != row["wikidata"]:
            raise RegisterError(path, f"{row['ags']} has {row['wikidata']}, the district table {links.wikidata[key]}")
        links.wikidata[key] = row["wikidata"]


def read_links(register: Register, nuts: Path | None, wikidata: list[Path]) -> Links:
    """Read the NUTS table and the Wikidata tables given: district tables first, then city tables."""
    links = Links()
    if nuts is not None:
        read_nuts(nuts, register, links)
    tables = [(path, *wikidata_table(path)) for path in wikidata]
    for path, kind, table in sorted(tables, key=lambda t: t[1] != "districts"):
        if kind == "districts":
            read_district_ids(table, register, links)
        else:
            read_city_ids(path, table, register, links)
    links.wikidata_files = len(tables)
    return links
