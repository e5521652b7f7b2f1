"""Every IRI the code names is written once, in publisher/vocab.py; every other module imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher import vocab

PACKAGE = Path(vocab.__file__).parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p != Path(vocab.__file__))
#: The namespaces vocab.py names (a value ending in '#' or '/'), longest first.
NAMESPACES = sorted(
    (v for k, v in vars(vocab).items() if k.isupper() and isinstance(v, str) and v.endswith(("#", "/"))),
    key=len,
    reverse=True,
)
#: name → IRI of the terms vocab.py names as nodes.
TERMS = {v.value: k for k, v in vars(vocab).items() if isinstance(v, ox.NamedNode)}


def test_the_namespaces_are_found() -> None:
    assert vocab.RDF in NAMESPACES and vocab.SKOS in NAMESPACES and vocab.GEOCODING in NAMESPACES
    assert set(vocab.PREFIXES.values()) <= set(NAMESPACES)
    assert TERMS[vocab.RDF + "type"] == "RDF_TYPE"


def written_iris(tree: ast.AST) -> list[tuple[int, str]]:
    """Return the string literals (f-string parts included) that start with a namespace of vocab.py."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(tuple(NAMESPACES))
    ]


def prefix_lookups(tree: ast.AST) -> list[tuple[int, str]]:
    """Return the places that look a namespace up in the prefix table by a literal prefix (``PREFIXES["rdf"]``)."""
    return [
        (node.lineno, ast.unparse(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and ast.unparse(node.value).endswith("PREFIXES")
    ]


def spelled_terms(tree: ast.AST) -> list[tuple[int, str]]:
    """Return the places that build a term vocab.py names as a node from its namespace (``RDF + "type"``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.left, ast.Name) and isinstance(node.right, ast.Constant):
            iri = f"{getattr(vocab, node.left.id, None)}{node.right.value}"
            if iri in TERMS:
                found.append((node.lineno, f"{ast.unparse(node)} is {TERMS[iri]}"))
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_but_vocab_writes_an_iri_out(module: Path) -> None:
    """A namespace written out again, looked up by prefix or a named term spelled anew is a second
    definition that can drift from the first (rdf:type was defined in six modules)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    assert written_iris(tree) == []
    assert prefix_lookups(tree) == []
    assert spelled_terms(tree) == []
