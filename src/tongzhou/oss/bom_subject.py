"""What one AI-BOM describes, in the terms both writers (CycloneDX, SPDX) share."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from tongzhou.oss.artefact_facts import ArtefactFacts
from tongzhou.oss.bom_energy import EnergyFacts
from tongzhou.oss.bom_inventory import Inventory, InventoryFile
from tongzhou.oss.bom_licence_check import LicenceCheckFacts

BOM_NAMESPACE = uuid.UUID("5d0c1f4e-7a4b-5c53-9e0d-0a1b6e2f3c47")
"""UUIDv5 namespace of Tongzhou AI-BOM serial numbers (fixed, so a serial depends on content alone)."""

_HF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class BomArtefact:
    """A model or dataset in the BOM: its files (None when only named by a card) and its facts."""

    ref: str
    """Local reference, unique in the BOM: ``model``, ``dataset``, ``dataset/<name>``."""
    facts: ArtefactFacts
    inventory: Inventory | None

    @property
    def files(self) -> tuple[InventoryFile, ...]:
        """The inventoried files ((), for an artefact only named)."""
        return self.inventory.files if self.inventory else ()


@dataclass(frozen=True)
class BomSubject:
    """Everything one AI-BOM states."""

    primary: BomArtefact
    datasets: tuple[BomArtefact, ...]
    energy: EnergyFacts | None
    created: str
    """Creation time, ``YYYY-MM-DDTHH:MM:SSZ`` (the one form SPDX 3.0.1 accepts)."""
    serial: uuid.UUID
    tool_version: str
    licence_check: LicenceCheckFacts | None = None
    """The licence check's verdict (``--licence-check``), when one was asked for."""


def huggingface_purl(identifier: str) -> str | None:
    """``pkg:huggingface/<org>/<name>`` for a Hub model id (purl type ``huggingface``), else None."""
    if not _HF_ID.match(identifier):
        return None
    org, name = identifier.split("/")
    return f"pkg:huggingface/{org}/{name}"


def single_file_hash(artefact: BomArtefact) -> str | None:
    """The SHA-256 of the artefact itself when it is one file."""
    inv = artefact.inventory
    return inv.files[0].sha256 if inv is not None and inv.single_file else None
