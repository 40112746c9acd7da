"""Reading the VoID statistics a build recorded beside a version (``statistics.json``)."""

from __future__ import annotations

import json
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
