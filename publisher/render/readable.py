"""Values as people read them: numbers with the page language's separators and a unit, dates written
out ("1. Januar 2020" / "1 January 2020"), a point as degrees; the machine value stays beside them
(``<time datetime>``), the RDF formats keep the literal as it is."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from publisher.vocab import XSD, XSD_DATE, expand

NUMBER_TYPES = {
    XSD + t
    for t in (
        "decimal",
        "integer",
        "double",
        "float",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "unsignedInt",
        "unsignedLong",
    )
}
DATE_TYPES = {XSD_DATE.value, XSD + "dateTime", XSD + "dateTimeStamp"}

#: The unit of a figure's rdf:value, by the property that holds the figure (the ontology's definitions).
UNITS = {expand("rl:area"): "km²", expand("rl:budget"): "€", expand("rl:capitalShare"): "%"}

MONTHS = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}  # fmt: skip
DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$")
POINT_WKT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)\s*$", re.I)


def number(text: str | int, lang: str) -> str:
    """``1881.46`` as "1.881,46" (de) or "1,881.46" (en); text that is no number stays as it is."""
    text = str(text)
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    sign, digits, exponent = value.as_tuple()
    places = -int(exponent) if int(exponent) < 0 else 0
    shown = f"{abs(value):,.{places}f}"  # "1,881.46"
    if lang == "de":
        shown = shown.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return ("−" if sign and value != 0 else "") + shown


def date(text: str, lang: str) -> str:
    """``2020-01-01`` or ``2020-01-01T00:00:00`` as "1. Januar 2020" / "1 January 2020" (a time that is not
    midnight is added, "12:30"); a year (gYear) or anything else stays as it is."""
    match = DATE.match(text.strip())
    if not match:
        return text
    year, month, day, hour, minute = match.group(1, 2, 3, 4, 5)
    if not 1 <= int(month) <= 12:
        return text
    name = MONTHS["de" if lang == "de" else "en"][int(month) - 1]
    shown = f"{int(day)}. {name} {int(year)}" if lang == "de" else f"{int(day)} {name} {int(year)}"
    if hour is not None and (hour, minute, match.group(6) or "00") != ("00", "00", "00"):
        shown += f", {hour}:{minute}"
    return shown


def day(value: dt.date | str, lang: str) -> str:
    """A day (a date or its ISO text) written out."""
    return date(value.isoformat() if isinstance(value, dt.date) else value, lang)


def point(text: str, lang: str) -> str | None:
    """``POINT(9.7692 52.92841)`` (longitude latitude) as "52,928° N, 9,769° O"; None for another geometry."""
    match = POINT_WKT.match(text)
    if not match:
        return None
    lon, lat = Decimal(match.group(1)), Decimal(match.group(2))
    east = ("O" if lang == "de" else "E") if lon >= 0 else "W"
    north = "N" if lat >= 0 else "S"
    return (
        f"{number(str(abs(lat).quantize(Decimal('0.001'))), lang)}° {north}, "
        f"{number(str(abs(lon).quantize(Decimal('0.001'))), lang)}° {east}"
    )


def literal(text: str, datatype: str, lang: str) -> tuple[str, str]:
    """The shown text of a typed literal and its machine value for ``<time datetime>`` ("" if none)."""
    if datatype in NUMBER_TYPES:
        return number(text, lang), ""
    if datatype in DATE_TYPES:
        shown = date(text, lang)
        return shown, (text if shown != text else "")
    return text, ""
