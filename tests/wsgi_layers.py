"""Testing a WSGI layer that answers before Flask against the app behind it: find the layer in
the app's chain, count what it hands on, and compare two answers as a client reads them."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask
from werkzeug.test import Client, TestResponse

Layer = TypeVar("Layer")


class CountingApp:
    """The app behind the layer, counting the requests the layer handed on to it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls = 0

    def __call__(self, environ: Any, start_response: Any) -> Any:
        self.calls += 1
        return self.app(environ, start_response)


def layer_of(app: Flask, kind: type[Layer]) -> Layer:
    """The layer of type ``kind`` among the WSGI layers wrapped around ``app``."""
    wsgi: Any = app.wsgi_app
    while not isinstance(wsgi, kind):
        wsgi = wsgi.app
    return wsgi


@contextmanager
def counted(app: Flask, kind: type[Layer]) -> Iterator[Layer]:
    """``app``'s layer of type ``kind``, the app behind it counting what it is handed
    (``layer.app.calls``), as it was again afterwards."""
    layer: Any = layer_of(app, kind)
    counting = CountingApp(layer.app)
    layer.app = counting
    try:
        yield layer
    finally:
        layer.app = counting.app


def answered_alone(layer: Any, path: str, **kwargs: Any) -> TestResponse:
    """The layer's answer to a GET, which must not have needed the app behind it."""
    before = layer.app.calls
    response = Client(layer).get(path, **kwargs)
    assert layer.app.calls == before, f"{path} was handed on to Flask"
    return response


def answered_behind(layer: Any, path: str, **kwargs: Any) -> TestResponse:
    """What the app behind the layer answers to the same GET."""
    return Client(layer.app.app).get(path, **kwargs)


def comparable(response: TestResponse, per_exchange: set[str]) -> dict[str, str]:
    """The headers, by lower-case name, but those in ``per_exchange`` (which differ between two
    exchanges whoever answers them)."""
    headers = {name.lower(): value for name, value in response.headers.items()}
    return {name: value for name, value in headers.items() if name not in per_exchange}


def decoded(response: TestResponse) -> bytes:
    """The body as the client reads it: gunzipped when it was sent gzipped."""
    data = response.get_data()
    return gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data
