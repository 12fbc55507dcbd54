"""SPDX ids validated with ``license-expression`` against its bundled ScanCode LicenseDB index.

A card may write an SPDX id (``Apache-2.0``), a ScanCode key (``llama-3.1-license-2024``) or its
``LicenseRef-scancode-…`` id; all three resolve here to the SPDX form. Building the licensing object
takes a few hundred milliseconds, so it is built once, and only when a value is not in the catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

_LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9.\-]+$")


@dataclass(frozen=True)
class SpdxResolution:
    """What ``license-expression`` made of a value."""

    expression: str | None
    """The normalised SPDX expression, or None when invalid."""
    single: bool
    """True when the expression is one licence (no AND/OR/WITH)."""
    problem: str | None
    """Why the value is not a valid SPDX expression, when it is not."""


@cache
def _licensing():  # type: ignore[no-untyped-def]
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@cache
def _scancode_to_spdx() -> dict[str, str]:
    from license_expression import get_license_index

    return {
        entry["license_key"].lower(): entry["spdx_license_key"]
        for entry in get_license_index()
        if entry.get("spdx_license_key")
    }


def scancode_spdx_id(key: str) -> str | None:
    """The SPDX id (``LicenseRef-scancode-…`` where SPDX has none) of a ScanCode key, or None."""
    return _scancode_to_spdx().get(key.lower())


def is_valid_licence_ref(licence_id: str) -> bool:
    """True for an SPDX ``LicenseRef-`` idstring (letters, digits, ``.`` and ``-``; SPDX 2.3 annex D)."""
    return bool(_LICENSE_REF.match(licence_id))


def resolve(value: str) -> SpdxResolution:
    """Validate ``value`` as an SPDX licence expression over the ScanCode index."""
    via_key = scancode_spdx_id(value.strip())
    if via_key:
        return SpdxResolution(via_key, True, None)
    info = _licensing().validate(value.strip())
    if info.errors or info.invalid_symbols:
        unknown = ", ".join(info.invalid_symbols) if info.invalid_symbols else ""
        problem = f"unknown licence id {unknown}" if unknown else "; ".join(info.errors)
        return SpdxResolution(None, False, problem)
    normalised = str(info.normalized_expression)
    single = not re.search(r"\s(AND|OR|WITH)\s", normalised)
    return SpdxResolution(normalised, single, None)
