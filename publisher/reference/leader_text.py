"""The German and English texts of the LEADER file: what the reference list says of a region's recognition,
its members, and what the file holds and leaves out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from publisher.gv100ad.turtle import literal

if TYPE_CHECKING:
    from publisher.reference.leader_rows import Group, Member, Region

#: How many LEADER regions the Land recognised for 2023–2027, and where it says so (the reference files'
#: SOURCES.md; the recognition column cites the same page).
LAND_COUNT = 68
LAND_SOURCE = "https://klara.niedersachsen.de/startseite/aktuelles/165-millionen-euro-fur-die-zukunft-des-landlichen-raums-218312.html"
#: Members a region's source names that have no key in the register, by region (the region's note says why).
UNKEYED = {"Kehdingen-Oste": "Geversdorf"}

#: Hosts that keep copies of other people's documents: a source there is cited with a note saying so, since
#: the reference list gives no original (the project cites originals, never mirrors, where it knows them).
DOCUMENT_COPIES = frozenset({"docplayer.org"})
COPY_NOTES = (
    "Die einzige Quelle ist die Kopie eines Dokuments auf {host}; das Original ist nicht bekannt.",
    "The only source is a copy of a document on {host}; the original is not known.",
)

#: The beginning of the recognition column → kind.
KINDS = {
    "recognised": "recognised",
    "applied 2022": "applicant",
    "LEADER region in 2023-2027 per source": "current-page",
    "2023-2027 status not verified": "unverified",
    "name seen only": "name-only",
}
RECOGNITION = {
    "recognised": (
        "Vom Land Niedersachsen als LEADER-Region der Förderperiode 2023–2027 anerkannt.",
        "Recognised by Lower Saxony as a LEADER region of the 2023–2027 funding period.",
    ),
    "applicant": (
        "Nur als Bewerberin für die Förderperiode 2023–2027 belegt (Entwicklungskonzept 2022 eingereicht). "
        "Das Land hat nach eigener Angabe alle Bewerbungen anerkannt; "
        "eine Anerkennung dieser Region ist namentlich nicht belegt.",
        "Documented only as an applicant for the 2023–2027 funding period (development concept submitted in 2022). "
        "The Land states that it recognised every applicant; a recognition of this region by name was not seen.",
    ),
    "current-page": (
        "Laut einer aktuellen Seite LEADER-Region der Förderperiode 2023–2027; eine Anerkennung ist nicht belegt.",
        "A LEADER region of the 2023–2027 funding period according to a current page; a recognition was not seen.",
    ),
    "unverified": (
        "Ob die Region in der Förderperiode 2023–2027 LEADER-Region ist, ist nicht belegt.",
        "Whether the region is a LEADER region in the 2023–2027 funding period is not verified.",
    ),
    "name-only": (
        "Nur der Name als LEADER-Region ist belegt; die Förderperiode 2023–2027 ist nicht bestätigt.",
        "Only the name as a LEADER region was seen; the 2023–2027 funding period is not confirmed.",
    ),
}


def copy_notes(source: str) -> list[str]:
    """Notes saying that a source is a copy on a document host, when it is one."""
    host = (urlsplit(source).hostname or "").removeprefix("www.")
    if host not in DOCUMENT_COPIES:
        return []
    return [literal(COPY_NOTES[0].format(host=host)), literal(COPY_NOTES[1].format(host=host), "en")]


def recognition_kind(text: str) -> str:
    """Sort the recognition column into the kinds the texts know; anything else is an error."""
    for start, kind in KINDS.items():
        if text.startswith(start):
            return kind
    raise ValueError(f"unknown recognition: {text!r}")


def group_description(region: Region, kind: str, members: Sequence[Member], unkeyed: bool) -> tuple[str, str]:
    """Say what is known of the region: its recognition and its members."""
    de, en = RECOGNITION[kind]
    partners = sum(m.coverage == "partner" for m in members)
    partial = sum(m.coverage.startswith("partial") for m in members)
    count = len(members) - partners
    if not members:
        de, en = de + " Eine Mitgliederliste wurde nicht gefunden.", en + " No member list was found."
    else:
        de += f" Belegt ist {count} Mitglied" if count == 1 else f" Belegt sind {count} Mitglieder"
        en += f" Documented: {count} member" + ("" if count == 1 else "s")
        de += f" und {partners} Partner" if partners else ""
        en += f" and {partners} partners" if partners else ""
        if partial:
            de += f"; davon gehört {partial} nur mit einem Teil seines Gebiets dazu" if partial == 1 else (
                f"; davon gehören {partial} nur mit einem Teil ihres Gebiets dazu")
            en += f"; {partial} of them belongs with only part of its area" if partial == 1 else (
                f"; {partial} of them belong with only part of their area")
        de, en = de + ".", en + "."
    if members and all(m.period == "2014-2020" for m in members):
        de += " Die Mitglieder sind die der Förderperiode 2014–2020; neuere wurden nicht gefunden."
        en += " The members are those of the 2014–2020 funding period; later ones were not found."
    if unkeyed:
        name = UNKEYED[region.name]
        de += f" {name} ist ausgelassen: die Quelle nennt es, im Gemeindeverzeichnis 2023 ist es keine Gemeinde."
        en += f" {name} is left out: the source names it, but it is no Gemeinde in the 2023 register."
    return de, en


def membership_notes(coverage: str, note: str, source_date: str) -> list[str]:
    """The row's note (English, as the reference list writes it) and a German note on its coverage."""
    german = {
        "partial": "Nur Teile des Gebiets gehören zur LEADER-Region.",
        "partial?": "Nur Teile des Gebiets gehören zur LEADER-Region: "
        "ein Teil gehört laut Quellenliste zu einer anderen.",
        "partner": "Partner der Aktionsgruppe, kein Mitglied.",
        "full (as listed)": "Von der Quelle als Ganzes genannt.",
    }
    notes = [literal(german[coverage])] if coverage in german else []
    english = (f"Note of the reference list: {note}. " if note else "") + f"Source date: {source_date}."
    return notes + [literal(english, "en")]


def graph_description(
    regions: Sequence[Region], members: Sequence[Member], curated: Sequence[Group], written: int
) -> tuple[str, str]:
    """Say how many regions and members the file publishes of how many, and what it leaves out."""
    kinds = [recognition_kind(r.recognition) for r in regions]
    with_members = len({m.region for m in members})
    old = sorted({m.region for m in members if m.period != "2023-2027"})
    names = ", ".join(sorted(g.region.name for g in curated))
    unseen = LAND_COUNT - len(regions)
    de = (
        f"Die {len(regions)} LEADER-Regionen Niedersachsens der Förderperiode 2023–2027, die namentlich belegt sind, "
        f"mit ihren lokalen Aktionsgruppen und Gebieten. Das Land hat {LAND_COUNT} LEADER-Regionen anerkannt "
        f"({LAND_SOURCE}); die Namen der übrigen {unseen} wurden nicht gefunden. Für {with_members} Regionen sind "
        f"Mitglieder belegt ({len(members)} Einträge, Teilgebiete als solche gekennzeichnet); {written} davon stehen "
        f"hier, die übrigen {len(members) - written} schon in leader.ttl. Die Regionen {names} beschreibt "
        f"leader.ttl; hier stehen nur ihre dort fehlenden Mitglieder. Nicht als anerkannt geführt: "
        f"{kinds.count('applicant')} Regionen sind nur als Bewerberinnen von 2022 belegt, "
        f"{kinds.count('current-page')} nur durch eine aktuelle Seite, bei "
        f"{kinds.count('unverified') + kinds.count('name-only')} ist die Förderperiode nicht bestätigt. "
        f"Für {', '.join(old)} sind nur die Mitglieder der Förderperiode 2014–2020 belegt. Ausgelassen: "
        + "; ".join(f"{n} ({r}), im Gemeindeverzeichnis 2023 keine Gemeinde" for r, n in UNKEYED.items())
        + ". Keine Mitgliedschaft hat ein Ende: das Ende einer Förderperiode ist nicht das Ende einer Mitgliedschaft."
    )
    en = (
        f"The {len(regions)} LEADER regions of Lower Saxony in the 2023–2027 funding period that are documented by "
        f"name, with their local action groups and territories. The Land recognised {LAND_COUNT} LEADER regions "
        f"({LAND_SOURCE}); the names of the other {unseen} were not found. Members are documented for "
        f"{with_members} regions ({len(members)} entries, partial coverage marked); {written} of them are here, the "
        f"other {len(members) - written} already in leader.ttl. The regions {names} are described in leader.ttl; "
        f"only their members missing there are added here. Not stated as recognised: "
        f"{kinds.count('applicant')} regions are documented only as applicants of 2022, "
        f"{kinds.count('current-page')} only by a current page, and for "
        f"{kinds.count('unverified') + kinds.count('name-only')} the funding period is not confirmed. For "
        f"{', '.join(old)} only the members of the 2014–2020 funding period are documented. Left out: "
        + "; ".join(f"{n} ({r}), no Gemeinde in the 2023 register and without a key" for r, n in UNKEYED.items())
        + ". No membership has an end: the end of a funding period is not the end of a membership."
    )
    return de, en
