"""SECURITY.md names the test behind each promise; every test it names must exist."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[([\w-]+)\])?`")


def references() -> list[tuple[str, str, str | None]]:
    return [m.groups() for m in REFERENCE.finditer((ROOT / "SECURITY.md").read_text(encoding="utf-8"))]


def test_security_md_names_tests() -> None:
    assert len(references()) >= 20


@pytest.mark.parametrize(
    ("path", "name", "case"), references(), ids=[f"{n}[{c}]" if c else n for _, n, c in references()]
)
def test_every_named_test_exists(path: str, name: str, case: str | None) -> None:
    source = (ROOT / path).read_text(encoding="utf-8")
    assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{path} has no {name}"
    if case:
        words = [w for w in re.split(r"-(?=get$|form$|direct$)", case) if w]
        assert f'"{words[0]}"' in source, f"{path} has no case {words[0]}"
