"""Real servers for tests: start a command on a free loopback port, wait until it answers, stop it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

BIN = Path(sys.executable).parent
#: The HTTP servers `regiolod serve` runs on (setting server); the tests of the real server run on each.
HTTP_SERVERS = ("gunicorn", "granian")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerDidNotStart(RuntimeError):
    pass


def clean_env() -> dict[str, str]:
    """This process's environment without any ``REGIOLOD_`` setting, so a server under test gets only
    the settings the test gives it."""
    return {k: v for k, v in os.environ.items() if not k.startswith("REGIOLOD_")}


@contextmanager
def running(
    command: list[str], ready_url: str, log_path: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[None]:
    """Run ``command`` (in ``cwd``) in its own process group until the block ends; wait until ``ready_url`` answers."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(ready_url, timeout=2).status_code < 500:
                        break
                except requests.ConnectionError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerDidNotStart(f"{command[0]} did not come up:\n{log_path.read_text(errors='replace')}")
                time.sleep(0.1)
            yield
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop the process group: TERM, then KILL if it does not end."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def oxigraph_server(nquads_gz: Path, folder: Path, union: bool = False) -> Iterator[str]:
    """An Oxigraph server (read-only) loaded from an N-Quads file; yields its query endpoint URL.

    ``union``: its default graph is the union of the named graphs (``--union-default-graph``).
    """
    location = folder / "oxigraph"
    subprocess.run(
        [str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(nquads_gz)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    command += ["--union-default-graph"] if union else []
    with running(command, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", folder / "oxigraph.log"):
        yield f"http://127.0.0.1:{port}/query"


#: Debian's Virtuoso (package virtuoso-opensource): the server and its SQL shell.
VIRTUOSO = shutil.which("virtuoso-t")
VIRTUOSO_ISQL = shutil.which("isql-vt") or shutil.which("isql")
#: The graph of any statement the image holds outside a named graph (the loader needs one; the image has none).
VIRTUOSO_LOAD_GRAPH = "urn:x-regiolod:default-graph"
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {images}
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
ThreadsPerQuery = 1
CheckpointInterval = 0
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 8
MaxClientConnections = 8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
"""


@contextmanager
def virtuoso_server(nquads_gz: Path, folder: Path) -> Iterator[str]:
    """A Virtuoso server (its own database in ``folder``) loaded from an N-Quads image; yields its query endpoint URL.

    The image is loaded with Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run``), which keeps every quad's
    named graph. The default graph Virtuoso answers is the union of all its graphs, its own system graphs too.
    """
    assert VIRTUOSO and VIRTUOSO_ISQL, "install Debian's virtuoso-opensource"
    database = folder / "virtuoso"
    database.mkdir()
    isql_port, http_port = free_port(), free_port()
    ini = database / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(db=database, images=nquads_gz.parent, isql_port=isql_port, http_port=http_port),
        encoding="utf-8",
    )
    command = [VIRTUOSO, "+foreground", "+configfile", str(ini)]
    url = f"http://127.0.0.1:{http_port}/sparql"
    with running(command, url + "?query=ASK%7B%7D", folder / "virtuoso-out.log", cwd=database):
        load = (
            f"ld_dir('{nquads_gz.parent}', '{nquads_gz.name}', '{VIRTUOSO_LOAD_GRAPH}');\n"
            "rdf_loader_run();\n"
            "checkpoint;\n"
            "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;\n"
        )
        done = subprocess.run(
            [VIRTUOSO_ISQL, f"127.0.0.1:{isql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF"],
            input=load,
            capture_output=True,
            text=True,
            check=True,
        )
        if "Error" in done.stdout or nquads_gz.name in done.stdout:
            raise ServerDidNotStart(f"Virtuoso did not load {nquads_gz.name}:\n{done.stdout}\n{done.stderr}")
        yield url
