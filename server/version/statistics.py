"""Reading the statistics a build recorded beside a version (``statistics.json``): VoID's, and
the largest fan-outs of the default graph."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.version import layout


def read(directory: Path) -> dict[str, Any] | None:
    """The statistics recorded with the version in ``directory``, if any."""
    try:
        recorded: dict[str, Any] = json.loads(
            (directory / layout.STATISTICS).read_text(encoding="utf-8")
        )
    except FileNotFoundError:
        return None
    return recorded


@dataclass(frozen=True)
class Fanout:
    """The default graph's largest fan-outs, as the build recorded them."""

    out: Mapping[str, int]  # per predicate IRI: the most statements of one subject
    out_any: int  # the most statements of one subject, whatever their predicates
    into: Mapping[str, int]  # per predicate IRI: the most subjects sharing one value

    @classmethod
    def recorded(cls, statistics: Mapping[str, Any]) -> Fanout | None:
        """The fan-outs in a version's statistics; None when they hold none (older builds)."""
        recorded = statistics.get("fanout")
        if not isinstance(recorded, Mapping):
            return None
        return cls(dict(recorded["out"]), int(recorded["out_any"]), dict(recorded["in"]))
