"""Full dumps of the dataset, gzip-compressed, with SHA-256 checksums, written atomically.

Each build's dumps go to ``{download_dir}/builds/{version}/``; the symlink ``current`` is switched
to it in one rename, so a reader sees either the old complete set or the new complete set, never
a half-written file. Dumps hold the data graphs and the derived graph (not the ontology, shapes
or catalog); N-Quads keep the graph names.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from publisher.dataset import Build
from publisher.negotiation import JSONLD, NQUADS, NTRIPLES, TURTLE, Format
from publisher.render.rdf import serialize
from publisher.store import closure

WHOLE = "regiolod"
SUBSETS = {
    "territories": "?s a rl:Territory",
    "cooperations": "{ ?s a org:Organization } UNION { ?s a org:FormalOrganization } UNION "
    "{ ?s a org:OrganizationalCollaboration } UNION { ?s a org:Membership }",
}


@dataclass(frozen=True)
class DumpFile:
    """One file of a build's dumps, as the catalog and VoID describe it."""

    name: str
    dataset: str
    format: str
    media_type: str
    bytes: int
    sha256: str
    triples: int


@dataclass(frozen=True)
class Dumps:
    version: str
    modified: str
    folder: Path
    files: list[DumpFile]

    def file(self, name: str) -> DumpFile | None:
        return next((f for f in self.files if f.name == name), None)


def dump_quads(build: Build) -> list[ox.Quad]:
    graphs = [*build.data_graphs, build.derived_graph]
    return [q for g in graphs for q in build.store.quads_for_pattern(None, None, None, ox.NamedNode(g))]


def subset_quads(build: Build, pattern: str) -> list[ox.Quad]:
    """Every statement about the things a pattern selects, with their blank-node closure."""
    rows = build.query(f"SELECT DISTINCT ?s WHERE {{ {pattern} }}")
    things = sorted(r["s"].value for r in rows)
    graphs = {*build.data_graphs, build.derived_graph}
    return closure(build.store, [ox.NamedNode(t) for t in things], graphs)


def write_gzip(path: Path, data: bytes) -> None:
    """gzip with no timestamp and no file name, so the same content gives the same checksum."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)
        raw.flush()
        gz.flush()
    with open(path, "rb+") as raw:
        os.fsync(raw.fileno())


def count_triples(quads: list[ox.Quad], fmt: Format) -> int:
    if fmt is NQUADS:
        return len(quads)
    return len({(str(q.subject), str(q.predicate), str(q.object)) for q in quads})


def write_dumps(build: Build, download_dir: Path, extra: Callable[[Path, Dumps], None] | None = None) -> Dumps:
    """Write every dump of ``build`` and switch ``current`` to it; return what was written.

    ``extra`` writes further files of the build (metadata, an on-disk store) into the staging
    folder before it is renamed, so they appear together with the dumps or not at all.
    """
    builds = download_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    final = builds / build.version
    staging = builds / f".{build.version}.partial-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        files = []
        whole = dump_quads(build)
        jobs: list[tuple[str, str, list[ox.Quad], Format]] = [
            (WHOLE, f"{WHOLE}.nq.gz", whole, NQUADS),
            (WHOLE, f"{WHOLE}.nt.gz", whole, NTRIPLES),
            (WHOLE, f"{WHOLE}.ttl.gz", whole, TURTLE),
            (WHOLE, f"{WHOLE}.jsonld.gz", whole, JSONLD),
        ] + [(name, f"{name}.ttl.gz", subset_quads(build, pattern), TURTLE) for name, pattern in SUBSETS.items()]
        for dataset, name, quads, fmt in jobs:
            data = serialize(quads, fmt)
            path = staging / name
            write_gzip(path, data)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            files.append(
                DumpFile(name, dataset, fmt.key, fmt.media_type, path.stat().st_size, digest, count_triples(quads, fmt))
            )
        (staging / "SHA256SUMS").write_text("".join(f"{f.sha256}  {f.name}\n" for f in files), encoding="utf-8")
        dumps = Dumps(build.version, build.modified.isoformat(), final, files)
        manifest = {"version": build.version, "modified": dumps.modified, "files": [asdict(f) for f in files]}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        if extra is not None:
            extra(staging, dumps)
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


def ensure_dumps(build: Build, download_dir: Path) -> Dumps:
    """The dumps of this build: the existing ones when their version matches, else new ones."""
    existing = read_dumps(download_dir)
    if existing is not None and existing.version == build.version:
        return existing
    return write_dumps(build, download_dir)
