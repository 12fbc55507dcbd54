"""Which licence a model or dataset is under, read from its folder or GGUF file, with the evidence.

Sources, all read without loading the model: the card's front matter (``license``, or ``license: other``
with ``license_name``), ``config.json`` (``license``), GGUF metadata (``general.license``,
``general.license.name``) and licence texts (LICENSE, LICENCE, COPYING…), matched by title against the
catalogue. A licence is *determined* only when every source that names one names the same one;
sources that disagree, a value outside the catalogue and the SPDX/ScanCode lists, or no source at all
leave it *undetermined*, with the reason. Nothing is inferred from a model's name or architecture
(SmolLM2's GGUF says ``general.architecture = llama``; that is not the Llama licence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from tongzhou.errors import InputError
from tongzhou.oss.gguf_metadata import is_gguf, read_gguf_metadata
from tongzhou.oss.licences.catalog import Licence, by_name, collapse, matching_texts
from tongzhou.oss.licences.evidence import Evidence
from tongzhou.oss.licences.spdx_ids import resolve
from tongzhou.oss.model_card import ModelCard, read_card, read_config_licence, read_text

_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying)([-_. ].*)?$", re.IGNORECASE)
_NOTICE_FILE = re.compile(r"^notice([-_. ].*)?$", re.IGNORECASE)
_POLICY_FILE = re.compile(
    r"^(use_policy|acceptable[-_ ]use[-_ ]policy|responsible[-_ ]use)([-_. ].*)?$", re.IGNORECASE
)
_CODE_LICENCE = re.compile(r"code", re.IGNORECASE)
_RELEVANT = re.compile(
    rf"^(readme\.md|config\.json|.*\.gguf)$|{_LICENCE_FILE.pattern}|{_NOTICE_FILE.pattern}|{_POLICY_FILE.pattern}",
    re.IGNORECASE,
)


class Role(StrEnum):
    """Where a subject sits in the lineage."""

    MODEL = "model"
    """The model being checked (the one you use or distribute)."""
    BASE_MODEL = "base-model"
    """A model it was derived from (card ``base_model``)."""
    DATASET = "dataset"
    """A dataset it was trained on (card ``datasets``)."""


@dataclass(frozen=True)
class LicenceText:
    """A licence, notice or policy file of a folder and what its text matched."""

    path: Path
    """The file."""
    text: str
    """Its text (at most 1 MiB)."""
    matches: tuple[Licence, ...]
    """Catalogue licences whose titles it carries."""
    line: int
    """The line of the first title matched (1 when nothing matched)."""


@dataclass
class SubjectLicence:
    """The licence finding for one model or dataset."""

    role: Role
    """model, base-model or dataset."""
    name: str
    """Its name: the repository id from the card, or the folder/file name."""
    path: Path | None
    """Its folder or file; None when only named (a base model or dataset not given locally)."""
    licence_id: str | None = None
    """The SPDX id or LicenseRef-… when determined, else None."""
    licence: Licence | None = None
    """The catalogue entry (None when undetermined, or when the id is valid but not catalogued)."""
    reason: str = ""
    """Why the licence is undetermined, in English (empty when determined)."""
    reason_zh: str = ""
    """The same in Chinese."""
    evidence: list[Evidence] = field(default_factory=list)
    """Every place that states a licence for it."""
    notes: list[str] = field(default_factory=list)
    """Things worth knowing (a code licence beside a model licence, a licence link)."""
    declared_bases: list[tuple[str, Evidence]] = field(default_factory=list)
    """Base models its card or GGUF names."""
    declared_datasets: list[tuple[str, Evidence]] = field(default_factory=list)
    """Datasets its card or GGUF names."""
    model_name: tuple[str, Evidence] | None = None
    """The name it is published under, and where that was read."""
    licence_texts: list[LicenceText] = field(default_factory=list)
    """Licence files in its folder (model licences, not ``LICENSE-CODE``)."""
    notices: list[LicenceText] = field(default_factory=list)
    """NOTICE files in its folder."""
    card: ModelCard | None = None
    """Its card, when it has one."""

    @property
    def determined(self) -> bool:
        """True when exactly one licence was identified."""
        return self.licence_id is not None

    def undetermined(self, reason: str, zh: str) -> None:
        """Mark the licence undetermined with its reason."""
        self.licence_id, self.licence, self.reason, self.reason_zh = None, None, reason, zh

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "role": self.role.value,
            "name": self.name,
            "path": str(self.path) if self.path else None,
            "licence": self.licence_id,
            "licence_name": self.licence.name if self.licence else None,
            "status": "identified" if self.determined else "undetermined",
            "reason": self.reason or None,
            "reason_zh": self.reason_zh or None,
            "evidence": [e.as_dict() for e in self.evidence],
            "notes": self.notes,
            "base_models": [name for name, _ in self.declared_bases],
            "datasets": [name for name, _ in self.declared_datasets],
        }


@dataclass(frozen=True)
class _Declared:
    value: str
    evidence: Evidence


def identify(path: Path, role: Role = Role.MODEL) -> SubjectLicence:
    """Identify the licence of a model or dataset folder, or of a GGUF file; InputError on bad input."""
    if not path.exists():
        raise InputError.of("{path}: no such file or folder", path=path)
    if path.is_file():
        if not is_gguf(path):
            raise InputError.of(
                "{path}: not a GGUF file; give the model's folder (its card and LICENSE state the licence) "
                "or a .gguf file",
                path=path,
            )
        subject = SubjectLicence(role, path.stem, path)
        from_gguf = _from_gguf(path, subject)
        subject.model_name = subject.model_name or (path.stem, Evidence(path, None, "file name"))
        _decide(subject, from_gguf)
        return subject
    subject = SubjectLicence(role, path.resolve().name, path)
    declared: list[_Declared] = []
    # Only names that can state a licence are opened: a dataset folder with many shards costs a listing.
    try:
        relevant = sorted(p for p in path.iterdir() if _RELEVANT.match(p.name))
    except OSError as exc:
        raise InputError.of(
            "{path}: cannot list the folder ({reason})", path=path, reason=exc.strerror
        ) from None
    for entry in relevant:
        if not entry.is_file():
            continue
        lower = entry.name.lower()
        if lower == "readme.md":
            declared += _from_card(entry, subject)
        elif lower == "config.json":
            found = read_config_licence(entry)
            if found:
                declared.append(_Declared(found[0], Evidence(entry, found[1], f"license: {found[0]}")))
        elif lower.endswith(".gguf") and is_gguf(entry):
            declared += _from_gguf(entry, subject)
        elif _LICENCE_FILE.match(entry.name):
            text = _licence_text(entry)
            if _CODE_LICENCE.search(entry.name):
                names = ", ".join(lic.id for lic in text.matches) or "unrecognised"
                subject.notes.append(
                    f"{entry.name} is a licence for code ({names}), not for the model weights"
                )
            else:
                subject.licence_texts.append(text)
        elif _NOTICE_FILE.match(entry.name):
            subject.notices.append(_licence_text(entry))
        elif _POLICY_FILE.match(entry.name):
            read_text(entry, "use policy")
            subject.notes.append(f"use policy file present: {entry.name}")
    if subject.model_name is None:
        subject.model_name = (subject.name, Evidence(path, None, "folder name"))
    _decide(subject, declared)
    return subject


def _licence_text(path: Path) -> LicenceText:
    text = read_text(path, "licence text")
    matches = tuple(matching_texts(collapse(text)))
    line = 1
    if matches:
        first = matches[0].titles[0]
        rows = text.splitlines()
        # A title on one line is found there; one broken over two lines is found at its first line.
        alone = (n for n, row in enumerate(rows, 1) if first.search(collapse(row)))
        spanning = (
            n
            for n, row in enumerate(rows, 1)
            if first.search(collapse(row + " " + (rows[n] if n < len(rows) else "")))
        )
        line = next(alone, None) or next(spanning, 1)
    return LicenceText(path, text, matches, line)


def _from_card(path: Path, subject: SubjectLicence) -> list[_Declared]:
    card = read_card(path)
    subject.card = card
    declared: list[_Declared] = []
    licence = card.fields.get("license")
    if licence:
        for value, line in zip(licence.values, licence.lines, strict=True):
            if value.strip().lower() == "other":
                named = card.first("license_name")
                if named:
                    declared.append(
                        _Declared(named[0], Evidence(path, named[1], f"license_name: {named[0]}"))
                    )
                else:
                    declared.append(_Declared("other", Evidence(path, line, "license: other")))
            else:
                declared.append(_Declared(value, Evidence(path, line, f"license: {value}")))
    link = card.first("license_link")
    if link:
        subject.notes.append(f"licence link in the card ({path.name}:{link[1]}): {link[0]}")
    for key, target in (("base_model", subject.declared_bases), ("datasets", subject.declared_datasets)):
        listed = card.fields.get(key)
        if listed:
            for item, line in zip(listed.values, listed.lines, strict=True):
                target.append((item, Evidence(path, line, f"{key}: {item}")))
    name = card.first("model_name")
    if name:
        subject.model_name = (name[0], Evidence(path, name[1], f"model_name: {name[0]}"))
    if subject.role is not Role.MODEL:
        subject.name = name[0] if name else subject.name
    return declared


def _from_gguf(path: Path, subject: SubjectLicence) -> list[_Declared]:
    meta = read_gguf_metadata(path)

    def text(key: str) -> str | None:
        item = meta.get(key)
        return item.value.strip() if item and isinstance(item.value, str) and item.value.strip() else None

    def evidence(key: str) -> Evidence:
        return Evidence(path, None, f"GGUF {key} = {text(key)!r} (key at byte {meta[key].offset})")

    declared: list[_Declared] = []
    licence = text("general.license")
    if licence and licence.lower() == "other" and text("general.license.name"):
        declared.append(_Declared(str(text("general.license.name")), evidence("general.license.name")))
    elif licence:
        declared.append(_Declared(licence, evidence("general.license")))
    if text("general.license.link"):
        subject.notes.append(f"licence link in the GGUF metadata: {text('general.license.link')}")
    if text("general.name") and subject.model_name is None:
        subject.model_name = (str(text("general.name")), evidence("general.name"))
    for kind, target in (("base_model", subject.declared_bases), ("dataset", subject.declared_datasets)):
        count = meta.get(f"general.{kind}.count")
        for i in range(int(count.value) if count and isinstance(count.value, int) else 0):
            name, org = text(f"general.{kind}.{i}.name"), text(f"general.{kind}.{i}.organization")
            url = text(f"general.{kind}.{i}.repo_url")
            repo = _repo_id(url) if url else None
            if repo:
                target.append((repo, evidence(f"general.{kind}.{i}.repo_url")))
            elif name:
                full = f"{org}/{name}" if org else name
                target.append((full, evidence(f"general.{kind}.{i}.name")))
    return declared


def _repo_id(url: str) -> str | None:
    """``owner/name`` from a hub URL (``https://huggingface.co/meta-llama/Llama-3.1-8B``), else None."""
    parts = [p for p in url.split("://", 1)[-1].split("/")[1:] if p]
    if parts and parts[0] == "datasets":
        parts = parts[1:]
    return "/".join(parts[:2]) if len(parts) >= 2 else None


def _decide(subject: SubjectLicence, declared: list[_Declared]) -> None:
    found: dict[str, tuple[Licence | None, list[Evidence]]] = {}
    for item in declared:
        subject.evidence.append(item.evidence)
        resolved = _resolve(item.value)
        if isinstance(resolved, str):
            subject.undetermined(
                f"{item.evidence.where()}: {resolved}",
                f"{item.evidence.where()}：无法识别许可证 {item.value!r}",
            )
            return
        licence_id, licence = resolved
        found.setdefault(licence_id, (licence, []))[1].append(item.evidence)
    for text in subject.licence_texts:
        if not text.matches:
            subject.evidence.append(Evidence(text.path, None, "licence text not recognised"))
            subject.undetermined(
                f"{text.path}: the licence text matches no licence in the catalogue; read it yourself",
                f"{text.path}：许可证文本与目录中任何许可证都不匹配，请人工阅读",
            )
            return
        if len(text.matches) > 1:
            names = ", ".join(lic.id for lic in text.matches)
            subject.undetermined(
                f"{text.path}: the text carries the titles of several licences ({names})",
                f"{text.path}：文本包含多个许可证的标题（{names}）",
            )
            return
        licence = text.matches[0]
        evidence = Evidence(text.path, text.line, f"licence text titled {licence.name}")
        subject.evidence.append(evidence)
        found.setdefault(licence.id, (licence, []))[1].append(evidence)
    if not found:
        subject.undetermined(
            "no licence stated: no card `license`, no config.json `license`, no GGUF `general.license`, "
            "no LICENSE file",
            "未声明许可证：模型卡、config.json、GGUF 元数据中均无许可证字段，也无 LICENSE 文件",
        )
        return
    if len(found) > 1:
        parts = "; ".join(f"{lid} ({', '.join(e.where() for e in ev)})" for lid, (_, ev) in found.items())
        subject.undetermined(f"the sources disagree: {parts}", f"来源相互矛盾：{parts}")
        return
    ((licence_id, (licence, _)),) = found.items()
    subject.licence_id, subject.licence = licence_id, licence
    if licence is None:
        subject.notes.append(f"{licence_id} is a valid SPDX licence but not in the duty catalogue")


def _resolve(value: str) -> tuple[str, Licence | None] | str:
    """The id and catalogue entry a declared value names, or why it names none."""
    if value.strip().lower() in ("", "other", "unknown"):
        return f"license is {value!r} and no license_name says which licence"
    licence = by_name(value)
    if licence:
        return licence.id, licence
    spdx = resolve(value)
    if spdx.expression is None:
        return f"{value!r} is not in the catalogue nor a valid SPDX id ({spdx.problem})"
    if not spdx.single:
        return (
            f"{value!r} is a compound expression ({spdx.expression}); which part applies is not decided here"
        )
    catalogued = by_name(spdx.expression)
    return spdx.expression, catalogued
