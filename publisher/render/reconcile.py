"""The index of the reconciliation service: territories and organisations by name, code and type.

Read once per build and process from the store (one query for names, codes, types and links, one for
population figures) and searched in memory, so a batch of queries asks the store nothing. Names are
compared folded (:func:`fold`: case, umlauts and ``ß``, punctuation) and with the designation the register
writes before or after a name taken apart (``Stadt Walsrode``, ``Walsrode, Stadt``, ``Landkreis Heidekreis``:
:func:`designated`), on top of the plain lower-casing of the 404 hints (:mod:`publisher.render.suggest`).
Scores run from 0 to 100; a candidate is a ``match`` only when it is the one candidate scoring 100.
Lifespans, successors and memberships come from the :class:`~publisher.render.asof.Timeline` (``at``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.render.asof import Timeline, day_of, lexical_of
from publisher.render.suggest import kind_of
from publisher.store.protocol import Store
from publisher.vocab import NUTS, RL, WIKIDATA

#: Designations the register writes before a name (longest first) or after it behind a comma.
DESIGNATIONS = (
    "freie und hansestadt", "landeshauptstadt", "kreisfreie stadt", "samtgemeinde", "verbandsgemeinde",
    "hansestadt", "landkreis", "gemeinde", "flecken", "region", "kreis", "stadt", "land", "amt", "markt",
)  # fmt: skip
#: What a query may ask of a candidate's codes, by the datatype of its skos:notation.
CODE_TYPES = {
    RL + "AGS": "ags", RL + "ARS": "ars", RL + "DistrictKey": "district-key", RL + "StateKey": "land-key",
    RL + "NUTS": "nuts", RL + "MunicipalAssociationKey": "association-key",
    RL + "GovernmentDistrictKey": "government-district-key", RL + "PlanningRegionKey": "planning-region-key",
}  # fmt: skip
#: The properties of data extension and of query refinement: id → (German name, English name).
PROPERTIES = {
    "ags": ("Amtlicher Gemeindeschlüssel (AGS)", "municipality key (AGS)"),
    "ars": ("Amtlicher Regionalschlüssel (ARS)", "regional key (ARS)"),
    "district-key": ("Kreisschlüssel", "district key"),
    "land-key": ("Landesschlüssel", "Land key"),
    "nuts": ("NUTS-Code", "NUTS code"),
    "wikidata": ("Wikidata-Kennung", "Wikidata ID"),
    "parent": ("Liegt in", "within"),
    "population": ("Einwohner (letzte Zahl)", "population (latest figure)"),
    "successor": ("Nachfolger", "successor"),
    "memberships": ("Mitglied in", "member of"),
}
#: The types offered as defaults (by local name in the ontology), most useful first.
DEFAULT_TYPES = (
    "MunicipalityTerritory", "DistrictTerritory", "StateTerritory", "Gemeinde", "Landkreis", "KreisfreieStadt",
    "Land", "Samtgemeinde", "Cooperation", "MetropolitanRegion", "LeaderRegion",
)  # fmt: skip
#: The territories data extension names as a thing's parent.
PARENT_TYPES = {RL + "StateTerritory", RL + "DistrictTerritory", RL + "MunicipalAssociationTerritory"}
FUZZY = 0.8  # the least similarity of folded names for a candidate that is no full match
LIMIT = 25  # candidates per query unless asked for fewer
MAX_LIMIT = 100
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
NOT_WORD = re.compile(r"[^0-9a-z]+")
#: A qualifier in brackets at the end of a name: ``Walsrode (bis 2019)``, ``Verden (Aller)``.
QUALIFIER = re.compile(r"\s*\([^()]*\)\s*$")


def fold(text: str) -> str:
    """A name as compared: lower-cased (as the 404 hints do), umlauts as ``ae``/``oe``/``ue``, ``ß`` as ``ss``,
    other accents dropped, punctuation as single spaces."""
    lowered = unicodedata.normalize("NFC", text).lower().translate(UMLAUTS)
    plain = "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))
    return NOT_WORD.sub(" ", plain).strip()


def designated(text: str) -> tuple[str, str]:
    """(designation, folded name) of a name: ``Stadt Walsrode`` and ``Walsrode, Stadt`` are both
    ("stadt", "walsrode"); a name without a designation has ""."""
    head, _, tail = text.partition(",")
    folded_tail = fold(tail)
    if folded_tail in DESIGNATIONS:
        return folded_tail, fold(head)
    folded = fold(text)
    for word in DESIGNATIONS:
        if folded.startswith(word + " ") and len(folded) > len(word) + 1:
            return word, folded[len(word) + 1 :]
    return "", folded


@dataclass
class Entity:
    """A territory or organisation as the service shows it."""

    key: str  # the IRI after {base}id/: the service's identifier
    iri: str
    names: dict[str, str] = field(default_factory=dict)  # language → preferred label
    labels: list[tuple[str, str]] = field(default_factory=list)  # (label, kind: pref, alt, former)
    types: list[str] = field(default_factory=list)
    codes: dict[str, list[str]] = field(default_factory=dict)  # property id → codes
    parents: list[str] = field(default_factory=list)  # IRIs: geo:sfWithin (territories) or of dct:spatial's
    spatial: list[str] = field(default_factory=list)
    replaced_by: list[str] = field(default_factory=list)
    population: tuple[dt.date, int] | None = None

    def name(self, lang: str = "de") -> str:
        return self.names.get(lang) or self.names.get("de") or next(iter(sorted(self.names.values())), self.key)

    def all_codes(self) -> set[str]:
        return {code.upper() for codes in self.codes.values() for code in codes}


@dataclass
class Candidate:
    entity: Entity
    score: float
    features: dict[str, float] = field(default_factory=dict)


class BadQuery(ValueError):
    """A query that cannot be answered as asked: a 400 naming why."""


class ReconcileIndex:
    """Every territory and organisation of a build, by folded name, designation and code."""

    def __init__(self, entities: Iterable[Entity], timeline: Timeline | None, type_names: dict[str, dict[str, str]]):
        self.entities = {e.key: e for e in entities}
        self.by_iri = {e.iri: e for e in self.entities.values()}
        self.timeline = timeline
        self.type_names = type_names
        self.by_name: dict[str, list[tuple[str, str, str]]] = {}  # core → (key, designation, label kind)
        self.by_code: dict[str, list[str]] = {}
        for e in self.entities.values():
            for label, kind in e.labels:
                for written in {label, QUALIFIER.sub("", label)}:  # "Walsrode (bis 2019)" is also "Walsrode"
                    designation, core = designated(written)
                    if core and (e.key, designation, kind) not in self.by_name.get(core, []):
                        self.by_name.setdefault(core, []).append((e.key, designation, kind))
            for code in e.all_codes():
                self.by_code.setdefault(code, []).append(e.key)
        self.cores = sorted(self.by_name)

    # --- types and properties -------------------------------------------------------------------
    def type_name(self, iri: str, lang: str = "en") -> str:
        names = self.type_names.get(iri, {})
        return names.get(lang) or names.get("en") or iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def known_types(self) -> list[str]:
        return sorted({t for e in self.entities.values() for t in e.types})

    def default_types(self) -> list[str]:
        known = set(self.known_types())
        return [RL + local for local in DEFAULT_TYPES if RL + local in known]

    def resolve_type(self, asked: str) -> str:
        """The type IRI of ``asked`` (an IRI, ``rl:Name`` or the local name), or :class:`BadQuery`."""
        for candidate in (asked, RL + asked.removeprefix("rl:")):
            if candidate in self.type_names or any(candidate in e.types for e in self.entities.values()):
                return candidate
        raise BadQuery(f"unknown type {asked!r}: the types are listed at suggest/type (e.g. {RL}Gemeinde)")

    # --- matching ---------------------------------------------------------------------------------
    def exists(self, entity: Entity, day: dt.date | None) -> bool:
        if self.timeline is None:
            return True
        return self.timeline.state(entity.iri, day or dt.date.today()) == "exists"

    def match(
        self,
        query: str,
        types: list[str] | None = None,
        properties: list[tuple[str, list[str]]] | None = None,
        day: dt.date | None = None,
        limit: int = LIMIT,
    ) -> list[Candidate]:
        """Candidates for ``query`` (a name or a code), best first; ``match`` is for the caller to set on the
        one candidate with 100 (:func:`is_match`). Without ``day``, things that have ended score 15 less."""
        if not 0 < limit <= MAX_LIMIT:
            raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}")
        for pid, _ in properties or []:
            if pid not in PROPERTIES:
                raise BadQuery(f"unknown property {pid!r}: the properties are {', '.join(sorted(PROPERTIES))}")
        wanted = set(types or [])
        found: dict[str, Candidate] = {}

        def offer(key: str, score: float, feature: str) -> None:
            e = self.entities[key]
            if wanted and not wanted.intersection(e.types):
                return
            if day is not None and not self.exists(e, day):
                return
            current = found.get(key)
            if current is None or current.score < score:
                found[key] = Candidate(e, score, {feature: score})

        code = re.sub(r"\s+", "", query).upper()
        wikidata = code.rsplit("/", 1)[-1]
        for key in self.by_code.get(code, []) + self.by_code.get(wikidata, []):
            offer(key, 100, "code")
        designation, core = designated(query)
        for key, their, kind in self.by_name.get(core, []):
            if designation == their or not designation:
                score = 100 if kind != "former" or self.named_so(key, core, day) else 95
            else:
                score = 90 if not their else 80
            offer(key, score, "name")
        if core and not any(c.score >= 100 for c in found.values()):  # near names only when nothing is exact
            for near in difflib.get_close_matches(core, self.cores, n=limit, cutoff=FUZZY):
                similarity = difflib.SequenceMatcher(None, core, near).ratio()
                for key, _, _ in self.by_name[near]:
                    offer(key, round(80 * similarity, 1), "similar-name")
        for candidate in found.values():
            if day is None and not self.exists(candidate.entity, None):
                candidate.score -= 15
            for pid, values in properties or []:
                if self.has_value(candidate.entity, pid, values, day):
                    candidate.score = min(100, candidate.score + 5)
                    candidate.features[pid] = 1
                else:
                    candidate.score -= 20
                    candidate.features[pid] = 0
            candidate.score = max(0.0, candidate.score)
        ranked = sorted(found.values(), key=lambda c: (-c.score, c.entity.name(), c.entity.key))
        return ranked[:limit]

    def named_so(self, key: str, core: str, day: dt.date | None) -> bool:
        """Whether a former name of ``key`` (folded to ``core``) was its name on ``day`` (never when None)."""
        if day is None or self.timeline is None:
            return False
        former = self.timeline.former.get(self.entities[key].iri, [])
        return any(designated(label)[1] == core and day < renamed for label, _, renamed in former)

    def has_value(self, entity: Entity, pid: str, values: list[str], day: dt.date | None) -> bool:
        """Whether one of ``values`` is a value of ``pid`` of ``entity`` (by code, key or folded name)."""
        asked = {fold(v) for v in values} | {v.strip().upper() for v in values}
        for value in self.extend(entity.key, pid, day):
            shown = {str(value.get("str", "")).upper(), str(value.get("int", ""))}
            if "id" in value:
                other = self.entities.get(str(value["id"]))
                shown |= {str(value["id"]).upper(), fold(str(value["name"]))}
                if other is not None:
                    shown |= other.all_codes() | {designated(label)[1] for label, _ in other.labels}
            if asked & shown:
                return True
        return False

    def suggest(self, prefix: str, types: list[str] | None = None, limit: int = 10) -> list[Entity]:
        """Things whose folded name (without designation) or code begins with ``prefix``, shortest first."""
        designation, core = designated(prefix)
        code = prefix.strip().upper()
        hits = [key for name, rows in self.by_name.items() if core and name.startswith(core) for key, _, _ in rows]
        hits += [key for c, keys in self.by_code.items() if code and c.startswith(code) for key in keys]
        wanted = set(types or [])
        chosen = {k for k in hits if not wanted or wanted.intersection(self.entities[k].types)}
        ordered = sorted(chosen, key=lambda k: (not self.exists(self.entities[k], None), len(self.entities[k].name()),
                                                 self.entities[k].name(), k))  # fmt: skip
        return [self.entities[k] for k in ordered[:limit]]

    # --- data extension ---------------------------------------------------------------------------
    def reference(self, iri: str, lang: str = "de") -> dict[str, str | int | float] | None:
        other = self.by_iri.get(iri)
        return {"id": other.key, "name": other.name(lang)} if other is not None else None

    def administrative(self, iri: str) -> bool:
        """Whether ``iri`` is a Land, district or Samtgemeinde territory (a parent, not a region it lies in)."""
        other = self.by_iri.get(iri)
        return other is not None and bool(PARENT_TYPES.intersection(other.types))

    def extend(self, key: str, pid: str, day: dt.date | None, lang: str = "de") -> list[dict[str, str | int | float]]:
        """The values of property ``pid`` of ``key`` (on ``day``, today when None) as the extension shows them."""
        e = self.entities.get(key)
        if e is None:
            return []
        if pid in e.codes or pid in PROPERTIES and pid not in ("parent", "population", "successor", "memberships"):
            return [{"str": code} for code in sorted(e.codes.get(pid, []))]
        refs: list[dict[str, str | int | float] | None] = []
        if pid == "population":
            return [{"int": e.population[1]}] if e.population is not None else []
        if pid == "parent":
            refs = [self.reference(iri, lang) for iri in sorted(e.parents) if self.administrative(iri)]
        elif pid == "successor" and self.timeline is not None:
            after = set(self.timeline.after.get(e.iri, [])) | set(e.replaced_by)
            refs = [self.reference(iri, lang) for iri in sorted(after)]
        elif pid == "memberships" and self.timeline is not None:
            spans = self.timeline.memberships_of(e.iri, day or dt.date.today())
            refs = [self.reference(iri, lang) for iri in sorted({s.organization for s in spans})]
        return [r for r in refs if r is not None]

    def description(self, e: Entity, lang: str = "de") -> str:
        kinds = [self.type_name(t, lang) for t in e.types if t.startswith(RL) and t.rsplit("#", 1)[-1] in DEFAULT_TYPES]
        parents = [self.by_iri[p].name(lang) for p in sorted(e.parents) if p in self.by_iri]
        codes = sorted(e.all_codes())
        parts = [", ".join(kinds[:2]), " / ".join(parents[:2]), " ".join(codes[:3])]
        ended = self.timeline is not None and self.timeline.state(e.iri, dt.date.today()) == "ended"
        return " · ".join(p for p in parts if p) + (" († )" if ended else "")


def is_match(candidates: list[Candidate]) -> set[str]:
    """The key of the one candidate scoring 100, or nothing when none or several do."""
    full = [c.entity.key for c in candidates if c.score >= 100]
    return set(full) if len(full) == 1 else set()


ENTITY_QUERY = """
SELECT ?s ?p ?o WHERE {
  VALUES ?p { rdf:type skos:prefLabel skos:altLabel rl:formerLabel skos:notation skos:exactMatch owl:sameAs
              geo:sfWithin dct:spatial dct:isReplacedBy }
  ?s ?p ?o .
  FILTER (STRSTARTS(STR(?s), "%(base)sid/territory/") || STRSTARTS(STR(?s), "%(base)sid/organization/"))
}"""
POPULATION_QUERY = """
SELECT ?s ?value ?date WHERE {
  ?s rl:population ?f . ?f rdf:value ?value ; rl:referenceDate ?date .
  FILTER (STRSTARTS(STR(?s), "%(base)sid/territory/") || STRSTARTS(STR(?s), "%(base)sid/organization/"))
}"""
TYPE_QUERY = """
SELECT ?t ?label WHERE { ?t a owl:Class ; rdfs:label ?label . FILTER (STRSTARTS(STR(?t), "%(rl)s")) }"""


def build_index(store: Store, base: str, timeline: Timeline | None) -> ReconcileIndex:
    """Read every territory and organisation of the store into an index (two queries, one for type names)."""
    entities: dict[str, Entity] = {}
    prefix = base + "id/"
    for r in store.select(ENTITY_QUERY % {"base": base}):
        s, p, o = lexical_of(r.get("s")), lexical_of(r.get("p")), r.get("o")
        if o is None:
            continue
        e = entities.setdefault(s, Entity(s[len(prefix) :], s))
        local = p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if isinstance(o, ox.Literal):
            if local == "prefLabel":
                e.names.setdefault(o.language or "", o.value)
                e.labels.append((o.value, "pref"))
            elif local in ("altLabel", "formerLabel"):
                e.labels.append((o.value, "alt" if local == "altLabel" else "former"))
            elif local == "notation" and o.datatype.value in CODE_TYPES:
                e.codes.setdefault(CODE_TYPES[o.datatype.value], []).append(o.value)
            continue
        if local == "type":
            e.types.append(o.value)
        elif local in ("exactMatch", "sameAs") and o.value.startswith(WIKIDATA):
            e.codes.setdefault("wikidata", []).append(o.value[len(WIKIDATA) :])
        elif local in ("exactMatch", "sameAs") and o.value.startswith(NUTS):
            if o.value[len(NUTS) :] not in e.codes.get("nuts", []):
                e.codes.setdefault("nuts", []).append(o.value[len(NUTS) :])
        elif local == "sfWithin":
            e.parents.append(o.value)
        elif local == "spatial":
            e.spatial.append(o.value)
        elif local == "isReplacedBy":
            e.replaced_by.append(o.value)
    for r in store.select(POPULATION_QUERY % {"base": base}):
        e_or_none = entities.get(lexical_of(r.get("s")))
        day, value = day_of(r.get("date")), r.get("value")
        if e_or_none is None or day is None or not isinstance(value, ox.Literal):
            continue
        try:
            figure = (day, int(float(value.value)))
        except ValueError:
            continue
        if e_or_none.population is None or figure > e_or_none.population:
            e_or_none.population = figure
    for e in entities.values():
        # A body lies where its territory lies; its own population is its territory's.
        for territory in e.spatial:
            place = entities.get(territory)
            if place is not None:
                e.parents = e.parents or place.parents
                e.population = e.population or place.population
        e.types.sort()
        e.parents = sorted(set(e.parents))
        e.labels = sorted(set(e.labels))
        e.codes = {k: sorted(set(v)) for k, v in e.codes.items()}
    type_names: dict[str, dict[str, str]] = {}
    for r in store.select(TYPE_QUERY % {"rl": RL}):
        label = r.get("label")
        if isinstance(label, ox.Literal):
            type_names.setdefault(lexical_of(r.get("t")), {}).setdefault(label.language or "", label.value)
    kept = [e for e in entities.values() if e.labels and kind_of(e.key) in ("territory/", "organization/")]
    return ReconcileIndex(kept, timeline, type_names)
