"""The ceiling for the app: a bare Flask app that answers each request of the mix with pre-rendered bytes.

Run under gunicorn (the old reference) or granian (regiolod's server):
    gunicorn -w 2 -k gthread -b 127.0.0.1:PORT --chdir bench 'bareflask:create_app("PRERENDERED/index.json")'
    BAREFLASK_INDEX=PRERENDERED/index.json granian --interface wsgi --workers 2 --working-dir bench \
        --factory bareflask:from_environment

The index maps "PATH<TAB>ACCEPT" (the path exactly as sent) to status, headers and a body file;
it is written by the benchmark from regiolod's own answers, so the bytes are the same and the
only difference is the work regiolod does per request.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request


def load_index(index_path: Path) -> dict[str, tuple[int, dict[str, str], bytes]]:
    """Read every pre-rendered answer into memory: {"PATH<TAB>ACCEPT": (status, headers, body)}."""
    entries = json.loads(index_path.read_text(encoding="utf-8"))
    folder = index_path.parent
    return {
        key: (e["status"], e["headers"], (folder / e["body"]).read_bytes() if e["body"] else b"")
        for key, e in entries.items()
    }


def create_app(index_path: str) -> Flask:
    """A Flask app that looks each request up in the index and returns its bytes (404 when absent)."""
    answers = load_index(Path(index_path))
    app = Flask(__name__)

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def answer(path: str) -> Response:
        raw = request.environ.get("RAW_URI") or request.full_path.rstrip("?")  # RAW_URI: gunicorn only
        found = answers.get(f"{raw}\t{request.headers.get('Accept', '')}")
        if found is None:
            return Response(b"not pre-rendered\n", status=404, mimetype="text/plain")
        status, headers, body = found
        return Response(body, status=status, headers=headers)

    return app


def from_environment() -> Flask:
    """The app over the index that BAREFLASK_INDEX names (for servers that take a factory without arguments)."""
    return create_app(os.environ["BAREFLASK_INDEX"])
