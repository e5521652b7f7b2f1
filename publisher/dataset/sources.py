"""The source files of a build: each Turtle file with its kind and the named graph it is loaded into.

Below both :mod:`publisher.dataset.build`, which finds and loads them, and
:mod:`publisher.dataset.validate`, which names the file of each result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    """One Turtle file of the build and the named graph it is loaded into."""

    path: Path
    kind: str  # "ontology", "shapes" or "data"
    graph: str
