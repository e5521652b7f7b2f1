"""Assemble the files of an import: one per Land, and one for the register file as a source.

Each file describes its own named graph as the curated files do (``sd:Graph`` with the source
it was derived from, licence dl-de/by-2-0 and the attribution Destatis asks for); its
``dct:modified`` is the Gebietsstand, so that the same register always gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.gv100ad.boundaries import ATTRIBUTION as BKG_ATTRIBUTION
from publisher.gv100ad.boundaries import BKG_SITE, Boundaries, territory_nodes
from publisher.gv100ad.boundaries import SOURCE as BKG_SOURCE
from publisher.gv100ad.curated import Curated
from publisher.gv100ad.links import NUTS_SOURCE, WIKIDATA_SOURCE, Links
from publisher.gv100ad.records import Edition, Register
from publisher.gv100ad.things import RegisterGraph
from publisher.gv100ad.turtle import Node, date, document, english_date, german_date, iri, literal
from publisher.vocab import DL_BY_DE_2_0, expand

LICENCE = f"<{DL_BY_DE_2_0}>"
DESTATIS_PAGE = "<https://www.destatis.de/DE/Themen/Laender-Regionen/Regionales/Gemeindeverzeichnis/_inhalt.html>"
OWN_GRAPH = "This file's named graph and its provenance"


@dataclass
class Files:
    """The Turtle text of each file, and what the command's summary reports."""

    texts: dict[str, str]
    triples: int
    figures_left_out: int
    labels_taken_over: int
    seats_as_notes: int
    statements_left_out: int


#: German letters spelt in ASCII, for file names.
ASCII_LETTERS: dict[str, str | int | None] = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}


def slug(name: str) -> str:
    """Turn a Land name into part of a file name: lower-case ASCII, words joined by hyphens."""
    text = name.lower().translate(str.maketrans(ASCII_LETTERS))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def attribution(edition: Edition, links: Links | None = None) -> str:
    # the district table of 31.12.2018 asks for its own year (data/sources.ttl)
    table = "; © Statistisches Bundesamt (Destatis), 2019" if links is not None and links.nuts else ""
    return f"© Statistisches Bundesamt (Destatis), {edition.year}; Daten verändert{table}"


def graph_node(
    path: str,
    label: str,
    description: str,
    derived_from: list[str],
    register: Register,
    edition: Edition,
    links: Links | None = None,
) -> Node:
    """The file's own named graph with what it was derived from, licence, attribution and date."""
    return Node(
        f"<{path}>",
        [
            ("a", ["sd:Graph", "prov:Entity"]),
            (
                "skos:prefLabel",
                [literal(f"Gemeindeverzeichnis: {label}"), literal(f"Municipality register: {label}", "en")],
            ),
            ("dct:description", [literal(description)]),
            ("prov:wasDerivedFrom", derived_from),
            ("dct:license", [LICENCE]),
            ("dcatde:licenseAttributionByText", [literal(attribution(edition, links))]),
            ("dct:modified", [date(register.territorial_status)]),
        ],
    )


def source_node(graph: RegisterGraph, register: Register, edition: Edition) -> Node:
    """The register file as a source (every statement is also in data/sources.ttl, for its edition)."""
    day = register.territorial_status
    german, _ = graph.labels(graph.source[1:-1], f"Gemeindeverzeichnis GV100AD, Gebietsstand {german_date(day)}")
    english, _ = graph.labels(
        graph.source[1:-1], f"Municipality register GV100AD, territorial status {english_date(day)}", "en"
    )
    return Node(
        graph.source,
        [
            ("a", ["prov:Entity", "dct:BibliographicResource"]),
            ("skos:prefLabel", german + english),
            ("dct:publisher", [literal("Statistisches Bundesamt (Destatis)")]),
            ("foaf:page", [DESTATIS_PAGE]),
            ("dct:issued", [date(edition.issued)] if edition.issued else []),
            ("dct:license", [LICENCE]),
            ("dcatde:licenseAttributionByText", [literal(attribution(edition))]),
        ],
    )


def land_description(name: str, register: Register, edition: Edition) -> str:
    return (
        f"Land {name} mit seinen Bezirken, Kreisen, Gemeindeverbänden und Gemeinden aus dem Gemeindeverzeichnis "
        f"GV100AD (Gebietsstand {german_date(register.territorial_status)}, Einwohner "
        f"{german_date(edition.population_date)}), eingelesen mit regiolod import gv100ad. Fläche und Einwohnerzahl "
        "von Ländern, Bezirken, Kreisen und Gemeindeverbänden sind Summen der Gemeinde-Sätze."
    )


def selection_description(name: str, land: str, graph: RegisterGraph, register: Register, edition: Edition) -> str:
    """What a file of a selection holds, and where its NUTS codes and Wikidata IDs come from or why they are missing."""
    text = (
        f"Land {name} mit seinen Bezirken und Kreisen, dazu die Gemeinden und Gemeindeverbände, die Mitglied "
        "einer Kooperation dieses Datensatzes sind, mit den Gemeindeverbänden, denen sie angehören; aus dem "
        f"Gemeindeverzeichnis GV100AD (Gebietsstand {german_date(register.territorial_status)}, Einwohner "
        f"{german_date(edition.population_date)}), ausgewählt mit regiolod import gv100ad --select members. "
        "Fläche und Einwohnerzahl von Ländern, Bezirken, Kreisen und Gemeindeverbänden sind Summen der Gemeinde-Sätze."
    )
    return text + links_description(land, graph, register)


def links_description(land: str, graph: RegisterGraph, register: Register) -> str:
    text, links = "", graph.links
    if links.nuts:
        text += (
            " NUTS-3-Codes: Fassung 2016, aus der Destatis-Tabelle der Kreise mit Stand 31.12.2018; weicht die "
            "Fläche eines Kreises um mehr als 1 % von ihr ab, sagt es eine Anmerkung am Kreis."
        )
    if links.wikidata_files:
        text += (
            " Wikidata-Kennungen (Stand 2020) nur, wo Kreisschlüssel und Name mit dem Gemeindeverzeichnis "
            "übereinstimmen und der Kreis seither derselbe ist; für kreisfreie Städte zusätzlich gegen den "
            "Gemeindeschlüssel der Stadt geprüft."
        )
        for key, why in sorted(links.left_out.items()):
            if key[:2] == land and key in register.levels["40"]:
                text += f" Ohne Wikidata-Kennung: {register.levels['40'][key].name} ({key}), {why}."
    return text


def assemble(
    register: Register,
    edition: Edition,
    curated: Curated,
    graph_folder: str = "",
    selection: set[str] | None = None,
    links: Links | None = None,
    boundaries: Boundaries | None = None,
) -> Files:
    """Describe a register as ``source.ttl`` and one ``{state key}-{name}.ttl`` per Land.

    ``graph_folder`` is the folder's path inside the data folder (``germany``): a file
    ``data/germany/03-niedersachsen.ttl`` is loaded into ``{base}id/graph/germany/03-niedersachsen``.
    ``selection`` (keys) limits the things written; ``links`` adds NUTS codes and Wikidata IDs.
    With ``boundaries``, ``boundaries.ttl`` gives every territory its geometry or a note why it has none.
    """
    graph = RegisterGraph(register, edition, curated, selection, links)
    tables = ([iri(NUTS_SOURCE)] if graph.links.nuts else []) + ([iri(WIKIDATA_SOURCE)] if graph.links.wikidata else [])
    prefix = "/".join(["id/graph", *filter(None, graph_folder.split("/"))]) + "/"
    about_source = "Die Quelle der mit regiolod import gv100ad eingelesenen Dateien dieses Ordners."
    sections = [
        (OWN_GRAPH, [graph_node(prefix + "source", "Quelle", about_source, [DESTATIS_PAGE], register, edition)]),
        ("The register file", pruned(curated, [source_node(graph, register, edition)])),
    ]
    texts = {"source.ttl": document(sections, register.territorial_status)}
    triples = sum(n.triples() for _, nodes in sections for n in nodes)
    territories: list[str] = []
    for land, record in sorted(register.levels["10"].items()):
        stem = f"{land}-{slug(record.name)}"
        description = (
            land_description(record.name, register, edition) + links_description(land, graph, register)
            if selection is None
            else selection_description(record.name, land, graph, register, edition)
        )
        own = graph_node(prefix + stem, record.name, description, [graph.source, *tables], register, edition, links)
        sections = [(OWN_GRAPH, [own]), *((title, pruned(curated, nodes)) for title, nodes in graph.sections(land))]
        texts[f"{stem}.ttl"] = document(sections, register.territorial_status)
        triples += sum(n.triples() for _, nodes in sections for n in nodes)
        territories += [territory_key(n) for _, ns in sections for n in ns if is_territory(n)]
    if boundaries is not None:
        nodes = boundary_section(territories, boundaries, curated)
        own = boundaries_graph(prefix + "boundaries", register, sum(1 for n in nodes if n.subject and is_geometry(n)))
        sections = [(OWN_GRAPH, [own]), ("Territories and their geometries, by key", nodes)]
        texts["boundaries.ttl"] = document(sections, register.territorial_status)
        triples += sum(n.triples() for _, nodes in sections for n in nodes)
    return Files(
        texts, triples, graph.figures_left_out, graph.labels_taken_over, graph.seats_as_notes, curated.left_out
    )


def pruned(curated: Curated, nodes: list[Node]) -> list[Node]:
    """The nodes without what the curated files already say (see :mod:`publisher.gv100ad.curated`)."""
    return [n for n in map(curated.prune, nodes) if n is not None]


def is_territory(node: Node) -> bool:
    typed_territory = any(p == "a" and "rl:Territory" in objects for p, objects in node.statements)
    return bool(node.subject and node.subject.startswith("<id/territory/") and typed_territory)


def territory_key(node: Node) -> str:
    return (node.subject or "")[len("<id/territory/") : -1]


def is_geometry(node: Node) -> bool:
    return bool(node.subject and node.subject.startswith("<id/geometry/"))


def boundary_section(keys: list[str], boundaries: Boundaries, curated: Curated) -> list[Node]:
    """Geometries (or notes) of the imported territories, but not of those a curated file gives one."""
    default = expand("geo:hasDefaultGeometry")
    note = expand("skos:note")
    described = {s for s, p, o in curated.triples if p == default or (p == note and "Keine Grenze" in o)}
    nodes, _ = territory_nodes([k for k in keys if f"id/territory/{k}" not in described], boundaries)
    return nodes


def boundaries_graph(path: str, register: Register, found: int) -> Node:
    """The boundary file's own graph: derived from BKG VG5000, its licence and the attribution BKG asks for."""
    return Node(
        f"<{path}>",
        [
            ("a", ["sd:Graph", "prov:Entity"]),
            (
                "skos:prefLabel",
                [literal("Gemeindeverzeichnis: Grenzen"), literal("Municipality register: boundaries", "en")],
            ),
            (
                "dct:description",
                [
                    literal(
                        f"Grenzen von {found} eingelesenen Gebieten aus BKG VG5000 (Gebietsstand 01.01.2021), über den "
                        "Schlüssel zugeordnet; Gebiete ohne passendes Polygon sagen in einer Notiz, warum. "
                        f"{BKG_ATTRIBUTION}."
                    )
                ],
            ),
            ("prov:wasDerivedFrom", [BKG_SOURCE]),
            ("dct:license", [LICENCE]),
            ("dcatde:licenseAttributionByText", [literal(BKG_ATTRIBUTION)]),
            ("dct:rightsHolder", [BKG_SITE]),
            ("dct:modified", [date(register.territorial_status)]),
        ],
    )
