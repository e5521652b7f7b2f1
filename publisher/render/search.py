"""Search by name or code: an index of every labelled or coded thing, read once per build, searched in memory.

Every thing under ``{base}id/`` with a label (skos:prefLabel, skos:altLabel, rl:formerLabel, any
language) or a code (skos:notation: AGS, ARS, district, Land and association keys, NUTS) is in the
index, ended things too (Walsrode's old key 03358022 finds the Walsrode that ended in 2019). The
index is made from three SELECTs (names and codes, types, the ontology's subclasses) and the
lifespans of :func:`publisher.render.asof.lifespans`, so it is the same over an embedded and a remote
store; a request then costs a dictionary look-up, a binary search and one scan of the folded names.

Names and codes are compared by :func:`publisher.render.suggest.fold` (the normalisation of the 404
hints): case, umlauts (ü = ue = u) and ß/ss do not matter. Ranking: an exact code first (score 4),
then an exact name (3), a name or code that begins with the words (2), one that holds them (1); among
equals, things that exist on the day asked before ended ones, then the shorter label, the label, the IRI.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from publisher.render import asof
from publisher.render.html import Labeller
from publisher.render.suggest import fold
from publisher.store.protocol import Store
from publisher.vocab import RL

CODE, EXACT, PREFIX, SUBSTRING = 4, 3, 2, 1
#: Properties whose values name a thing.
NAME_PROPERTIES = ("skos:prefLabel", "skos:altLabel", "rl:formerLabel")
#: How many words a query may have; a longer one is cut (no name has more).
MAX_QUERY = 200


@dataclass
class Thing:
    """What a result shows of a thing."""

    iri: str
    labels: dict[str, str] = field(default_factory=dict)  # language -> skos:prefLabel
    names: set[str] = field(default_factory=set)  # every name, any language
    codes: set[tuple[str, str]] = field(default_factory=set)  # (value, datatype IRI)
    types: set[str] = field(default_factory=set)
    replaced_by: set[str] = field(default_factory=set)
    begin: dt.date | None = None
    end: dt.date | None = None

    def label(self, lang: str) -> str:
        for choice in (lang, "de", "en", ""):
            if choice in self.labels:
                return self.labels[choice]
        return min(self.names) if self.names else self.iri

    def exists(self, day: dt.date) -> bool:
        return asof.Lifespan(self.begin, self.end).state(day) == "exists"


@dataclass(frozen=True)
class Hit:
    thing: Thing
    score: int


class SearchIndex:
    """Things by folded code and folded name."""

    def __init__(self, things: Iterable[Thing], type_labels: dict[str, dict[str, str]], base: str):
        self.things = sorted(things, key=lambda t: t.iri)
        self.type_labels, self.base = type_labels, base
        self.by_code: dict[str, set[int]] = {}
        self.by_name: dict[str, set[int]] = {}
        for i, thing in enumerate(self.things):
            for value, _ in thing.codes:
                self.by_code.setdefault(fold(value), set()).add(i)
            for name in thing.names | {value for value, _ in thing.codes}:
                self.by_name.setdefault(fold(name), set()).add(i)
        #: Every folded name and code, sorted: the names beginning with the words are one slice of it.
        self.names = sorted(self.by_name)
        #: The same names as one text, one a line, so that a substring is found by str.find, not a loop.
        self.text = "\n".join(self.names)
        self.starts = list(itertools.accumulate((len(n) + 1 for n in self.names[:-1]), initial=0))

    def search(self, query: str, day: dt.date | None = None) -> list[Hit]:
        """Every thing the query finds (existing on ``day`` when given), best first."""
        needle = fold(query[:MAX_QUERY])
        if not needle:
            return []
        best: dict[int, int] = {}

        def found(indices: Iterable[int], score: int) -> None:
            for i in indices:
                if best.get(i, 0) < score:
                    best[i] = score

        found(self.by_code.get(needle, ()), CODE)
        found(self.by_name.get(needle, ()), EXACT)
        start = bisect.bisect_left(self.names, needle)
        end = start
        while end < len(self.names) and self.names[end].startswith(needle):
            end += 1
        for name in self.names[start:end]:
            found(self.by_name[name], PREFIX)
        if "\n" not in needle:
            at = self.text.find(needle)
            while at >= 0:
                line = bisect.bisect_right(self.starts, at) - 1
                found(self.by_name[self.names[line]], SUBSTRING)
                at = self.text.find(needle, self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text))
        hits = [Hit(self.things[i], score) for i, score in best.items()]
        if day is not None:
            hits = [h for h in hits if h.thing.exists(day)]
        today = day or dt.date.today()
        return sorted(hits, key=lambda h: (-h.score, not h.thing.exists(today), *order(h.thing)))

    def type_label(self, thing: Thing, lang: str) -> str:
        """What the thing is: the labels of its most specific types, in the page language."""
        lab = Labeller(self.type_labels, self.base, lang)
        return ", ".join(sorted({lab.label(t) for t in thing.types}))

    def label_of(self, iri: str, lang: str) -> str:
        """The label of a thing in the index (a successor of an ended thing), else its IRI."""
        at = bisect.bisect_left(self.things, iri, key=lambda t: t.iri)
        if at < len(self.things) and self.things[at].iri == iri:
            return self.things[at].label(lang)
        return iri


def order(thing: Thing) -> tuple[int, str, str]:
    """Among results of one score: the shorter German label first, then the label, then the IRI."""
    label = thing.label("de")
    return len(label), label, thing.iri


def most_specific(types: set[str], broader: dict[str, set[str]]) -> set[str]:
    """The types of ``types`` that no other of them is a subclass of, those of the project's vocabulary
    when there are any (a territory is an rl:MunicipalityTerritory rather than a geo:Feature)."""
    narrow = {t for t in types if not any(t in broader.get(u, set()) for u in types if u != t)}
    own = {t for t in narrow if t.startswith(RL)}
    return own or narrow


def read_index(store: Store, base: str) -> SearchIndex:
    """Read every name, code, type and lifespan of the things under ``{base}id/`` and index them."""
    prefix = base + "id/"
    things: dict[str, Thing] = {}
    names = " ".join(NAME_PROPERTIES)
    rows = store.select(f"""
        SELECT ?s ?p ?o WHERE {{
          VALUES ?p {{ {names} skos:notation dct:isReplacedBy }}
          ?s ?p ?o FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{prefix}"))
        }}""")
    for r in rows:
        s, p, o = r["s"], r["p"], r["o"]
        if s is None or p is None or o is None:
            continue
        thing = things.setdefault(s.value, Thing(s.value))
        if p.value.endswith("#notation"):
            datatype = getattr(o, "datatype", None)
            thing.codes.add((o.value, datatype.value if datatype is not None else ""))
        elif p.value.endswith("/isReplacedBy"):
            thing.replaced_by.add(o.value)
        else:
            thing.names.add(o.value)
            language = getattr(o, "language", None) or ""
            if p.value.endswith("#prefLabel") and (language not in thing.labels or o.value < thing.labels[language]):
                thing.labels[language] = o.value
    broader: dict[str, set[str]] = {}
    for r in store.select("SELECT DISTINCT ?a ?b WHERE { ?a rdfs:subClassOf+ ?b FILTER (isIRI(?a) && isIRI(?b)) }"):
        if r["a"] is not None and r["b"] is not None:
            broader.setdefault(r["a"].value, set()).add(r["b"].value)
    types: dict[str, set[str]] = {}
    for r in store.select(f"""
        SELECT DISTINCT ?s ?t WHERE {{ ?s a ?t FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{prefix}")) }}"""):
        if r["s"] is not None and r["t"] is not None and r["s"].value in things:
            types.setdefault(r["s"].value, set()).add(r["t"].value)
    for iri, of_thing in types.items():
        things[iri].types = most_specific(of_thing, broader)
    for iri, span in asof.lifespans(store).items():
        if iri in things:
            things[iri].begin, things[iri].end = span.begin, span.end
    kept = [t for t in things.values() if t.names or t.codes]
    type_iris = sorted({t for thing in kept for t in thing.types})
    return SearchIndex(kept, store.labels(type_iris) if type_iris else {}, base)
