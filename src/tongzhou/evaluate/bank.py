"""Test banks as JSONL data: loading, validation, coverage against a profile, and seeded sampling."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError
from tongzhou.evaluate.contract import BankSummary
from tongzhou.evaluate.models.base import Message
from tongzhou.evaluate.standards import StandardProfile, risk_taxonomy

SUITES_DIR = Path(__file__).parent / "suites"
BUILTIN_SUITES: dict[str, list[str]] = {
    "gbt45654": ["should-refuse", "should-not-refuse", "generated-content"],
}
"""Suite names that stand for several built-in banks."""
EXPECTED = ("refuse", "answer", "safe")
LANGUAGES = ("zh", "en")
MAX_LINE_BYTES = 64 * 1024
MAX_BANK_BYTES = 64 * 1024 * 1024
REQUIRED_FIELDS = ("id", "language", "expected", "risk_code", "source", "licence")


@dataclass(frozen=True)
class BankItem:
    """One test item (one JSONL line)."""

    id: str
    language: str
    messages: list[Message]
    expected: str
    """``refuse``, ``answer`` or ``safe`` (safe content)."""
    risk_code: str
    """GB/T 45654 Annex A code (``A.1.4``) or a should-not-refuse topic (``topic.history``)."""
    sha256: str
    """``sha256:<hex>`` of the item's canonical line (sorted keys), bound into run summaries."""
    raw: dict[str, Any]


@dataclass(frozen=True)
class Bank:
    """A loaded bank: id (file stem), the file's digest and its items."""

    id: str
    path: Path
    sha256: str
    items: list[BankItem]

    def summary(self) -> BankSummary:
        """The ``banks[]`` entry of the run summary."""
        try:
            shown = str(self.path.relative_to(Path(__file__).parents[2]))
        except ValueError:
            shown = str(self.path)
        return {"id": self.id, "sha256": self.sha256, "items": len(self.items), "path": shown}


def _item(obj: Any, where: str) -> BankItem:
    if not isinstance(obj, dict):
        raise InputError(f"{where}: each line must be a JSON object")
    missing = [f for f in REQUIRED_FIELDS if f not in obj]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
    if obj["language"] not in LANGUAGES:
        raise InputError(f"{where}: language must be one of {LANGUAGES}, got {obj['language']!r}")
    if obj["expected"] not in EXPECTED:
        raise InputError(f"{where}: expected must be one of {EXPECTED}, got {obj['expected']!r}")
    if ("prompt" in obj) == ("messages" in obj):
        raise InputError(f"{where}: give exactly one of 'prompt' or 'messages'")
    if "prompt" in obj:
        if not isinstance(obj["prompt"], str) or not obj["prompt"].strip():
            raise InputError(f"{where}: prompt must be a non-empty string")
        messages: list[Message] = [{"role": "user", "content": obj["prompt"]}]
    else:
        msgs = obj["messages"]
        if (
            not isinstance(msgs, list)
            or not msgs
            or not all(
                isinstance(m, dict)
                and isinstance(m.get("content"), str)
                and m.get("role") in ("system", "user", "assistant")
                for m in msgs
            )
        ):
            raise InputError(f"{where}: messages must be a non-empty list of {{role, content}}")
        messages = [{"role": m["role"], "content": m["content"]} for m in msgs]
    canonical = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return BankItem(
        id=str(obj["id"]),
        language=obj["language"],
        messages=messages,
        expected=obj["expected"],
        risk_code=str(obj["risk_code"]),
        sha256="sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        raw=obj,
    )


def load_bank(path: Path) -> Bank:
    """Read and validate a JSONL bank; errors name the line."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read bank {path}: {exc}") from exc
    if size > MAX_BANK_BYTES:
        raise InputError(f"bank {path} is {size} bytes; the limit is {MAX_BANK_BYTES}")
    data = path.read_bytes()
    items: list[BankItem] = []
    seen: set[str] = set()
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        if len(line) > MAX_LINE_BYTES:
            raise InputError(f"{where}: line longer than {MAX_LINE_BYTES} bytes")
        try:
            obj = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{where}: not valid UTF-8 JSON: {exc}") from exc
        item = _item(obj, where)
        if item.id in seen:
            raise InputError(f"{where}: duplicate item id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise InputError(f"bank {path} has no items")
    return Bank(id=path.stem, path=path, sha256="sha256:" + hashlib.sha256(data).hexdigest(), items=items)


def resolve_suite(ref: str) -> list[Bank]:
    """Banks for a suite name (``gbt45654``, ``should-refuse``…), a JSONL file, or a directory of them."""
    if ref in BUILTIN_SUITES:
        return [load_bank(SUITES_DIR / f"{name}.jsonl") for name in BUILTIN_SUITES[ref]]
    builtin = SUITES_DIR / f"{ref}.jsonl"
    if "/" not in ref and builtin.is_file():
        return [load_bank(builtin)]
    path = Path(ref).expanduser()
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise InputError(f"no *.jsonl banks in {path}")
        return [load_bank(p) for p in files]
    if path.is_file():
        return [load_bank(path)]
    names = sorted({*BUILTIN_SUITES, *(p.stem for p in SUITES_DIR.glob("*.jsonl"))})
    if path.suffix.lower() in (".jsonl", ".json") or "/" in ref:
        raise InputError.of("no such bank file: {path}", path=path)
    raise InputError(f"unknown suite {ref!r}: give a JSONL file, a directory, or one of {', '.join(names)}")


def draw_sample(bank: Bank, limit: int | None, seed: int) -> list[BankItem]:
    """A seeded random sample without replacement, stratified by risk code (proportional allocation).

    Every stratum gets ``floor(limit * share)`` items, and the remainder goes to the strata with the
    largest fractional parts (ties broken by the seeded shuffle), so small samples still spread over
    risks. ``limit=None`` or ``>= len`` returns the whole bank in file order.
    """
    if limit is None or limit >= len(bank.items):
        return list(bank.items)
    if limit <= 0:
        raise InputError("--limit must be positive")
    rng = random.Random(f"{seed}:{bank.id}")
    strata: dict[str, list[BankItem]] = defaultdict(list)
    for item in bank.items:
        strata[item.risk_code].append(item)
    codes = sorted(strata)
    rng.shuffle(codes)
    total = len(bank.items)
    quotas = {c: limit * len(strata[c]) / total for c in codes}
    take = {c: int(quotas[c]) for c in codes}
    remainder = limit - sum(take.values())
    for code in sorted(codes, key=lambda c: quotas[c] - take[c], reverse=True)[:remainder]:
        take[code] += 1
    chosen: set[str] = set()
    for code in codes:
        pool = sorted(strata[code], key=lambda i: i.id)
        chosen.update(i.id for i in rng.sample(pool, take[code]))
    return [item for item in bank.items if item.id in chosen]


@dataclass(frozen=True)
class CoverageReport:
    """How a bank measures against a profile's bank rule."""

    bank_id: str
    rule: str | None
    total: int
    min_total: int
    per_risk: dict[str, int]
    shortfalls: dict[str, tuple[int, int]]
    """risk → (have, need) for every risk below its minimum (missing risks have 0)."""
    by_language: dict[str, int]
    wrong_expected: int

    @property
    def meets(self) -> bool:
        """True when totals, every risk and the expected behaviour all satisfy the rule."""
        return (
            self.rule is not None
            and self.total >= self.min_total
            and not self.shortfalls
            and not self.wrong_expected
        )


def _rule_for(bank: Bank, profile: StandardProfile) -> tuple[str, dict[str, Any]] | None:
    rules = profile.bank_rules
    if bank.id in rules:
        return bank.id, rules[bank.id]
    kinds = Counter(i.expected for i in bank.items)
    expected = kinds.most_common(1)[0][0]
    for name, rule in rules.items():
        if rule.get("expected") == expected:
            return name, rule
    return None


def check_coverage(bank: Bank, profile: StandardProfile) -> CoverageReport:
    """Counts per risk and language, and what is missing against the profile's rule for this bank."""
    per_risk = Counter(i.risk_code for i in bank.items)
    by_language = Counter(i.language for i in bank.items)
    found = _rule_for(bank, profile)
    if found is None:
        return CoverageReport(bank.id, None, len(bank.items), 0, dict(per_risk), {}, dict(by_language), 0)
    name, rule = found
    risks = rule.get("risks")
    required = list(risk_taxonomy()["risks"]) if risks == "all" else list(risks or [])
    shortfalls: dict[str, tuple[int, int]] = {}
    for code in required:
        need = int(rule.get("min_per_risk", 0))
        for prefix, n in (rule.get("min_per_risk_prefix") or {}).items():
            if code.startswith(prefix):
                need = int(n)
        if per_risk.get(code, 0) < need:
            shortfalls[code] = (per_risk.get(code, 0), need)
    wrong = sum(1 for i in bank.items if i.expected != rule.get("expected"))
    return CoverageReport(
        bank.id,
        name,
        len(bank.items),
        int(rule.get("min_total", 0)),
        dict(per_risk),
        shortfalls,
        dict(by_language),
        wrong,
    )
