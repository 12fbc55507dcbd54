"""The licence catalogue: ``catalog.yaml`` read once into typed records; lookups by alias and by text.

The data file holds the facts with their sources and confidence; this module only interprets them.
Ids are SPDX ids, ScanCode ``LicenseRef-scancode-…`` ids (the ScanCode LicenseDB index bundled with
``license-expression``), or ``LicenseRef-tongzhou-…`` where neither list has the licence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tongzhou.oss.licences.duties import DutyKind

CATALOG_FILE = Path(__file__).with_name("catalog.yaml")


@dataclass(frozen=True)
class Duty:
    """What a licence asks of a user or redistributor, with its source."""

    kind: DutyKind
    """What sort of duty (decides how it is checked)."""
    text: str
    """The duty in plain words (English)."""
    section: str
    """The licence section or clause it comes from."""
    confidence: str
    """high (read in the text), medium (recalled; wording or number to confirm), low (interpretation)."""
    url: str
    """Where the licence (or the referenced policy) is published."""
    params: dict[str, Any]
    """Per kind: ``threshold``, ``commercial_only``, ``prefix``, ``phrases``, ``notice``, ``policy``."""

    def source(self) -> str:
        """``URL §section``."""
        return f"{self.url} §{self.section}"


@dataclass(frozen=True)
class Licence:
    """One licence of the catalogue."""

    id: str
    """SPDX id or LicenseRef-…"""
    name: str
    """Full name and version."""
    family: str
    """llama, gemma, qwen, deepseek, openrail, permissive, creative-commons."""
    url: str
    """Where its text is published."""
    commercial: str
    """``allowed`` or ``non-commercial``."""
    binds_derivatives: bool
    """Whether its terms travel with models derived from the licensed model."""
    aliases: tuple[str, ...]
    """Card spellings (Hugging Face Hub identifiers), lower case."""
    titles: tuple[re.Pattern[str], ...]
    """All must match a licence file's text (whitespace collapsed) to identify it."""
    restriction_markers: tuple[re.Pattern[str], ...]
    """What a copy must also contain to carry the use restrictions."""
    duties: tuple[Duty, ...]
    """What it asks."""
    scancode_key: str | None
    """The ScanCode LicenseDB key, if ScanCode has the licence."""
    note: str | None
    """A caveat worth showing."""

    def duties_of(self, kind: DutyKind) -> list[Duty]:
        """The duties of one kind."""
        return [d for d in self.duties if d.kind is kind]


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + text, re.IGNORECASE)


def _licence(entry: dict[str, Any]) -> Licence:
    duties = []
    for raw in entry.get("duties") or ():
        raw = dict(raw)
        kind = DutyKind(raw.pop("kind"))
        text, section, confidence = raw.pop("text"), str(raw.pop("section")), raw.pop("confidence")
        duties.append(Duty(kind, text, section, confidence, entry["url"], raw))
    return Licence(
        id=entry["id"],
        name=entry["name"],
        family=entry["family"],
        url=entry["url"],
        commercial=entry["commercial"],
        binds_derivatives=bool(entry["binds_derivatives"]),
        aliases=tuple(a.lower() for a in entry.get("aliases") or ()),
        titles=tuple(_pattern(t) for t in entry.get("titles") or ()),
        restriction_markers=tuple(_pattern(t) for t in entry.get("restriction_markers") or ()),
        duties=tuple(duties),
        scancode_key=entry.get("scancode"),
        note=entry.get("note"),
    )


@cache
def catalogue() -> tuple[Licence, ...]:
    """Every licence of ``catalog.yaml``, in file order."""
    data = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    return tuple(_licence(entry) for entry in data["licences"])


@cache
def _by_name() -> dict[str, Licence]:
    table: dict[str, Licence] = {}
    for licence in catalogue():
        for name in (licence.id.lower(), *licence.aliases):
            table[name] = licence
    return table


def by_name(name: str) -> Licence | None:
    """The licence a card's ``license:`` or ``license_name:`` value names (id or alias), else None."""
    return _by_name().get(name.strip().lower())


def by_id(licence_id: str) -> Licence:
    """The catalogue licence with this id (KeyError if none)."""
    for licence in catalogue():
        if licence.id == licence_id:
            return licence
    raise KeyError(licence_id)


def collapse(text: str) -> str:
    """Whitespace collapsed to single spaces, so titles match across line breaks."""
    return " ".join(text.split())


def matching_texts(collapsed: str) -> list[Licence]:
    """Catalogue licences all of whose title patterns occur in ``collapsed`` text."""
    return [lic for lic in catalogue() if lic.titles and all(p.search(collapsed) for p in lic.titles)]
