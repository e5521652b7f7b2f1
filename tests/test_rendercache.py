"""The rendered documents every worker of a server shares (rendercache.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import rdflib
import requests

from publisher.server.rendercache import FILE, SharedRenders
from tests.conftest import BASE
from tests.processes import BIN, clean_env, free_port, oxigraph_server, running
from tests.test_stores import THING


def test_a_document_one_process_rendered_is_read_by_another(tmp_path: Path) -> None:
    first, second = SharedRenders(tmp_path, 1 << 20), SharedRenders(tmp_path, 1 << 20)
    first.prepare("build-a")
    first.put("build-a", "doc\0territory/03358\0ttl\0", (b"<a> <b> <c> .", "text/turtle"))
    assert second.get("build-a", "doc\0territory/03358\0ttl\0") == (b"<a> <b> <c> .", "text/turtle")
    assert second.get("build-a", "doc\0territory/03358\0nt\0") is None


def test_a_new_build_never_gets_the_documents_of_the_old_one(tmp_path: Path) -> None:
    renders = SharedRenders(tmp_path, 1 << 20)
    renders.prepare("build-a")
    renders.put("build-a", "doc", (b"old", "text/turtle"))
    assert renders.get("build-b", "doc") is None
    renders.prepare("build-b")  # a reload with a new build
    assert renders.get("build-a", "doc") is None
    with sqlite3.connect(tmp_path / FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM rendered").fetchone()[0] == 0


def test_the_cache_stays_within_its_size_and_keeps_the_newest(tmp_path: Path) -> None:
    bound = 256 * 1024
    renders = SharedRenders(tmp_path, bound)
    renders.prepare("v")
    body = bytes(range(256)) * 32  # 8 KiB that do not compress away
    for n in range(200):  # 1.6 MB in all
        renders.put("v", f"doc/{n}", (body + str(n).encode(), "text/turtle"))
    with sqlite3.connect(tmp_path / FILE) as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
        used = pages * db.execute("PRAGMA page_size").fetchone()[0]
    assert used <= bound + 2 * len(body)
    assert renders.get("v", "doc/199") == (body + b"199", "text/turtle")
    assert renders.get("v", "doc/0") is None


def test_a_damaged_cache_file_is_started_afresh_and_never_fails_a_request(tmp_path: Path) -> None:
    (tmp_path / FILE).write_bytes(b"this is not a database" * 100)
    renders = SharedRenders(tmp_path, 1 << 20)
    renders.prepare("v")
    renders.put("v", "doc", (b"x", "text/turtle"))
    assert renders.get("v", "doc") == (b"x", "text/turtle")
    broken = SharedRenders(tmp_path / "no-such-folder" / "deeper", 1 << 20)  # never prepared: no table
    assert broken.get("v", "doc") is None
    broken.put("v", "doc", (b"x", "text/turtle"))  # no exception: a cache miss, the page is rendered


def test_a_folder_that_cannot_be_written_leaves_every_worker_rendering_for_itself(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    renders = SharedRenders(tmp_path / "a-file" / "rendered", 1 << 20)
    renders.prepare("v")  # a warning, not a server that fails to start
    renders.put("v", "doc", (b"x", "text/turtle"))
    assert renders.get("v", "doc") is None


def serve_remote(finished: Path, url: str, port: int, log: Path, **env: str):
    environment = clean_env() | {"REGIOLOD_RATE_LIMIT": "0", "REGIOLOD_ACCESS_LOG": "", **env}
    environment |= {"REGIOLOD_STORE": "sparql+" + url, "REGIOLOD_DOWNLOAD_DIR": str(finished)}
    environment |= {"REGIOLOD_BASE_IRI": BASE, "REGIOLOD_STORE_TIMEOUT": "2"}
    command = [str(BIN / "regiolod"), "serve", "--workers", "2", "--port", str(port)]
    return running(command, f"http://127.0.0.1:{port}/robots.txt", log, env=environment)


def test_workers_serve_what_another_server_process_rendered_without_the_store(finished: Path, tmp_path: Path) -> None:
    """Documents rendered by one server over a remote store are served by the next one from the shared
    folder, with the store gone; a document never rendered shows that the store really is gone."""
    cache, port = tmp_path / "rendered", free_port()
    base = f"http://127.0.0.1:{port}/"
    with oxigraph_server(finished / "current" / "store.nq.gz", tmp_path) as url:
        with serve_remote(finished, url, port, tmp_path / "first.log", REGIOLOD_RENDER_CACHE=str(cache)):
            before = {fmt: requests.get(f"{base}doc/{THING}.{fmt}", timeout=10) for fmt in ("ttl", "html", "jsonld")}
            assert all(r.status_code == 200 for r in before.values()), {f: r.status_code for f, r in before.items()}
    with serve_remote(finished, url, port, tmp_path / "second.log", REGIOLOD_RENDER_CACHE=str(cache)):
        for fmt, first in before.items():
            again = requests.get(f"{base}doc/{THING}.{fmt}", timeout=10)
            assert again.status_code == 200 and again.content == first.content
        graph = rdflib.Graph().parse(data=before["ttl"].content, format="turtle")
        assert (rdflib.URIRef(BASE + "id/" + THING), None, None) in graph
        assert requests.get(f"{base}doc/{THING}.nt", timeout=10).status_code in (503, 504)


def test_the_private_cache_folder_lives_as_long_as_the_server(finished: Path, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = free_port()
    with serve_remote(finished, f"http://127.0.0.1:{free_port()}/query", port, tmp_path / "s.log", TMPDIR=str(temp)):
        folders = list(temp.glob("regiolod-rendered-*"))
        assert len(folders) == 1 and (folders[0] / FILE).is_file()
        assert folders[0].stat().st_mode & 0o077 == 0  # the server's alone
    assert not list(temp.glob("regiolod-rendered-*"))
