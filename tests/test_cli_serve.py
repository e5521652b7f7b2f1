"""The real `regiolod serve` and the commands a person runs next to it (a second serve, stats)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.namespace import VOID

from publisher.config import SETTINGS
from tests.conftest import ROOT
from tests.processes import BIN, clean_env, free_port, running


@dataclass
class Served:
    """A running server over a copy of the project, and the settings it was started with."""

    base: str
    root: Path
    download: Path
    env: dict[str, str]
    pid: int
    log: Path

    def regiolod(self, *args: str) -> subprocess.CompletedProcess:
        """Run another regiolod command with the server's settings (root and REGIOLOD_* variables)."""
        command = [str(BIN / "regiolod"), "--root", str(self.root), *args]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`regiolod serve` with default settings but the port (a variable, so that other commands share it)."""
    root = tmp_path_factory.mktemp("project")
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("examples"))
    download = tmp_path_factory.mktemp("download")
    port = free_port()
    env = clean_env()
    env.update(REGIOLOD_PORT=str(port), REGIOLOD_WORKERS="1", REGIOLOD_DOWNLOAD_DIR=str(download))
    base = f"http://127.0.0.1:{port}/"
    log = root / "serve.log"
    with running([str(BIN / "regiolod"), "--root", str(root), "serve"], base, log, env=env):
        yield Served(base, root, download, env, int((download / "regiolod.pid").read_text()), log)


#: The settings README "For harvesters" names as placeholders to set before a portal harvests the catalog.
PLACEHOLDERS = {
    "REGIOLOD_PUBLISHER_NAME",
    "REGIOLOD_PUBLISHER_URI",
    "REGIOLOD_CONTACT_EMAIL",
    "REGIOLOD_CONTRIBUTOR_ID",
}


def published_build(download: Path) -> tuple[str, bytes, list[str]]:
    """Where `current` points, its manifest, and the builds kept: what the running server's downloads are."""
    current = download / "current"
    return os.readlink(current), (current / "manifest.json").read_bytes(), sorted(os.listdir(download / "builds"))


def served_version(served: Served) -> str:
    return requests.get(f"{served.base}download/manifest.json", timeout=10).json()["version"]


def test_a_second_serve_is_refused_before_it_writes_anything(served: Served) -> None:
    """Another port makes another base IRI and so another build: it must not replace the running server's."""
    before = published_build(served.download)
    second = served.regiolod("serve", "--port", str(free_port()))
    assert published_build(served.download) == before
    assert second.returncode == 1
    assert f"a server already runs (process {served.pid}" in second.stderr
    assert "nothing was written" in second.stderr
    assert "Traceback" not in second.stderr
    assert served_version(served) == before[0].rsplit("/", 1)[-1]  # and the server still serves it


def stats_header(output: str) -> tuple[str, str]:
    found = re.match(r"build ([0-9a-f]{16}) \(base IRI (\S+)\): \d+ triples", output)
    assert found, output
    return found[1], found[2]


def test_stats_describes_the_build_the_server_serves(served: Served) -> None:
    result = served.regiolod("stats")
    assert result.returncode == 0, result.stderr
    version, base = stats_header(result.stdout)
    assert version == served_version(served)
    answer = requests.get(f"{served.base}.well-known/void", headers={"Accept": "text/turtle"}, timeout=10)
    void = rdflib.Graph().parse(data=answer.text, format="turtle")
    assert {str(o) for o in void.objects(None, VOID.uriSpace)} == {f"{base}id/"}
    assert base == served.base  # the listening address, as `regiolod serve` chose it
    assert f"the server at {served.base} (process {served.pid}) serves this build" in result.stderr


def test_stats_says_when_the_server_serves_another_build(served: Served) -> None:
    path = served.root / "data" / "sources.ttl"
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n# edited after the server started\n")
        result = served.regiolod("stats")
    finally:
        path.write_bytes(original)
    assert result.returncode == 0, result.stderr
    version, _ = stats_header(result.stdout)
    running = served_version(served)
    assert version != running
    assert f"the server at {served.base} (process {served.pid}) serves build {running}, not this one" in result.stderr


def test_serve_warns_once_of_each_placeholder(served: Served) -> None:
    log = served.log.read_text(errors="replace")
    assert log.count("placeholders") == 1
    for setting in SETTINGS:
        assert log.count(setting.env_var + " ") == (1 if setting.env_var in PLACEHOLDERS else 0), setting.env_var
