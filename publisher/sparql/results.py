"""Writers of query answers: the SPARQL 1.1 (and 1.2) result formats, and graphs in every RDF format.

A cut result is written row by row, so the writers take rows, not a finished result set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from publisher.errors import Problem
from publisher.negotiation import CSV, JSON, JSONLD, XML, Format
from publisher.render.rdf import serialize
from publisher.vocab import SPARQL_RESULTS, XSD_STRING

#: What a variable of a solution is bound to (SPARQL 1.2: a triple term too).
Binding = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def term_json(term: Binding) -> dict[str, object]:
    """A term as SPARQL 1.2 Query Results JSON encodes it; a triple term's value holds its three terms."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype and term.datatype != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": term_json(term.subject),
            "predicate": term_json(term.predicate),
            "object": term_json(term.object),
        },
    }


def term_xml(term: Binding) -> str:
    """A term as SPARQL 1.2 Query Results XML writes it; a triple term is ``<triple>`` with its three terms."""
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{term_xml(term.subject)}</subject><predicate>{term_xml(term.predicate)}</predicate>"
            f"<object>{term_xml(term.object)}</object></triple>"
        )
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype and term.datatype != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def csv_quote(text: str) -> str:
    """Quote a CSV field that holds a quotation mark, comma or line break (RFC 4180 §2)."""
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(term: Binding) -> str:
    """A term as SPARQL 1.2 Query Results CSV writes it ("Serializing RDF Terms"), before the field is quoted.

    A triple term is ``<< s p o >>``, its terms written the same way and quoted as fields are; a
    literal object is always in quotation marks.
    """
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        obj = term.object
        written = '"' + obj.value.replace('"', '""') + '"' if isinstance(obj, ox.Literal) else csv_field(obj)
        return f"<< {csv_field(term.subject)} {csv_field(term.predicate)} {written} >>"
    return term.value


def csv_field(term: Binding | None) -> str:
    """One CSV field: empty when unbound."""
    return "" if term is None else csv_quote(csv_text(term))


def tsv_text(term: Binding) -> str:
    """A term as SPARQL 1.2 Query Results TSV writes it (Turtle syntax); a triple term is ``<< s p o >>``."""
    if isinstance(term, ox.Triple):
        return f"<< {tsv_text(term.subject)} {tsv_text(term.predicate)} {tsv_text(term.object)} >>"
    return str(term)


def tsv_field(term: Binding | None) -> str:
    """One TSV field: empty when unbound; tabs and line breaks escaped, as literals in TSV must be."""
    if term is None:
        return ""
    return tsv_text(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def write_solutions(variables: list[str], rows: Iterable[list[Binding | None]], fmt: Format) -> bytes:
    rows = list(rows)
    if fmt is JSON:
        bindings = [{v: term_json(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt is XML:
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
        results = "".join(
            "<result>"
            + "".join(
                f"<binding name={quoteattr(v)}>{term_xml(t)}</binding>"
                for v, t in zip(variables, row, strict=True)
                if t is not None
            )
            + "</result>"
            for row in rows
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{SPARQL_RESULTS}">'
            f"<head>{head}</head><results>{results}</results></sparql>\n"
        ).encode()
    if fmt is CSV:
        lines = [",".join(variables)] + [",".join(csv_field(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    lines = ["\t".join(f"?{v}" for v in variables)] + ["\t".join(tsv_field(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_boolean(value: bool, fmt: Format) -> bytes:
    if fmt is JSON:
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt is XML:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{SPARQL_RESULTS}">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    if fmt is CSV:
        return f"_askResult\r\n{'true' if value else 'false'}\r\n".encode()
    return f"?_askResult\n{'true' if value else 'false'}\n".encode()


def write_graph(triples: list[ox.Triple], fmt: Format) -> bytes:
    """Serialize a CONSTRUCT or DESCRIBE answer; refuse (400) a triple term in a format that cannot say it.

    Turtle, N-Triples and RDF/XML 1.2 write triple terms; JSON-LD 1.1 has no way to.
    """
    quoting = any(isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple) for t in triples)
    if fmt.key == JSONLD.key and quoting:
        raise Problem(
            400,
            "The answer holds triple terms (<<( … )>>), which JSON-LD cannot express; "
            "ask for Turtle, N-Triples or RDF/XML instead.",
        )
    return serialize([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples], fmt)
