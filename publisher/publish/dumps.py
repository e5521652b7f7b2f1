"""Full dumps of the dataset, gzip-compressed, with SHA-256 checksums, written atomically.

Each build's dumps go to ``{download_dir}/builds/{version}/``; the symlink ``current`` is switched
to it in one rename, so a reader sees either the old complete set or the new complete set, never
a half-written file. Dumps hold the data graphs and the derived graph (not the ontology, shapes
or catalog); N-Quads keep the graph names.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, TypeVar, overload

import pyoxigraph as ox

from publisher.dataset.build import Build, LoadedBuild
from publisher.negotiation import JSONLD, NQUADS, NTRIPLES, TURTLE
from publisher.publish.files import DumpFile, GzipOutput
from publisher.render.rdf import (
    JSONLD_HEAD,
    JSONLD_TAIL,
    TURTLE_HEAD,
    blank_node_names,
    jsonld_members,
    jsonld_node,
    oxigraph_bytes,
    renamer,
    turtle_body,
)

WHOLE = "regiolod"
# Every thing the dumps describe under {base}id/, one IRI a line, sorted (builds.py adds the other graphs').
SUBJECTS = "subjects.txt.gz"
#: gzip level of the dumps: 6 (zlib's default) packs within a few per cent of 9 in a fraction of the time.
SUBSETS = {
    "territories": "?s a rl:Territory",
    "cooperations": "{ ?s a org:Organization } UNION { ?s a org:FormalOrganization } UNION "
    "{ ?s a org:OrganizationalCollaboration } UNION { ?s a org:Membership }",
}


@dataclass(frozen=True)
class Dumps:
    version: str
    modified: str
    folder: Path
    files: list[DumpFile]

    def file(self, name: str) -> DumpFile | None:
        return next((f for f in self.files if f.name == name), None)


def dump_graphs(build: Build) -> list[str]:
    """The graphs the dumps hold: the data graphs and the derived graph."""
    return sorted({*build.data_graphs, build.derived_graph})


def dump_quads(build: LoadedBuild) -> list[ox.Quad]:
    """Every quad of the dumps, in a list (for small builds and tests; the dumps themselves stream)."""
    return [q for g in dump_graphs(build) for q in build.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(g))]


def blank_names(oxigraph: ox.Store) -> dict[str, ox.BlankNode]:
    """Stable names for the store's blank nodes, from the statements that hold one (a third of ours)."""
    return blank_node_names(
        q for q in oxigraph if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
    )


Subject = TypeVar("Subject", ox.NamedNode, ox.BlankNode)


def _subjects(oxigraph: ox.Store, graphs: list[str], kind: type[Subject]) -> list[Subject]:
    values = " ".join(f"<{g}>" for g in graphs)
    test = "isIRI" if kind is ox.NamedNode else "isBlank"
    query = f"SELECT DISTINCT ?s WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} FILTER({test}(?s)) }}"
    rows = oxigraph.query(query)
    assert isinstance(rows, ox.QuerySolutions)
    return [s for r in rows if isinstance(s := r["s"], kind)]


@overload
def statement_groups(
    oxigraph: ox.Store, graphs: list[str], names: dict[str, ox.BlankNode], roots: list[ox.NamedNode] | None = None
) -> Iterator[list[ox.Triple]]: ...


@overload
def statement_groups(
    oxigraph: ox.Store, graphs: list[str], names: dict[str, ox.BlankNode], *, with_graph: Literal[True]
) -> Iterator[list[ox.Quad]]: ...


def statement_groups(
    oxigraph: ox.Store,
    graphs: list[str],
    names: dict[str, ox.BlankNode],
    roots: list[ox.NamedNode] | None = None,
    with_graph: bool = False,
) -> Iterator[list[ox.Triple]] | Iterator[list[ox.Quad]]:
    """The statements of ``graphs`` a thing at a time, in a stable order, without holding them all.

    Each group is a root's statements followed, depth first, by those of the blank nodes it points
    to; within a subject they are sorted by predicate and object. The roots are ``roots`` or else
    every IRI subject of ``graphs`` in IRI order, then (so nothing is lost) every blank node no root
    reaches. Blank nodes are renamed by ``names``. Triples are distinct across ``graphs``; with
    ``with_graph`` the statements are quads, and ``graphs`` should be a single graph.
    """
    allowed = set(graphs)
    only = ox.NamedNode(graphs[0]) if len(graphs) == 1 else None
    term = renamer(names)
    seen: set[str] = set()

    def group(root: ox.NamedNode | ox.BlankNode) -> list[ox.Triple] | list[ox.Quad]:
        triples: list[ox.Triple] = []
        quads: list[ox.Quad] = []
        stack: list[ox.NamedNode | ox.BlankNode] = [root]
        while stack:
            subject = stack.pop()
            if isinstance(subject, ox.BlankNode):
                if subject.value in seen:
                    continue
                seen.add(subject.value)
            rows: dict[tuple[str, str], tuple[ox.Quad, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]] = {}
            for q in oxigraph.quads_for_pattern(subject, None, None, only):
                if only is None and not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in allowed):
                    continue
                o = term(q.object)
                rows.setdefault((q.predicate.value, str(o)), (q, o))
            ordered = [rows[k] for k in sorted(rows)]
            s = term(subject)
            if with_graph:
                quads += [ox.Quad(s, q.predicate, o, q.graph_name) for q, o in ordered]
            else:
                triples += [ox.Triple(s, q.predicate, o) for q, o in ordered]
            stack += [q.object for q, _ in reversed(ordered) if isinstance(q.object, ox.BlankNode)]
        return quads if with_graph else triples

    starts = roots if roots is not None else sorted(_subjects(oxigraph, graphs, ox.NamedNode), key=lambda n: n.value)
    for root in starts:
        yield group(root)
    if roots is None:
        orphans = [b for b in _subjects(oxigraph, graphs, ox.BlankNode) if b.value not in seen]
        for blank in sorted(orphans, key=lambda b: term(b).value):
            if blank.value not in seen:
                yield group(blank)


def subject_runs(triples: list[ox.Triple]) -> Iterator[list[ox.Triple]]:
    """The runs of consecutive triples with the same subject."""
    for _, run in itertools.groupby(triples, key=lambda t: t.subject):
        yield list(run)


def write_nquads(out: GzipOutput, oxigraph: ox.Store, graphs: list[str], names: dict[str, ox.BlankNode]) -> None:
    """N-Quads of ``graphs``, a graph at a time."""
    for graph in sorted(graphs):
        for found in statement_groups(oxigraph, [graph], names, with_graph=True):
            out.write(oxigraph_bytes(found, ox.RdfFormat.N_QUADS), len(found))


def write_triple_dumps(build: LoadedBuild, staging: Path, names: dict[str, ox.BlankNode]) -> list[DumpFile]:
    """The whole dataset as N-Triples, Turtle and JSON-LD, written side by side in one pass.

    The same pass lists the things under ``{base}id/`` it wrote (``SUBJECTS``), for the sitemap.
    """
    prefix = build.base_iri + "id/"
    with (
        GzipOutput(staging / f"{WHOLE}.{NTRIPLES.suffix}.gz") as nt,
        GzipOutput(staging / f"{WHOLE}.{TURTLE.suffix}.gz") as ttl,
        GzipOutput(staging / f"{WHOLE}.{JSONLD.suffix}.gz") as jsonld,
        GzipOutput(staging / SUBJECTS) as things,
    ):
        ttl.write(TURTLE_HEAD)
        jsonld.write(JSONLD_HEAD)
        separator = ""
        for found in statement_groups(build.oxigraph, dump_graphs(build), names):
            root = found[0].subject if found else None
            if isinstance(root, ox.NamedNode) and root.value.startswith(prefix):
                things.write(root.value + "\n", 1)
            nt.write(oxigraph_bytes(found, ox.RdfFormat.N_TRIPLES), len(found))
            ttl.write(turtle_body(found), len(found))
            nodes = (jsonld_node(run[0].subject, run) for run in subject_runs(found))
            jsonld.write(separator + jsonld_members(nodes), len(found))
            separator = ",\n"
        jsonld.write(JSONLD_TAIL)
    return [out.dump_file(WHOLE, fmt) for out, fmt in ((nt, NTRIPLES), (ttl, TURTLE), (jsonld, JSONLD))]


def write_subset(
    build: LoadedBuild, staging: Path, name: str, pattern: str, names: dict[str, ox.BlankNode]
) -> DumpFile:
    """Every statement about the things ``pattern`` selects, with their blank nodes, as Turtle."""
    rows = build.query(f"SELECT DISTINCT ?s WHERE {{ {pattern} }}")
    things = sorted((r["s"] for r in rows if isinstance(r["s"], ox.NamedNode)), key=lambda n: n.value)
    with GzipOutput(staging / f"{name}.{TURTLE.suffix}.gz") as out:
        out.write(TURTLE_HEAD)
        for found in statement_groups(build.oxigraph, dump_graphs(build), names, roots=things):
            out.write(turtle_body(found), len(found))
    return out.dump_file(name, TURTLE)


def write_dumps(
    build: LoadedBuild, download_dir: Path, extra: Callable[[Path, Dumps, dict[str, ox.BlankNode]], None] | None = None
) -> Dumps:
    """Write every dump of ``build`` and switch ``current`` to it; return what was written.

    Every dump streams from the store into its gzip file, a thing at a time, so memory does not
    grow with the dataset. ``extra`` writes further files of the build (metadata, an on-disk store)
    into the staging folder before it is renamed, so they appear together with the dumps or not at
    all; it gets the blank-node names the dumps used.
    """
    builds = download_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    final = builds / build.version
    staging = builds / f".{build.version}.partial-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        names = blank_names(build.oxigraph)
        with GzipOutput(staging / f"{WHOLE}.{NQUADS.suffix}.gz") as nquads:
            write_nquads(nquads, build.oxigraph, dump_graphs(build), names)
        files = [nquads.dump_file(WHOLE, NQUADS), *write_triple_dumps(build, staging, names)]
        files += [write_subset(build, staging, name, pattern, names) for name, pattern in SUBSETS.items()]
        from publisher.publish.boundaries import write_boundaries  # it writes with this module's GzipOutput

        files += write_boundaries(build, staging)
        (staging / "SHA256SUMS").write_text("".join(f"{f.sha256}  {f.name}\n" for f in files), encoding="utf-8")
        dumps = Dumps(build.version, build.modified.isoformat(), final, files)
        manifest = {"version": build.version, "modified": dumps.modified, "files": [asdict(f) for f in files]}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        if extra is not None:
            extra(staging, dumps, names)
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous = read_dumps(download_dir)
    switch_current(download_dir, build.version)
    # The previous build stays until the next one: a running server may still have its store open.
    prune(download_dir, keep={build.version, previous.version if previous else build.version})
    return dumps


def switch_current(download_dir: Path, version: str) -> None:
    """Point ``current`` at the new build in one atomic rename."""
    link = download_dir / "current"
    temporary = download_dir / f".current-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(Path("builds") / version)
    os.replace(temporary, link)


def prune(download_dir: Path, keep: set[str]) -> None:
    """Remove the dumps of older builds and partial leftovers of interrupted ones."""
    for entry in (download_dir / "builds").iterdir():
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def read_dumps(download_dir: Path) -> Dumps | None:
    """The dumps ``current`` points to, or None when there are none (or they are incomplete)."""
    folder = download_dir / "current"
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = [DumpFile(**f) for f in manifest["files"]]
    if not all((folder / f.name).is_file() for f in files):
        return None
    return Dumps(manifest["version"], manifest["modified"], folder.resolve(), files)


def ensure_dumps(build: LoadedBuild, download_dir: Path) -> Dumps:
    """The dumps of this build: the existing ones when their version matches, else new ones."""
    from publisher.publish.boundaries import NAMES

    existing = read_dumps(download_dir)
    if existing is not None and existing.version == build.version and all(existing.file(n) for n in NAMES):
        return existing
    return write_dumps(build, download_dir)
