"""Conversion of RDF terms between pyoxigraph (the store) and rdflib (validation, JSON-LD)."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> rdflib.term.Node:
    """Convert a pyoxigraph term to the equal rdflib term; a triple term (RDF 1.2) has none."""
    if isinstance(term, ox.Triple):
        raise ValueError(f"rdflib has no triple terms (RDF 1.2), so it cannot hold {term}")
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
