"""The entity documents as files, for a web server that runs no Python to send as they are.

``documents.sqlite`` holds page 1 of every entity's document, gzipped, in each materialised
format. A front such as nginx (``server.front``) cannot read SQLite, so the same bytes are
written out as ``files/data/{kind}/{key}.{ext}.gz``, each file's modification time set to the
document's own ``dct:modified``. nginx sends such a file with ``gzip_static`` (inflated on the
way for a client that does not take gzip), and its Last-Modified and ETag then change only
when that document's content did.

Only what the front can answer the same way as Python is written: documents whose incoming
links fit on page 1 (the others carry a ``rel="next"`` link the front does not write), of
entities that are not former identifiers (a 301, the app's), at paths that need no
percent-encoding. A request for anything else finds no file and goes on to the app.

An incremental build links the files of unchanged documents from the live version rather
than writing them again: the same bytes and the same date, in a few seconds instead of ten.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from server.version import layout

PLAIN = re.compile(layout.PLAIN_ENTITY_PATH)
DATA = "data"
SUFFIX = ".gz"
PARTIAL = ".partial"


def exported(version_directory: Path) -> bool:
    """Whether the version in ``version_directory`` has its documents as files."""
    return (version_directory / layout.FILES_DIR / DATA).is_dir()


def file_name(path: str, extension: str) -> str:
    """Where, under a version's files directory, the document ``path.extension`` is written."""
    return f"{DATA}/{path}.{extension}{SUFFIX}"


def export(version_directory: Path, previous: Path | None = None) -> int:
    """Write the documents of the version in ``version_directory`` as files (its ``files/``);
    the number of files. Where ``previous`` (another version's directory, with files) holds
    the same document, its file is linked instead of written.

    Atomic: the files are written under a temporary name that is renamed once complete, so a
    front reading ``files/`` sees all of them or none.
    """
    target = version_directory / layout.FILES_DIR
    partial = version_directory / (layout.FILES_DIR + PARTIAL)
    shutil.rmtree(partial, ignore_errors=True)
    unchanged = _unchanged(version_directory, previous) if previous is not None else set()
    written = 0
    made: set[str] = set()
    # Plain strings, not pathlib: joining a quarter of a million paths with pathlib cost about
    # as much Python as everything else here (profiled on an incremental build of the full
    # data, where nearly every file is a link).
    into = f"{partial}{os.sep}"
    linked_from = f"{previous / layout.FILES_DIR}{os.sep}" if previous is not None else None
    dates: dict[str, float] = {}  # each document's dct:modified, as a file time
    connection = sqlite3.connect(f"file:{version_directory / layout.DOCUMENTS}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT b.path, b.extension, b.gzipped, e.modified FROM body AS b "
            "JOIN entity AS e ON e.path = b.path "
            "WHERE e.successor IS NULL AND e.next_page = 0"
        )
        for path, extension, gzipped, modified in rows:
            if not PLAIN.fullmatch(path):
                continue
            kind = path.split("/", 1)[0]
            if kind not in made:
                (partial / DATA / kind).mkdir(parents=True, exist_ok=True)
                made.add(kind)
            name = file_name(path, extension)
            if linked_from is not None and path in unchanged:
                try:
                    os.link(linked_from + name, into + name)
                    written += 1
                    continue
                except FileNotFoundError:
                    pass  # that version did not write this one: write it
            if modified not in dates:
                dates[modified] = datetime.fromisoformat(modified).timestamp()
            _write(into + name, gzipped, dates[modified])
            written += 1
    finally:
        connection.close()
    (partial / DATA).mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return written


def _write(file: str, body: bytes, modified: float) -> None:
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(body)
        while view:
            view = view[os.write(descriptor, view) :]
        os.utime(descriptor, (modified, modified))
    finally:
        os.close(descriptor)


def _unchanged(version_directory: Path, previous: Path) -> set[str]:
    """The entities whose document is the same in both versions, date included."""
    if not exported(previous):
        return set()
    connection = sqlite3.connect(f"file:{version_directory / layout.DOCUMENTS}?mode=ro", uri=True)
    try:
        connection.execute(
            "ATTACH DATABASE ? AS previous", (f"file:{previous / layout.DOCUMENTS}?mode=ro",)
        )
        return {
            path
            for (path,) in connection.execute(
                "SELECT e.path FROM entity AS e JOIN previous.entity AS p ON p.path = e.path "
                "WHERE e.digest = p.digest AND e.modified = p.modified AND p.next_page = 0 "
                "AND p.successor IS NULL"
            )
        }
    finally:
        connection.close()
