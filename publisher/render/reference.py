"""What the reference pages of the ontology (/def) and the shapes (/shapes) show, read from their graphs.

Like :mod:`publisher.render.page_data`, every query is asked here of a :class:`Store` and shaped into
plain data for a template.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from publisher.render.html import Labeller
from publisher.render.page_data import val
from publisher.store.protocol import Store
from publisher.vocab import ONTOLOGY_IRI, RL, SHAPES_IRI


def graph_quads(store: Store, graphs: list[str]) -> list[ox.Quad]:
    """Every quad of ``graphs``, graph by graph."""
    return [q for g in graphs for q in store.graph(g)]


def texts(store: Store, iri: str, prop: str) -> dict[str, str]:
    """``{language: text}`` of one property of a term in the ontology graph."""
    rows = store.select(f"SELECT ?t WHERE {{ GRAPH <{ONTOLOGY_IRI}> {{ <{iri}> {prop} ?t }} }}")
    return {t.language or "": t.value for r in rows if isinstance(t := r["t"], ox.Literal)}


def ontology_terms(store: Store, kind: str) -> list[dict[str, Any]]:
    """The ontology's terms of one kind (``owl:Class``, ...) with labels, definitions, supers, domain, range."""
    rows = store.select(f"""
        SELECT ?t (GROUP_CONCAT(DISTINCT STR(?super); separator=" ") AS ?supers)
               (SAMPLE(?d) AS ?domain) (SAMPLE(?r) AS ?range) WHERE {{
          GRAPH <{ONTOLOGY_IRI}> {{ ?t a {kind} FILTER STRSTARTS(STR(?t), "{RL}")
            OPTIONAL {{ ?t rdfs:subClassOf ?super }}
            OPTIONAL {{ ?t rdfs:domain ?d }} OPTIONAL {{ ?t rdfs:range ?r }} }}
        }} GROUP BY ?t ORDER BY ?t""")
    out = []
    for r in rows:
        iri = val(r, "t")
        out.append(
            {
                "iri": iri,
                "name": iri[len(RL) :],
                "labels": texts(store, iri, "rdfs:label"),
                "definitions": texts(store, iri, "skos:definition"),
                "supers": (r["supers"].value.split() if r["supers"] else []),
                "domain": r["domain"].value if r["domain"] else "",
                "range": r["range"].value if r["range"] else "",
            }
        )
    return out


def concept_schemes(store: Store) -> list[dict[str, Any]]:
    """The ontology's concept schemes with their concepts, labels, definitions and notations."""
    schemes = []
    for r in store.select(f"SELECT ?s WHERE {{ GRAPH <{ONTOLOGY_IRI}> {{ ?s a skos:ConceptScheme }} }} ORDER BY ?s"):
        scheme = val(r, "s")
        concepts = [
            val(c, "c")
            for c in store.select(
                f"SELECT ?c WHERE {{ GRAPH <{ONTOLOGY_IRI}> {{ ?c skos:inScheme <{scheme}> }} }} ORDER BY ?c"
            )
        ]
        schemes.append(
            {
                "iri": scheme,
                "name": scheme[len(RL) :],
                "labels": texts(store, scheme, "skos:prefLabel"),
                "definitions": texts(store, scheme, "skos:definition"),
                "concepts": [
                    {
                        "iri": c,
                        "name": c[len(RL) :],
                        "labels": texts(store, c, "skos:prefLabel"),
                        "definitions": texts(store, c, "skos:definition"),
                        "notation": next(iter(texts(store, c, "skos:notation").values()), ""),
                    }
                    for c in concepts
                ],
            }
        )
    return schemes


def ontology_reference(store: Store, base: str, lang: str) -> dict[str, Any]:
    """Classes, properties, datatypes and concept schemes with definitions in both languages."""
    schemes = concept_schemes(store)
    classes, datatypes = ontology_terms(store, "owl:Class"), ontology_terms(store, "rdfs:Datatype")
    properties = ontology_terms(store, "owl:ObjectProperty") + ontology_terms(store, "owl:DatatypeProperty")
    properties.sort(key=lambda t: t["name"])
    everything = {
        i
        for group in (classes, datatypes, properties)
        for t in group
        for i in (t["iri"], *t["supers"], t["domain"], t["range"])
        if i
    }
    return {
        "classes": classes,
        "datatypes": datatypes,
        "properties": properties,
        "schemes": schemes,
        "info": {
            "title": texts(store, ONTOLOGY_IRI, "dct:title"),
            "description": texts(store, ONTOLOGY_IRI, "dct:description"),
            "version": next(iter(texts(store, ONTOLOGY_IRI, "owl:versionInfo").values()), ""),
        },
        "lab": Labeller(store.labels(everything), base, lang),
        "namespace": RL,
    }


def shapes_reference(store: Store, shapes_graphs: list[str], base: str, lang: str) -> dict[str, Any]:
    """Node shapes with their targets and the constraints of their property shapes."""
    graphs = " ".join(f"<{g}>" for g in shapes_graphs)
    rows = store.select(f"""
        SELECT ?shape (SAMPLE(?label) AS ?name)
               (GROUP_CONCAT(DISTINCT STR(?target); separator=" ") AS ?targets) WHERE {{
          VALUES ?g {{ {graphs} }}
          GRAPH ?g {{ ?shape a sh:NodeShape . OPTIONAL {{ ?shape rdfs:label ?label FILTER (LANG(?label) = "{lang}") }}
                     OPTIONAL {{ ?shape sh:targetClass|sh:targetSubjectsOf|sh:targetObjectsOf ?target }} }}
        }} GROUP BY ?shape ORDER BY ?shape""")
    node_shapes = []
    iris: set[str] = set()
    for r in rows:
        shape = val(r, "shape")
        props = store.select(f"""
            SELECT ?path ?min ?max ?class ?datatype ?message WHERE {{
              VALUES ?g {{ {graphs} }}
              GRAPH ?g {{ <{shape}> sh:property ?p . ?p sh:path ?path .
                OPTIONAL {{ ?p sh:minCount ?min }} OPTIONAL {{ ?p sh:maxCount ?max }}
                OPTIONAL {{ ?p sh:class ?class }} OPTIONAL {{ ?p sh:datatype ?datatype }}
                OPTIONAL {{ ?p sh:message ?message }} }}
            }} ORDER BY STR(?path)""")
        targets = val(r, "targets").split()
        properties = [{k: val(p, k) for k in ("path", "min", "max", "class", "datatype", "message")} for p in props]
        node_shapes.append(
            {
                "iri": shape,
                "name": shape.split("#", 1)[-1],
                "label": val(r, "name"),
                "targets": targets,
                "properties": properties,
            }
        )
        iris |= set(targets) | {p[k] for p in properties for k in ("path", "class", "datatype") if p[k]}
    return {"node_shapes": node_shapes, "lab": Labeller(store.labels(iris), base, lang), "namespace": SHAPES_IRI}
