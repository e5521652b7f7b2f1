"""The lock files pin every package by version and hash, and name no index, folder or address of one machine."""

from __future__ import annotations

import json
import re

from tests.conftest import ROOT

#: pip's options that point at a package source (pip's requirements file format, "Supported options").
SOURCE_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--no-index")
PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[^\s;]+ \\$")


def requirement_lines() -> list[str]:
    """The lock's lines without comments, continuation lines of hashes and blank lines."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("#", "--hash="))]


def test_requirements_lock_names_no_package_source() -> None:
    lines = requirement_lines()
    assert len(lines) > 20  # the project and its test tools, each on a line of its own
    for line in lines:
        assert not line.startswith(SOURCE_OPTIONS), line
        assert "file:" not in line and "/" not in line.split("==")[0], line  # no local path or URL requirement
        assert PINNED.match(line), line  # name==version, followed by its hashes
    assert any(line.startswith("selenium==") for line in lines)  # the browser tests' driver


def test_package_lock_downloads_only_from_the_registry() -> None:
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert manifest["private"] is True
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in manifest["dependencies"].values())  # exact versions
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    packages = {name: entry for name, entry in lock["packages"].items() if name}
    assert packages["node_modules/@zazuko/yasgui"]["version"] == manifest["dependencies"]["@zazuko/yasgui"]
    for name, entry in packages.items():
        assert entry["integrity"].startswith("sha512-"), name
        resolved = entry.get("resolved", "https://registry.npmjs.org/")
        assert resolved.startswith("https://registry.npmjs.org/"), (name, resolved)  # no git, file or tarball URL
