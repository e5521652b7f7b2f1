"""Read a register file in the fixed-width GV100AD format of Destatis, checking every line.

Columns 1-2 hold the record type (Satzart): 10 Land, 20 Regierungsbezirk (or statistical
region), 30 Region, 40 Kreis, 50 Gemeindeverband, 60 Gemeinde (including gemeindefreie
Gebiete). Columns 3-10 hold the Gebietsstand (YYYYMMDD), the key parts follow in columns 11-22,
the name in 23-72, the seat in 73-122, the type (Textkennzeichen) in 123-124, and for Gemeinden
the area in hectares (129-139) and the population (140-150). This is Destatis' record
description of GV100AD, as also read by the public parser theodm/python-gemeindeverzeichnis
(``GV100ADParser.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LEVELS = {
    "10": "Land",
    "20": "Regierungsbezirk",
    "30": "Region",
    "40": "Kreis",
    "50": "Gemeindeverband",
    "60": "Gemeinde",
}
#: Key parts per record type as 0-based column ranges; a Gemeinde's ARS is Kreis + Gemeindeverband + Gemeinde.
KEY_COLUMNS = {
    "10": ((10, 12),),
    "20": ((10, 13),),
    "30": ((10, 14),),
    "40": ((10, 15),),
    "50": ((10, 15), (18, 22)),
    "60": ((10, 15), (18, 22), (15, 18)),
}
#: Allowed Textkennzeichen per record type (Kreis 41-45, Gemeindeverband 50-58, Gemeinde 60-67).
TYPE_CODES = {
    "40": {"41", "42", "43", "44", "45"},
    "50": {"50", "51", "52", "53", "54", "55", "56", "58"},
    "60": {"60", "61", "62", "63", "64", "65", "66", "67"},
}
DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Edition:
    """What the register file does not say about itself: population date and year of publication."""

    population_date: dt.date
    year: int
    issued: dt.date | None = None


#: Editions whose population reference date is documented (data/sources.ttl: "Stichtag 31.12.2022").
EDITIONS = {dt.date(2023, 11, 30): Edition(dt.date(2022, 12, 31), 2023, dt.date(2023, 11, 30))}


class RegisterError(Exception):
    """The import cannot go on: a malformed register line, a file that does not read, or an output folder it
    must not replace. Names the file, the line (when there is one) and what is wrong."""

    def __init__(self, path: Path, message: str, line: int | None = None):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}" if line is not None else f"{path}: {message}")


@dataclass(frozen=True)
class Record:
    """One line of the register."""

    line: int
    level: str  # Satzart
    key: str  # Land 2, Regierungsbezirk 3, Region 4, Kreis 5, Gemeindeverband 9 digits, Gemeinde ARS 12
    name: str
    seat: str = ""
    type_code: str = ""
    area_ha: int = 0
    population: int = 0

    @property
    def ags(self) -> str:
        """The 8-digit municipality key of a Gemeinde: ARS digits 1-5 and 10-12."""
        return self.key[:5] + self.key[9:]


@dataclass
class Register:
    """A whole register file, its records by level and key."""

    path: Path
    territorial_status: dt.date  # Gebietsstand
    levels: dict[str, dict[str, Record]] = field(default_factory=lambda: {level: {} for level in LEVELS})

    def counts(self) -> dict[str, int]:
        return {LEVELS[level]: len(records) for level, records in self.levels.items()}


def parse_date(text: str) -> dt.date | None:
    """Read YYYYMMDD, or return None."""
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8])) if DIGITS.fullmatch(text) else None
    except ValueError:
        return None


def parse_record(text: str, number: int, path: Path) -> tuple[Record, dt.date]:
    """Read one line into a record and its Gebietsstand; raise :class:`RegisterError` naming the fault."""

    def fail(message: str) -> RegisterError:
        return RegisterError(path, message, number)

    level = text[:2]
    if level not in LEVELS:
        raise fail(f"unknown record type (Satzart) {level!r} in columns 1-2; expected 10, 20, 30, 40, 50 or 60")
    needed = 161 if level == "60" else 124
    if len(text) < needed:
        raise fail(f"the line has {len(text)} characters, a {LEVELS[level]} record (Satzart {level}) needs {needed}")
    status = parse_date(text[2:10])
    if status is None:
        raise fail(f"Gebietsstand {text[2:10]!r} in columns 3-10 is not a date YYYYMMDD")
    key = "".join(text[a:b] for a, b in KEY_COLUMNS[level])
    if not DIGITS.fullmatch(key):
        columns = ", ".join(f"{a + 1}-{b}" for a, b in KEY_COLUMNS[level])
        raise fail(f"the key of this {LEVELS[level]} in columns {columns} must be digits, found {key!r}")
    name = text[22:72].strip()
    if not name:
        raise fail("the name in columns 23-72 is empty")
    type_code = text[122:124].strip()
    if level in TYPE_CODES and type_code not in TYPE_CODES[level]:
        allowed = ", ".join(sorted(TYPE_CODES[level]))
        raise fail(f"type (Textkennzeichen) {type_code!r} in columns 123-124 is not one of {allowed}")
    area = population = 0
    if level == "60":
        area = parse_count(text[128:139], "area in hectares (columns 129-139)", fail)
        population = parse_count(text[139:150], "population (columns 140-150)", fail)
    record = Record(number, level, key, name, text[72:122].strip(), type_code, area, population)
    return record, status


def parse_count(text: str, what: str, fail: Callable[[str], RegisterError]) -> int:
    """Read a right-aligned whole number."""
    if not DIGITS.fullmatch(text.strip()):
        raise fail(f"the {what} must be a whole number, found {text.strip()!r}")
    return int(text)


def read_register(path: Path) -> Register:
    """Read and check every line of a register file (UTF-8); raise :class:`RegisterError` on the first fault."""
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as exc:
        raise RegisterError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        raise RegisterError(path, "the file holds no records")
    register: Register | None = None
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.rstrip(b"\r").decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RegisterError(path, f"not UTF-8 (byte {exc.start + 1} of the line)", number) from None
        if not text.strip():
            raise RegisterError(path, "empty line", number)
        record, status = parse_record(text, number, path)
        if register is None:
            register = Register(path, status)
        elif status != register.territorial_status:
            raise RegisterError(
                path, f"Gebietsstand {status} differs from {register.territorial_status} of line 1", number
            )
        same_level = register.levels[record.level]
        if record.key in same_level:
            first = same_level[record.key].line
            raise RegisterError(
                path, f"{LEVELS[record.level]} {record.key} appears twice (first on line {first})", number
            )
        same_level[record.key] = record
    assert register is not None
    check_parents(register)
    return register


def parent_keys(record: Record) -> list[tuple[str, str]]:
    """Return (level, key) of the records a record needs: its Land, Kreis or Gemeindeverband."""
    land = ("10", record.key[:2])
    if record.level in ("20", "30", "40"):
        return [land]
    district = [land] if record.key[2:5] == "000" else [("40", record.key[:5])]
    return district if record.level == "50" else [*district, ("50", record.key[:9])]


def check_parents(register: Register) -> None:
    """Refuse records whose Land, Kreis or Gemeindeverband is not in the file."""
    for level in ("20", "30", "40", "50", "60"):
        for record in register.levels[level].values():
            for parent_level, key in parent_keys(record):
                if key not in register.levels[parent_level]:
                    raise RegisterError(
                        register.path,
                        f"{LEVELS[parent_level]} {key} of this {LEVELS[level]} is not in the file",
                        record.line,
                    )
    per_district = Counter(m.key[:5] for m in register.levels["60"].values())
    for key, district in register.levels["40"].items():
        if district.type_code in ("41", "42") and per_district[key] != 1:
            raise RegisterError(
                register.path,
                f"the kreisfreie Stadt {key} needs exactly one Gemeinde record, the file has {per_district[key]}",
                district.line,
            )


def edition_of(register: Register, population_date: dt.date | None) -> Edition:
    """Return the edition facts; an edition not in :data:`EDITIONS` needs the population reference date."""
    known = EDITIONS.get(register.territorial_status)
    if population_date is not None:
        if known is None:
            return Edition(population_date, register.territorial_status.year)
        return Edition(population_date, known.year, known.issued)
    if known is None:
        raise RegisterError(
            register.path,
            f"the population reference date of the edition {register.territorial_status} is not known; "
            "give it with --population-date",
        )
    return known
