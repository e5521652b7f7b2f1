"""The synthetic model behind generate.py: Turtle emission and the things of one state.

Every thing follows the shapes of ``shapes/``: territory and body are separate (CPOV), codes are
typed literals whose key patterns agree (ARS = AGS digits 1-5 + association 4 + AGS digits 6-8),
numbers are sourced ``rl:Figure``s, memberships carry role, OWL-Time interval and coverage, and
ended municipalities have a change event. Keys start with 9 (state keys 90-99), outside every
real range; labels start with "Synthetisch" so nobody takes a thing for a real one.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from publisher.vocab import PREFIXES as NS

# The project's one prefix table, in the order these files declare them.
PREFIXES = {k: NS[k] for k in "rl rdf xsd skos dct org geo time prov m8g foaf sd".split()}
LICENCE = "<http://dcat-ap.de/def/licenses/cc-zero>"
GENERATOR = "<id/source/synthetisch-generator>"
PERIODS = ("rl:period-2000-2006", "rl:period-2007-2013", "rl:period-2014-2020", "rl:period-2023-2027")
PERIOD_START = (2001, 2007, 2015, 2023)
GROUNDS = ("rl:ground-landscape", "rl:ground-economy", "rl:ground-society", "rl:ground-culture")
BODY_TYPES = (("rl:orgtype-stadt", "Synthetische Stadt"), ("rl:orgtype-flecken", "Synthetischer Flecken"))
Props = list[tuple[str, "str | Props"]]
NEXT_LINE = " ;\n    "


def de(text: str) -> str:
    return f'"{text}"@de'


def en(text: str) -> str:
    return f'"{text}"@en'


def typed(value: str, datatype: str) -> str:
    return f'"{value}"^^{datatype}'


def register(state_key: str) -> str:
    return f"<id/source/synthetisch-register-{state_key}>"


class Emitter:
    """Collect the things of one file as Turtle and count their triples."""

    def __init__(self, name: str, modified: str):
        self.name, self.modified = name, modified
        self.chunks: list[str] = []
        self.triples = 0

    def thing(self, subject: str, props: Props) -> None:
        """Write one subject with its predicates; nested lists become blank nodes."""
        self.chunks.append(f"<{subject}>\n    {self.body(props, NEXT_LINE)} .\n\n")

    def body(self, props: Props, separator: str) -> str:
        parts: list[str] = []
        for predicate, value in props:
            self.triples += 1
            text = f"[ {self.body(value, ' ; ')} ]" if isinstance(value, list) else value
            if parts and parts[-1].startswith(predicate + " "):
                parts[-1] += f" , {text}"
            else:
                parts.append(f"{predicate} {text}")
        return separator.join(parts)

    def finish(self, labels: tuple[str, str]) -> tuple[str, int]:
        """Return the file: prefixes, the description of its own graph, then the things."""
        head = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())
        before = len(self.chunks)
        self.thing(
            f"id/graph/{self.name}",
            [
                ("a", "sd:Graph"),
                ("a", "prov:Entity"),
                ("skos:prefLabel", de(labels[0])),
                ("skos:prefLabel", en(labels[1])),
                (
                    "dct:description",
                    de("Synthetische Daten für den Systembenchmark von regiolod; nichts davon ist amtlich."),
                ),
                ("prov:wasDerivedFrom", GENERATOR),
                ("dct:license", LICENCE),
                ("dct:creator", de("regiolod-Benchmark")),
                ("dct:modified", typed(self.modified, "xsd:date")),
            ],
        )
        graph = self.chunks.pop(before)
        text = head + "\n# This file's named graph and its provenance\n" + graph + "".join(self.chunks)
        return text, self.triples


@dataclass
class Municipality:
    """What cooperations need to know about a synthetic municipality."""

    number: int
    ars: str
    label: str
    district: str

    @property
    def territory(self) -> str:
        return f"id/territory/{self.ars}"

    @property
    def body(self) -> str:
        return f"id/organization/{self.ars}"


class SyntheticModel:
    """Draw the things of each synthetic state from one random generator, in a fixed order."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.coop_number = 0

    # -- labels of the files --------------------------------------------------------------

    @staticmethod
    def state_graph_label(state_key: str) -> tuple[str, str]:
        return (
            f"Synthetisches Land {state_key}: Gebiete und Körperschaften",
            f"Synthetic state {state_key}: territories",
        )

    @staticmethod
    def cooperation_graph_label(state_key: str) -> tuple[str, str]:
        return f"Synthetisches Land {state_key}: Kooperationen", f"Synthetic state {state_key}: cooperations"

    @staticmethod
    def sources_graph_label() -> tuple[str, str]:
        return "Synthetische Quellen", "Synthetic sources"

    # -- figures ----------------------------------------------------------------------------

    def figure(self, value: int | float, date: str, source: str, rank: str = "rl:rank-preferred") -> Props:
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        return [
            ("a", "rl:Figure"),
            ("rdf:value", shown),
            ("rl:referenceDate", typed(date, "xsd:date")),
            ("rl:rank", rank),
            ("dct:source", source),
        ]

    def figures(self, population: int, area: float, source: str) -> Props:
        return [
            ("rl:population", self.figure(population, "2022-12-31", source)),
            ("rl:area", self.figure(area, "2023-11-30", source)),
        ]

    # -- administrative levels -----------------------------------------------------------------

    def state(self, em: Emitter, sk: str, n: int, counter: Iterator[int]) -> list[Municipality]:
        """Emit one state with its districts, associations and municipalities; return the municipalities."""
        sizes: list[int] = []
        while sum(sizes) < n:
            sizes.append(min(self.rng.randint(12, 48), n - sum(sizes)))
        municipalities: list[Municipality] = []
        totals = [0, 0.0]
        src = register(sk)
        for d, size in enumerate(sizes):
            dk = f"{sk}{d // 99 + 1}{d % 99 + 1:02d}"
            found = self.district(em, sk, dk, size, counter)
            municipalities += found[0]
            totals[0] += found[1]
            totals[1] += found[2]
        em.thing(
            f"id/territory/{sk}",
            [
                ("a", "rl:Territory"),
                ("a", "rl:StateTerritory"),
                ("skos:prefLabel", de(f"Synthetisches Landesgebiet {sk}")),
                ("skos:prefLabel", en(f"Synthetic state territory {sk}")),
                ("skos:notation", typed(sk, "rl:StateKey")),
                *self.figures(int(totals[0]), round(totals[1], 2), src),
                ("dct:source", src),
            ],
        )
        em.thing(
            f"id/organization/{sk}",
            [
                *self.body_types("rl:Land"),
                ("skos:prefLabel", de(f"Synthetisches Land {sk}")),
                ("skos:prefLabel", en(f"Synthetic state {sk}")),
                ("skos:notation", typed(sk, "rl:StateKey")),
                ("org:classification", "rl:orgtype-land"),
                ("dct:spatial", f"<id/territory/{sk}>"),
                ("dct:source", src),
            ],
        )
        return municipalities

    @staticmethod
    def body_types(kind: str) -> Props:
        return [
            ("a", kind),
            ("a", "rl:AdministrativeBody"),
            ("a", "m8g:PublicOrganisation"),
            ("a", "org:FormalOrganization"),
        ]

    def district(self, em: Emitter, sk: str, dk: str, size: int, counter: Iterator[int]) -> tuple[list, int, float]:
        """Emit a district, its municipalities (some in associations) and its ended municipalities."""
        src = register(sk)
        found: list[Municipality] = []
        population, area, number, association = 0, 0.0, 1, 5001
        while number <= size:
            if self.rng.random() < 0.4 and size - number >= 2:
                members = min(self.rng.randint(3, 8), size - number + 1)
                group = [
                    self.municipality(em, sk, dk, f"{association:04d}", number + i, counter) for i in range(members)
                ]
                self.association(em, sk, dk, f"{dk}{association:04d}", group)
                association += 1
            else:
                group = [self.municipality(em, sk, dk, f"0{number:03d}", number, counter)]
            for m, p, a in group:
                found.append(m)
                population += p
                area += a
            number += len(group)
        for i, m in enumerate(found):
            if self.rng.random() < 0.012:
                self.ended(em, sk, dk, 900 + i, m, counter)
        seat = found[0].territory
        em.thing(
            f"id/territory/{dk}",
            [
                ("a", "rl:Territory"),
                ("a", "rl:DistrictTerritory"),
                ("skos:prefLabel", de(f"Synthetisches Kreisgebiet {dk}")),
                ("skos:prefLabel", en(f"Synthetic district territory {dk}")),
                ("skos:notation", typed(dk, "rl:DistrictKey")),
                ("geo:sfWithin", f"<id/territory/{sk}>"),
                *self.figures(population, round(area, 2), src),
                ("dct:source", src),
            ],
        )
        em.thing(
            f"id/organization/{dk}",
            [
                *self.body_types("rl:Landkreis"),
                ("skos:prefLabel", de(f"Synthetischer Landkreis {dk}")),
                ("skos:prefLabel", en(f"Synthetic district {dk}")),
                ("skos:notation", typed(dk, "rl:DistrictKey")),
                ("org:classification", "rl:orgtype-landkreis"),
                ("dct:spatial", f"<id/territory/{dk}>"),
                ("rl:seat", f"<{seat}>"),
                ("rl:founded", typed(str(self.rng.randint(1946, 2016)), "xsd:gYear")),
                ("dct:source", src),
            ],
        )
        return found, population, area

    def municipality(
        self, em: Emitter, sk: str, dk: str, assoc: str, number: int, counter: Iterator[int]
    ) -> tuple[Municipality, int, float]:
        """Emit a municipality's territory and body; return it with its population and area."""
        src = register(sk)
        n = next(counter)
        ars, ags = f"{dk}{assoc}{number:03d}", f"{dk}{number:03d}"
        kind = self.rng.random()
        classification, name = (
            BODY_TYPES[0]
            if kind < 0.2
            else BODY_TYPES[1]
            if kind < 0.25
            else (
                "rl:orgtype-gemeinde",
                "Synthetische Gemeinde",
            )
        )
        population = int(self.rng.lognormvariate(8.0, 1.1)) + 50
        area = round(self.rng.uniform(3.0, 250.0), 2)
        m = Municipality(n, ars, f"{name} {n:06d}", dk)
        within = [("geo:sfWithin", f"<id/territory/{dk}>")]
        if assoc[0] != "0":
            within.append(("geo:sfWithin", f"<id/territory/{dk}{assoc}>"))
        older = []
        if self.rng.random() < 0.3:
            earlier = max(50, population + self.rng.randint(-population // 10, population // 10))
            older = [("rl:population", self.figure(earlier, "2018-12-31", src, "rl:rank-normal"))]
        em.thing(
            m.territory,
            [
                ("a", "rl:Territory"),
                ("a", "rl:MunicipalityTerritory"),
                ("skos:prefLabel", de(f"Synthetischer Ort {n:06d}")),
                ("skos:notation", typed(ars, "rl:ARS")),
                ("skos:notation", typed(ags, "rl:AGS")),
                *within,
                *self.figures(population, area, src),
                *older,
                ("dct:source", src),
            ],
        )
        em.thing(
            m.body,
            [
                *self.body_types("rl:Gemeinde"),
                ("skos:prefLabel", de(m.label)),
                ("skos:prefLabel", en(m.label.replace("Synthetischer Ort", "Synthetic place"))),
                ("skos:notation", typed(ars, "rl:ARS")),
                ("skos:notation", typed(ags, "rl:AGS")),
                ("org:classification", classification),
                ("dct:spatial", f"<{m.territory}>"),
                ("dct:source", src),
            ],
        )
        return m, population, area

    def association(self, em: Emitter, sk: str, dk: str, key: str, group: list) -> None:
        """Emit a Samtgemeinde (territory, body) and the membership of each member municipality."""
        src = register(sk)
        em.thing(
            f"id/territory/{key}",
            [
                ("a", "rl:Territory"),
                ("a", "rl:MunicipalAssociationTerritory"),
                ("skos:prefLabel", de(f"Synthetisches Samtgemeindegebiet {key}")),
                ("skos:notation", typed(key, "rl:MunicipalAssociationKey")),
                ("geo:sfWithin", f"<id/territory/{dk}>"),
                *self.figures(sum(p for _, p, _ in group), round(sum(a for _, _, a in group), 2), src),
                ("dct:source", src),
            ],
        )
        label = f"Synthetische Samtgemeinde {key}"
        em.thing(
            f"id/organization/{key}",
            [
                *self.body_types("rl:Samtgemeinde"),
                ("skos:prefLabel", de(label)),
                ("skos:prefLabel", en(f"Synthetic joint municipality {key}")),
                ("skos:notation", typed(key, "rl:MunicipalAssociationKey")),
                ("org:classification", "rl:orgtype-samtgemeinde"),
                ("dct:spatial", f"<id/territory/{key}>"),
                ("rl:seat", f"<{group[0][0].territory}>"),
                ("dct:source", src),
            ],
        )
        for m, _, _ in group:
            em.thing(
                f"id/membership/{key}/{m.ars}",
                [
                    ("a", "org:Membership"),
                    ("skos:prefLabel", de(f"{m.label}: Mitglied von {label}")),
                    ("skos:prefLabel", en(f"{m.label}: member of {label}")),
                    ("org:member", f"<{m.body}>"),
                    ("org:organization", f"<id/organization/{key}>"),
                    ("org:role", "rl:role-member"),
                    ("dct:source", src),
                ],
            )

    def ended(
        self, em: Emitter, sk: str, dk: str, number: int, successor: Municipality, counter: Iterator[int]
    ) -> None:
        """Emit a municipality that was incorporated into ``successor``, with its change event."""
        src = register(sk)
        n = next(counter)
        ags = f"{dk}{number:03d}"
        year = self.rng.randint(2000, 2024)
        ended_at = typed(f"{year}-01-01T00:00:00", "xsd:dateTime")
        label = f"Synthetische Gemeinde {n:06d} (aufgelöst)"
        change = f"id/change/{year}-01-01-synthetisch-{n:06d}"
        em.thing(
            f"id/territory/{ags}",
            [
                ("a", "rl:Territory"),
                ("a", "rl:MunicipalityTerritory"),
                ("skos:prefLabel", de(f"Synthetischer Ort {n:06d} (aufgelöst)")),
                ("skos:notation", typed(ags, "rl:AGS")),
                ("geo:sfWithin", f"<id/territory/{dk}>"),
                ("prov:invalidatedAtTime", ended_at),
                ("dct:isReplacedBy", f"<{successor.territory}>"),
                ("dct:source", src),
            ],
        )
        em.thing(
            f"id/organization/{ags}",
            [
                *self.body_types("rl:Gemeinde"),
                ("skos:prefLabel", de(label)),
                ("skos:prefLabel", en(label.replace("Synthetischer Ort", "Synthetic place"))),
                ("skos:notation", typed(ags, "rl:AGS")),
                ("org:classification", "rl:orgtype-gemeinde"),
                ("dct:spatial", f"<id/territory/{ags}>"),
                ("prov:invalidatedAtTime", ended_at),
                ("dct:isReplacedBy", f"<{successor.body}>"),
                ("dct:source", src),
            ],
        )
        em.thing(
            change,
            [
                ("a", "org:ChangeEvent"),
                ("skos:prefLabel", de(f"Eingliederung von {label} in {successor.label}")),
                ("dct:type", "rl:change-incorporation"),
                ("dct:date", typed(f"{year}-01-01", "xsd:date")),
                ("org:originalOrganization", f"<id/organization/{ags}>"),
                ("org:resultingOrganization", f"<{successor.body}>"),
                ("rl:originalTerritory", f"<id/territory/{ags}>"),
                ("rl:resultingTerritory", f"<{successor.territory}>"),
                ("dct:source", src),
            ],
        )
