"""The licence a BOM states for a model or dataset: the licence check's identification, with its evidence.

:func:`tongzhou.oss.licences.identify` reads the card (``license``, or ``license_name`` when it is
``other``), ``config.json``, GGUF ``general.license`` and LICENSE files, and names one licence only when
every source that states one agrees: an SPDX License List identifier (``Apache-2.0``) or a
``LicenseRef-…`` for licences the SPDX list lacks (``LicenseRef-scancode-llama-3.1-license-2024``).
Anything else — no source, sources that disagree, a value in no list — is *undetermined*, with the
reason, and the BOM says so rather than guess: no CycloneDX ``licenses`` entry and SPDX
``NoAssertionLicense``. Each place a licence was read is kept as evidence (file and line, or GGUF key),
relative to the artefact so the BOM does not depend on where the folder sits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tongzhou.oss.gguf_metadata import is_gguf
from tongzhou.oss.licences.identify import Role, SubjectLicence, identify


@dataclass(frozen=True)
class DeclaredLicence:
    """The licence identified for one artefact, or why none was."""

    licence_id: str | None
    """``Apache-2.0`` or ``LicenseRef-…`` when identified; None when undetermined."""
    name: str | None = None
    """The catalogue's name for it (``Apache License 2.0``), when catalogued."""
    evidence: tuple[str, ...] = ()
    """Each place a licence is stated: ``README.md:2: license: apache-2.0``."""
    reason: str | None = None
    """Why it is undetermined (None when identified)."""
    url: str | None = None
    """The card's ``license_link``, when given."""

    @property
    def determined(self) -> bool:
        """True when exactly one licence was identified."""
        return self.licence_id is not None

    @property
    def spdx_listed(self) -> bool:
        """True for an SPDX License List identifier (CycloneDX ``license.id``), False for a LicenseRef."""
        return self.licence_id is not None and not self.licence_id.startswith("LicenseRef-")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() if root.is_dir() else path.name
    except ValueError:
        return path.name


def _from_subject(subject: SubjectLicence, root: Path) -> DeclaredLicence:
    evidence = tuple(
        f"{_relative(e.file, root)}{'' if e.line is None else f':{e.line}'}: {e.text}"
        for e in subject.evidence
    )
    link = subject.card.first("license_link") if subject.card else None
    return DeclaredLicence(
        subject.licence_id,
        subject.licence.name if subject.licence else None,
        evidence,
        None if subject.determined else _relative_reason(subject.reason, root),
        link[0] if link else None,
    )


def _relative_reason(reason: str, root: Path) -> str:
    prefix = f"{root}/" if root.is_dir() else str(root.parent) + "/"
    return reason.replace(prefix, "")


NOTHING_STATED = "no licence stated: the file carries no licence metadata"


def declared_licence(path: Path, dataset: bool = False) -> DeclaredLicence:
    """The licence of the model or dataset at ``path`` (a folder, or one file); InputError on bad input.

    A single file other than GGUF states no licence (safetensors, ONNX and pickle have no licence key),
    so it is undetermined without being opened.
    """
    if path.is_file() and not is_gguf(path):
        return DeclaredLicence(None, reason=NOTHING_STATED)
    return _from_subject(identify(path, Role.DATASET if dataset else Role.MODEL), path)
