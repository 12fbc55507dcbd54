"""A draft classification rule file: checked with the real rule loader, cut into rules to comment
on, compared line by line with the file in force, and run against the registry.

The draft replaces the bundled file of the same name (or adds a regime, when no bundled file has
that name), exactly as ``tongzhou classify --rules DIR`` overlays a user's file: the draft is
written to a private temporary directory and loaded with :func:`tongzhou.classify.load_ruleset`,
so a file the engine would refuse is refused here with the engine's own reason.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tongzhou.classify import Classifier, RuleSet, load_ruleset
from tongzhou.consultation.errors import ConsultationError
from tongzhou.consultation.paragraphs import Paragraph
from tongzhou.errors import InputError
from tongzhou.systems.profile import SystemProfile

RULES_PACKAGE = "tongzhou.classify.rules"
REGIME_UNIT = "regime"
"""The paragraph id of everything in a rule file that is not a rule (scope, tiers, obligations)."""


def bundled_rule_file(name: str) -> str | None:
    """The text of the bundled rule file ``name`` (the one in force), or None when there is none."""
    entry = resources.files(RULES_PACKAGE).joinpath(name)
    return entry.read_text(encoding="utf-8") if entry.is_file() else None


def load_draft_ruleset(name: str, text: str) -> RuleSet:
    """The bundled rules with ``text`` as the file ``name``; :class:`ConsultationError` ``bad-rules``
    with the loader's reason when the engine would refuse it."""
    with tempfile.TemporaryDirectory(prefix="tongzhou-draft-rules-") as folder:
        Path(folder, name).write_text(text, encoding="utf-8")
        try:
            return load_ruleset(overlay=Path(folder))
        except InputError as exc:
            raise ConsultationError("bad-rules", reason=exc.bilingual().replace(folder + "/", "")) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # parse_regime indexes the YAML directly in places: a missing key or a wrong type
            raise ConsultationError("bad-rules", reason=f"{type(exc).__name__}: {exc}") from None


def rule_units(text: str) -> list[Paragraph]:
    """The commentable units of a rule file: ``regime`` (all but the rules), then one per rule id."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConsultationError("bad-rules", reason="a regime file must be a mapping")
    rules = data.get("rules") or []
    head = {k: v for k, v in data.items() if k != "rules"}
    units = [Paragraph(REGIME_UNIT, _dump(head))]
    seen: set[str] = {REGIME_UNIT}
    for rule in rules:
        rule_id = str(rule.get("id", "")) if isinstance(rule, dict) else ""
        if not rule_id or rule_id in seen:
            raise ConsultationError("bad-rules", reason=f"every rule needs a unique id (found {rule_id!r})")
        seen.add(rule_id)
        units.append(Paragraph(rule_id, _dump(rule)))
    return units


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One row of a side-by-side diff: the line in force and the draft's line (None: absent)."""

    kind: str
    """``equal``, ``changed``, ``removed`` or ``added``."""
    old_number: int | None
    old: str | None
    new_number: int | None
    new: str | None


def side_by_side(old: str, new: str, context: int = 3) -> list[DiffRow | None]:
    """The differing lines of two files with ``context`` lines around them; None marks a gap."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffRow | None] = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(context):
        if rows:
            rows.append(None)
        for tag, a0, a1, b0, b1 in group:
            if tag == "equal":
                rows += [
                    DiffRow("equal", a0 + k + 1, a[a0 + k], b0 + k + 1, b[b0 + k]) for k in range(a1 - a0)
                ]
                continue
            width = max(a1 - a0, b1 - b0)
            for k in range(width):
                i, j = a0 + k, b0 + k
                old_line = a[i] if i < a1 else None
                new_line = b[j] if j < b1 else None
                kind = (
                    "changed"
                    if old_line is not None and new_line is not None
                    else ("removed" if new_line is None else "added")
                )
                rows.append(
                    DiffRow(
                        kind,
                        i + 1 if old_line is not None else None,
                        old_line,
                        j + 1 if new_line is not None else None,
                        new_line,
                    )
                )
    return rows


@dataclass(frozen=True, slots=True)
class TierChange:
    """A registered system whose headline tier in one jurisdiction differs under the draft."""

    system_id: str
    system_name: str
    sectors: tuple[str, ...]
    jurisdiction: str
    old_tier: str | None
    old_label: str
    new_tier: str | None
    new_label: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "system_id": self.system_id,
            "system_name": self.system_name,
            "jurisdiction": self.jurisdiction,
            "old": {"tier": self.old_tier, "label": self.old_label},
            "new": {"tier": self.new_tier, "label": self.new_label},
        }


@functools.lru_cache(maxsize=8)
def _draft_classifier(name: str, text: str) -> Classifier:
    # A draft version's text never changes, so its compiled rules are kept per worker.
    return Classifier(load_draft_ruleset(name, text))


@functools.cache
def _classifier_in_force() -> Classifier:
    return Classifier()


def _headlines(
    classifier: Classifier, profile: SystemProfile, day: dt.date
) -> dict[str, tuple[str | None, str]]:
    found: dict[str, tuple[str | None, str]] = {}
    for result in classifier.classify(profile, day).jurisdictions:
        summary = result.summary()
        tier = summary.tier
        if result.in_scope is False:
            found[result.jurisdiction] = (None, "out of scope")
        elif tier is None:
            found[result.jurisdiction] = (None, "no tier applies")
        else:
            tag = "" if summary.status == "applies" else f" ({summary.status})"
            found[result.jurisdiction] = (f"{tier.id}{tag}", f"{tier.label}{tag}")
    return found


def tier_changes(name: str, text: str, profiles: list[SystemProfile], day: dt.date) -> list[TierChange]:
    """Each system of ``profiles`` and jurisdiction whose headline on ``day`` differs between the
    rules in force and the rules with the draft ``text`` as the file ``name``."""
    in_force, draft = _classifier_in_force(), _draft_classifier(name, text)
    changes: list[TierChange] = []
    for profile in profiles:
        old, new = _headlines(in_force, profile, day), _headlines(draft, profile, day)
        for code in sorted(set(old) | set(new)):
            before = old.get(code, (None, "not classified"))
            after = new.get(code, (None, "not classified"))
            if before[0] != after[0] or before[1] != after[1]:
                changes.append(
                    TierChange(
                        profile.id,
                        profile.name,
                        tuple(profile.sectors or ()),
                        code,
                        before[0],
                        before[1],
                        after[0],
                        after[1],
                    )
                )
    return changes
