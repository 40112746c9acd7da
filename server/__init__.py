"""French Tech Knowledge Graph: build pipeline, store access, web service and CLI."""

__version__ = "0.1.0"
