"""Synthetic cooperations for generate.py: special-purpose associations, LEADER regions, a metropolitan
region per state, their memberships over time, and the sources every synthetic fact cites.

Memberships follow ORG §5.4 with OWL-Time intervals as ``data/*.ttl`` do: founding members from
the founding year (``time:inXSDgYear``), later members from a day (``time:inXSDDate``), some with
an end; LEADER memberships name their funding periods and coverage, and a few municipalities
belong to two LEADER regions in 2023-2027 with partial coverage.
"""

from __future__ import annotations

import random

from synthetic import (
    GENERATOR,
    GROUNDS,
    PERIOD_START,
    PERIODS,
    Emitter,
    Municipality,
    Props,
    de,
    en,
    register,
    typed,
)


class CooperationModel:
    """Draw the cooperations of each synthetic state, numbered across the whole output."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.number = 0

    def next_number(self) -> int:
        self.number += 1
        return self.number

    def instant(self, year: int, exact: bool) -> Props:
        if exact:
            day = f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
            return [("a", "time:Instant"), ("time:inXSDDate", typed(day, "xsd:date"))]
        return [("a", "time:Instant"), ("time:inXSDgYear", typed(str(year), "xsd:gYear"))]

    def membership(
        self, em: Emitter, org_key: str, org_label: str, member: tuple[str, str, str], role: str, extra: Props
    ) -> None:
        """Emit one membership; ``member`` is (key, body IRI, label)."""
        key, body, label = member
        em.thing(
            f"id/membership/{org_key}/{key}",
            [
                ("a", "org:Membership"),
                ("skos:prefLabel", de(f"{label}: Mitglied von {org_label}")),
                ("skos:prefLabel", en(f"{label}: member of {org_label}")),
                ("org:member", f"<{body}>"),
                ("org:organization", f"<id/organization/{org_key}>"),
                ("org:role", role),
                *extra,
                ("dct:source", GENERATOR),
            ],
        )

    def cooperations(self, em: Emitter, sk: str, municipalities: list[Municipality]) -> None:
        """Emit the special-purpose associations, LEADER regions and the metropolitan region of a state."""
        by_district: dict[str, list[Municipality]] = {}
        for m in municipalities:
            by_district.setdefault(m.district, []).append(m)
        for members in by_district.values():
            for _ in range(max(1, len(members) // 12)):
                chosen = self.rng.sample(members, min(len(members), self.rng.randint(3, 10)))
                self.zweckverband(em, sorted(chosen, key=lambda m: m.ars))
        self.leader_regions(em, municipalities)
        self.metropolitan_region(em, sk, sorted(by_district))

    def zweckverband(self, em: Emitter, members: list[Municipality]) -> None:
        n = self.next_number()
        key, label = f"synthetischer-zweckverband-{n:06d}", f"Synthetischer Zweckverband {n:06d}"
        founded = self.rng.randint(1970, 2020)
        em.thing(
            f"id/territory/{key}",
            [
                ("a", "rl:Territory"),
                ("skos:prefLabel", de(f"{label} (Verbandsgebiet)")),
                ("skos:prefLabel", en(f"Synthetic special-purpose association {n:06d} (area)")),
                ("dct:source", GENERATOR),
            ],
        )
        budget: Props = []
        if self.rng.random() < 0.5:
            value = self.rng.randint(10, 5000) * 1000
            budget = [("rl:budget", self.figure(value, f"{self.rng.randint(2015, 2023)}-12-31"))]
        em.thing(
            f"id/organization/{key}",
            [
                ("a", "rl:Zweckverband"),
                ("a", "rl:Cooperation"),
                ("a", "m8g:PublicOrganisation"),
                ("a", "org:FormalOrganization"),
                ("skos:prefLabel", de(label)),
                ("skos:prefLabel", en(f"Synthetic special-purpose association {n:06d}")),
                ("dct:spatial", f"<id/territory/{key}>"),
                ("org:classification", "rl:orgtype-zweckverband"),
                ("rl:foundingGround", "rl:ground-spatial-ties"),
                ("rl:foundingGround", self.rng.choice(GROUNDS)),
                ("rl:founded", typed(str(founded), "xsd:gYear")),
                ("rl:seat", f"<{members[0].territory}>"),
                *budget,
                ("dct:source", GENERATOR),
            ],
        )
        for m in members:
            founding = self.rng.random() < 0.6
            begin = founded if founding else self.rng.randint(founded + 1, 2024)
            interval: Props = [("a", "time:ProperInterval"), ("time:hasBeginning", self.instant(begin, not founding))]
            if self.rng.random() < 0.15 and begin < 2024:
                interval.append(("time:hasEnd", self.instant(self.rng.randint(begin + 1, 2025), True)))
            role = "rl:role-founding-member" if founding else "rl:role-member"
            extra: Props = [("org:memberDuring", interval), ("rl:coverage", "rl:coverage-full")]
            self.membership(em, key, label, (m.ars, m.body, m.label), role, extra)

    def figure(self, value: int, date: str | None, period: str | None = None) -> Props:
        props: Props = [("a", "rl:Figure"), ("rdf:value", str(value))]
        if date:
            props.append(("rl:referenceDate", typed(date, "xsd:date")))
        else:  # a budget of a funding period: say that there is no day, as the curated data does
            props.append(("skos:note", de("Synthetisches Budget der Förderperiode ohne Stichtag")))
        if period:
            props.append(("rl:fundingPeriod", period))
        return [*props, ("rl:rank", "rl:rank-preferred"), ("dct:source", GENERATOR)]

    def leader_regions(self, em: Emitter, municipalities: list[Municipality]) -> None:
        """Cut the state's municipalities into LEADER regions of 20-60; some overlap their neighbour."""
        chunks: list[list[Municipality]] = []
        start = 0
        while start < len(municipalities):
            size = self.rng.randint(20, 60)
            chunks.append(municipalities[start : start + size])
            start += size
        for i, chunk in enumerate(chunks):
            following = chunks[i + 1] if i + 1 < len(chunks) else []
            shared = [m for m in following[:5] if self.rng.random() < 0.3]
            self.leader_region(em, chunk, shared)

    def leader_region(self, em: Emitter, members: list[Municipality], shared: list[Municipality]) -> None:
        n = self.next_number()
        region, key = f"id/territory/synthetische-leader-region-{n:06d}", f"synthetische-lag-{n:06d}"
        label = f"Synthetische Lokale Aktionsgruppe {n:06d}"
        first = self.rng.randint(0, 3)
        em.thing(
            region,
            [
                ("a", "rl:Territory"),
                ("a", "rl:LeaderRegion"),
                ("skos:prefLabel", de(f"Synthetische LEADER-Region {n:06d}")),
                ("rl:fundingProgramme", "rl:programme-leader"),
                ("dct:source", GENERATOR),
            ],
        )
        budgets: Props = [
            ("rl:budget", self.figure(self.rng.randint(15, 40) * 100_000, None, PERIODS[p])) for p in range(first, 4)
        ]
        em.thing(
            f"id/organization/{key}",
            [
                ("a", "rl:LocalActionGroup"),
                ("a", "rl:Cooperation"),
                ("a", "org:Organization"),
                ("skos:prefLabel", de(label)),
                ("skos:prefLabel", en(f"Synthetic local action group {n:06d}")),
                ("org:classification", "rl:orgtype-lokale-aktionsgruppe"),
                ("rl:foundingGround", "rl:ground-funding-programme"),
                ("rl:fundingProgramme", "rl:programme-leader"),
                ("dct:spatial", f"<{region}>"),
                *budgets,
                ("dct:source", GENERATOR),
            ],
        )
        for i, m in enumerate(members + shared):
            partial = i >= len(members) or self.rng.random() < 0.1
            since = first if i < len(members) else 3
            extra: Props = [
                (
                    "org:memberDuring",
                    [("a", "time:ProperInterval"), ("time:hasBeginning", self.instant(PERIOD_START[since], False))],
                ),
                *[("rl:fundingPeriod", PERIODS[p]) for p in range(since, 4)],
                ("rl:coverage", "rl:coverage-partial" if partial else "rl:coverage-full"),
            ]
            role = "rl:role-lead-partner" if i == 0 else "rl:role-member"
            self.membership(em, key, label, (m.ars, m.body, m.label), role, extra)

    def metropolitan_region(self, em: Emitter, sk: str, districts: list[str]) -> None:
        """A metropolitan region over most districts of the state, carried by a cooperation of their bodies."""
        key, label = f"synthetische-metropolregion-{sk}", f"Synthetische Metropolregion {sk}"
        recognised = self.rng.randint(1995, 2005)
        em.thing(
            f"id/territory/{key}",
            [
                ("a", "rl:Territory"),
                ("a", "rl:MetropolitanRegion"),
                ("skos:prefLabel", de(f"{label} (Gebiet)")),
                ("rl:recognised", typed(str(recognised), "xsd:gYear")),
                ("dct:source", GENERATOR),
            ],
        )
        em.thing(
            f"id/organization/{key}",
            [
                ("a", "rl:MetropolitanRegionBody"),
                ("a", "rl:Cooperation"),
                ("a", "org:OrganizationalCollaboration"),
                ("skos:prefLabel", de(label)),
                ("skos:prefLabel", en(f"Synthetic metropolitan region {sk}")),
                ("org:classification", "rl:orgtype-metropolregion"),
                ("rl:foundingGround", "rl:ground-spatial-ties"),
                ("dct:spatial", f"<id/territory/{key}>"),
                ("dct:source", GENERATOR),
            ],
        )
        members = [(sk, f"id/organization/{sk}", f"Synthetisches Land {sk}")]
        members += [
            (dk, f"id/organization/{dk}", f"Synthetischer Landkreis {dk}")
            for dk in districts
            if self.rng.random() < 0.6
        ]
        for member in members:
            begin = self.rng.randint(recognised, 2024)
            extra: Props = [
                ("org:memberDuring", [("a", "time:ProperInterval"), ("time:hasBeginning", self.instant(begin, True))]),
                ("rl:coverage", "rl:coverage-full"),
            ]
            self.membership(em, key, label, member, "rl:role-member", extra)

    @staticmethod
    def sources(em: Emitter, state_keys: list[str]) -> None:
        """Emit the generator and one synthetic register per state as sources."""
        em.thing(
            GENERATOR[1:-1],
            [
                ("a", "prov:Entity"),
                ("a", "dct:BibliographicResource"),
                ("skos:prefLabel", de("regiolod-Benchmark: synthetische Daten (erzeugt, nicht amtlich)")),
                ("skos:prefLabel", en("regiolod benchmark: synthetic data (generated, not official)")),
                (
                    "dct:description",
                    de("Mit bench/generate.py zufällig, aber reproduzierbar erzeugte Daten im Modell von regiolod."),
                ),
                ("dct:publisher", de("regiolod-Benchmark")),
                ("dct:license", "<http://dcat-ap.de/def/licenses/cc-zero>"),
            ],
        )
        for sk in state_keys:
            em.thing(
                register(sk)[1:-1],
                [
                    ("a", "prov:Entity"),
                    ("a", "dct:BibliographicResource"),
                    ("skos:prefLabel", de(f"Synthetisches Gemeindeverzeichnis für Land {sk}")),
                    ("dct:publisher", de("regiolod-Benchmark")),
                    ("dct:license", "<http://dcat-ap.de/def/licenses/cc-zero>"),
                    ("prov:wasDerivedFrom", GENERATOR),
                ],
            )
