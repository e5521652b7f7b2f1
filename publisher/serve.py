"""Serve the app under gunicorn (production) or Flask's debug server (``--dev``)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from publisher.config import Settings


def listening_base(host: str, port: int) -> str:
    """The base IRI of a local preview: the address the server listens on."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


class GunicornServer(BaseApplication):
    """Run an already built app in gunicorn workers forked after the build is loaded."""

    def __init__(self, app: Flask, settings: Settings):
        self.application = app
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": f"{self.settings.host}:{self.settings.port}",
            "workers": self.settings.workers,
            "timeout": self.settings.timeout,
            "graceful_timeout": min(self.settings.timeout, 30),
            "preload_app": True,
            "accesslog": "-",
            "errorlog": "-",
            "proc_name": "regiolod",
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application
