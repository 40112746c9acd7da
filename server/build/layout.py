"""The store directory: complete versions side by side, and one symlink naming the live one.

    {root}/versions/{version}/oxigraph/     the Oxigraph (RocksDB) store of that version
    {root}/versions/{version}/build.json    what was built, from what, when
    {root}/versions/{version}/search.sqlite the search index of that version's names
    {root}/versions/.staging-{version}/     a build in progress (never served)
    {root}/live -> versions/{version}       the version being served
    {root}/.build.lock                      held by the one build allowed at a time

A build writes only into its staging directory, renames it into ``versions/`` once complete
and valid, and then replaces the ``live`` symlink with ``rename(2)``, which is atomic: a reader
sees the old version or the new one, never half of one. A build that fails or is killed
leaves ``live`` untouched; its staging directory is removed now or by the next build.
Readers hold a shared lock on the version they serve, so pruning skips versions still in use.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.build.errors import BuildError

LIVE = "live"
VERSIONS = "versions"
STAGING_PREFIX = ".staging-"
BUILD_LOCK = ".build.lock"
READERS_LOCK = ".readers.lock"
METADATA = "build.json"
OXIGRAPH_DIR = "oxigraph"
DUMPS_DIR = "dumps"
SEARCH_INDEX = "search.sqlite"


@dataclass(frozen=True)
class Version:
    """One complete built version of the store."""

    directory: Path

    @property
    def name(self) -> str:
        """The version's directory name (timestamp and content hash)."""
        return self.directory.name

    @property
    def oxigraph_path(self) -> Path:
        """Where the Oxigraph store of this version lives."""
        return self.directory / OXIGRAPH_DIR

    @property
    def search_index_path(self) -> Path:
        """Where this version's search index lives."""
        return self.directory / SEARCH_INDEX

    @property
    def dumps_path(self) -> Path:
        """Where this version's dumps live."""
        return self.directory / DUMPS_DIR

    def metadata(self) -> dict[str, Any]:
        """What ``build.json`` records about this version."""
        return json.loads((self.directory / METADATA).read_text(encoding="utf-8"))


def live_version(root: Path) -> Version | None:
    """The version the ``live`` symlink names, or None when nothing was built yet."""
    link = root / LIVE
    if not link.is_symlink():
        return None
    target = (root / link.readlink()).resolve()
    return Version(target) if (target / METADATA).is_file() else None


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold the store's build lock, or fail at once if another build holds it."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / BUILD_LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"{root}: another build is running on this store") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def staging(root: Path, version: str) -> Iterator[Path]:
    """A fresh staging directory for ``version``; removed unless the body completes."""
    versions = root / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(versions)
    _remove_stale_links(root)
    directory = versions / f"{STAGING_PREFIX}{version}"
    directory.mkdir()
    try:
        yield directory
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def publish(root: Path, staged: Path, metadata: dict[str, Any]) -> Version:
    """Make ``staged`` a complete version and point ``live`` at it, atomically."""
    (staged / METADATA).write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
    name = staged.name.removeprefix(STAGING_PREFIX)
    final = staged.parent / name
    # Two builds of the same data within one second share a name; the later one gets a suffix.
    suffix = 1
    while final.exists():
        suffix += 1
        final = staged.parent / f"{name}-{suffix}"
    staged.rename(final)
    _fsync_directory(final.parent)
    temporary_link = root / f".{LIVE}.{os.getpid()}"
    if temporary_link.is_symlink():
        temporary_link.unlink()
    temporary_link.symlink_to(Path(VERSIONS) / final.name)
    temporary_link.replace(root / LIVE)
    _fsync_directory(root)
    return Version(final)


def prune(root: Path, keep: int) -> list[str]:
    """Remove old versions beyond the ``keep`` newest, never the live one nor one in use."""
    live = live_version(root)
    versions = sorted(
        (p for p in (root / VERSIONS).iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
        reverse=True,
    )
    removed = []
    for directory in versions[max(keep, 1) :]:
        if live is not None and directory == live.directory:
            continue
        if _in_use(directory):
            continue
        shutil.rmtree(directory, ignore_errors=True)
        removed.append(directory.name)
    return removed


@contextmanager
def reading(version: Version) -> Iterator[None]:
    """Hold a shared lock on ``version`` while serving it, so pruning leaves it alone."""
    with (version.directory / READERS_LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _in_use(directory: Path) -> bool:
    lock_path = directory / READERS_LOCK
    if not lock_path.exists():
        return False
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _remove_stale_staging(versions: Path) -> None:
    # Only one build runs at a time (the build lock), so any staging directory left here
    # belongs to a build that died; it was never served.
    for leftover in versions.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _remove_stale_links(root: Path) -> None:
    # A build killed between making its temporary link and renaming it over ``live`` leaves
    # the link behind; under the build lock, no other build is making one.
    for leftover in root.glob(f".{LIVE}.*"):
        if leftover.is_symlink():
            leftover.unlink()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
