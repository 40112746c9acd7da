"""Errors that stop a build, each with a message a person can act on."""

from __future__ import annotations


class BuildError(Exception):
    """The build cannot go on; the message names the file (and line) and what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
