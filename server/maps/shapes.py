"""The base maps the pages draw: shape files generated from pinned packages, read as they are.

``ftkg map-shapes`` (``server.maps.generate``) writes one JSON file per map into
``data/maps/``; this module only reads them, so serving needs neither shapely nor npm. Each
shape is keyed by the code its territory has in the graph: INSEE code of a département
(``59``, ``2A``, ``971``) or région (``32``), ISO 3166-1 alpha-2 code of a country (``US``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from server.errors import ServiceUnavailable

MAPS = ("france-departements", "france-regions", "world")
EXTENSION = "ftkg.maps"


@dataclass(frozen=True)
class Shape:
    """One territory's outline: its code, the name the package gives it, its path data."""

    code: str
    name: str
    d: str


@dataclass(frozen=True)
class Inset:
    """A box drawn apart from the main map (an overseas département), at a scale of its own."""

    code: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BaseMap:
    """A generated shape file: its viewBox, shapes, insets and the packages it comes from."""

    name: str
    view_box: tuple[float, float, float, float]
    shapes: tuple[Shape, ...]
    insets: tuple[Inset, ...]
    sources: tuple[dict[str, str], ...]

    @classmethod
    def read(cls, path: Path) -> BaseMap:
        """Read one shape file; a broken one names itself and says how to regenerate it."""
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            x, y, width, height = (float(v) for v in data["viewBox"])
            return cls(
                name=data["map"],
                view_box=(x, y, width, height),
                shapes=tuple(Shape(s["code"], s["name"], s["d"]) for s in data["shapes"]),
                insets=tuple(Inset(i["code"], *map(float, i["box"])) for i in data["insets"]),
                sources=tuple(data["sources"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ServiceUnavailable(
                f"the map shapes in {path} cannot be read ({error!r}): regenerate them with "
                "`ftkg map-shapes`"
            ) from None

    def codes(self) -> list[str]:
        """Every shape's code, in the file's order."""
        return [shape.code for shape in self.shapes]


def load_all(directory: Path) -> dict[str, BaseMap]:
    """Every base map of ``directory`` (``data/maps/``), by name."""
    return {name: BaseMap.read(directory / f"{name}.json") for name in MAPS}


def base_maps() -> dict[str, BaseMap]:
    """The current app's base maps, read from ``SOURCE_DIR/data/maps`` on first use."""
    found = current_app.extensions.get(EXTENSION)
    if found is None:
        found = load_all(Path(current_app.config["SOURCE_DIR"]) / "data" / "maps")
        current_app.extensions[EXTENSION] = found
    return found
