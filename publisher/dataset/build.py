"""Load ontology, shapes and data into one store, validate the data, and derive what is implied.

The flow is DESIGN §1: parse every Turtle file into its own named graph (relative IRIs resolved
against the deployment's base IRI), validate the data with pySHACL against ``shapes/``, then
materialise derived triples into a graph of their own. The result is a :class:`LoadedBuild`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from publisher.config import Settings
from publisher.dataset.enrich import DERIVED_GRAPH_PATH, enrich
from publisher.dataset.sources import SourceFile
from publisher.dataset.validate import ValidationReport, validate_store
from publisher.vocab import ONTOLOGY_IRI, RDF_TYPE, SD_GRAPH, SHAPES_IRI, sparql_prologue


class DataError(Exception):
    """A file could not be read or parsed; names the file and, for syntax errors, the line."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column, self.message = path, line, column, message
        where = f"{path}:{line}:{column}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(kw_only=True)
class Build:
    """What every build has and every server reads, whether loaded here or read back from its folder.

    A :class:`LoadedBuild` holds its graphs in memory; a finished build (publish/builds.py) names the
    files a server reads instead. Servers and stores take this type, so they serve either alike.
    """

    version: str
    base_iri: str
    modified: dt.datetime
    files: list[SourceFile]
    derived_graph: str
    graph_sizes: dict[str, int]

    def graphs_of(self, kind: str) -> list[str]:
        """The named graphs of one kind of source file ("ontology", "shapes" or "data"), in file order."""
        return [f.graph for f in self.files if f.kind == kind]

    @property
    def data_graphs(self) -> list[str]:
        return self.graphs_of("data")

    @property
    def subjects_path(self) -> Path | None:
        """The sorted list of things under ``{base}id/`` (one IRI a line), when the build has one written."""
        return None


@dataclass(kw_only=True)
class LoadedBuild(Build):
    """A build loaded, validated and enriched in this process: every graph in an in-memory pyoxigraph store."""

    oxigraph: ox.Store
    report: ValidationReport

    @property
    def conforms(self) -> bool:
        return self.report.conforms

    def query(self, sparql: str) -> ox.QuerySolutions:
        """Run a trusted, project-written SELECT query over the union of all graphs."""
        solutions = self.oxigraph.query(sparql_prologue() + sparql, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return solutions


def turtle_files(folder: Path, exclude: tuple[str, ...] = ()) -> list[Path]:
    """Return the Turtle files below ``folder`` in a stable order, skipping excluded subfolders."""
    if not folder.is_dir():
        raise DataError(folder, "folder not found")
    return sorted(
        p for p in folder.rglob("*.ttl") if not any(part in exclude for part in p.relative_to(folder).parts[:-1])
    )


def discover_files(settings: Settings, data_paths: list[Path] | None = None) -> list[SourceFile]:
    """List the ontology, shapes and data files of a build with the graph each one goes into."""
    files = []
    for path in turtle_files(settings.ontology_path):
        stem = path.relative_to(settings.ontology_path).with_suffix("").as_posix()
        files.append(SourceFile(path, "ontology", ONTOLOGY_IRI if stem == "regiolod" else f"{ONTOLOGY_IRI}/{stem}"))
    for path in turtle_files(settings.shapes_path, exclude=("examples", "profiles")):
        stem = path.relative_to(settings.shapes_path).with_suffix("").as_posix()
        files.append(SourceFile(path, "shapes", f"{SHAPES_IRI}/{stem}"))
    data_root = settings.data_path
    chosen: list[Path] = []
    for given in data_paths or [data_root]:
        chosen += turtle_files(given) if given.is_dir() else [given]
    for path in chosen:
        try:
            stem = path.resolve().relative_to(data_root.resolve()).with_suffix("").as_posix()
        except ValueError:
            stem = path.with_suffix("").name
        files.append(SourceFile(path, "data", f"{settings.base_iri}id/graph/{stem}"))
    return files


def load_files(files: list[SourceFile], base_iri: str) -> ox.Store:
    """Parse each file into its named graph of a new in-memory store."""
    oxigraph = ox.Store()
    for f in files:
        if not f.path.is_file():
            raise DataError(f.path, "file not found")
        try:
            oxigraph.load(
                path=str(f.path), format=ox.RdfFormat.TURTLE, base_iri=base_iri, to_graph=ox.NamedNode(f.graph)
            )
        except SyntaxError as exc:
            line, column = (exc.lineno, exc.offset) if exc.lineno else (None, None)
            raise DataError(f.path, f"Turtle syntax error: {exc.msg}", line, column) from None
        except OSError as exc:
            raise DataError(f.path, exc.strerror or str(exc)) from None
    return oxigraph


def build_version(files: list[SourceFile], base_iri: str) -> str:
    """Hash the inputs of a build: the same files and base IRI always give the same version."""
    digest = hashlib.sha256(base_iri.encode())
    for f in sorted(files, key=lambda f: (f.kind, f.graph)):
        digest.update(f"\0{f.kind}\0{f.graph}\0".encode())
        digest.update(f.path.read_bytes())
    return digest.hexdigest()[:16]


def check_graph_descriptions(oxigraph: ox.Store, files: list[SourceFile]) -> list[str]:
    """Return a message for every data file that does not describe its own named graph."""
    missing = []
    for f in files:
        if f.kind != "data":
            continue
        g = ox.NamedNode(f.graph)
        if not any(oxigraph.quads_for_pattern(g, RDF_TYPE, SD_GRAPH, g)):
            missing.append(
                f"{f.path}: the file must describe its own graph <{f.graph}> as sd:Graph with its sources and licence"
            )
    return missing


def load_build(settings: Settings, data_paths: list[Path] | None = None) -> LoadedBuild:
    """Load, validate and enrich the dataset; raise :class:`DataError` on unreadable files."""
    files = discover_files(settings, data_paths)
    oxigraph = load_files(files, settings.base_iri)
    report = validate_store(oxigraph, files)
    report.add_errors(check_graph_descriptions(oxigraph, files))
    derived = settings.base_iri + DERIVED_GRAPH_PATH
    if report.conforms:
        enrich(oxigraph, derived)
    sizes = Counter(q.graph_name.value for q in oxigraph if isinstance(q.graph_name, ox.NamedNode))
    modified = max(dt.datetime.fromtimestamp(int(f.path.stat().st_mtime), dt.UTC) for f in files)
    return LoadedBuild(
        oxigraph=oxigraph,
        base_iri=settings.base_iri,
        version=build_version(files, settings.base_iri),
        files=files,
        report=report,
        derived_graph=derived,
        graph_sizes=dict(sorted(sizes.items())),
        modified=modified,
    )
