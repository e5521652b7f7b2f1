"""The benchmark's synthetic data: reproducible, conforming to the shapes, and never mistaken for real data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.config import Settings
from publisher.dataset.build import LoadedBuild, load_build

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "bench" / "generate.py"
BASE = "http://regiolod.test/"
RL = "https://w3id.org/regiolod/def#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CODES = ("StateKey", "DistrictKey", "MunicipalAssociationKey", "AGS", "ARS")


def generate(out: Path, triples: int = 4000, seed: int = 1) -> None:
    command = [sys.executable, str(GENERATE), "--triples", str(triples), "--seed", str(seed), "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    generate(out)
    return out


@pytest.fixture(scope="module")
def synthetic_build(generated: Path) -> LoadedBuild:
    return load_build(Settings(base_iri=BASE, root=ROOT), [generated])


def test_same_arguments_give_the_same_bytes(generated: Path, tmp_path: Path) -> None:
    generate(tmp_path)
    names = sorted(p.name for p in generated.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert all((generated / n).read_bytes() == (tmp_path / n).read_bytes() for n in names)


def test_another_seed_gives_other_data(generated: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=2)
    assert (generated / "synthetic-land-90.ttl").read_bytes() != (tmp_path / "synthetic-land-90.ttl").read_bytes()


def test_the_target_size_is_met_closely(generated: Path) -> None:
    triples = sum(
        len(list(ox.parse(path=str(p), format=ox.RdfFormat.TURTLE, base_iri=BASE))) for p in generated.glob("*.ttl")
    )
    assert abs(triples - 4000) <= 4000 * 0.05  # closer at real sizes; a municipality brings about 70


def test_the_data_conforms_to_the_shapes(synthetic_build: LoadedBuild) -> None:
    build = synthetic_build
    assert build.conforms, build.report.format()
    memberships = build.query("SELECT (COUNT(*) AS ?n) WHERE { ?m a org:Membership ; org:memberDuring ?i }")
    assert int(next(iter(memberships))["n"].value) > 0


def test_no_code_or_label_passes_for_a_real_one(synthetic_build: LoadedBuild) -> None:
    build = synthetic_build
    graphs = " ".join(f"<{g}>" for g in build.data_graphs)
    codes = build.query(f"SELECT ?code WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s skos:notation ?code }} }}")
    kinds = {c["code"].datatype.value.removeprefix(RL) for c in codes}
    assert kinds == set(CODES)
    assert all(c["code"].value.startswith("9") for c in codes)
    labels = build.query(
        f"SELECT ?label WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s skos:prefLabel ?label }} "
        "FILTER (LANG(?label) = 'de') }"
    )
    assert all("ynthetisch" in row["label"].value for row in labels)
    links = build.query(f"SELECT ?s WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s skos:exactMatch ?o }} }} LIMIT 1")
    assert not list(links)
