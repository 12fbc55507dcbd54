"""AI-BOM digests in a signed evaluation: which model (and data) the verdicts are about, by content.

``attest sign --bom FILE`` reads each AI-BOM (``tongzhou oss bom``), records it in the report as
``ai_boms`` — name, kind, format and the ``sha256:`` of the BOM's RFC 8785 canonical JSON — and the
Statement gets one subject ``tongzhou-aibom:<name>`` per BOM with that digest (in-toto Statement v1:
a subject is a name and a digest set). Verification recomputes the subjects from the signed report, so
a BOM digest cannot be swapped without breaking the signature. When the BOM describes one model file
and the run identified its model by SHA-256, the two must agree: a BOM of another model is refused at
signing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from tongzhou.errors import InputError

AIBOM_SUBJECT_PREFIX = "tongzhou-aibom:"


class BomReference(Protocol):
    """What signing needs of an AI-BOM; :class:`tongzhou.oss.AiBomSummary` has it (``oss`` is not
    imported here: ``labels`` imports ``attest`` and must stay independent of ``oss``)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def digest(self) -> str:
        """``sha256:<hex>`` of the BOM's canonical JSON."""

    @property
    def subject_sha256(self) -> str | None:
        """The SHA-256 (hex) of the BOM's subject when it is one file."""


def bom_entries(boms: Sequence[BomReference], model: Mapping[str, Any]) -> list[dict[str, str]]:
    """The report's ``ai_boms`` for ``boms``, sorted and without repeats; a mismatched model is refused."""
    identity = str(model.get("identity", ""))
    entries: dict[str, dict[str, str]] = {}
    for bom in boms:
        file_digest = f"sha256:{bom.subject_sha256}" if bom.subject_sha256 else None
        if bom.kind == "model" and file_digest and identity.startswith("sha256:") and identity != file_digest:
            raise InputError.of(
                "the AI-BOM of {bom!r} describes a model file with {bom_digest}, but the run "
                "evaluated {model!r} ({model_digest}): give the BOM of the model that was evaluated",
                bom=bom.name,
                bom_digest=file_digest,
                model=model.get("name"),
                model_digest=identity,
            )
        entries[bom.digest] = {"name": bom.name, "kind": bom.kind, "format": bom.format, "sha256": bom.digest}
    return sorted(entries.values(), key=lambda e: (e["kind"], e["name"], e["sha256"]))


def bom_subjects(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One Statement subject per AI-BOM recorded in ``report`` (none for reports without ``ai_boms``)."""
    subjects = []
    for entry in report.get("ai_boms") or []:
        algorithm, _, value = str(entry["sha256"]).partition(":")
        subjects.append({"name": f"{AIBOM_SUBJECT_PREFIX}{entry['name']}", "digest": {algorithm: value}})
    return subjects
