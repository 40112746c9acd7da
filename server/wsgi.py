"""The WSGI application for any production server: ``server.wsgi:application()``.

Configuration comes from the ``KG_*`` environment variables (``server.settings``).
"""

from __future__ import annotations

from flask import Flask

from server.app import create_app


def application() -> Flask:
    """The app, configured from the environment (a factory: each worker process calls it)."""
    return create_app()
