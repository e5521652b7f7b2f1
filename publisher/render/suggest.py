"""Things whose key or German label contains a word, for the hints of a 404 answer.

Searching the store for every unknown IRI cost a scan over every label (0.4 s per 404 on disk for
all of Germany), so any client probing random IRIs could keep a worker busy. The labels are
therefore read once per process into an index, and each 404 searches that in memory.

The index is one string per kind of thing (the first segment of the key: ``territory/``,
``organization/``, ...), one line per label, sorted the way hints are shown (shortest label first,
then label, then key), so the first ten matches found are the best ten: a search stops early and
never builds a list of every match. A line is ``folded key TAB folded label NUL key TAB label``;
only the part before NUL is searched.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable

LOG = logging.getLogger("regiolod.suggest")
HINTS = 10
#: Characters that frame the lines of the index; a word holding one of them matches nothing.
FRAMING = ("\t", "\n", "\0")


#: German spellings without umlauts, folded the same way as the umlauts themselves ("Lueneburg" = "Lüneburg").
_UMLAUT_SPELLINGS = re.compile(r"(?<=[aou])e")


def fold(text: str) -> str:
    """``text`` as searched: case-folded (ß is ss), accents dropped, ae/oe/ue as a/o/u, spaces collapsed;
    "Lüneburg", "Lueneburg" and "luneburg" fold alike. The one normalisation of every search by words
    (the hints of a 404 and /search)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_UMLAUT_SPELLINGS.sub("", bare).split())


def kind_of(key: str) -> str:
    """The first segment of a key with its slash (``territory/``), or "" for a key without one."""
    return key.split("/", 1)[0] + "/" if "/" in key else ""


class LabelIndex:
    """German labels of things under ``{base}id/``, searched by substring of their :func:`fold`."""

    def __init__(self, labelled: Iterable[tuple[str, str]]):
        """``labelled``: (key, label) pairs, the key being the part of the IRI after ``{base}id/``."""
        by_kind: dict[str, list[tuple[int, str, str]]] = {}
        for key, label in set(labelled):
            if any(c in key or c in label for c in FRAMING):
                continue  # cannot be framed as a line; such labels are refused by the shapes anyway
            by_kind.setdefault(kind_of(key), []).append((len(label), label, key))
        self.kinds = {
            kind: "".join(f"{fold(key)}\t{fold(label)}\0{key}\t{label}\n" for _, label, key in sorted(rows))
            for kind, rows in by_kind.items()
        }

    def search(self, word: str, kind: str = "", limit: int = HINTS) -> list[tuple[str, str]]:
        """(key, label) of at most ``limit`` things whose key or label contains ``word``, those of
        ``kind`` first, then by label length, label and key."""
        needle = fold(word)
        if not needle or any(c in needle for c in FRAMING):
            return []
        same = list(itertools.islice(self._matches(self.kinds.get(kind, ""), needle), limit))
        if len(same) == limit:
            return [(key, label) for _, label, key in same]
        other_kinds = (text for k, text in sorted(self.kinds.items()) if k != kind)
        others = heapq.merge(*(itertools.islice(self._matches(text, needle), limit) for text in other_kinds))
        found = same + list(itertools.islice(others, limit - len(same)))
        return [(key, label) for _, label, key in found]

    @staticmethod
    def _matches(text: str, needle: str) -> Iterable[tuple[int, str, str]]:
        """The lines of ``text`` whose searched part holds ``needle``, in the order of the text."""
        at = text.find(needle)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            zero = text.find("\0", start, end)
            if at + len(needle) <= zero:
                key, label = text[zero + 1 : end].split("\t", 1)
                yield len(label), label, key
            at = text.find(needle, end)


class LazyLabelIndex:
    """The index of one process, read from the store when first needed.

    A 404 never waits long for its hints: while one thread reads the labels, others wait at most
    ``wait`` seconds and then answer without hints; a failed read (a remote store down or slow) is
    tried again only after ``retry_after`` seconds, so 404s stay cheap meanwhile.
    """

    def __init__(self, read: Callable[[], Iterable[tuple[str, str]]], wait: float = 2.0, retry_after: float = 60.0):
        self.read, self.wait, self.retry_after = read, wait, retry_after
        self.index: LabelIndex | None = None
        self.failed_at: float | None = None
        self.lock = threading.Lock()

    def search(self, word: str, kind: str = "") -> list[tuple[str, str]]:
        index = self.index or self.load()
        return index.search(word, kind) if index is not None else []

    def load(self) -> LabelIndex | None:
        if not self.lock.acquire(timeout=self.wait):
            return None
        try:
            if self.index is None:
                if self.failed_at is not None and time.monotonic() - self.failed_at < self.retry_after:
                    return None
                try:
                    self.index = LabelIndex(self.read())
                except Exception as exc:  # noqa: BLE001 - hints are a courtesy: the 404 is answered without them
                    self.failed_at = time.monotonic()
                    LOG.warning(
                        "labels for the hints of 404 answers could not be read (%s); next try in %g s",
                        exc,
                        self.retry_after,
                    )
                    return None
            return self.index
        finally:
            self.lock.release()
