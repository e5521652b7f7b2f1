"""The rows of the LEADER lists as the generator reads them (:mod:`publisher.reference.leader`): regions, members,
and each region's local action group; apart, so that the texts (:mod:`.leader_text`) can name them."""

from __future__ import annotations

import re
from dataclasses import dataclass

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True)
class Region:
    name: str  # without a trailing abbreviation in brackets
    abbreviation: str
    period: str
    recognition: str
    source: str
    source_date: str
    note: str

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower().translate(UMLAUTS)).strip("-")


@dataclass(frozen=True)
class Member:
    region: str
    period: str
    name: str
    key: str
    level: str
    coverage: str
    source: str
    source_date: str
    note: str


@dataclass
class Group:
    """A region's local action group and territory: new ones here, or those of data/leader.ttl."""

    region: Region
    organization: str
    territory: str
    label: str
    curated: bool
