"""/dumps/: the dump files of every kept version, with sizes, checksums and counts.

Files are served by Werkzeug's ``send_file``: Content-Length, ETag, Last-Modified, conditional
GET (304), HEAD and byte ranges (206) per RFC 9110 §14 and §15.3.7. Compressed dumps are
``application/gzip`` files, not gzip-encoded responses (no Content-Encoding): what a harvester
downloads is the file whose checksum the catalogue states. The latest dump of each kind is also
at a stable address (``/dumps/ftkg.nt.gz``), answered directly, without a redirect; versioned
files are cached as immutable, stable addresses only briefly.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from server import negotiation
from server.errors import NotFound
from server.site import Site
from server.version import layout
from server.version.manifest import DumpFile, ManifestError, read_dumps_table, read_manifest
from server.version.store import KnowledgeStore
from server.web import knowledge_store

bp = Blueprint("dumps", __name__)
VERSION = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{12}(-\d+)?$")
# A versioned file never changes once published (a new build writes new names, and a version
# is removed, never rewritten): caches keep it a year without asking again (RFC 9111 §5.2.2.1,
# max-age; RFC 8246, immutable).
IMMUTABLE_MAX_AGE = 31536000
# A stable address serves the next version's file as soon as a build is live, while /dumps/
# and the catalogue already state its checksum. A cache reuses a stored response without
# asking for as long as it is fresh (RFC 9111 §4.2), so this is how long after a build a cache
# may still hand out the previous file: five minutes, as for /dumps/ and every other data
# response, and well within the catalogue's hour. Once stale, the cache revalidates with the
# ETag and Last-Modified (RFC 9111 §4.3.1), which are those of the versioned file behind the
# address, so they change with every build: the new file comes back, not a 304.
STABLE_MAX_AGE = 300
MEDIA_TYPES = {
    ".gz": "application/gzip",
    ".jsonld": "application/ld+json",
    ".sha256": "text/plain",
}


def _store_root() -> Path:
    return Path(current_app.config["STORE"])


def _listing() -> list[dict[str, object]]:
    store = knowledge_store()
    live = store.version_dir.name if store.version_dir else None
    listed = []
    for version in layout.versions(_store_root()):
        files = read_dumps_table(version.dumps_path)
        if not files:
            continue
        listed.append(
            {
                "version": version.name,
                "live": version.name == live,
                "built_at": _built_at(version),
                "files": [
                    {
                        **file.__dict__,
                        "url": url_for(
                            "dumps.file", version=version.name, name=file.file, _external=True
                        ),
                        "sha256_url": url_for(
                            "dumps.file",
                            version=version.name,
                            name=file.file + ".sha256",
                            _external=True,
                        ),
                        "stable_url": url_for(
                            "dumps.latest", name=stable_name(file), _external=True
                        )
                        if version.name == live
                        else None,
                    }
                    for file in files
                ],
            }
        )
    return listed


def _built_at(version: layout.Version) -> str | None:
    # A kept version whose manifest cannot be read is still listed, without its date.
    try:
        return read_manifest(version.directory).built_at
    except ManifestError:
        return None


def stable_name(file: DumpFile) -> str:
    """The version-free name of a dump (``ftkg.nt.gz``), always the live version's file."""
    stem = "ftkg" if file.dataset == "french-tech-kg" else "ftkg-labels"
    return f"{stem}.{file.key.removeprefix('labels.')}"


def download_url(store: KnowledgeStore, site: Site, file: DumpFile) -> str:
    """Where a harvester downloads the file whose checksum the catalogue gives: the versioned
    address, which never changes (so a catalogue cached for its hour still matches what it
    points to); the stable one only when the store served is not a version of the store root."""
    version_dir = store.version_dir
    root = Path(site.config["STORE"]) / layout.VERSIONS
    if version_dir is not None and version_dir.parent.resolve() == root.resolve():
        return site.url("dumps.file", version=version_dir.name, name=file.file)
    return site.url("dumps.latest", name=stable_name(file))


@bp.get("/dumps/")
def index() -> Response:
    """Every version's dumps: HTML for people, JSON for programs."""
    listed = _listing()
    # People first: only a client preferring JSON outright gets it.
    if (
        request.args.get("format") == "json"
        or negotiation.preferred(request.headers.get("Accept"), ["text/html", "application/json"])
        == "application/json"
    ):
        response = jsonify({"versions": listed})
    else:
        response = Response(render_template("dumps.html", versions=listed))
    response.vary.add("Accept")
    return response


@bp.get("/dumps/<name>")
def latest(name: str) -> Response:
    """The live version's dump of this kind, at an address that never changes."""
    store = knowledge_store()
    for file in store.dumps():
        for candidate in (stable_name(file), stable_name(file) + ".sha256"):
            if name == candidate and store.version_dir is not None:
                actual = file.file + (".sha256" if candidate.endswith(".sha256") else "")
                return _send(
                    store.version_dir / layout.DUMPS_DIR,
                    actual,
                    max_age=STABLE_MAX_AGE,
                    download_name=actual,
                )
    raise NotFound(f"no dump named {name!r}; the list is at {url_for('dumps.index')}")


@bp.get("/dumps/<version>/<name>")
def file(version: str, name: str) -> Response:
    """One dump file of one version."""
    if not VERSION.match(version):
        raise NotFound(f"no version named {version!r}; the list is at {url_for('dumps.index')}")
    directory = _store_root() / layout.VERSIONS / version / layout.DUMPS_DIR
    if not directory.is_dir():
        raise NotFound(
            f"version {version} is not kept here; the list is at {url_for('dumps.index')}"
        )
    response = _send(directory, name, max_age=IMMUTABLE_MAX_AGE)
    response.cache_control.immutable = True
    return response


def _send(directory: Path, name: str, max_age: int, download_name: str | None = None) -> Response:
    suffix = Path(name).suffix
    known = {f.file for f in read_dumps_table(directory)}
    if name not in known and name.removesuffix(".sha256") not in known:
        raise NotFound(f"no file {name!r} in this version")
    mimetype = MEDIA_TYPES.get(suffix, "application/octet-stream")
    if suffix == ".sha256":
        mimetype = "text/plain"  # Flask adds the charset to text types
    response = send_from_directory(
        directory,
        name,
        mimetype=mimetype,
        conditional=True,
        etag=True,
        max_age=max_age,
        download_name=download_name,
    )
    return response
