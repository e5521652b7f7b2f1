"""The gallery of example queries: files in queries/*.rq with a title and a description."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from publisher.config import Settings


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str


def load_examples(settings: Settings) -> list[Example]:
    """Read every example; its first comment lines say ``# title:`` and ``# description:``."""
    folder = Path(settings.root) / settings.queries_dir
    examples = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        title = re.search(r"^# title: (.+)$", text, re.MULTILINE)
        description = re.search(r"^# description: (.+)$", text, re.MULTILINE)
        examples.append(
            Example(
                path.stem,
                title.group(1).strip() if title else path.stem,
                description.group(1).strip() if description else "",
                text,
            )
        )
    return examples
