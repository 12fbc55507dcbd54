"""Build an AI bill of materials for a model or dataset: CycloneDX 1.6 ML-BOM or SPDX 3.0.1 (AI, Dataset).

``build_ai_bom(path)`` inventories the files (SHA-256 each, streamed), reads the card, config and
GGUF metadata, attaches datasets (folders given, plus those the card names) and, when given, the
energy of an evaluation run; it returns the document and its digest. Output is deterministic: files in
path order, the serial number a UUIDv5 of the content digests, the creation time injectable
(``created=``, else ``SOURCE_DATE_EPOCH``, else now), so the same inputs give the same bytes and the
same ``sha256:`` digest. docs/oss.md maps every field to the two specifications.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from tongzhou import __version__
from tongzhou.atomic_file import write_bytes_atomic
from tongzhou.canonical_json import canonical_sha256
from tongzhou.errors import InputError
from tongzhou.oss.artefact_facts import ArtefactFacts, ArtefactKind, gather_facts
from tongzhou.oss.bom_energy import read_energy_report
from tongzhou.oss.bom_inventory import InventoryLimits, take_inventory
from tongzhou.oss.bom_licence_check import licence_check_facts
from tongzhou.oss.bom_subject import BOM_NAMESPACE, BomArtefact, BomSubject
from tongzhou.oss.cyclonedx_bom import cyclonedx_document
from tongzhou.oss.licences import IntendedUse
from tongzhou.oss.spdx_bom import spdx_document

BomFormat = Literal["cyclonedx", "spdx"]
BOM_FORMATS: tuple[BomFormat, ...] = ("cyclonedx", "spdx")


@dataclass(frozen=True)
class AiBom:
    """One AI-BOM document and its identity."""

    format: BomFormat
    document: dict[str, Any]
    subject: BomSubject

    @property
    def text(self) -> str:
        """The JSON text written to disk: keys sorted, two-space indent, UTF-8, final newline."""
        return json.dumps(self.document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @property
    def digest(self) -> str:
        """``sha256:`` of the document's RFC 8785 canonical JSON: what a signed statement names."""
        return canonical_sha256(self.document)

    def write(self, path: Path) -> Path:
        """Write :attr:`text` to ``path`` atomically (all or nothing); return ``path``."""
        write_bytes_atomic(path, self.text.encode("utf-8"))
        return path


def creation_time(created: datetime | str | None = None) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` of ``created``, else of ``SOURCE_DATE_EPOCH``, else of now (UTC)."""
    if isinstance(created, str):
        text = created.strip()
        try:
            created = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InputError.of(
                "--created: {text!r} is not an ISO 8601 date-time (e.g. 2026-12-06T09:00:00Z)", text=text
            ) from None
        if created.tzinfo is None:
            raise InputError.of("--created: give a time zone (Z or +08:00)")
    if created is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch is not None:
            if not epoch.isdigit():
                raise InputError.of(
                    "SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds", epoch=epoch
                )
            created = datetime.fromtimestamp(int(epoch), UTC)
        else:
            created = datetime.now(UTC)
    return created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dataset_ref(name: str, taken: set[str]) -> str:
    base = "dataset/" + (re.sub(r"[^A-Za-z0-9._/-]+", "-", name).strip("-") or "unnamed")
    ref, n = base, 1
    while ref in taken:
        n += 1
        ref = f"{base}-{n}"
    taken.add(ref)
    return ref


def _serial(fmt: BomFormat, parts: list[str]) -> uuid.UUID:
    digest = hashlib.sha256("\n".join([fmt, *parts]).encode()).hexdigest()
    return uuid.uuid5(BOM_NAMESPACE, digest)


def build_ai_bom(
    path: Path,
    *,
    fmt: BomFormat = "cyclonedx",
    datasets: Sequence[Path] = (),
    energy_report: Path | None = None,
    created: datetime | str | None = None,
    kind: ArtefactKind | Literal["auto"] = "auto",
    limits: InventoryLimits | None = None,
    licence_use: IntendedUse | None = None,
) -> AiBom:
    """The AI-BOM of the model or dataset at ``path``; bad input raises :class:`InputError`.

    ``datasets`` are folders or files of training data to inventory with the model; datasets the model
    card names are added by name. ``kind`` ``auto`` takes a path with model weights (GGUF,
    safetensors, ONNX, PyTorch, pickle, Keras) or a ``config.json`` as a model,
    anything else as a dataset. ``licence_use`` runs the licence check of the model and ``datasets``
    for that use and records its verdict in the BOM (:mod:`tongzhou.oss.bom_licence_check`).
    """
    if fmt not in BOM_FORMATS:
        raise InputError.of("--format must be cyclonedx or spdx, not {fmt!r}", fmt=fmt)
    stamp = creation_time(created)
    energy = read_energy_report(energy_report) if energy_report is not None else None
    inventory = take_inventory(path, limits)
    if kind == "auto":
        has_config = not inventory.single_file and (path / "config.json").is_file()
        kind = "model" if inventory.looks_like_model() or has_config else "dataset"
    if energy is not None and kind != "model":
        raise InputError.of("--energy describes a model's runs; the path is a dataset")
    if licence_use is not None and kind != "model":
        raise InputError.of("--licence-check checks a model's lineage; the path is a dataset")
    facts = gather_facts(inventory, kind)
    primary = BomArtefact(kind, facts, inventory)
    taken: set[str] = {kind}
    attached: list[BomArtefact] = []
    for folder in datasets:
        data_inventory = take_inventory(folder, limits)
        data_facts = gather_facts(data_inventory, "dataset")
        attached.append(BomArtefact(_dataset_ref(data_facts.name, taken), data_facts, data_inventory))
    for name in facts.datasets if kind == "model" else ():
        named = ArtefactFacts(kind="dataset", name=name, licence=None)
        attached.append(BomArtefact(_dataset_ref(name, taken), named, None))
    parts = [inventory.content_digest, facts.name]
    parts += [f"{a.ref}:{a.inventory.content_digest if a.inventory else a.facts.name}" for a in attached]
    if energy is not None:
        parts.append(f"energy:{energy.run_id}:{energy.evaluation_kwh!r}:{energy.training_kwh!r}")
    check = None if licence_use is None else licence_check_facts(path, datasets, licence_use)
    if check is not None:
        parts.append(f"licence-check:{check.use}:{check.verdict}")
    subject = BomSubject(primary, tuple(attached), energy, stamp, _serial(fmt, parts), __version__, check)
    document = cyclonedx_document(subject) if fmt == "cyclonedx" else spdx_document(subject)
    return AiBom(fmt, document, subject)
