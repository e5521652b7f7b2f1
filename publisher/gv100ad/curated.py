"""What the hand-written data files already say, so that an import neither contradicts nor repeats it.

The shapes allow one German label per thing (``sh:uniqueLang``) and one seat (``rl:seat``
``sh:maxCount 1``): where a curated file states them, the import takes its statement over, and
keeps its own label as ``skos:altLabel``. A sum over preferred figures would count a thing twice
if two files gave one each: the import leaves its figure out. And pyoxigraph 0.5 counts a triple
once per named graph in the union default graph that every query of the publisher runs on
(oxigraph issue #1919, fixed after 0.5): the import leaves out every statement a curated file
already makes, so that ``data/`` and an imported folder load together and count everything once.

``data/register/`` is written by the importer too (``--select members``, shipped): it is not
curated, so it is read neither for labels and seats nor for members, and an import into it
ignores it. An import into any other folder (``data/germany/``) leaves out every statement and
preferred figure the shipped selection already has: the shipped files win, the import adds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from publisher.gv100ad.output import MARKER
from publisher.gv100ad.records import RegisterError
from publisher.gv100ad.turtle import Node, Statement
from publisher.vocab import ORG, RDF_TYPE, RL, SKOS_PREF_LABEL, expand

BASE = "http://regiolod.invalid/"
#: The data folder's subfolder of the shipped selection of the register (``make data``).
SHIPPED = "register"


@dataclass
class Curated:
    """Statements of the curated files, by the relative IRI of their subject."""

    labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (subject, language) → label
    seats: dict[str, str] = field(default_factory=dict)  # subject → IRI (relative when under the base)
    figures: set[tuple[str, str, str]] = field(default_factory=set)  # (subject, "population"/"area", date)
    triples: set[tuple[str, str, str]] = field(default_factory=set)  # (subject, predicate, object) as in canonical()
    members: set[str] = field(default_factory=set)  # org:member of an org:Membership that no curated file describes
    left_out: int = 0

    def prune(self, node: Node) -> Node | None:
        """Return the node without the statements the curated files make, or None when nothing is left."""
        subject = node.subject[1:-1] if node.subject else ""
        statements: list[Statement] = []
        for predicate, objects in node.statements:
            full = full_iri(predicate)
            kept = [o for o in objects if isinstance(o, Node) or (subject, full, canonical(o)) not in self.triples]
            self.left_out += len(objects) - len(kept)
            statements.append((predicate, kept))
        return Node(node.subject, statements) if any(objects for _, objects in statements) else None


def full_iri(name: str) -> str:
    """The full IRI of a prefixed name of the importer's Turtle (``a`` is rdf:type)."""
    return RDF_TYPE.value if name == "a" else expand(name)


def canonical(term: str) -> str:
    """Write a term of the importer's Turtle as N-Triples, with IRIs relative to the base as in the curated files."""
    if term.startswith("<"):
        return term
    if term.startswith('"'):
        text, _, datatype = term.rpartition('"^^')
        return f'{text}"^^<{full_iri(datatype)}>' if text else term
    return f"<{full_iri(term)}>"


def canonical_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    return f"<{relative(term)}>" if isinstance(term, ox.NamedNode) else str(term)


def relative(term: ox.NamedNode) -> str:
    return term.value.removeprefix(BASE)


def curated_files(folder: Path, exclude: Path | None) -> list[Path]:
    """The Turtle files below ``folder`` that a person wrote: not below ``exclude``, not written by an import."""
    found = []
    for path in sorted(folder.rglob("*.ttl")) if folder.is_dir() else []:
        if exclude is not None and path.resolve().is_relative_to(exclude.resolve()):
            continue
        with path.open(encoding="utf-8", errors="replace") as f:
            if not f.readline().startswith(MARKER):
                found.append(path)
    return found


def load_files(paths: list[Path]) -> ox.Store:
    store = ox.Store()
    for path in paths:
        try:
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE)
        except SyntaxError as exc:
            raise RegisterError(path, f"the file does not parse ({exc}); `regiolod validate` shows where") from None
    return store


def shipped_files(folder: Path, exclude: Path | None) -> list[Path]:
    """The files of the shipped selection below ``folder``, unless the import is writing them (``exclude``)."""
    shipped = folder / SHIPPED
    if not shipped.is_dir() or (exclude is not None and shipped.resolve() == exclude.resolve()):
        return []
    return sorted(shipped.glob("*.ttl"))


def read_curated(folder: Path, exclude: Path | None = None) -> Curated:
    """Collect labels, seats, preferred figures and all other statements of the curated files below ``folder``.

    Statements and preferred figures of the shipped selection (``data/register/``) are added, so
    that an import into another folder leaves them out as well.
    """
    store = load_files(curated_files(folder, exclude))
    curated = Curated()
    labels = store.quads_for_pattern(None, SKOS_PREF_LABEL, None)
    for q in sorted(labels, key=lambda q: str(q.object)):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal) and q.object.language:
            curated.labels.setdefault((relative(q.subject), q.object.language), q.object.value)
    for q in sorted(store.quads_for_pattern(None, ox.NamedNode(RL + "seat"), None), key=lambda q: str(q.object)):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            curated.seats.setdefault(relative(q.subject), relative(q.object))
    curated.members = undescribed_members(store)
    for source in (store, load_files(shipped_files(folder, exclude))):
        curated.figures |= preferred_figures(source)
        curated.triples |= {
            (relative(q.subject), q.predicate.value, canonical_term(q.object))
            for q in source
            if isinstance(q.subject, ox.NamedNode) and not isinstance(q.object, ox.BlankNode)
        }
    return curated


def preferred_figures(store: ox.Store) -> set[tuple[str, str, str]]:
    rows = store.query(f"""SELECT ?s ?p ?date WHERE {{
        VALUES ?p {{ <{RL}population> <{RL}area> }}
        ?s ?p ?f . ?f <{RL}rank> <{RL}rank-preferred> ; <{RL}referenceDate> ?date }}""")
    assert isinstance(rows, ox.QuerySolutions)
    return {
        (relative(row["s"]), row["p"].value.removeprefix(RL), row["date"].value)
        for row in rows
        if isinstance(row["s"], ox.NamedNode)
    }


def undescribed_members(store: ox.Store) -> set[str]:
    """The members of memberships (ORG §5.4) that the files name but do not describe (no rdf:type)."""
    rows = store.query(f"""SELECT DISTINCT ?m WHERE {{
        ?ms a <{ORG}Membership> ; <{ORG}member> ?m .
        FILTER NOT EXISTS {{ ?m a ?type }} }}""")
    assert isinstance(rows, ox.QuerySolutions)
    return {relative(row["m"]) for row in rows if isinstance(row["m"], ox.NamedNode)}
