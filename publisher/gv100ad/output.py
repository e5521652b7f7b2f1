"""Put the files of an import in place: all of them or none, never mixed with anything else."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from publisher.gv100ad.records import RegisterError

#: The first line of every file the importer writes; a folder holding only such files may be replaced.
MARKER = "# Written by `regiolod import gv100ad`"


def check_replaceable(out: Path) -> None:
    """Refuse to replace a folder that holds anything the importer did not write."""
    if not out.exists():
        return
    if not out.is_dir():
        raise RegisterError(out, "the output exists and is not a folder")
    for entry in sorted(out.iterdir()):
        written = entry.is_file() and entry.suffix == ".ttl"
        if written:
            with entry.open(encoding="utf-8", errors="replace") as f:
                written = f.readline().startswith(MARKER)
        if not written:
            raise RegisterError(
                out, f"the output folder holds {entry.name}, which the importer did not write; choose another folder"
            )


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(out: Path) -> None:
    """Remove the working folders of earlier imports into ``out`` that were killed before they finished."""
    for stage in ("import", "replaced"):
        for folder in out.parent.glob(f".{out.name}.{stage}-*"):
            pid = folder.name.rsplit("-", 1)[1]
            if pid.isdigit() and not running(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)


def write_folder(files: dict[str, str], out: Path) -> list[Path]:
    """Write the files into a fresh sibling folder, then put it in place of ``out`` by renaming.

    Until they are complete the files are named ``*.part``, so that a build reading the data
    folder recursively never picks up a half-written import; working folders of an import that
    was killed are removed by the next one.
    """
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    fresh = out.parent / f".{out.name}.import-{os.getpid()}"
    old = out.parent / f".{out.name}.replaced-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        fresh.mkdir()
        for name, text in files.items():
            (fresh / f"{name}.part").write_text(text, encoding="utf-8", newline="\n")
        for name in files:
            (fresh / f"{name}.part").rename(fresh / name)
        if out.exists():
            out.rename(old)
        fresh.rename(out)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return [out / name for name in files]
