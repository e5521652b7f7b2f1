"""The files of a build's dumps as they are written: gzip output with a known checksum, size and statement
count, and the record of each file (a module of its own, so that every writer of dump files can use it)."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from publisher.negotiation import Format

COMPRESSION = 6


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


class GzipOutput:
    """A gzip file written in parts: no timestamp and no file name in it, so that the same content
    gives the same checksum; its SHA-256, size and statement count are known when it is closed."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        self._raw = open(path, "wb")  # noqa: SIM115 (closed in close())
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=COMPRESSION)
        self._buffer = io.BufferedWriter(self._gzip, buffer_size=1 << 20)

    def write(self, data: bytes | str, statements: int = 0) -> None:
        self._buffer.write(data.encode("utf-8") if isinstance(data, str) else data)
        self.count += statements

    def close(self) -> None:
        self._buffer.close()  # closes the gzip stream, which does not close the file under it
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()

    def __enter__(self) -> GzipOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def dump_file(self, dataset: str, fmt: Format) -> DumpFile:
        """The record of the file written, as the manifest, the catalog and VoID list it."""
        digest = hashlib.sha256()
        with open(self.path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        return DumpFile(
            self.path.name, dataset, fmt.key, fmt.media_type, self.path.stat().st_size, digest.hexdigest(), self.count
        )
