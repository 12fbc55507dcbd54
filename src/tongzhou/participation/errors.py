"""The one error participation raises: what was wrong, as an HTTP-like status and an English message.

The message is also the key of its Chinese wording in the shared catalog (:mod:`tongzhou.messages`,
whose tests fail when one has none); the portal and the CLI show both languages.
"""

from __future__ import annotations

from typing import Any

from tongzhou.errors import InputError


class ReportProblem(InputError):
    """A refused report or decision: ``status`` (404 unknown, 409 wrong state, 413 too large,
    415 wrong file type, 422 invalid field) and ``message`` with ``{name}`` fields from ``values``."""

    def __init__(self, status: int, message: str, **values: Any) -> None:
        super().__init__(message.format(**values) if values else message)
        self.catalogued(message, values)
        self.status = status
        self.message = message
        self.values = values
