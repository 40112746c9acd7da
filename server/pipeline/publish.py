"""Publishing a version: the build lock, a staging directory, the atomic swap, pruning.

The places are named by ``server.version.layout``, which explains the swap; this module is
the only one that creates, renames or removes versions.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.pipeline.errors import BuildError
from server.version.layout import (
    BUILD_LOCK,
    LIVE,
    READERS_LOCK,
    STAGING_PREFIX,
    VERSIONS,
    Version,
    live_version,
)
from server.version.manifest import Manifest, write_manifest


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


def publish(root: Path, staged: Path, built: Manifest) -> Version:
    """Make ``staged`` a complete version and point ``live`` at it, atomically."""
    write_manifest(staged, built)
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
