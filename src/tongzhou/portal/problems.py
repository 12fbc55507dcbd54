"""The one error a portal route raises: an HTTP status and a message from the catalog."""

from __future__ import annotations

from typing import Any


class PortalProblem(Exception):
    """An error answer: ``status`` and an English catalog message (translated when shown)."""

    def __init__(
        self, status: int, message: str, headers: dict[str, str] | None = None, **values: Any
    ) -> None:
        super().__init__(message.format(**values) if values else message)
        self.status = status
        self.message = message
        self.values = values
        self.headers = headers or {}
