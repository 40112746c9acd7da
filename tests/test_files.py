"""The documents written as files for a front without Python (``server.pipeline.files``): the
table's bytes, each dated by its document, only where the front answers as the app does, and
kept from one version to the next once a version has them."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from conftest import BASE, copy_sources, ftkg

from server.pipeline import files
from server.version import layout


def build(sources: Path, store: Path, *extra: str) -> str:
    result = ftkg(
        "build", "--store", str(store), "--base-uri", BASE, "--source", str(sources), *extra
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    """Sources with the small geography, and a store built from them without files."""
    root = tmp_path_factory.mktemp("files")
    sources = copy_sources(root / "src")
    store = root / "store"
    build(sources, store, "--no-files")
    return sources, store


def live(store: Path) -> layout.Version:
    version = layout.live_version(store)
    assert version is not None
    return version


def rows(version: layout.Version) -> list[tuple[str, str, bytes, str, str | None, int]]:
    connection = sqlite3.connect(f"file:{version.documents_path}?mode=ro", uri=True)
    try:
        return connection.execute(
            "SELECT b.path, b.extension, b.gzipped, e.modified, e.successor, e.next_page "
            "FROM body AS b JOIN entity AS e ON e.path = b.path"
        ).fetchall()
    finally:
        connection.close()


def test_a_build_not_asked_for_files_writes_none_when_the_live_version_has_none(small):
    _, store = small
    assert not files.exported(live(store).directory)


def test_each_file_holds_its_documents_bytes_and_date(tmp_path, small):
    _, store = small
    version = live(store)
    copy = tmp_path / "version"
    copy.mkdir()
    (copy / layout.DOCUMENTS).write_bytes(version.documents_path.read_bytes())
    written = files.export(copy)
    checked = 0
    for path, extension, gzipped, modified, successor, next_page in rows(version):
        file = copy / layout.FILES_DIR / files.file_name(path, extension)
        if successor is None and not next_page and files.PLAIN.fullmatch(path):
            assert file.read_bytes() == gzipped
            assert file.stat().st_mtime == datetime.fromisoformat(modified).timestamp()
            checked += 1
        else:
            # The app's: a 301, a rel="next" link, or an address it percent-encodes.
            assert not file.exists(), path
    assert written == checked > 1000
    assert not (copy / (layout.FILES_DIR + files.PARTIAL)).exists()


def test_an_up_to_date_store_asked_for_files_gets_them_without_a_new_version(tmp_path, small):
    sources, store = small
    before = live(store)
    progress = build(sources, store, "--if-changed", "--files")
    assert "up to date" in progress
    assert live(store) == before
    assert files.exported(before.directory)


def test_once_the_live_version_has_files_every_build_writes_them(small):
    sources, store = small
    if not files.exported(live(store).directory):
        build(sources, store, "--if-changed", "--files")
    build(sources, store)
    assert files.exported(live(store).directory)
    build(sources, store, "--no-files")
    assert not files.exported(live(store).directory)
