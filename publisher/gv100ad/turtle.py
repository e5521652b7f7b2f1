"""Write Turtle text the way the curated files are laid out: one block per subject, figures inline.

The text is written directly rather than through a serializer so that it keeps relative IRIs
(``<id/territory/03358>``, resolved against the deployment's base IRI at load time, as in
``data/``) and a stable order: the same records always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from publisher.gv100ad.output import MARKER
from publisher.vocab import PREFIXES as NS

# The project's one prefix table, in the order these files declare them.
PREFIXES = {k: NS[k] for k in "rl rdf xsd skos dct org geo prov m8g foaf sd dcatde".split()}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

Statement = tuple[str, Sequence["str | Node"]]  # read-only: a list of IRIs is a list of objects


@dataclass
class Node:
    """A subject (an inline blank node when ``subject`` is None) with its statements in writing order.

    Statements without objects are skipped, so callers can write optional ones as empty lists.
    """

    subject: str | None
    statements: list[Statement]

    def triples(self) -> int:
        """Count the triples this node writes, those of inline blank nodes included."""
        return sum(1 + (o.triples() if isinstance(o, Node) else 0) for _, objects in self.statements for o in objects)

    def render(self, depth: int = 0) -> str:
        pad = " " * (4 + 6 * depth)
        parts = [
            f"{p} {' , '.join(o.render(depth + 1) if isinstance(o, Node) else o for o in objects)}"
            for p, objects in self.statements
            if objects
        ]
        if self.subject is None:
            return "[ " + f" ;\n{pad}".join(parts) + " ]"
        return self.subject + "\n" + " ;\n".join(pad + part for part in parts) + " .\n"


def literal(text: str, lang: str = "de") -> str:
    """Quote a string as a Turtle literal with a language tag (escapes of RDF 1.1 Turtle §6.4)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"@{lang}'


def typed(text: str, datatype: str) -> str:
    return f'"{text}"^^{datatype}'


def iri(path: str) -> str:
    return f"<{path}>"


def date(day: dt.date) -> str:
    return typed(day.isoformat(), "xsd:date")


def km2(hectares: int) -> str:
    """Write an area in hectares as square kilometres: an xsd:decimal with at most two decimals."""
    whole, cents = divmod(hectares, 100)
    text = f"{whole}.{cents:02d}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def german_date(day: dt.date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def english_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def document(sections: list[tuple[str, list[Node]]], status: dt.date) -> str:
    """Join a file: the importer's marker line, the prefixes, then each section under a comment."""
    text = f"{MARKER} from the register with Gebietsstand {status}; re-run the import instead of editing.\n"
    text += "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    for title, nodes in sections:
        if nodes:
            text += f"\n\n# {title}\n\n" + "\n".join(n.render() for n in nodes)
    return text
