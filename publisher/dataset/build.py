"""Load ontology, shapes and data into one store, validate the data, and derive what is implied.

The flow is DESIGN §1: parse every Turtle file into its own named graph (relative IRIs resolved
against the deployment's base IRI), validate the data with pySHACL against ``shapes/``, then
materialise derived triples into a graph of their own. The result is a :class:`Build`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from publisher.config import Settings
from publisher.dataset.enrich import DERIVED_GRAPH_PATH, enrich
from publisher.dataset.validate import ValidationReport, validate_store
from publisher.vocab import ONTOLOGY_IRI, SHAPES_IRI, sparql_prologue

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class DataError(Exception):
    """A file could not be read or parsed; names the file and, for syntax errors, the line."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column, self.message = path, line, column, message
        where = f"{path}:{line}:{column}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class SourceFile:
    """One Turtle file of the build and the named graph it is loaded into."""

    path: Path
    kind: str  # "ontology", "shapes" or "data"
    graph: str


@dataclass
class Build:
    """A loaded, validated and enriched dataset."""

    store: ox.Store
    base_iri: str
    version: str
    files: list[SourceFile]
    report: ValidationReport
    derived_graph: str
    graph_sizes: dict[str, int] = field(default_factory=dict)
    modified: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def conforms(self) -> bool:
        return self.report.conforms

    @property
    def data_graphs(self) -> list[str]:
        return [f.graph for f in self.files if f.kind == "data"]

    def query(self, sparql: str) -> ox.QuerySolutions:
        """Run a trusted, project-written SELECT query over the union of all graphs."""
        solutions = self.store.query(sparql_prologue() + sparql, use_default_graph_as_union=True)
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
    for path in turtle_files(settings.shapes_path, exclude=("examples",)):
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
    store = ox.Store()
    for f in files:
        if not f.path.is_file():
            raise DataError(f.path, "file not found")
        try:
            store.load(path=str(f.path), format=ox.RdfFormat.TURTLE, base_iri=base_iri, to_graph=ox.NamedNode(f.graph))
        except SyntaxError as exc:
            line, column = (exc.lineno, exc.offset) if exc.lineno else (None, None)
            raise DataError(f.path, f"Turtle syntax error: {exc.msg}", line, column) from None
        except OSError as exc:
            raise DataError(f.path, exc.strerror or str(exc)) from None
    return store


def build_version(files: list[SourceFile], base_iri: str) -> str:
    """Hash the inputs of a build: the same files and base IRI always give the same version."""
    digest = hashlib.sha256(base_iri.encode())
    for f in sorted(files, key=lambda f: (f.kind, f.graph)):
        digest.update(f"\0{f.kind}\0{f.graph}\0".encode())
        digest.update(f.path.read_bytes())
    return digest.hexdigest()[:16]


def check_graph_descriptions(store: ox.Store, files: list[SourceFile]) -> list[str]:
    """Return a message for every data file that does not describe its own named graph."""
    missing = []
    sd_graph = ox.NamedNode("http://www.w3.org/ns/sparql-service-description#Graph")
    for f in files:
        if f.kind != "data":
            continue
        g = ox.NamedNode(f.graph)
        if not any(store.quads_for_pattern(g, ox.NamedNode(RDF_TYPE), sd_graph, g)):
            missing.append(
                f"{f.path}: the file must describe its own graph <{f.graph}> as sd:Graph with its sources and licence"
            )
    return missing


def load_build(settings: Settings, data_paths: list[Path] | None = None) -> Build:
    """Load, validate and enrich the dataset; raise :class:`DataError` on unreadable files."""
    files = discover_files(settings, data_paths)
    store = load_files(files, settings.base_iri)
    report = validate_store(store, files)
    report.add_errors(check_graph_descriptions(store, files))
    derived = settings.base_iri + DERIVED_GRAPH_PATH
    if report.conforms:
        enrich(store, derived)
    sizes = Counter(q.graph_name.value for q in store if isinstance(q.graph_name, ox.NamedNode))
    modified = max(dt.datetime.fromtimestamp(int(f.path.stat().st_mtime), dt.UTC) for f in files)
    return Build(
        store=store,
        base_iri=settings.base_iri,
        version=build_version(files, settings.base_iri),
        files=files,
        report=report,
        derived_graph=derived,
        graph_sizes=dict(sorted(sizes.items())),
        modified=modified,
    )
