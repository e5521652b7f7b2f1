"""Rendered documents shared by every worker of a server: one SQLite file, keyed by build.

Each gunicorn worker keeps the documents it served last in memory (``web/state.py``); without a
shared tier every worker renders every document once more, which over a remote store costs a round
trip or several per document. Here a document rendered by one worker is read by the others (and, when
the folder is kept, by the server after a restart) until the build changes.

A cache only: every failure of SQLite (locked too long, disk full, a damaged file) is a miss, never
an error of the request. The file is bounded: past ``max_bytes`` the oldest quarter of the documents
goes. Connections are opened per process and thread, after the fork (SQLite handles must not cross it).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

LOG = logging.getLogger("regiolod.rendercache")
FILE = "rendered.sqlite"
BUSY_MS = 100  # a worker waits this long for another's write, then renders itself


class SharedRenders:
    """A bounded store of ``(body, content type)`` by key, for the processes of one server."""

    def __init__(self, folder: Path, max_bytes: int):
        self.path = Path(folder) / FILE
        self.max_bytes = max_bytes
        self.local = threading.local()
        self.failed = False

    def prepare(self, version: str, again: bool = True) -> None:
        """Create the file and drop the documents of every other build (in the master, before the fork)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = self._connect()
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS rendered "
                    "(key TEXT PRIMARY KEY, version TEXT NOT NULL, content_type TEXT NOT NULL, body BLOB NOT NULL)"
                )
                db.execute("DELETE FROM rendered WHERE version != ?", (version,))
            finally:
                db.close()
        except (OSError, sqlite3.OperationalError) as exc:  # a folder that cannot be written: serve without
            LOG.warning("rendered documents cache %s cannot be used (%s); every worker renders for itself",
                        self.path, exc)  # fmt: skip
        except sqlite3.DatabaseError as exc:  # a damaged file: start afresh, it only held copies
            if not again:
                raise
            LOG.warning("rendered documents cache %s unreadable (%s); starting it afresh", self.path, exc)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.prepare(version, again=False)

    def get(self, version: str, key: str) -> tuple[bytes, str] | None:
        """The document stored under ``key`` for this build, or None."""
        try:
            row = (
                self._db()
                .execute("SELECT body, content_type FROM rendered WHERE key = ? AND version = ?", (key, version))
                .fetchone()
            )
        except sqlite3.Error as exc:
            self._complain(exc)
            return None
        return (bytes(row[0]), row[1]) if row else None

    def put(self, version: str, key: str, value: tuple[bytes, str]) -> None:
        """Keep ``value`` for the other workers; past the size bound, drop the oldest quarter."""
        body, content_type = value
        try:
            db = self._db()
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO rendered (key, version, content_type, body) VALUES (?, ?, ?, ?)",
                    (key, version, content_type, body),
                )
                if self._used(db) > self.max_bytes:
                    # The oldest quarter (rowids grow with every insert): cheap to find, and no scan of bodies.
                    db.execute(
                        "DELETE FROM rendered WHERE rowid IN "
                        "(SELECT rowid FROM rendered ORDER BY rowid LIMIT (SELECT COUNT(*) / 4 + 1 FROM rendered))"
                    )
        except sqlite3.Error as exc:
            self._complain(exc)

    @staticmethod
    def _used(db: sqlite3.Connection) -> int:
        """Bytes in use by the file (pages not on the free list)."""
        pages: int = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
        page_size: int = db.execute("PRAGMA page_size").fetchone()[0]
        return pages * page_size

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous=OFF")  # a cache: a lost write after a crash is a later render
        db.execute("PRAGMA cache_size=-1024")  # 1 MiB per connection; the operating system caches the file
        return db

    def _db(self) -> sqlite3.Connection:
        """This thread's connection in this process (opened again after a fork)."""
        pid, db = getattr(self.local, "owner", None), getattr(self.local, "db", None)
        if db is None or pid != os.getpid():
            db = self.local.db = self._connect()
            self.local.owner = os.getpid()
        return db

    def _complain(self, exc: sqlite3.Error) -> None:
        if not self.failed:  # once per process: a full disk would otherwise log on every request
            self.failed = True
            LOG.warning("rendered documents cache %s: %s (rendering without it)", self.path, exc)
