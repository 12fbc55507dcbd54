"""The licence a model or dataset declares about itself, as found: the one place the BOM reads licences.

Deliberately minimal: the card's ``license`` key (with ``license_name``/``license_link`` when it is
``other``), else GGUF ``general.license``. A value is given as an SPDX identifier only when it is one of
the Hugging Face Hub licence keys that are SPDX License List identifiers written in lower case
(Hub docs, "Licenses"); anything else (``llama3``, ``openrail``, ``gemma``) stays a name, which the
CycloneDX BOM writes as ``license.name`` and the SPDX document as a ``LicenseRef-``. Identifying a
licence from its text, its duties and compatibility belong to the licence module, which can replace
:func:`declared_licence` without touching the BOM writers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SPDX_IDS = {
    spdx.lower(): spdx
    for spdx in (
        "Apache-2.0",
        "MIT",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "BSD-3-Clause-Clear",
        "ISC",
        "Unlicense",
        "CC0-1.0",
        "CC-BY-2.0",
        "CC-BY-3.0",
        "CC-BY-4.0",
        "CC-BY-SA-3.0",
        "CC-BY-SA-4.0",
        "CC-BY-NC-2.0",
        "CC-BY-NC-3.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-ND-3.0",
        "CC-BY-NC-ND-4.0",
        "CC-BY-NC-SA-2.0",
        "CC-BY-NC-SA-3.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-ND-4.0",
        "GPL-2.0",
        "GPL-3.0",
        "LGPL-2.1",
        "LGPL-3.0",
        "AGPL-3.0",
        "MPL-2.0",
        "EPL-2.0",
        "AFL-3.0",
        "Artistic-2.0",
        "BSL-1.0",
        "ECL-2.0",
        "EUPL-1.1",
        "WTFPL",
        "Zlib",
        "ODbL-1.0",
        "ODC-By-1.0",
        "PDDL-1.0",
        "LPPL-1.3c",
        "OSL-3.0",
        "PostgreSQL",
        "NCSA",
        "MS-PL",
        "CDLA-Permissive-1.0",
        "CDLA-Permissive-2.0",
        "CDLA-Sharing-1.0",
        "C-UDA-1.0",
        "GFDL-1.3",
        "CC-BY-2.5",
        "CC-BY-NC-SA-2.0",
    )
}
"""SPDX License List identifiers the Hub also uses as licence keys (lower-cased there)."""


@dataclass(frozen=True)
class DeclaredLicence:
    """A licence as the artefact declares it, with where it was found."""

    text: str
    """The value as found (``apache-2.0``, ``llama3``)."""
    spdx_id: str | None
    """The SPDX License List identifier when ``text`` is exactly one (case aside), else None."""
    source: str
    """Where: ``README.md front matter: license``, ``GGUF general.license``."""
    url: str | None = None
    """``license_link`` from the card, when given."""

    @property
    def spdx_expression(self) -> str:
        """``Apache-2.0``, or ``LicenseRef-<text>`` (characters outside SPDX idstring replaced by -)."""
        if self.spdx_id:
            return self.spdx_id
        return "LicenseRef-" + (re.sub(r"[^A-Za-z0-9.-]+", "-", self.text).strip("-") or "unnamed")


def declared_licence(card: dict[str, Any], gguf: dict[str, Any], where: Path) -> DeclaredLicence | None:
    """The declared licence of one artefact from its card front matter or GGUF header, or None."""
    value = card.get("license")
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and value.strip():
        text = value.strip()
        name = card.get("license_name")
        link = card.get("license_link")
        if text.lower() == "other" and isinstance(name, str) and name.strip():
            text = name.strip()
        return DeclaredLicence(
            text,
            _SPDX_IDS.get(text.lower()),
            f"{where.name} front matter: license",
            link if isinstance(link, str) else None,
        )
    gguf_value = gguf.get("general.license")
    if isinstance(gguf_value, str) and gguf_value.strip():
        text = gguf_value.strip()
        return DeclaredLicence(text, _SPDX_IDS.get(text.lower()), "GGUF general.license")
    return None
