"""Nothing imports upward: the rooms of README.md's Layout, read from the import statements themselves."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "publisher"
#: The entry points: they start the app or the server, so they may import both.
ENTRY_POINTS = {PACKAGE / "__init__.py", PACKAGE / "cli.py"}
#: web/ asks the server side's rate limiter on every request (publisher/server/README.md).
ALLOWED = {("publisher/web/__init__.py", "publisher.server.limits")}


def module_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def type_checking_only(tree: ast.Module) -> set[int]:
    """The nodes inside ``if TYPE_CHECKING:`` blocks: imports that name types and never run."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            skipped |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    return skipped


def imports_at_run_time(path: Path) -> set[str]:
    """The modules ``path`` imports when it runs, at its top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == "publisher":  # from publisher import web
                found |= {f"publisher.{alias.name}" for alias in node.names}
    return found


def offenders(room: str, exempt: set[Path]) -> list[tuple[str, str]]:
    """(module, import) for every module outside ``room`` and ``exempt`` that imports from ``room``."""
    inside = PACKAGE / room.rsplit(".", 1)[-1]
    found = []
    for path in module_files():
        if path in exempt or inside in path.parents:
            continue
        name = path.relative_to(ROOT).as_posix()
        for imported in sorted(imports_at_run_time(path)):
            if (imported == room or imported.startswith(room + ".")) and (name, imported) not in ALLOWED:
                found.append((name, imported))
    return found


def test_the_imports_are_read_from_every_module() -> None:
    """The reader sees an import inside a function as well as one at the top (the upward ones hid in functions)."""
    imports = imports_at_run_time(PACKAGE / "cli.py")
    assert "publisher.server.serve" in imports  # imported inside the serve command
    assert "publisher.config" in imports


def test_nothing_below_web_imports_a_view() -> None:
    """Views sit on top: the static export, the nginx configuration and the cores take what they share
    (formats, errors) from modules below web/, never from a view module."""
    assert offenders("publisher.web", ENTRY_POINTS | set((PACKAGE / "server").rglob("*.py"))) == []


def test_only_the_entry_points_import_the_server_side() -> None:
    """server/ runs the app; only the entry points import it, and web/ only its rate limiter."""
    assert offenders("publisher.server", ENTRY_POINTS) == []
