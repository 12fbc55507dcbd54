"""A model's lineage: the model, the base models and datasets its card names, read from local folders.

A base model or dataset is identified only from a local copy given by the caller (``--base``,
``--dataset``); one the card names but nobody gave is listed as undetermined, never looked up on the
network or guessed from its name. A copy matches a named entry when its folder name (or card
``model_name``) equals the last part of the entry's repository id, case, spaces, hyphens and
underscores aside (GGUF metadata writes names such as ``Llama 3.1 8B``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tongzhou.oss.licences.identify import Role, SubjectLicence, identify


@dataclass(frozen=True)
class Lineage:
    """The model and what it came from."""

    model: SubjectLicence
    """The model checked."""
    bases: tuple[SubjectLicence, ...]
    """Its base models."""
    datasets: tuple[SubjectLicence, ...]
    """Its datasets."""

    def subjects(self) -> tuple[SubjectLicence, ...]:
        """Model, then bases, then datasets."""
        return (self.model, *self.bases, *self.datasets)


def _key(name: str) -> str:
    """The last part of a repository id, without case, spaces, hyphens or underscores."""
    return re.sub(r"[\s_\-]+", "", name.rstrip("/").rsplit("/", 1)[-1]).lower()


def _attach(
    named: list[tuple[str, object]], copies: Sequence[Path], role: Role, what: str, what_zh: str, option: str
) -> tuple[SubjectLicence, ...]:
    found = [identify(copy, role) for copy in copies]
    by_key: dict[str, SubjectLicence] = {}
    for subject in found:
        by_key.setdefault(_key(subject.path.resolve().name if subject.path else subject.name), subject)
        if subject.model_name:
            by_key.setdefault(_key(subject.model_name[0]), subject)
        by_key.setdefault(_key(subject.name), subject)
    result: list[SubjectLicence] = []
    used: set[int] = set()
    for name, evidence in named:
        match = by_key.get(_key(name))
        if match is not None:
            match.name = name
            if id(match) not in used:
                result.append(match)
                used.add(id(match))
            continue
        missing = SubjectLicence(role, name, None)
        missing.evidence.append(evidence)  # type: ignore[arg-type]
        missing.undetermined(
            f"{what} {name!r} is named in the card but no local copy was given ({option} DIR); "
            "its licence is not looked up or guessed",
            f"模型卡列出了{what_zh} {name!r}，但未提供本地副本（{option} 目录），不推测其许可证",
        )
        result.append(missing)
    for subject in found:
        if id(subject) not in used:
            subject.notes.append(f"given with {option} but not named in the model's card")
            result.append(subject)
    return tuple(result)


def build_lineage(path: Path, bases: Sequence[Path] = (), datasets: Sequence[Path] = ()) -> Lineage:
    """Identify the model at ``path`` and the local copies of its base models and datasets."""
    model = identify(path, Role.MODEL)
    return Lineage(
        model,
        _attach(list(model.declared_bases), bases, Role.BASE_MODEL, "base model", "基础模型", "--base"),
        _attach(list(model.declared_datasets), datasets, Role.DATASET, "dataset", "数据集", "--dataset"),
    )
