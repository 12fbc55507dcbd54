"""The standard profile a corpus audit is judged against (data file, default GB/T 45654-2025)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tongzhou.errors import InputError


@dataclass(frozen=True)
class CorpusProfile:
    """Thresholds and the risk taxonomy, as loaded from a profile YAML file."""

    id: str
    """Profile id, e.g. ``gbt45654``."""
    version: str
    """Version of the standard."""
    source: str
    """Where the numbers come from."""
    rules: dict[str, Any]
    """Rule id → parameters (``source_blacklist``, ``keyword_sampling``, ``manual_sampling``, ...)."""
    risks: dict[str, dict[str, str]]
    """Risk code (``A.1.4``) → ``{"zh": ..., "en": ...}`` names."""
    raw: dict[str, Any]
    """The whole document (for reports)."""

    def rule(self, rule_id: str) -> dict[str, Any]:
        """Parameters of one rule; :class:`InputError` if the profile lacks it."""
        if rule_id not in self.rules:
            raise InputError.of("profile {id!r} has no rule {rule_id!r}", id=self.id, rule_id=rule_id)
        rule: dict[str, Any] = self.rules[rule_id]
        return rule

    def risks_in(self, category: str) -> list[str]:
        """Risk codes of one category (``A.1`` → ``A.1.1`` … ``A.1.8``)."""
        return [code for code in self.risks if code.rsplit(".", 1)[0] == category]


def load_profile(path: str | Path | None = None) -> CorpusProfile:
    """Load a profile YAML file; the default is the bundled GB/T 45654-2025 profile."""
    if path is None:
        text = resources.files("tongzhou.corpus").joinpath("data/gbt45654-corpus.yaml").read_text("utf-8")
    else:
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read profile {path}: {exc}") from exc
    try:
        doc = yaml.safe_load(text)
        return CorpusProfile(
            id=str(doc["id"]),
            version=str(doc["version"]),
            source=str(doc["source"]),
            rules=dict(doc["rules"]),
            risks={str(k): dict(v) for k, v in doc["risks"].items()},
            raw=doc,
        )
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"malformed corpus profile {path or 'gbt45654'}: {exc}") from exc
