"""Front-end code served from our own origin, with the Subresource Integrity hashes of the bytes served.

`make vendor` installs it with `npm ci` (package-lock.json pins each version) and copies the built files
into ``static/vendor/``, which git ignores. A source checkout without npm has none of them; pages then
leave the elements out and keep working without them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Flask's static folder of the package: what ``/static/…`` serves.
STATIC = Path(__file__).resolve().parent.parent / "static"


def integrity(path: Path) -> str | None:
    """Return the SRI metadata of a file (sha384, W3C Subresource Integrity §3.1), or None when it is missing."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return file_digest(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def file_digest(path: Path, mtime_ns: int, size: int) -> str:
    """Hash a file once per version of it (its modification time and size are part of the cache key)."""
    digest = hashlib.sha384(path.read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class Bundle:
    """A script and its style sheet under the static folder; false when either file is missing."""

    js: str
    css: str
    folder: Path = STATIC

    @property
    def js_integrity(self) -> str | None:
        return integrity(self.folder / self.js)

    @property
    def css_integrity(self) -> str | None:
        return integrity(self.folder / self.css)

    def __bool__(self) -> bool:
        return self.js_integrity is not None and self.css_integrity is not None


#: The SPARQL query editor (@zazuko/yasgui, MIT licence), as `make vendor` copies it.
YASGUI = Bundle(js="vendor/yasgui/yasgui.min.js", css="vendor/yasgui/yasgui.min.css")
#: The map library of the page maps (Leaflet, BSD-2-Clause), as `make vendor` copies it; without it the pages
#: keep their SVG map.
LEAFLET = Bundle(js="vendor/leaflet/leaflet.js", css="vendor/leaflet/leaflet.css")
