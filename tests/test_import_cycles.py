"""No two modules of the package import each other, directly or round a loop.

Every import counts, wherever it is written: at the top, inside a function (a lazy import) or under
``TYPE_CHECKING``, since each hides the same tangle (dataset.build ↔ dataset.validate and
shacl.checks ↔ shacl.evaluator were such loops).
"""

from __future__ import annotations

import ast
from pathlib import Path

import publisher

ROOT = Path(publisher.__file__).parent.parent
#: Loops allowed for now (none: the last, sparql.results ↔ sparql.runner, went with the one error type).
ELSEWHERE: set[tuple[str, str]] = set()


def module_names() -> dict[str, Path]:
    """Map the dotted name of every module of the package to its file."""
    found = {}
    for path in (ROOT / "publisher").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Map each module to the modules of the package it imports anywhere in its text."""
    modules = module_names()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names if a.name in modules}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    target = f"{node.module}.{a.name}"  # ``from publisher.shacl import evaluator``
                    if target in modules or node.module in modules:
                        graph[name].add(target if target in modules else node.module)
    return graph


def loops(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Return the modules of each import loop (a strongly connected component of more than one)."""
    reach = {name: reachable(graph, name) for name in graph}
    return {tuple(sorted(n for n in reach[name] if name in reach[n])) for name in graph if name in reach[name]}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Return the modules an import of ``start`` leads to, one or more steps away."""
    found: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += graph[name]
    return found


def test_the_graph_sees_lazy_and_type_checking_imports() -> None:
    graph = import_graph()
    assert "publisher.dataset.validate" in graph["publisher.dataset.build"]  # at the top
    assert "publisher.dataset.build" in graph["publisher"]  # inside create_app
    assert "publisher.dataset.build" in graph["publisher.web"]  # under TYPE_CHECKING
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {("a", "b", "c")}


def test_no_module_imports_itself_round_a_loop() -> None:
    found = loops(import_graph())
    assert ELSEWHERE <= found, f"{ELSEWHERE - found} is no loop any more: delete it from ELSEWHERE"
    assert found - ELSEWHERE == set()
