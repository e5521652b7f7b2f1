"""Names, types and seats of GV100AD records, as the curated data writes them.

The register writes a Gemeinde's name with its title after a comma ("Bad Fallingbostel, Stadt",
"Ahlden (Aller), Flecken"); the curated data labels the territory with the name alone and the
body with title and name ("Stadt Bad Fallingbostel"), and keeps the register's form as
``skos:altLabel``. Associations and districts get their kind in front ("Samtgemeinde Ahlden",
"Landkreis Harburg", "Kreis Dithmarschen").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from publisher.gv100ad.records import Record
from publisher.vocab import GEOCODING

GEOCODING_KEYS = {
    level: f"{GEOCODING}{level}Key/"
    for level in ("state", "governmentDistrict", "district", "municipalAssociation", "municipality")
}

#: Textkennzeichen of a Gemeindeverband: kind word, class and organization type. An erfüllende
#: Gemeinde (58) administers its neighbours itself, so the register's association has no body.
ASSOCIATION_KINDS: dict[str, tuple[str, str | None, str | None]] = {
    "51": ("Amt", "rl:Amt", "rl:orgtype-amt"),
    "52": ("Samtgemeinde", "rl:Samtgemeinde", "rl:orgtype-samtgemeinde"),
    "53": ("Verbandsgemeinde", "rl:Verbandsgemeinde", "rl:orgtype-verbandsgemeinde"),
    "54": ("Verwaltungsgemeinschaft", "rl:Verwaltungsgemeinschaft", "rl:orgtype-verwaltungsgemeinschaft"),
    "55": ("Kirchspielslandgemeinde", "rl:Kirchspielslandgemeinde", "rl:orgtype-kirchspielslandgemeinde"),
    "56": ("Verwaltungsverband", "rl:Verwaltungsverband", "rl:orgtype-verwaltungsverband"),
    "58": ("Erfüllende Gemeinde", None, None),
}
#: Abbreviations the register uses in names, and what they stand for.
ASSOCIATION_PREFIXES = {"VVG ": "Vereinbarte Verwaltungsgemeinschaft ", "GVV ": "Gemeindeverwaltungsverband "}
TITLES = {"M": "Markt", "St": "Stadt", "GKSt": "Große Kreisstadt", "gemfr. Bezirk": "Gemeindefreier Bezirk"}
#: The title of a Gemeinde whose name carries none, by Textkennzeichen.
DEFAULT_TITLES = {
    "60": "Markt",
    "61": "Stadt",
    "62": "Stadt",
    "63": "Stadt",
    "64": "Gemeinde",
    "65": "Gemeindefreier Bezirk",
    "66": "Gemeindefreies Gebiet",
    "67": "Große Kreisstadt",
}
MUNICIPALITY_TYPES = {
    "60": "rl:orgtype-markt",
    "61": "rl:orgtype-kreisfreie-stadt",
    "62": "rl:orgtype-kreisfreie-stadt",
    "63": "rl:orgtype-stadt",
    "64": "rl:orgtype-gemeinde",
    "65": "rl:orgtype-gemeindefreier-bezirk",
    "67": "rl:orgtype-grosse-kreisstadt",
}
DISTRICT_WORDS = {"43": "Kreis", "44": "Landkreis", "45": "Regionalverband"}
REGION_PREFIXES = ("Region ", "Städteregion ", "Regionalverband ")
#: German titles and kinds in front of a body's name and the English words for them (the name itself, a
#: proper name, stays): "Samtgemeinde Ahlden" is "Ahlden (joint municipality)" in English.
ENGLISH_KINDS = (
    ("Samtgemeinde ", "{} (joint municipality)"),
    ("Verbandsgemeinde ", "{} (collective municipality)"),
    ("Verwaltungsgemeinschaft ", "{} (administrative community)"),
    ("Vereinbarte Verwaltungsgemeinschaft ", "{} (agreed administrative community)"),
    ("Gemeindeverwaltungsverband ", "{} (municipal administration association)"),
    ("Verwaltungsverband ", "{} (administrative association)"),
    ("Kirchspielslandgemeinde ", "{} (parish municipality)"),
    ("Amt ", "{} (Amt, administrative association)"),
    ("Gemeindefreier Bezirk ", "{} (unincorporated area)"),
    ("Gemeindefreies Gebiet ", "{} (unincorporated area)"),
    ("Große Kreisstadt ", "{} (major district town)"),
    ("Landeshauptstadt ", "{} (state capital)"),
    ("Hansestadt ", "{} (Hanseatic town)"),
    ("Gemeinde ", "{} (municipality)"),
    ("Flecken ", "{} (market town)"),
    ("Markt ", "{} (market town)"),
    ("Stadt ", "{} (town)"),
    ("Landkreis ", "{} District"),
    ("Kreis ", "{} District"),
    ("Regionalverband ", "{} (regional association)"),
)


def english_name(german: str) -> str:
    """The English label of a body named in German: its kind translated, its proper name kept."""
    for kind, english in ENGLISH_KINDS:
        if german.startswith(kind):
            return english.format(german[len(kind) :])
    return german


#: Official body names the register's name and type do not give (FACTS.md: "Landkreis Heidekreis").
BODY_NAMES = {"03358": "Landkreis Heidekreis"}


def name_base(name: str) -> str:
    """The name without the title the register writes after a comma."""
    return name.split(",", 1)[0].strip()


def titles(name: str) -> list[str]:
    return [" ".join(part.split()) for part in name.split(",")[1:] if part.strip()]


def municipality_title(m: Record) -> str:
    """The title in front of a Gemeinde's body label: "Stadt" when the register names it, else its last title."""
    found = [TITLES.get(t, t) for t in titles(m.name)]
    if not found:
        return DEFAULT_TITLES[m.type_code]
    title = "Stadt" if "Stadt" in found else found[-1]
    return title.split(" / ", 1)[0].strip()  # "Stadt / Běła Woda": the German title


def municipality_body_label(m: Record) -> str:
    return f"{municipality_title(m)} {name_base(m.name)}"


def municipality_classification(m: Record) -> str:
    if m.type_code == "64" and municipality_title(m).lower().endswith("flecken"):
        return "rl:orgtype-flecken"
    return MUNICIPALITY_TYPES[m.type_code]


def association_label(a: Record) -> str:
    """ "Samtgemeinde Ahlden", "Amt Berkenthin"; names with the kind already in front stay as they are."""
    for short, long in ASSOCIATION_PREFIXES.items():
        if a.name.startswith(short):
            return long + a.name[len(short) :]
    kind = ASSOCIATION_KINDS[a.type_code][0]
    if kind == "Erfüllende Gemeinde":
        return f"Verwaltungsgebiet der erfüllenden Gemeinde {name_base(a.name)}"
    return a.name if a.name.startswith(kind + " ") else f"{kind} {name_base(a.name)}"


def district_body(d: Record) -> tuple[str, str, str]:
    """Class, label and organization type of a Kreis body (not a kreisfreie Stadt).

    Names that already say what they are ("Region Hannover", "Landkreis Rostock", "Rhein-Sieg-Kreis")
    stay as they are; others get Landkreis or Kreis in front, as the register's type says.
    """
    region = d.type_code == "45" or d.name.startswith(REGION_PREFIXES)
    if d.key in BODY_NAMES:
        label = BODY_NAMES[d.key]
    elif region or "kreis" in d.name.lower():
        label = d.name
    else:
        label = f"{DISTRICT_WORDS[d.type_code]} {d.name}"
    return "rl:Landkreis", label, "rl:orgtype-region" if region else "rl:orgtype-landkreis"


def government_district_label(name: str) -> str:
    """ "Reg.-Bez. Köln" → "Regierungsbezirk Köln"; "früher: Reg.-Bez. Trier" → "Ehemaliger Regierungsbezirk Trier"."""
    text = name.removeprefix("früher: ").replace("Reg.-Bez. ", "Regierungsbezirk ")
    return f"Ehemaliger {text}" if name.startswith("früher: ") else text


def normalised(text: str) -> str:
    """Letters and digits only, case-folded: "Rethem/Aller" and "Rethem (Aller)" become the same."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def spellings(m: Record) -> tuple[set[str], set[str]]:
    """The names a seat may use for a Gemeinde: exact ones, and looser ones without a parenthesis.

    "Stavenhagen, Reuterstadt, Stadt" is also "Stavenhagen" and "Reuterstadt Stavenhagen";
    "Bautzen / Budyšin, Stadt" is also "Bautzen"; loosely, "Heppenheim (Bergstraße)" is "Heppenheim".
    """
    base = name_base(m.name)
    exact = {m.name, base, base.split(" / ", 1)[0]} | {f"{TITLES.get(t, t)} {base}" for t in titles(m.name)}
    loose = {base.split(" / ", 1)[0].split(" (", 1)[0]}
    return {normalised(n) for n in exact}, {normalised(n) for n in loose}


class SeatFinder:
    """Find the Gemeinde a seat names: inside the district, then among the Land's kreisfreie Städte, then the Land.

    The seat field is free text ("Rethem/Aller", "Lüchow, Wendland", "Barlachstadt Güstrow"); a seat
    resolves only when exactly one Gemeinde of a scope carries the name, else the caller keeps it as a note.
    """

    def __init__(self, municipalities: Iterable[Record], key_of: Callable[[Record], str]):
        self.index: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for m in municipalities:
            if m.type_code == "66":
                continue
            key = key_of(m)
            scopes = (m.key[:2], m.key[:5]) + ((m.key[:2] + "k",) if len(key) == 5 else ())
            for strictness, names in zip(("exact", "loose"), spellings(m), strict=True):
                for name in names:
                    for scope in scopes:
                        self.index[scope, strictness, name].add(key)

    def find(self, seat: str, district: str) -> str | None:
        """Return the key of the seat's Gemeinde, or None when no scope names exactly one.

        ``district`` is a district key (5 digits), or a state key (2 digits) for a Land's seat.
        """
        land = district[:2]
        scopes = ([district] if len(district) == 5 else []) + [land + "k", land]
        tiers = [
            ("exact", normalised(seat)),
            ("exact", normalised(name_base(seat))),
            ("exact", normalised(seat.split("/", 1)[0])),
            ("loose", normalised(seat)),
        ]
        for scope in scopes:
            for strictness, name in tiers:
                found = self.index.get((scope, strictness, name), set())
                if len(found) == 1:
                    return next(iter(found))
        return None
