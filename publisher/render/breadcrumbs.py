"""Where a thing sits: the trail Land › district › association › thing, and a territory's body.

The trail follows ``geo:sfWithin`` from the thing's statements as the page shows them (of the page's
day on a page of another day) up through the administrative territories; an organisation's trail is
that of its territory (``dct:spatial``). A territory and the body whose territory it is link each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.render.html import Labeller, safe_href
from publisher.store.protocol import Store
from publisher.vocab import expand

#: The levels of the trail, outermost first.
LEVELS = [expand("rl:StateTerritory"), expand("rl:DistrictTerritory"), expand("rl:MunicipalAssociationTerritory")]
SF_WITHIN = expand("geo:sfWithin")
SPATIAL = expand("dct:spatial")


@dataclass
class Crumb:
    href: str
    label: str


@dataclass
class Trail:
    crumbs: list[Crumb] = field(default_factory=list)  # outermost first, the thing itself last
    bodies: list[Crumb] = field(default_factory=list)  # the bodies whose territory the thing is
    territories: list[Crumb] = field(default_factory=list)  # the territories of the thing (a body)


def objects(iri: str, quads: list[ox.Quad], predicate: str) -> list[str]:
    """The IRIs the thing has as values of ``predicate`` in ``quads``, sorted."""
    own = ox.NamedNode(iri)
    return sorted(
        {
            q.object.value
            for q in quads
            if q.subject == own and q.predicate.value == predicate and isinstance(q.object, ox.NamedNode)
        }
    )


def containers(store: Store, starts: list[str]) -> list[str]:
    """The administrative territories ``starts`` lie in (themselves included), outermost level first."""
    if not starts:
        return []
    values = " ".join(f"<{s}>" for s in starts)
    levels = " ".join(f"<{t}>" for t in LEVELS)
    rows = store.select(f"""
        SELECT DISTINCT ?t ?type WHERE {{
          VALUES ?start {{ {values} }} VALUES ?type {{ {levels} }}
          ?start geo:sfWithin* ?t . ?t a ?type .
        }}""")
    found: dict[str, int] = {}
    for r in rows:
        t, kind = r.get("t"), r.get("type")
        if t is not None and kind is not None:
            found[t.value] = min(found.get(t.value, 99), LEVELS.index(kind.value))
    # One per level: more than one (a change of that day) are all shown, in a stable order.
    return sorted(found, key=lambda t: (found[t], t))


def trail(store: Store, iri: str, quads: list[ox.Quad], lab: Labeller) -> Trail:
    """The trail of a thing's page and the links between a territory and its body."""
    territories = objects(iri, quads, SPATIAL)
    bodies: list[str] = []
    if territories:  # a body: its trail is its territory's
        within = [c for c in containers(store, territories) if c not in territories]
        path = within + territories
    else:
        path = containers(store, objects(iri, quads, SF_WITHIN))
        rows = store.select(f"SELECT DISTINCT ?b WHERE {{ ?b dct:spatial <{iri}> }} ORDER BY ?b")
        bodies = [r["b"].value for r in rows if isinstance(r.get("b"), ox.NamedNode)]  # type: ignore[union-attr]
    lab.learn(store.labels, path + bodies + territories)
    result = Trail(
        crumbs=[Crumb(safe_href(t), lab.label(t)) for t in path if t != iri],
        bodies=[Crumb(safe_href(b), lab.label(b)) for b in bodies],
        territories=[Crumb(safe_href(t), lab.label(t)) for t in territories],
    )
    if not result.crumbs and not result.bodies and not result.territories:
        return result
    result.crumbs.append(Crumb("", lab.label(iri)))
    return result
