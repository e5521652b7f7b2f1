"""Every example in shapes/examples/valid conforms; every invalid one breaks exactly its one rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from publisher.config import Settings
from publisher.dataset.build import load_build

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "shapes" / "examples"
BASE = "http://regiolod.test/"


def example_ids(kind: str) -> list[Path]:
    return sorted((EXAMPLES / kind).glob("*.ttl"))


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(base_iri=BASE, root=ROOT)


@pytest.mark.parametrize("path", example_ids("valid"), ids=lambda p: p.stem)
def test_valid_example_conforms(settings: Settings, path: Path) -> None:
    build = load_build(settings, [path])
    assert build.conforms, build.report.format()


def expectation(path: Path, key: str) -> str:
    match = re.search(rf"^# expect-{key}: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path.name} must say what it breaks in a '# expect-{key}:' line"
    return match.group(1).strip()


@pytest.mark.parametrize("path", example_ids("invalid"), ids=lambda p: p.stem)
def test_invalid_example_breaks_exactly_its_rule(settings: Settings, path: Path) -> None:
    build = load_build(settings, [path])
    violations = build.report.violations
    assert len(violations) == 1, build.report.format()
    found = violations[0]
    focus = re.sub(r"<(?!https?:)([^>]*)>", lambda m: f"<{BASE}{m.group(1)}>", expectation(path, "focus"))
    assert found.focus == focus
    assert found.path == expectation(path, "path")
    assert found.files == (str(path),)
    assert found.message


def test_there_are_examples_for_every_node_shape() -> None:
    """Each node shape with a target is shown by at least one example that breaks it."""
    shapes = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "shapes").glob("*.ttl"))
    targeted = set(re.findall(r"^(rlsh:\w+) a sh:NodeShape ;\n    sh:target", shapes, re.MULTILINE))
    assert len(targeted) >= 12
    invalid = " ".join(p.read_text(encoding="utf-8") for p in example_ids("invalid"))
    assert len(example_ids("invalid")) >= len(targeted)
    assert "expect-focus" in invalid
