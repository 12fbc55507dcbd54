"""The manual-review sample: writing it, recording a reviewer's verdicts, and the pass rate vs the standard.

A sampling file is JSON Lines: a header ``{"sample": {...}}`` then one item per line with
``item_id, source, text, keywords, risks, pii, verdict`` (``null`` until reviewed). Verdicts are
``pass`` or ``fail`` (``合格``/``不合格`` accepted), written back into the file atomically together with the
reviewer's name, the time and an optional note.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tongzhou.atomic_file import write_text_atomic
from tongzhou.corpus.profile import CorpusProfile
from tongzhou.corpus.readers import json_lines
from tongzhou.corpus.stats import RateVerdict, judge_rate
from tongzhou.errors import InputError

_VERDICT_WORDS = {
    "pass": "pass",
    "ok": "pass",
    "合格": "pass",
    "通过": "pass",
    "fail": "fail",
    "不合格": "fail",
    "不通过": "fail",
    "harmful": "fail",
}


def _atomic_write(path: Path, lines: list[str]) -> None:
    write_text_atomic(path, "\n".join(lines) + "\n")


def write_sample(path: str | Path, items: list[dict[str, Any]], header: dict[str, Any]) -> None:
    """Write a sampling file (atomic)."""
    lines = [json.dumps({"sample": header}, ensure_ascii=False, sort_keys=True)]
    lines += [json.dumps(item, ensure_ascii=False, sort_keys=True) for item in items]
    _atomic_write(Path(path), lines)


def read_sample(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``(header, items)`` of a sampling file."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read sampling file {path}: {exc}") from exc
    header: dict[str, Any] = {}
    items: list[dict[str, Any]] = []
    for i, obj in json_lines(text, str(path)):
        if i == 1 and isinstance(obj, dict) and "sample" in obj:
            header = obj["sample"]
        elif isinstance(obj, dict) and "item_id" in obj:
            items.append(obj)
        else:
            raise InputError(f"{path}:{i}: not a sample item (needs item_id)")
    return header, items


def parse_verdicts(path: str | Path) -> dict[str, tuple[str, str]]:
    """Verdicts from CSV (``item_id,verdict[,note]``) or JSONL (``{"item_id", "verdict", "note"}``)."""
    try:
        text = Path(path).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read verdicts {path}: {exc}") from exc
    rows: list[dict[str, Any]] = []
    if str(path).endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        for i, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{i}: not JSON ({exc.msg})") from exc
    out: dict[str, tuple[str, str]] = {}
    for n, row in enumerate(rows, start=1):
        item_id = str(row.get("item_id") or "").strip()
        word = str(row.get("verdict") or "").strip().lower()
        if not item_id or word not in _VERDICT_WORDS:
            raise InputError.of(  # 合格/不合格 are verdict words the file may use (data), in both languages
                "{path}: row {n}: needs item_id and a verdict of pass/fail (合格/不合格), got {row!r}",
                path=path,
                n=n,
                row=row,
            )
        out[item_id] = (_VERDICT_WORDS[word], str(row.get("note") or ""))
    return out


def record_verdicts(path: str | Path, verdicts: dict[str, tuple[str, str]], reviewer: str) -> int:
    """Write verdicts into the sampling file; unknown item ids are an error (nothing is written then)."""
    header, items = read_sample(path)
    by_id = {item["item_id"]: item for item in items}
    unknown = [i for i in verdicts if i not in by_id]
    if unknown:
        raise InputError(
            f"{len(unknown)} verdict(s) for items not in the sample, e.g. {unknown[0]!r}; nothing written"
        )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for item_id, (verdict, note) in verdicts.items():
        item = by_id[item_id]
        item.update(verdict=verdict, reviewer=reviewer, reviewed_at=now)
        if note:
            item["note"] = note
    write_sample(path, items, header)
    return len(verdicts)


@dataclass(frozen=True)
class ReviewSummary:
    """Pass rate of a reviewed sample against the manual-sampling rule."""

    sample_size: int
    """Items in the sampling file."""
    reviewed: int
    """Items with a verdict."""
    passed: int
    """Items judged pass."""
    min_items: int
    """Items the standard asks to review."""
    rate: RateVerdict
    """Pass rate with Wilson interval and verdict vs the threshold."""
    verdict: str
    """``pass``/``fail``/``inconclusive``, or ``incomplete`` while fewer than ``min_items`` are reviewed."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "sample_size": self.sample_size,
            "reviewed": self.reviewed,
            "passed": self.passed,
            "min_items": self.min_items,
            "pass_rate": self.rate.to_dict(),
            "verdict": self.verdict,
        }


def summarize_review(items: list[dict[str, Any]], profile: CorpusProfile) -> ReviewSummary:
    """Pass rate of the reviewed items vs ``manual_sampling`` (≥ min_items reviewed, rate ≥ pass_rate_min)."""
    rule = profile.rule("manual_sampling")
    reviewed = [i for i in items if i.get("verdict") in ("pass", "fail")]
    passed = sum(1 for i in reviewed if i["verdict"] == "pass")
    rate = judge_rate(passed, len(reviewed), ">=", float(rule["pass_rate_min"]))
    minimum = int(rule["min_items"])
    verdict = rate.verdict if len(reviewed) >= minimum else "incomplete"
    return ReviewSummary(len(items), len(reviewed), passed, minimum, rate, verdict)
