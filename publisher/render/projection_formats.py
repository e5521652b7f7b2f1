"""A projection as JSON, as RDF statements, and as the SPARQL query that reproduces it.

The RDF describes the projection itself (rl:Projection, with its dates, the thing asked for, the
results and the change events on the way) next to what it shows of those things (labels, codes,
dates, types, before and after); the JSON says the same in a plain shape documented in the README.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pyoxigraph as ox

from publisher.render.projection import TERRITORY, Kind, Projection, Thing, iri_term
from publisher.vocab import (
    DCT,
    PROV,
    RDF_TYPE,
    RDFS_SEE_ALSO,
    RL,
    SKOS,
    SKOS_PREF_LABEL,
    VOID_IN_DATASET,
    XSD_DATE,
    XSD_STRING,
)

SKOS_NOTATION = ox.NamedNode(SKOS + "notation")


def projection_query(start: str, kind: Kind, first: dt.date, last: dt.date) -> str:
    """The SPARQL query that finds the results of a projection and the change that led to each.

    ``start`` is a group pattern that binds ``?start`` (a BIND or a code's triple patterns). The path from it
    is a sub-select of its own with the start bound in it: Virtuoso 7.2 refuses a path whose start a VALUES
    gives ("transitive start not given") and answers no rows when the path stands beside the OPTIONALs.
    A property path cannot check each step's date, so the query checks the last step's: it agrees with
    the step-by-step walk unless a thing that lives on through a change after ``last`` was changed before.
    """
    forward = first <= last
    ahead = f'> "{min(first, last)}" && SUBSTR(STR(?date), 1, 10) <= "{max(first, last)}"'
    enter, leave = (kind.original, kind.resulting) if forward else (kind.resulting, kind.original)
    short = {TERRITORY.original: "rl:originalTerritory", TERRITORY.resulting: "rl:resultingTerritory"}
    enter_name = short.get(enter, "org:" + enter.rsplit("#", 1)[-1])
    leave_name = short.get(leave, "org:" + leave.rsplit("#", 1)[-1])
    replaced = "dct:isReplacedBy" if forward else "^dct:isReplacedBy"
    path = f"(^{enter_name}/{leave_name}|{replaced})*"
    replacement = (
        "?earlier dct:isReplacedBy ?result ; prov:invalidatedAtTime ?ending"
        if forward
        else ("?result dct:isReplacedBy ?earlier ; prov:invalidatedAtTime ?ending")
    )
    return f"""PREFIX dct:  <{DCT}>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX prov: <{PROV}>
PREFIX rl:   <{RL}>
PREFIX skos: <{SKOS}>

# What the {kind.name} valid on {first} {"became" if forward else "came from"} on {last}: what its change events
# (and dct:isReplacedBy) lead to that is valid on {last}, with the change that led to each.
SELECT DISTINCT ?result ?name ?change ?date
WHERE {{
  {{ SELECT ?start ?result WHERE {{ {start} ?start {path} ?result }} }}
  OPTIONAL {{ ?result prov:generatedAtTime ?born }}
  OPTIONAL {{ ?result prov:invalidatedAtTime ?ended }}
  FILTER (!BOUND(?born) || SUBSTR(STR(?born), 1, 10) <= "{last}")
  FILTER (!BOUND(?ended) || SUBSTR(STR(?ended), 1, 10) > "{last}")
  OPTIONAL {{
    ?change {leave_name} ?result ; {enter_name} ?prior ; dct:date ?date .
    FILTER (SUBSTR(STR(?date), 1, 10) {ahead} && EXISTS {{ ?start {path} ?prior }})
  }}
  FILTER (?result = ?start || BOUND(?change) || EXISTS {{
    ?start {path} ?earlier . {replacement} .
    FILTER (SUBSTR(STR(?ending), 1, 10) {ahead.replace("?date", "?ending")})
  }})
  OPTIONAL {{ ?result skos:prefLabel ?name FILTER (LANG(?name) = "de") }}
}}
ORDER BY ?name ?result ?date ?change
"""


def start_by_iri(iri: str) -> str:
    """The group pattern of :func:`projection_query` for a thing given by IRI."""
    return f"BIND ({iri_term(iri)} AS ?start)"


def query_url(endpoint: str, p: Projection) -> str:
    """The address of the SPARQL endpoint that runs the query reproducing ``p``."""
    query = projection_query(start_by_iri(p.thing.iri), p.kind, p.start, p.end)
    return f"{endpoint}?{urlencode({'query': query})}"


def code_json(thing: Thing) -> list[dict[str, str]]:
    return [{"code": value, "type": datatype} for value, datatype in thing.codes]


def projection_json(p: Projection, here: str, sparql: str) -> dict[str, object]:
    """The plain JSON of a projection (the README's shape): dates, input, results, events, the query."""
    return {
        "@id": here,
        "from": p.start.isoformat(),
        "to": p.end.isoformat(),
        "direction": "backwards" if p.backwards else "forwards",
        "input": {"code": p.code, "thing": p.thing.iri, "label": p.thing.label, "codes": code_json(p.thing)},
        "results": [{"thing": t.iri, "label": t.label, "codes": code_json(t)} for t in p.results],
        "events": [
            {
                "event": c.iri,
                "date": c.date.isoformat(),
                "label": c.label,
                "types": [notation for _, notation in c.types],
                "from": list(c.before),
                "to": list(c.after),
            }
            for c in p.changes
        ],
        "sparql": sparql,
    }


def thing_quads(t: Thing) -> list[ox.Quad]:
    subject = ox.NamedNode(t.iri)
    quads = [ox.Quad(subject, SKOS_PREF_LABEL, ox.Literal(t.label, language=t.language or None))]
    return quads + [
        ox.Quad(subject, SKOS_NOTATION, ox.Literal(value, datatype=ox.NamedNode(RL + datatype)))
        for value, datatype in t.codes
    ]


def projection_quads(p: Projection, here: str, sparql: str, dataset: str) -> list[ox.Quad]:
    """The projection as RDF: the rl:Projection document, and what it shows of each thing and change."""
    doc = ox.NamedNode(here)

    def about(predicate: str, value: ox.NamedNode | ox.Literal) -> ox.Quad:
        return ox.Quad(doc, ox.NamedNode(RL + predicate), value)

    quads = [
        ox.Quad(doc, RDF_TYPE, ox.NamedNode(RL + "Projection")),
        about("projectionOf", ox.NamedNode(p.thing.iri)),
        about("projectionFrom", ox.Literal(p.start.isoformat(), datatype=XSD_DATE)),
        about("projectionTo", ox.Literal(p.end.isoformat(), datatype=XSD_DATE)),
        ox.Quad(doc, RDFS_SEE_ALSO, ox.NamedNode(sparql)),
        ox.Quad(doc, VOID_IN_DATASET, ox.NamedNode(dataset)),
    ]
    if p.code is not None:
        typed = [d for v, d in p.thing.codes if v.upper() == p.code.upper()]
        datatype = ox.NamedNode(RL + typed[0]) if typed else XSD_STRING
        quads.append(about("projectionCode", ox.Literal(p.code, datatype=datatype)))
    quads += thing_quads(p.thing)
    for t in p.results:
        quads += [about("projectionResult", ox.NamedNode(t.iri)), *thing_quads(t)]
    for c in p.changes:
        event = ox.NamedNode(c.iri)
        quads += [
            about("projectionChange", event),
            ox.Quad(event, ox.NamedNode(DCT + "date"), ox.Literal(c.date.isoformat(), datatype=XSD_DATE)),
            ox.Quad(event, SKOS_PREF_LABEL, ox.Literal(c.label, language=c.language or None)),
        ]
        quads += [ox.Quad(event, ox.NamedNode(DCT + "type"), ox.NamedNode(iri)) for iri, _ in c.types]
        quads += [ox.Quad(event, ox.NamedNode(p.kind.original), ox.NamedNode(b)) for b in c.before]
        quads += [ox.Quad(event, ox.NamedNode(p.kind.resulting), ox.NamedNode(a)) for a in c.after]
    return quads
