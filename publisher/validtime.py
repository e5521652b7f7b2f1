"""Valid time (DESIGN §5): the dates a client asks for, and the dates and instants the data holds.

A client writes a day as ``YYYY-MM-DD`` (ISO 8601 extended calendar date, as xsd:date without a time
zone) and nothing else: ``20230101``, ``2023-02-30`` and ``yesterday`` are refused with a message that
says what is accepted. The data dates things with xsd:date, xsd:dateTime (PROV's instants) and
xsd:gYear; a year means 1 January as a beginning and 31 December as an end.
"""

from __future__ import annotations

import datetime as dt
import re

#: A day as clients write it: four digits of year, two of month, two of day, with hyphens.
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: An xsd:gYear as the data writes it, with an optional time zone.
YEAR = re.compile(r"[0-9]{4}(?:Z|[+-][0-9]{2}:[0-9]{2})?$")
ACCEPTED = "a day written YYYY-MM-DD (ISO 8601, e.g. 2019-01-01)"


class BadDate(ValueError):
    """A date parameter that is not a day written YYYY-MM-DD, or names no day of the calendar."""


def parse_date(text: str, name: str = "date") -> dt.date:
    """Read the day a client wrote as ``YYYY-MM-DD``, or raise :class:`BadDate` saying what is accepted."""
    if not DAY.fullmatch(text):
        raise BadDate(f"{name} must be {ACCEPTED}, not {shown(text)}.")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadDate(f"{name}={shown(text)} names no day of the calendar; {name} must be {ACCEPTED}.") from None


def shown(text: str) -> str:
    """A client's text as a message repeats it: quoted, at most 40 characters."""
    return repr(text[:40]) + ("…" if len(text) > 40 else "")


def beginning(lexical: str) -> dt.date | None:
    """The first day of a date, instant or year of the data (``2020`` → 2020-01-01); None if unreadable."""
    if DAY.match(lexical):
        return _day(lexical)
    return dt.date(int(lexical[:4]), 1, 1) if YEAR.match(lexical) else None


def end(lexical: str) -> dt.date | None:
    """The last day of a date or year of the data (``2019`` → 2019-12-31); None if unreadable."""
    if DAY.match(lexical):
        return _day(lexical)
    return dt.date(int(lexical[:4]), 12, 31) if YEAR.match(lexical) else None


def _day(lexical: str) -> dt.date | None:
    """The day an xsd:date or xsd:dateTime begins with, ignoring time and zone."""
    try:
        return dt.date.fromisoformat(lexical[:10]) if DAY.match(lexical) else None
    except ValueError:
        return None
