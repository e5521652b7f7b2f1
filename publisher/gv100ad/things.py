"""Describe the records of a register as things in the model of the curated data.

Every rule copies what ``data/heidekreis.ttl`` and ``data/kreise.ttl`` do, so that an imported
thing has the IRI, types, codes and labels of its hand-written description: territories under
``id/territory/{key}`` and their bodies under ``id/organization/{key}``, keyed by the 2-digit
state key, the 5-digit district key (also for kreisfreie Städte and city states, whose Land,
Kreis and Gemeinde records are one thing), the 9-digit association key or the 12-digit ARS;
memberships of Gemeinden in their Samtgemeinde, Amt, Verbandsgemeinde etc. under
``id/membership/{association}/{ARS}``.

A selection (a set of those keys) describes only its things: a seat outside it stays a note, and
a membership is written when both ends are selected. :class:`Links` add NUTS codes and Wikidata
IDs to districts, each with its table as a further source.
"""

from __future__ import annotations

from collections import defaultdict

from publisher.gv100ad.curated import Curated
from publisher.gv100ad.labels import (
    ASSOCIATION_KINDS,
    GEOCODING_KEYS,
    SeatFinder,
    association_label,
    district_body,
    english_name,
    government_district_label,
    municipality_body_label,
    municipality_classification,
    name_base,
)
from publisher.gv100ad.links import NUTS_SOURCE, WIKIDATA_SOURCE, Links
from publisher.gv100ad.records import Edition, Record, Register
from publisher.gv100ad.turtle import Node, Statement, date, iri, km2, literal, typed
from publisher.vocab import NUTS, WIKIDATA

BODY = ["rl:AdministrativeBody", "m8g:PublicOrganisation", "org:FormalOrganization"]
SUM_OF_MUNICIPALITIES = "Summe der Gemeinden im GV100AD (berechnet)"
SUM_OF_MEMBERS = "Summe der Mitgliedsgemeinden (berechnet)"


class RegisterGraph:
    """Describe the records of one register, Land by Land, deferring to what the curated data says."""

    def __init__(
        self,
        register: Register,
        edition: Edition,
        curated: Curated,
        selection: set[str] | None = None,
        links: Links | None = None,
    ):
        self.register, self.edition, self.curated = register, edition, curated
        self.selection, self.links = selection, links or Links()
        self.levels = register.levels
        self.source = iri(f"id/source/destatis-gv100ad-{register.territorial_status.isoformat()}")
        self.figures_left_out = self.seats_as_notes = self.labels_taken_over = 0
        self.in_land: dict[str, list[Record]] = defaultdict(list)
        self.in_district: dict[str, list[Record]] = defaultdict(list)
        self.in_association: dict[str, list[Record]] = defaultdict(list)
        self.associations: dict[str, list[Record]] = defaultdict(list)
        for key, a in sorted(self.levels["50"].items()):
            if a.type_code in ASSOCIATION_KINDS:
                self.associations[key[:5]].append(a)
        for m in sorted(self.levels["60"].values(), key=lambda r: r.key):
            self.in_land[m.key[:2]].append(m)
            self.in_district[m.key[:5]].append(m)
            self.in_association[m.key[:9]].append(m)
        self.city_states = {
            land
            for land in self.levels["10"]
            if {k for k in self.levels["40"] if k[:2] == land} == {f"{land}000"} and self.kreisfrei(f"{land}000")
        }
        self.seats = SeatFinder(self.levels["60"].values(), self.municipality_key)

    # keys and containment

    def kreisfrei(self, district_key: str) -> bool:
        district = self.levels["40"].get(district_key)
        return district is not None and district.type_code in ("41", "42")

    def municipality_key(self, m: Record) -> str:
        """The key of a Gemeinde's IRI: the district key for a kreisfreie Stadt (one thing), else its ARS."""
        return m.key[:5] if self.kreisfrei(m.key[:5]) else m.key

    def upper_levels(self, key: str) -> list[str]:
        """The Land, Regierungsbezirk and Region of a district (those in the file) as IRIs."""
        found = [key[:2]] + [key[:n] for n, level in ((3, "20"), (4, "30")) if key[:n] in self.levels[level]]
        return [iri(f"id/territory/{k}") for k in found if k not in self.city_states]

    # statements that defer to the curated data

    def labels(self, path: str, own: str, lang: str = "de") -> tuple[list[str], list[str]]:
        """Return the prefLabel and altLabels: the curated label wins, and the register's becomes an altLabel."""
        given = self.curated.labels.get((path, lang))
        if given is None or given == own:
            return [literal(own, lang)], []
        self.labels_taken_over += 1
        return [literal(given, lang)], [literal(own, lang)]

    def figures(self, path: str, records: list[Record], note: str | None) -> list[Statement]:
        """Population and area as rl:Figure; left out where a curated file has a preferred one for the date."""
        statements: list[Statement] = []
        dates = {"population": self.edition.population_date, "area": self.register.territorial_status}
        values = {"population": str(sum(r.population for r in records)), "area": km2(sum(r.area_ha for r in records))}
        for name, value in values.items():
            if (path, name, dates[name].isoformat()) in self.curated.figures:
                self.figures_left_out += 1
                continue
            figure = Node(
                None,
                [
                    ("a", ["rl:Figure"]),
                    ("rdf:value", [value]),
                    ("rl:referenceDate", [date(dates[name])]),
                    ("rl:rank", ["rl:rank-preferred"]),
                    ("dct:source", [self.source]),
                    ("skos:note", [literal(note)] if note else []),
                ],
            )
            statements.append((f"rl:{name}", [figure]))
        return statements

    def seat(self, body: str, record: Record, district: str, note: str) -> list[Statement]:
        """Link a body to its seat's Gemeinde (the curated seat wins), or say the seat in a note."""
        if body in self.curated.seats:
            return [("rl:seat", [iri(self.curated.seats[body])])]
        if not record.seat:
            return []
        found = self.seats.find(record.seat, district)
        if found and self.selected(found):
            return [("rl:seat", [iri(f"id/territory/{found}")])]
        self.seats_as_notes += 1
        return [("skos:note", [literal(f"{note}: {record.seat}")])]

    def selected(self, key: str) -> bool:
        return self.selection is None or key in self.selection

    def nuts_note(self, key: str, records: list[Record]) -> list[Statement]:
        """Say when a district's area differs from the NUTS table's by over 1 %: its code named another extent."""
        then = self.links.nuts_areas.get(key, "")
        now = sum(r.area_ha for r in records)  # hectares
        if key not in self.links.nuts or not then or abs(now - float(then) * 100) <= float(then):
            return []
        text = (
            f"Fläche laut Kreistabelle vom 31.12.2018: {then} km², im Gemeindeverzeichnis {km2(now)} km²; "
            "der NUTS-3-Code (Fassung 2016) bezeichnet den Kreis in den Grenzen von damals."
        )
        return [("skos:note", [literal(text)])]

    def district_links(self, key: str) -> tuple[list[str], list[str], list[str]]:
        """The NUTS code, the NUTS and Wikidata links and the further sources of a district, where known."""
        code, qid = self.links.nuts.get(key), self.links.wikidata.get(key)
        codes = [typed(code, "rl:NUTS")] if code else []
        matches = ([iri(NUTS + code)] if code else []) + ([iri(WIKIDATA + qid)] if qid else [])
        sources = ([iri(NUTS_SOURCE)] if code else []) + ([iri(WIKIDATA_SOURCE)] if qid else [])
        return codes, matches, sources

    def territory(
        self,
        key: str,
        classes: list[str],
        label: str,
        codes: list[str],
        *rest: Statement,
        name: str | None = None,
        sources: list[str] | None = None,
    ) -> Node:
        """A territory with the statements every one has, in the order of the curated files.

        ``name`` is the register's own spelling, kept as skos:altLabel; ``sources`` are further sources.
        """
        path = f"id/territory/{key}"
        pref, alt = self.labels(path, label)
        # SKOS S13: a label that is the prefLabel is no altLabel as well
        alt += [literal(name)] if name is not None and literal(name) not in alt + pref else []
        statements: list[Statement] = [
            ("a", ["rl:Territory", *classes]),
            ("skos:prefLabel", pref),
            ("skos:notation", codes),
            ("skos:altLabel", alt),
        ]
        return Node(iri(path), statements + [*rest, ("dct:source", [self.source, *(sources or [])])])

    def body(self, key: str, classes: list[str], label: str, codes: list[str], kind: str, *rest: Statement) -> Node:
        """The body of a territory (CPOV: the organisation, with dct:spatial to its territory)."""
        path = f"id/organization/{key}"
        pref, alt = self.labels(path, label)
        english = self.curated.labels.get((path, "en")) or english_name(self.curated.labels.get((path, "de"), label))
        pref += [literal(english, "en")]
        return Node(
            iri(path),
            [
                ("a", [*classes, *BODY]),
                ("skos:prefLabel", pref),
                ("skos:notation", codes),
                ("skos:altLabel", alt),
                ("org:classification", [kind]),
                ("dct:spatial", [iri(f"id/territory/{key}")]),
                *rest,
                ("dct:source", [self.source]),
            ],
        )

    # things

    def land(self, land: Record) -> list[Node]:
        key = land.key
        if key in self.city_states:
            return []  # one thing with its district and Gemeinde, see city()
        codes = [typed(key, "rl:StateKey")]
        territory = self.territory(
            key,
            ["rl:StateTerritory"],
            land.name,
            codes,
            *self.figures(f"id/territory/{key}", self.in_land[key], SUM_OF_MUNICIPALITIES),
            ("skos:exactMatch", [iri(GEOCODING_KEYS["state"] + key)]),
        )
        seat = self.seat(f"id/organization/{key}", land, key, "Sitz der Landesregierung")
        return [territory, self.body(key, ["rl:Land"], f"Land {land.name}", codes, "rl:orgtype-land", *seat)]

    def upper_region(self, record: Record) -> Node:
        """A Regierungsbezirk or statistical region (Satzart 20) or a Region (30): a territory without a body."""
        key, government = record.key, record.level == "20"
        label = government_district_label(record.name) if government else record.name
        name = record.name if label != record.name else None
        within = [key[:2]] + ([key[:3]] if not government and key[:3] in self.levels["20"] else [])
        members = [m for m in self.in_land[key[:2]] if m.key.startswith(key)]
        return self.territory(
            key,
            ["rl:GovernmentDistrictTerritory" if government else "rl:PlanningRegionTerritory"],
            label,
            [typed(key, "rl:GovernmentDistrictKey" if government else "rl:PlanningRegionKey")],
            ("geo:sfWithin", [iri(f"id/territory/{k}") for k in within]),
            *self.figures(f"id/territory/{key}", members, SUM_OF_MUNICIPALITIES),
            ("skos:exactMatch", [iri(GEOCODING_KEYS["governmentDistrict"] + key)] if government else []),
            name=name,
        )

    def district(self, district: Record) -> list[Node]:
        key = district.key
        if district.type_code in ("41", "42"):
            return self.city(district, self.in_district[key][0])
        kind, label, classification = district_body(district)
        codes = [typed(key, "rl:DistrictKey")]
        nuts, matches, sources = self.district_links(key)
        territory = self.territory(
            key,
            ["rl:DistrictTerritory"],
            district.name,
            codes + nuts,
            ("geo:sfWithin", self.upper_levels(key)),
            *self.figures(f"id/territory/{key}", self.in_district[key], SUM_OF_MUNICIPALITIES),
            ("skos:exactMatch", [iri(GEOCODING_KEYS["district"] + key), *matches]),
            *self.nuts_note(key, self.in_district[key]),
            sources=sources,
        )
        seat = self.seat(f"id/organization/{key}", district, key, "Verwaltungssitz")
        return [territory, self.body(key, [kind], label, codes, classification, *seat)]

    def city(self, district: Record, m: Record) -> list[Node]:
        """A kreisfreie Stadt or city state: its Land, Kreis and Gemeinde records are one territory and one body."""
        key = district.key
        state = key[:2] in self.city_states
        codes = [typed(key, "rl:DistrictKey"), typed(m.ags, "rl:AGS"), typed(m.key, "rl:ARS")]
        codes += [typed(key[:2], "rl:StateKey")] if state else []
        nuts, links, sources = self.district_links(key)
        matches = [iri(GEOCODING_KEYS["district"] + key), *links]
        matches += [iri(GEOCODING_KEYS["state"] + key[:2])] if state else []
        territory = self.territory(
            key,
            ["rl:StateTerritory"] * state + ["rl:DistrictTerritory", "rl:MunicipalityTerritory"],
            name_base(m.name),
            codes[:1] + nuts + codes[1:],
            ("geo:sfWithin", self.upper_levels(key)),
            *self.figures(f"id/territory/{key}", [m], None),
            ("skos:exactMatch", matches),
            *self.nuts_note(key, [m]),
            sources=sources,
        )
        classes = ["rl:Land"] * state + ["rl:KreisfreieStadt", "rl:Gemeinde"]
        kind = "rl:orgtype-stadtstaat" if state else "rl:orgtype-kreisfreie-stadt"
        return [territory, self.body(key, classes, municipality_body_label(m), codes, kind)]

    def association(self, a: Record) -> list[Node]:
        """A Gemeindeverband: territory and body (Amt, Samtgemeinde, ...); an erfüllende Gemeinde has no body."""
        key = a.key
        kind, classification = ASSOCIATION_KINDS[a.type_code][1:]
        codes = [typed(key, "rl:MunicipalAssociationKey")]
        note = (
            f"Gebiet der erfüllenden Gemeinde {name_base(a.name)} (GV100AD-Textkennzeichen 58); kein eigener Verband."
        )
        territory = self.territory(
            key,
            ["rl:MunicipalAssociationTerritory"],
            association_label(a),
            codes,
            ("geo:sfWithin", [iri(f"id/territory/{key[:5]}")]),
            *self.figures(f"id/territory/{key}", self.in_association[key], SUM_OF_MEMBERS),
            ("skos:exactMatch", [iri(GEOCODING_KEYS["municipalAssociation"] + key)]),
            ("skos:note", [] if kind else [literal(note)]),
        )
        if kind is None or classification is None:
            return [territory]
        seat = self.seat(f"id/organization/{key}", a, key[:5], "Verwaltungssitz")
        return [territory, self.body(key, [kind], association_label(a), codes, classification, *seat)]

    def municipality(self, m: Record) -> list[Node]:
        """A Gemeinde or gemeindefreies Gebiet in a Kreis (or, for a few gemeindefreie Gebiete, in a Land)."""
        key = m.key
        codes = [typed(key, "rl:ARS"), typed(m.ags, "rl:AGS")]
        within = [key[:5]] if key[:5] in self.levels["40"] else [key[:2]]
        within += [key[:9]] if self.levels["50"][key[:9]].type_code in ASSOCIATION_KINDS else []
        unincorporated = m.type_code in ("65", "66")
        territory = self.territory(
            key,
            ["rl:UnincorporatedArea" if unincorporated else "rl:MunicipalityTerritory"],
            name_base(m.name),
            codes,
            ("geo:sfWithin", [iri(f"id/territory/{k}") for k in within]),
            *self.figures(f"id/territory/{key}", [m], None),
            ("skos:exactMatch", [iri(GEOCODING_KEYS["municipality"] + m.ags)]),
            name=m.name,  # as data/heidekreis.ttl does for every Gemeinde
        )
        if m.type_code == "66":
            return [territory]  # uninhabited: no body governs it
        classes = [] if unincorporated else ["rl:Gemeinde"]
        label, kind = municipality_body_label(m), municipality_classification(m)
        return [territory, self.body(key, classes, label, codes, kind)]

    def membership(self, m: Record) -> Node | None:
        """A Gemeinde's membership in its Amt, Samtgemeinde, Verbandsgemeinde etc. (ORG §5.4), if it has one."""
        a = self.levels["50"][m.key[:9]]
        if ASSOCIATION_KINDS.get(a.type_code, ("", None, None))[1] is None or m.type_code == "66":
            return None
        member, organization = municipality_body_label(m), association_label(a)
        path = f"id/membership/{a.key}/{m.key}"
        german, _ = self.labels(path, f"{member}: Mitglied von {organization}")
        english, _ = self.labels(path, f"{member}: member of {organization}", "en")
        return Node(
            iri(path),
            [
                ("a", ["org:Membership"]),
                ("skos:prefLabel", german + english),
                ("org:member", [iri(f"id/organization/{m.key}")]),
                ("org:organization", [iri(f"id/organization/{a.key}")]),
                ("org:role", ["rl:role-member"]),
                ("dct:source", [self.source]),
            ],
        )

    def sections(self, land: str) -> list[tuple[str, list[Node]]]:
        """All things of one Land, in sections sorted by key: Land, regions, then each Kreis with its parts."""
        record = self.levels["10"][land]
        found = [(f"Land {record.name}", self.land(record) if self.selected(land) else [])]
        for level in ("20", "30"):
            for key, region in sorted(self.levels[level].items()):
                if key[:2] == land and self.selected(key):
                    found.append((f"{region.name} ({key})", [self.upper_region(region)]))
        districts = {k for k in self.levels["40"] if k[:2] == land} | {m.key[:5] for m in self.in_land[land]}
        for key in sorted(districts):
            district = self.levels["40"].get(key)
            title = f"{district.name} ({key})" if district else f"ohne Kreis ({key})"
            found.append((title, self.district_nodes(key, district if self.selected(key) else None)))
        return found

    def district_nodes(self, key: str, district: Record | None) -> list[Node]:
        nodes = self.district(district) if district else []
        if self.kreisfrei(key):
            return nodes
        for a in self.associations[key]:
            nodes += self.association(a) if self.selected(a.key) else []
        municipalities = [m for m in self.in_district[key] if self.selected(m.key)]
        for m in municipalities:
            nodes += self.municipality(m)
        memberships = [self.membership(m) for m in municipalities if self.selected(m.key[:9])]
        return nodes + [n for n in memberships if n is not None]
