"""Write Turtle as the curated files are laid out: one block per subject, blank nodes inline.

The text is written directly rather than through a serializer so that it keeps relative IRIs
(``<id/organization/09564>``, resolved against the deployment's base IRI at load time) and a stable
order: the same rows always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from publisher.vocab import PREFIXES as NS

#: The project's one prefix table, in the order the curated files declare them.
PREFIXES = {k: NS[k] for k in "rl rdf rdfs xsd skos dct org geo time prov m8g foaf sd dcatde".split()}

Statement = tuple[str, Sequence["str | Node"]]  # read-only: a list of IRIs is a list of objects


@dataclass
class Node:
    """A subject (an inline blank node when ``subject`` is None) with its statements in writing order.

    Statements without objects are skipped, so callers can write optional ones as empty lists.
    """

    subject: str | None
    statements: list[Statement]

    def render(self, depth: int = 0) -> str:
        pad = " " * (4 + 4 * depth)
        parts = [
            f"{p} {' , '.join(o.render(depth + 1) if isinstance(o, Node) else o for o in objects)}"
            for p, objects in self.statements
            if objects
        ]
        if self.subject is None:
            return "[ " + f" ;\n{pad}    ".join(parts) + " ]"
        return self.subject + "\n" + " ;\n".join(pad + part for part in parts) + " .\n"


def literal(text: str, lang: str = "de") -> str:
    """Quote a string as a Turtle literal with a language tag (escapes of RDF 1.1 Turtle §6.4)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"@{lang}'


def iri(path: str) -> str:
    return f"<{path}>"


def xsd_date(day: str) -> str:
    return f'"{day}"^^xsd:date'


def gyear(year: str) -> str:
    return f'"{year}"^^xsd:gYear'


def document(header: str, sections: list[tuple[str, list[Node]]]) -> str:
    """Join a file: the header comment, the prefixes, then each section under a comment."""
    text = header + "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    for title, nodes in sections:
        if nodes:
            text += f"\n# {title}\n\n" + "\n".join(n.render() for n in nodes)
    return text
