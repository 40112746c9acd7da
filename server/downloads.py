"""Downloads: which responses are files to save, and under which name (RFC 6266).

A response is an attachment (``Content-Disposition: attachment; filename="…"``) when it is
meant to be saved rather than shown:

- every dump file (``/dumps/…``): files to keep and check against their checksum; a browser
  would otherwise show the JSON-LD dump, or its ``.sha256``, in a tab;
- any data response whose request carries ``download`` (with any value): the query editor's
  "Download the result as" links ask for it, and so may any link (``/data/…?download``).

A data document that a browser or a linked-data client dereferences without asking stays
inline: people reading Turtle in a tab and clients following links expect the document.
YASGUI's own download button needs nothing from the server: it saves, as a Blob with its own
file name, the result it already holds.

The file name is the address's own (``ecosystem-lille`` for ``/data/ecosystem/lille``;
``query-results`` for the endpoint) with the extension registered for the format sent (.ttl,
.rdf, .srj for SPARQL JSON results…), ASCII only so that every client keeps it.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata

import pyoxigraph as ox
from flask import Flask, Response, request
from werkzeug.http import parse_options_header

PARAMETER = "download"
DUMP_FILES = {"dumps.file", "dumps.latest"}
# Stems for addresses whose path says little.
STEMS = {"sparql.endpoint": "query-results"}


def install(app: Flask) -> None:
    """Mark downloads as attachments."""

    @app.after_request
    def disposition(response: Response) -> Response:
        if response.status_code not in (200, 206):
            return response
        if request.endpoint in DUMP_FILES:
            _as_attachment(response)
        elif PARAMETER in request.args and response.mimetype != "text/html":
            name = f"{_stem()}{_extension(response.mimetype)}"
            response.headers.set("Content-Disposition", "attachment", filename=name)
        return response


def _as_attachment(response: Response) -> None:
    """A file sent by ``send_file`` (inline, under its own name) becomes an attachment."""
    _, options = parse_options_header(response.headers.get("Content-Disposition"))
    if not options:
        options = {"filename": request.path.rstrip("/").rsplit("/", 1)[-1]}
    response.headers.set("Content-Disposition", "attachment", **options)


def _stem() -> str:
    """The name of the file without its extension, from the address asked for."""
    if request.endpoint in STEMS:
        return STEMS[request.endpoint]
    segments = [segment for segment in request.path.split("/") if segment]
    # /data/ecosystem/lille.ttl -> ecosystem-lille: the first segment names the surface.
    named = segments[1:] if len(segments) > 1 else segments
    named[-1] = named[-1].split(".", 1)[0] if named else ""
    ascii_text = unicodedata.normalize("NFKD", "-".join(named)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-.") or "download"


def _extension(media_type: str) -> str:
    """The extension registered for ``media_type`` (with its dot), or none if unknown."""
    for parse in (ox.RdfFormat.from_media_type, ox.QueryResultsFormat.from_media_type):
        fmt = parse(media_type)
        # pyoxigraph also reads aliases (application/json as JSON-LD): only a format's own
        # media type names it.
        if fmt is not None and fmt.media_type.split(";")[0] == media_type:
            return "." + fmt.file_extension
    return mimetypes.guess_extension(media_type) or ""
