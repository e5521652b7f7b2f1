"""Import the official municipality register of Destatis (Gemeindeverzeichnis, format GV100AD) as Turtle.

:func:`import_register` reads the whole file and checks every line (:mod:`.records`), describes
its records in the model of the curated data (:mod:`.things`), and only then writes the files
(:mod:`.files`) into a fresh folder that takes the place of the output folder (:mod:`.output`).
A malformed line raises :class:`RegisterError` naming file, line and fault; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from publisher.gv100ad.boundaries import read_boundaries
from publisher.gv100ad.curated import Curated, read_curated
from publisher.gv100ad.files import assemble
from publisher.gv100ad.links import read_links
from publisher.gv100ad.output import write_folder
from publisher.gv100ad.records import RegisterError, edition_of, read_register
from publisher.gv100ad.select import SELECTIONS, select

__all__ = ["SELECTIONS", "ImportResult", "RegisterError", "import_register"]


@dataclass
class ImportResult:
    """What an import wrote, for the command's summary."""

    files: list[Path]
    records: dict[str, int]
    triples: int
    figures_left_out: int
    labels_taken_over: int
    seats_as_notes: int
    statements_left_out: int
    members: list[str] = field(default_factory=list)  # keys of the members a selection took from the curated data
    unknown_members: list[str] = field(default_factory=list)  # members named by an IRI the register does not have
    nuts: int = 0
    wikidata: int = 0


def import_register(
    register_path: Path,
    out: Path,
    *,
    graph_folder: str = "",
    curated: Path | None = None,
    population_date: dt.date | None = None,
    boundaries: list[Path] | None = None,
    selection: str = "all",
    nuts: Path | None = None,
    wikidata: tuple[Path, ...] = (),
) -> ImportResult:
    """Read a GV100AD file and write it as Turtle into ``out``: ``source.ttl`` and one file per Land.

    ``graph_folder`` is the output folder's path inside the data folder (``germany``), which the
    files need to name their own graphs. ``curated`` is the data folder: where its hand-written
    files already give a thing's label, seat or preferred figure, the import defers to them, and it
    leaves out every statement they already make.
    ``population_date`` is the population reference date of an edition the importer does not know.
    ``boundaries`` are BKG VG5000 GeoJSON files (districts, associations, municipalities): with them,
    ``boundaries.ttl`` gives every imported territory its geometry or a note why it has none.
    ``selection`` "members" writes every Land and district and the members of the curated data's
    memberships with their parents (:mod:`.select`); ``nuts`` and ``wikidata`` are tables of
    NUTS codes and Wikidata IDs of districts (:mod:`.links`).
    """

    register = read_register(register_path)
    edition = edition_of(register, population_date)
    known = read_curated(curated, exclude=out) if curated is not None else Curated()
    layers = read_boundaries(boundaries, register) if boundaries else None
    chosen = select(register, selection, known.members)
    links = read_links(register, nuts, list(wikidata))
    files = assemble(register, edition, known, graph_folder, chosen.keys, links, layers)
    written = write_folder(files.texts, out)
    return ImportResult(
        written,
        register.counts(),
        files.triples,
        files.figures_left_out,
        files.labels_taken_over,
        files.seats_as_notes,
        files.statements_left_out,
        chosen.members,
        chosen.unknown,
        len(links.nuts),
        len(links.wikidata),
    )
