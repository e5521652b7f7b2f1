"""The boundaries of a build as GeoJSON, generalised once when the build is made (issue 21).

``write_boundaries`` runs with the dumps (dumps.py ``write_dumps``): it reads every geometry of the build
and generalises it at each detail of render/geojson.py (``coarse``, ``medium``, ``full``), and writes one
gzip-compressed RFC 7946 FeatureCollection per detail, ``boundaries-{detail}.geojson.gz``. They are dumps
like the others (``SHA256SUMS``, ``manifest.json``, ``/download/``, a DCAT distribution in the catalog),
and they are what the servers answer ``/doc/{key}.geojson`` and draw maps from: ``read_boundaries`` gives
every geometry's text at every detail, so no server process simplifies a boundary.

A Feature is one geometry of a territory (a territory whose boundary changed has one per period, a
cooperation's territory one per membership period): ``id`` is the geometry's IRI; ``properties`` name the
territory, the cooperations whose territory it is, labels, codes, the days it holds (``begin``/``end``,
inclusive, null: unbounded), whether it is today's default, source date, licence and attribution.
Features are sorted by territory and geometry IRI, one a line. In the manifest (and on ``/download/``) the
count of a boundaries file (``DumpFile.triples``) is its number of Features.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from publisher.dataset.build import LoadedBuild
from publisher.negotiation import Format
from publisher.publish.files import DumpFile, GzipOutput
from publisher.render.geojson import DEFAULT_DETAIL, DETAILS, Described, Generalised, GeoIndex
from publisher.store.embedded import EmbeddedStore

if TYPE_CHECKING:
    from flask.testing import FlaskClient


class SiteWriter(Protocol):
    """What the static export's writer (publish/export.py) offers the GeoJSON files."""

    def fits(self, names: list[str]) -> bool: ...

    def write(self, name: str, body: bytes, modified: float) -> None: ...


GEOJSON = Format("geojson", "application/geo+json", "geojson", "GeoJSON", file_type="GEOJSON")
#: The dataset of the catalog the files belong to (publish/catalog.py DATASETS): the whole one.
DATASET = "regiolod"


def file_name(detail: str) -> str:
    return f"boundaries-{detail}.{GEOJSON.suffix}.gz"


NAMES = tuple(file_name(d) for d in DETAILS)


def features(geo: GeoIndex, detail: str) -> list[str]:
    """Every geometry of ``geo`` as a GeoJSON Feature at ``detail``, one JSON text each, sorted."""
    cooperations: dict[str, list[str]] = {}
    for org in sorted(geo.cooperations):
        cooperations.setdefault(geo.territory_of[org], []).append(org)
    found = []
    for territory in sorted(geo.shapes):
        described = geo.described.get(territory, Described())
        for shape in sorted(geo.shapes[territory], key=lambda s: s.iri):
            properties = {
                "territory": territory,
                "geometry": shape.iri,
                "cooperations": cooperations.get(territory, []),
                "label": dict(sorted(described.labels.items())),
                "codes": sorted(set(described.codes)),
                "default": shape.default,
                "begin": shape.begin.isoformat() if shape.begin else None,
                "end": shape.end.isoformat() if shape.end else None,
                "detail": detail,
                "sourceDate": shape.date,
                "license": shape.licence,
                "attribution": shape.attribution,
            }
            head = json.dumps({"type": "Feature", "id": shape.iri}, ensure_ascii=False)[:-1]
            tail = json.dumps(properties, ensure_ascii=False, sort_keys=True)
            found.append(f'{head}, "geometry": {shape.texts[detail]}, "properties": {tail}}}')
    return found


def write_boundaries(build: LoadedBuild, staging: Path) -> list[DumpFile]:
    """Generalise every boundary of ``build`` once and write one FeatureCollection per detail into ``staging``."""
    geo = GeoIndex(EmbeddedStore(build), build.base_iri)
    files = []
    for detail in DETAILS:
        listed = features(geo, detail)
        with GzipOutput(staging / file_name(detail)) as out:
            out.write('{"type": "FeatureCollection", "features": [\n')
            out.write(",\n".join(listed), len(listed))
            out.write("\n]}\n")
        files.append(out.dump_file(DATASET, GEOJSON))
    return files


def read_boundaries(folder: Path) -> Generalised:
    """Of every geometry in the build's files in ``folder``, its GeoJSON geometry text at every detail."""
    found: dict[str, dict[str, str]] = {}
    for detail in DETAILS:
        with gzip.open(folder / file_name(detail), "rt", encoding="utf-8") as f:
            collection = json.load(f)
        for feature in collection["features"]:
            text = json.dumps(feature["geometry"], separators=(",", ":"))
            found.setdefault(feature["id"], {})[detail] = text
    return found


def exported(key: str) -> Iterator[tuple[str, str]]:
    """(request path, file name) of a thing's GeoJSON at every detail in the static export: the default detail
    is ``doc/{key}.geojson``, the others ``doc/{key}.geojson.{detail}`` (nginx picks one by ``?detail=``)."""
    for detail in DETAILS:
        name = f"doc/{key}.{GEOJSON.suffix}" + ("" if detail == DEFAULT_DETAIL else f".{detail}")
        yield f"/doc/{key}.{GEOJSON.suffix}?detail={detail}", name


def export_geojson(client: FlaskClient, writer: SiteWriter, keys: Iterable[str], dated: Callable[..., float]) -> int:
    """Write the GeoJSON of every thing of ``keys`` (URI form) at every detail, as the app answers it; the
    things the app does not answer (a key the export skipped) are left to the app. Returns the things written."""
    written = 0
    for key in keys:
        pages = list(exported(key))
        if not writer.fits([name for _, name in pages]):
            continue
        responses = [(name, client.get(path)) for path, name in pages]
        if all(r.status_code == 200 for _, r in responses):
            for name, response in responses:
                writer.write(name, response.data, dated(response))
            written += 1
    return written
