"""nginx's configuration, written from the app's routes, negotiation and headers.

What nginx answers is what the app's ``server.ready_documents`` answers, with the same values:

- ``GET``/``HEAD /data/{kind}/{key}.ttl|.jsonld|.nt``: the file ``server.pipeline.files``
  wrote, with the Link, Cache-Control, Vary, CORS and security headers the app sends.
  Its validators are nginx's own (Last-Modified is the document's ``dct:modified``, the ETag
  its date and size), and nginx answers revalidations of them (RFC 9110 §13.1).
- ``GET``/``HEAD /id/{kind}/{key}``: the 303, for the Accept values listed in a map whose
  targets the app's negotiation chose (``ACCEPT_VALUES``); any other value goes to the app.

Everything else goes to the app, unchanged: a query string, a byte range, another method,
another format, an entity without a file (unknown, a former identifier, incoming links past
page 1), an Accept value the map does not list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from werkzeug.routing import Map

from server import negotiation
from server.caching import MAX_AGE, NEGOTIATED
from server.entities.views import THING_FORMATS, THING_MAX_AGE
from server.ready_documents import CORS_HEADERS, Addresses
from server.security import security_headers
from server.version import layout

TEMPLATE = "nginx.conf.jinja"
# The variable nginx holds the entity's path in ("commune/59350"), taken from the URL by the
# same expression the app answers (server.version.layout).
ENTITY = "$ftkg_entity"
# Which format's file says an entity has documents ready: every materialised format is
# written for each such entity, so any one of them does.
PROBE = negotiation.TURTLE.extension
# The Accept values whose 303 nginx sends: each format's own media types, what command-line
# clients send (curl, wget: */*), none at all, and browsers' navigation defaults (MDN, "List
# of default Accept values"). The app's negotiation decides each one's target when the file
# is written, so nginx only looks up what the app would answer.
BROWSER_ACCEPTS = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,image/apng,*/*;q=0.8",
)
# The formats whose documents are written as files (server.pipeline.files writes what
# server.pipeline.documents materialises; a test holds the two lists equal).
SENT = (negotiation.TURTLE, negotiation.JSON_LD, negotiation.N_TRIPLES)
# What may go into an nginx quoted string here (no backslash, "$" or brace; a double quote
# is escaped), and what a path written unquoted may hold.
SAFE = re.compile(r"[A-Za-z0-9 !\"#%&'()*+,./:;<=>?@\[\]^_`|~-]*")
SAFE_PATH = re.compile(r"/[A-Za-z0-9_.+/-]*")
LISTEN = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]+")


def accept_values() -> list[str]:
    """The Accept values the 303 map lists (each once, in a stable order)."""
    values = ["", "*/*"]
    for fmt in THING_FORMATS:
        values.extend(fmt.media_types)
    values.extend(BROWSER_ACCEPTS)
    return list(dict.fromkeys(values))


def thing_locations(routes: Map) -> list[tuple[str, str]]:
    """(Accept value, the 303's Location with the entity's path as nginx's variable), for
    every value of ``accept_values`` the app's negotiation answers with a format."""
    addresses = Addresses(routes.bind("localhost", script_name="/"))
    chosen = []
    for accept in accept_values():
        try:
            choice = negotiation.negotiate(THING_FORMATS, accept or None, [])
        except negotiation.NoAcceptableFormat:
            continue  # the app's 406
        chosen.append((accept, addresses.location(choice.format, ENTITY)))
    return chosen


@dataclass(frozen=True)
class DocumentLocation:
    """How nginx sends one materialised format's files."""

    extension: str
    content_type: str
    headers: list[tuple[str, str]]


def document_locations(routes: Map) -> list[DocumentLocation]:
    """The materialised formats, each with the headers the app sends with its documents but
    the validators and content coding, which nginx sets for the file it sends."""
    addresses = Addresses(routes.bind("localhost", script_name="/"))
    context = routes.bind("localhost", script_name="/").build("entities.context")
    locations = []
    for fmt in SENT:
        link = addresses.links(ENTITY)
        if fmt is negotiation.JSON_LD:
            # Absolute, as the app writes it (url_for(_external=True)): from the request's host.
            link += f', <$scheme://$ftkg_host{context}>; rel="http://www.w3.org/ns/json-ld#context"'
        headers = [
            ("Link", link),
            ("Cache-Control", f"public, max-age={MAX_AGE}"),
            ("Vary", ", ".join([*NEGOTIATED, "Accept-Encoding"])),
            *CORS_HEADERS,
        ]
        headers += security_headers(200, [("Content-Type", fmt.content_type), *headers])
        locations.append(DocumentLocation(fmt.extension, fmt.content_type, headers))
    return locations


def thing_headers(routes: Map) -> list[tuple[str, str]]:
    """The headers of an entity IRI's 303, as the app sends them, but its HTML body's own."""
    addresses = Addresses(routes.bind("localhost", script_name="/"))
    headers = [
        ("Vary", "Accept, Accept-Encoding"),
        ("Link", addresses.links(ENTITY)),
        ("Cache-Control", f"public, max-age={THING_MAX_AGE}"),
        *CORS_HEADERS,
    ]
    return headers + security_headers(303, [("Content-Type", "text/html"), *headers])


def config(
    routes: Map,
    *,
    listen: str,
    socket: Path,
    files: Path,
    runtime: Path,
    workers: int,
    read_timeout: int,
    access_log: str | None = None,
    user: str | None = None,
) -> str:
    """The whole ``nginx.conf``: listening on ``listen`` ("host:port"), sending the files
    under ``files`` (a version's files directory, through the live symlink so that a new
    version is picked up), and handing the rest to the app on the Unix ``socket``."""
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # nginx syntax, not HTML: values are quoted by _string
    )
    return environment.get_template(TEMPLATE).render(
        user=user,
        workers=workers,
        runtime=_path(runtime),
        access_log=_path(Path(access_log)) if access_log else "off",
        socket=_path(socket),
        listen=_address(listen),
        read_timeout=read_timeout,
        files=_path(files),
        probe=PROBE,
        entity_path=layout.PLAIN_ENTITY_PATH,
        thing_locations=[
            (_string(accept), _string(location, ENTITY))
            for accept, location in thing_locations(routes)
            if _listable(accept)
        ],
        thing_headers=_quoted(thing_headers(routes), ENTITY),
        documents=[
            {
                "extension": d.extension,
                "content_type": _checked(d.content_type),
                "headers": _quoted(d.headers, ENTITY, "$scheme", "$ftkg_host"),
            }
            for d in document_locations(routes)
        ],
    )


def _quoted(headers: Iterable[tuple[str, str]], *variables: str) -> list[tuple[str, str]]:
    return [(_checked(name), _string(value, *variables)) for name, value in headers]


def _listable(accept: str) -> bool:
    # A map key starting with "~" would be read as a regular expression.
    return not accept.startswith("~") and SAFE.fullmatch(accept) is not None


def _string(value: str, *variables: str) -> str:
    """``value`` as an nginx quoted string, in which only ``variables`` are interpolated."""
    plain = value
    for variable in variables:
        plain = plain.replace(variable, "")
    _checked(plain)
    return '"' + value.replace('"', '\\"') + '"'


def _checked(value: str) -> str:
    if SAFE.fullmatch(value) is None:
        raise ValueError(f"{value!r} cannot be written into nginx's configuration as it is")
    return value


def _address(listen: str) -> str:
    if LISTEN.fullmatch(listen) is None:
        raise ValueError(f"{listen!r}: nginx listens on a host name or address and a port")
    return listen


def _path(path: Path) -> str:
    if SAFE_PATH.fullmatch(str(path)) is None:
        raise ValueError(
            f"{path}: nginx is given this path unquoted; use a directory whose absolute path "
            "holds only letters, digits and _ . + / -"
        )
    return str(path)
