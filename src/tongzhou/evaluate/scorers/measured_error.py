"""Scorers as instruments: their sensitivity and specificity per language, measured once on a
labelled held-out set, and the record (``data/scorer_error.yaml``) of which set measured which version.

A record is written by ``tongzhou eval check-scorer --record`` and committed; a run stores the
record of each scorer it used, and the summary corrects its rates with it
(:mod:`tongzhou.evaluate.scorer_error`). A scorer version with no record has no known error, and
its rates can support no verdict (the corrected interval is [0, 1]).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tongzhou.atomic_file import write_text_atomic
from tongzhou.errors import InputError
from tongzhou.intervals import rate

DATA = Path(__file__).parent / "data"
_FIELDS = ("label", "language", "response")
RECORDS_PATH = DATA / "scorer_error.yaml"
"""The committed record of every measurement."""


@dataclass(frozen=True)
class LanguageError:
    """Sensitivity and specificity of one scorer in one language, as counts."""

    sensitivity: tuple[int, int]
    """``(labelled positive by the scorer, gold positives)``."""
    specificity: tuple[int, int]
    """``(labelled negative by the scorer, gold negatives)``."""

    def to_dict(self) -> dict[str, Any]:
        """Counts with their Wilson intervals."""
        return {"sensitivity": rate(*self.sensitivity), "specificity": rate(*self.specificity)}


@dataclass(frozen=True)
class MeasuredError:
    """One measurement: a scorer version against one held-out set, scored once."""

    scorer: str
    """``name@version``."""
    positive: str
    """The label a metric counts (``refusal`` or ``safe``); sensitivity is about this label."""
    held_out: str
    """File name of the labelled set."""
    held_out_sha256: str
    written: str
    """When the set was written (from the set itself), before the scorer version was frozen."""
    measured: str
    """When the version was scored on it (once)."""
    by_language: dict[str, LanguageError] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (as stored in a run and shown in the summary)."""
        return {
            "scorer": self.scorer,
            "positive": self.positive,
            "held_out": self.held_out,
            "held_out_sha256": self.held_out_sha256,
            "written": self.written,
            "measured": self.measured,
            "by_language": {lang: e.to_dict() for lang, e in sorted(self.by_language.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MeasuredError:
        """Read a record (as written by :meth:`to_dict` or stored in the record file)."""
        langs = {}
        for lang, e in (data.get("by_language") or {}).items():
            se, sp = e["sensitivity"], e["specificity"]
            langs[lang] = LanguageError(
                (int(se["successes"]), int(se["n"])), (int(sp["successes"]), int(sp["n"]))
            )
        return cls(
            scorer=str(data["scorer"]),
            positive=str(data["positive"]),
            held_out=str(data["held_out"]),
            held_out_sha256=str(data["held_out_sha256"]),
            written=str(data["written"]),
            measured=str(data["measured"]),
            by_language=langs,
        )


def read_labelled(path: Path) -> list[dict[str, Any]]:
    """The rows of a labelled JSONL set (``response``, ``label``, ``language``; a first line may be
    ``{"_meta": {...}}`` saying when and for what the set was written)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read labelled set {path}: {exc}") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if "_meta" not in row and not all(isinstance(row.get(k), str) for k in _FIELDS):
                raise KeyError("label")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path.name}:{number}: need JSON with label, language, response") from exc
        rows.append(row)
    return rows


def set_meta(path: Path) -> dict[str, Any]:
    """The ``_meta`` line of a labelled set, or ``{}``."""
    rows = read_labelled(path)
    return dict(rows[0]["_meta"]) if rows and "_meta" in rows[0] else {}


def measure(
    scorer: str, positive: str, path: Path, predict: Callable[[str], str], *, measured: str | None = None
) -> MeasuredError:
    """Score every item of ``path`` once with ``predict`` and count Se/Sp for ``positive`` per language."""
    counts: dict[str, list[int]] = {}
    for row in read_labelled(path):
        if "_meta" in row:
            continue
        c = counts.setdefault(row["language"], [0, 0, 0, 0])  # se_ok, se_n, sp_ok, sp_n
        said = predict(row["response"]) == positive
        if row["label"] == positive:
            c[0] += said
            c[1] += 1
        else:
            c[2] += not said
            c[3] += 1
    meta = set_meta(path)
    return MeasuredError(
        scorer=scorer,
        positive=positive,
        held_out=path.name,
        held_out_sha256="sha256:" + hashlib.sha256(path.read_bytes()).hexdigest(),
        written=str(meta.get("written", "unknown")),
        measured=measured or datetime.now(UTC).date().isoformat(),
        by_language={lang: LanguageError((c[0], c[1]), (c[2], c[3])) for lang, c in sorted(counts.items())},
    )


@cache
def _records(path: Path = RECORDS_PATH) -> tuple[MeasuredError, ...]:
    if not path.is_file():
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(MeasuredError.from_dict(r) for r in data.get("records") or [])


def recorded_on(scorer: str, positive: str, held_out: str) -> MeasuredError | None:
    """The committed measurement of ``name@version`` on one held-out set, or None."""
    found = [r for r in _records() if (r.scorer, r.positive, r.held_out) == (scorer, positive, held_out)]
    return found[-1] if found else None


def recorded_error(scorer: str, positive: str | None = None) -> MeasuredError | None:
    """The committed measurement of ``name@version``, pooled over every clean set that measured it.

    Each set was written before the version was frozen (or after, never used to tune it) and
    scored once, so their counts add up: more items, tighter intervals, and no set's phrasing
    dominates. None when the version was never measured.
    """
    latest: dict[str, MeasuredError] = {}
    for r in _records():
        if r.scorer == scorer and (positive is None or r.positive == positive):
            latest[r.held_out] = r
    if not latest:
        return None
    records = list(latest.values())
    if len(records) == 1:
        return records[0]
    langs: dict[str, LanguageError] = {}
    for r in records:
        for lang, e in r.by_language.items():
            so_far = langs.get(lang, LanguageError((0, 0), (0, 0)))
            se, sp = so_far.sensitivity, so_far.specificity
            langs[lang] = LanguageError(
                (se[0] + e.sensitivity[0], se[1] + e.sensitivity[1]),
                (sp[0] + e.specificity[0], sp[1] + e.specificity[1]),
            )
    return MeasuredError(
        scorer=scorer,
        positive=records[0].positive,
        held_out=" + ".join(r.held_out for r in records),
        held_out_sha256=" + ".join(r.held_out_sha256 for r in records),
        written="; ".join(r.written for r in records),
        measured="; ".join(sorted({r.measured for r in records})),
        by_language=dict(sorted(langs.items())),
    )


def served_scorer_id(name: str, version: str, identity: str) -> str:
    """The record id of a scorer whose error depends on the model behind it (an LLM judge, a served
    guard): ``name@version on IDENTITY``. Each served model is measured, and recorded, on its own."""
    return f"{name}@{version} on {identity}"


def append_record(record: MeasuredError, path: Path = RECORDS_PATH) -> None:
    """Add a measurement to the record file (atomically); the file keeps every earlier record."""
    data: dict[str, Any] = {}
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault(
        "about",
        "Measured sensitivity/specificity of each scorer version on a labelled set it was not tuned on, "
        "scored once (tongzhou eval check-scorer --record). Written by Tongzhou; see docs/evaluate.md.",
    )
    data.setdefault("records", []).append(record.to_dict())
    write_text_atomic(path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    _records.cache_clear()
