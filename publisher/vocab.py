"""The one prefix table of the project: every serializer and every query binds these."""

from __future__ import annotations

RL = "https://w3id.org/regiolod/def#"
RL_SHAPES = "https://w3id.org/regiolod/shapes#"
ONTOLOGY_IRI = "https://w3id.org/regiolod/def"
SHAPES_IRI = "https://w3id.org/regiolod/shapes"

PREFIXES: dict[str, str] = {
    "rl": RL,
    "rlsh": RL_SHAPES,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "time": "http://www.w3.org/2006/time#",
    "prov": "http://www.w3.org/ns/prov#",
    "m8g": "http://data.europa.eu/m8g/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "schema": "https://schema.org/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
}


def sparql_prologue() -> str:
    """Return PREFIX declarations for every prefix in the table, in table order."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def shorten(iri: str) -> str:
    """Return the prefixed name of an IRI when a prefix in the table covers it, else ``<iri>``."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and iri[len(ns) :] and "/" not in iri[len(ns) :]:
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"
