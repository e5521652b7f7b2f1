"""Choose the part of a register to write: ``members`` is every Land and district, and each member of a cooperation.

A member is the ``org:member`` of an ``org:Membership`` in the curated files that no curated file
describes (:attr:`Curated.members`), named by the importer's IRI ``id/organization/{key}``. With
it come its parents, so that containment holds: its Gemeindeverband (Samtgemeinde, Amt …), its
district, its Land, and the Regierungsbezirke and Regions the districts lie in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from publisher.gv100ad.labels import ASSOCIATION_KINDS
from publisher.gv100ad.records import Register

SELECTIONS = ("all", "members")
ORGANIZATION = re.compile(r"id/organization/([0-9]{2,12})")


@dataclass
class Selection:
    """The keys of the things to write (None: all of them), and the members the register does not know."""

    keys: set[str] | None
    members: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def member_key(register: Register, key: str) -> str | None:
    """The key of the thing a member's key names, or None: a kreisfreie Stadt's Gemeinde is its district."""
    levels = register.levels
    if len(key) == 12 and key in levels["60"]:
        district = levels["40"].get(key[:5])
        return key[:5] if district is not None and district.type_code in ("41", "42") else key
    for level, length in (("50", 9), ("40", 5), ("10", 2)):
        if len(key) == length and key in levels[level]:
            return key
    return None


def parents(register: Register, key: str) -> set[str]:
    """The keys of the Gemeindeverband, district and Land of a thing (those the register describes as things)."""
    found = {key[:2]}
    if len(key) >= 5 and key[:5] in register.levels["40"]:
        found.add(key[:5])
    if len(key) == 12 and register.levels["50"][key[:9]].type_code in ASSOCIATION_KINDS:
        found.add(key[:9])
    return found


def select(register: Register, name: str, members: set[str]) -> Selection:
    """Return the keys of a selection by name (:data:`SELECTIONS`) from the members the curated files name."""
    if name == "all":
        return Selection(None)
    levels = register.levels
    keys = set(levels["10"]) | set(levels["20"]) | set(levels["30"]) | set(levels["40"])
    selection = Selection(keys)
    for member in sorted(members):
        match = ORGANIZATION.fullmatch(member)
        if match is None:
            continue  # a cooperation, company or association: not in the register
        key = member_key(register, match.group(1))
        if key is None:
            selection.unknown.append(member)
            continue
        selection.members.append(key)
        keys |= {key} | parents(register, key)
    return selection
