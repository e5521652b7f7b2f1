"""Finished builds: everything a server needs to start without parsing or validating again.

``regiolod build`` writes one folder per build version, ``{folder}/builds/{version}/``, and
switches ``{folder}/current`` to it in one rename (dumps.py), so a server sees a complete build
or the previous one, never half of one:

- the dumps, ``SHA256SUMS`` and ``manifest.json``, published under ``/download/``;
- ``store.nq.gz``: every graph (data, derived, ontology, shapes, catalog) as N-Quads, the file a
  remote SPARQL store loads so that it answers exactly as the embedded store does;
- ``catalog.nq``: the catalog graph as built (a store would normalise its integer datatypes);
- ``build.json``: version, base IRI, files and graphs, graph sizes, VoID statistics;
- ``subjects.txt.gz``: every thing under ``{base}id/``, sorted, for the sitemap (a server never
  lists the subjects of a large store itself: 21 s at 5 M statements on disk);
- with ``--store``: ``store/``, the same quads in an on-disk pyoxigraph store that every server
  process opens read-only (DESIGN §8), so memory does not grow with the number of workers.
"""

from __future__ import annotations

import datetime as dt
import gzip
import heapq
import itertools
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from publisher.config import Settings
from publisher.dataset.build import Build, LoadedBuild
from publisher.dataset.sources import SourceFile
from publisher.negotiation import NQUADS
from publisher.publish.catalog import VoidStatistics, catalog_graph, void_statistics
from publisher.publish.dumps import SUBJECTS, Dumps, dump_graphs, read_dumps, write_dumps, write_nquads
from publisher.publish.files import GzipOutput
from publisher.render.rdf import serialize

METADATA = "build.json"
STORE_DUMP = "store.nq.gz"
CATALOG = "catalog.nq"
STORE_FOLDER = "store"
FORMAT = 2  # 2: with the generalised boundaries (publish/boundaries.py) the servers read


class BuildFolderError(Exception):
    """The folder holds no finished build (or one this version of regiolod cannot read)."""


@dataclass(kw_only=True)
class FinishedBuild(Build):
    """A build read back from its folder: what every :class:`Build` has, and the files a server reads."""

    folder: Path
    stats: VoidStatistics
    catalog: list[ox.Quad]
    dumps: Dumps
    subject_count: int | None = None  # things in ``subjects.txt.gz``; None for a build written without it

    @property
    def store_path(self) -> Path:
        return self.folder / STORE_FOLDER

    @property
    def subjects_path(self) -> Path | None:
        """The sorted list of things under ``{base}id/`` (one IRI a line), when the build has one."""
        path = self.folder / SUBJECTS
        return path if self.subject_count is not None and path.is_file() else None

    @property
    def has_store(self) -> bool:
        return (self.store_path / "CURRENT").is_file()


def write_build(settings: Settings, build: LoadedBuild, folder: Path, with_store: bool = False) -> Dumps:
    """Write dumps, metadata and the store image of a conforming ``build`` into ``folder`` atomically."""
    if not build.conforms:
        raise ValueError("only a conforming build can be written")
    stats = void_statistics(build)

    def extra(staging: Path, dumps: Dumps, names: dict[str, ox.BlankNode]) -> None:
        catalog = catalog_graph(settings, build, dumps, stats)
        catalog_graph_name = catalog[0].graph_name
        assert isinstance(catalog_graph_name, ox.NamedNode)  # catalog_graph writes one named graph
        catalog_name = catalog_graph_name.value
        (staging / CATALOG).write_bytes(serialize(catalog, NQUADS))
        graphs = sorted(
            {g.value for g in build.oxigraph.named_graphs() if isinstance(g, ox.NamedNode)} | {catalog_name}
        )
        with GzipOutput(staging / STORE_DUMP) as out:
            for graph in graphs:
                if graph == catalog_name:  # as built, even when a server has put it into the store already
                    out.write(serialize(catalog, NQUADS), len(catalog))
                else:
                    write_nquads(out, build.oxigraph, [graph], names)
        subjects = add_subjects(staging / SUBJECTS, build, catalog, set(dump_graphs(build)))
        sizes = dict(build.graph_sizes)
        sizes[catalog_name] = len(catalog)
        metadata = {
            "format": FORMAT,
            "version": build.version,
            "base_iri": build.base_iri,
            "modified": build.modified.isoformat(),
            "derived_graph": build.derived_graph,
            "files": [{"path": str(f.path), "kind": f.kind, "graph": f.graph} for f in build.files],
            "graph_sizes": dict(sorted(sizes.items())),
            "stats": asdict(stats),
            "subjects": subjects,
        }
        (staging / METADATA).write_text(json.dumps(metadata, indent=2, sort_keys=True), encoding="utf-8")
        if with_store:
            write_store(staging / STORE_FOLDER, staging / STORE_DUMP)

    return write_dumps(build, folder, extra)


def add_subjects(path: Path, build: LoadedBuild, catalog: list[ox.Quad], dumped: set[str]) -> int:
    """Merge the things under ``{base}id/`` of the graphs the dumps leave out (catalog, ontology, shapes)
    into the sorted list the dump pass wrote at ``path``; return how many things it lists."""
    prefix = build.base_iri + "id/"
    quads = itertools.chain(
        catalog,
        (
            q
            for g in build.oxigraph.named_graphs()
            if isinstance(g, ox.NamedNode) and g.value not in dumped and g != catalog[0].graph_name
            for q in build.oxigraph.quads_for_pattern(None, None, None, g)
        ),
    )
    others = sorted(
        {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix)}
    )
    merged = path.with_name(path.name + ".merged")
    count, last = 0, None
    with gzip.open(path, "rt", encoding="utf-8") as dumped_things, GzipOutput(merged) as out:
        for iri in heapq.merge((line.rstrip("\n") for line in dumped_things), others):
            if iri != last:
                out.write(iri + "\n", 1)
                count, last = count + 1, iri
    os.replace(merged, path)
    return count


def write_store(path: Path, dump: Path) -> None:
    """Load an N-Quads dump into a new on-disk store and close it, so readers find it complete."""
    store = ox.Store(str(path))
    with gzip.open(dump, "rb") as data:
        store.bulk_load(data, format=ox.RdfFormat.N_QUADS)  # type: ignore[arg-type]  # reads any binary file object
    store.flush()
    store.optimize()
    del store


def open_build(folder: Path) -> FinishedBuild:
    """Read the build ``folder/current`` points to; raise :class:`BuildFolderError` when there is none."""
    dumps = read_dumps(folder)
    current = folder / "current"
    if dumps is None or not (current / METADATA).is_file():
        raise BuildFolderError(f"{folder}: no finished build here; run `regiolod build --store {folder}` first")
    try:
        meta = json.loads((current / METADATA).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise BuildFolderError(f"{folder}: the build was written in another format; build it again")
        catalog = list(ox.parse(path=str(current / CATALOG), format=ox.RdfFormat.N_QUADS))
    except (OSError, ValueError, SyntaxError) as exc:
        raise BuildFolderError(f"{folder}: the build cannot be read ({exc}); build it again") from None
    return FinishedBuild(
        folder=current.resolve(),
        version=meta["version"],
        base_iri=meta["base_iri"],
        modified=dt.datetime.fromisoformat(meta["modified"]),
        files=[SourceFile(Path(f["path"]), f["kind"], f["graph"]) for f in meta["files"]],
        derived_graph=meta["derived_graph"],
        graph_sizes=meta["graph_sizes"],
        stats=VoidStatistics(**meta["stats"]),
        catalog=catalog,
        dumps=dumps,
        subject_count=meta.get("subjects"),
    )
