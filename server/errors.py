"""Typed HTTP errors and the one handler that answers them in the client's format.

Every error a client can cause is an ``HttpError`` with a status, a message saying what was
wrong and how to fix it; anything else is logged with its traceback and answered with a
generic 500 that leaks nothing of the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from flask import Flask, Response, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.exceptions import MethodNotAllowed as NotRouted

from server import negotiation

log = logging.getLogger(__name__)
# An HTML page of its own for an error status: it gets the message, returns the page.
ErrorPage = Callable[[str], str]
PAGES_EXTENSION = "ftkg.error_pages"


class HttpError(Exception):
    """An error the client caused or must know about, with its HTTP status."""

    status = 500
    title = "Internal Server Error"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(HttpError):
    """400: the request is malformed; the message says which part and why."""

    status = 400
    title = "Bad Request"


class Forbidden(HttpError):
    """403: the request is understood and refused (a write on a read-only service, say)."""

    status = 403
    title = "Forbidden"


class NotFound(HttpError):
    """404: nothing here."""

    status = 404
    title = "Not Found"


class MethodNotAllowed(HttpError):
    """405: the method is not one this resource answers; ``Allow`` lists those it does."""

    status = 405
    title = "Method Not Allowed"


class NotAcceptable(HttpError):
    """406: no representation matches the Accept header; the message lists those offered."""

    status = 406
    title = "Not Acceptable"


class UnsupportedMediaType(HttpError):
    """415: the request body's Content-Type is not one this resource reads."""

    status = 415
    title = "Unsupported Media Type"


class ServiceUnavailable(HttpError):
    """503: the service cannot answer now (no store built, for example)."""

    status = 503
    title = "Service Unavailable"


def register_error_handlers(app: Flask, pages: Mapping[int, ErrorPage] | None = None) -> None:
    """Answer every error, ours or Werkzeug's, in the format the client accepts.

    ``pages`` gives some statuses an HTML page of their own (the 404 page suggests what was
    meant); the others get the generic one. Given here, not imported: those pages read the
    data, and this module is below everything that does.
    """
    app.extensions[PAGES_EXTENSION] = dict(pages or {})

    @app.errorhandler(HttpError)
    def handle_http_error(error: HttpError) -> Response:
        return error_response(error.status, error.title, error.message, error.headers)

    @app.errorhandler(negotiation.NoAcceptableFormat)
    def handle_not_acceptable(error: negotiation.NoAcceptableFormat) -> Response:
        return error_response(406, NotAcceptable.title, str(error), {})

    @app.errorhandler(negotiation.UnknownFormatName)
    def handle_unknown_format(error: negotiation.UnknownFormatName) -> Response:
        return error_response(400, BadRequest.title, str(error), {})

    @app.errorhandler(RequestEntityTooLarge)
    def handle_too_large(_error: RequestEntityTooLarge) -> Response:
        # RFC 9110 §15.5.14 names it "Content Too Large".
        return error_response(413, "Content Too Large", too_large_message(), {})

    @app.errorhandler(NotRouted)
    def handle_not_routed(error: NotRouted) -> Response:
        # Werkzeug collects them in a set: sorted, so that every process says the same.
        allowed = ", ".join(sorted(error.valid_methods or ()))
        message = (
            f"{request.method} is not answered at {request.path}, which answers {allowed}. "
            "The service is read-only: its data changes only when a new version is built"
        )
        return error_response(405, "Method Not Allowed", message, {"Allow": allowed})

    @app.errorhandler(HTTPException)
    def handle_werkzeug(error: HTTPException) -> Response:
        headers = dict(error.get_headers())
        headers.pop("Content-Type", None)
        return error_response(
            error.code or 500, error.name, error.description or error.name, headers
        )

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(
            500,
            "Internal Server Error",
            "The server failed to answer this request. The error was logged; please retry, "
            "and report it if it persists.",
            {},
        )


def too_large_message() -> str:
    """What was too large, the limit, and how to stay within it."""
    size = request.content_length
    sent = f"the request body is {size:,} bytes" if size else "the request body is too large"
    limit = request.max_content_length
    limit_text = f"at most {byte_size(limit)}" if limit else "less"
    return (
        f"{sent}; this service reads {limit_text}. Send less per request: split a long "
        "SPARQL query (a long VALUES list, say) into several, send fewer reconciliation "
        f"queries per batch, or download the dumps ({url_for('dumps.index')}) to work on the "
        "whole graph locally"
    )


def byte_size(count: int) -> str:
    """A size in bytes, and in KiB or MiB when that reads better: "1,500 bytes (1.5 KiB)"."""
    text = f"{count:,} bytes"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{text} ({count / scale:.3g} {unit})"
    return text


def error_response(status: int, title: str, message: str, headers: dict[str, str]) -> Response:
    """The error as JSON, HTML or plain text, whichever the client prefers (text by default)."""
    best = negotiation.preferred(
        request.headers.get("Accept"), ["text/plain", "application/json", "text/html"]
    )
    if best == "application/json":
        response = jsonify({"status": status, "error": title, "message": message})
    elif best == "text/html":
        page: ErrorPage | None = current_app.extensions.get(PAGES_EXTENSION, {}).get(status)
        if page is not None:
            body = page(message)
        else:
            body = render_template("error.html", status=status, title=title, message=message)
        response = Response(body, mimetype="text/html")
    else:
        response = Response(f"{status} {title}\n\n{message}\n", mimetype="text/plain")
    # Whichever it is, another Accept would have had another (RFC 9110 §12.5.5).
    response.vary.add("Accept")
    response.status_code = status
    for name, value in headers.items():
        response.headers[name] = value
    return response
