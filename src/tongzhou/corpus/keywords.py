"""The keyword library as data: entries with risk code, language and match mode; coverage checks.

Files: JSON Lines (optionally ``.gz``) with one object per entry
``{"keyword": str, "risk": "A.1.4", "language": "zh"|"en", "mode": "substring"|"word", "origin": str}``,
or CSV with the header ``keyword,risk,language,mode``. The library carries a header line
``{"library": {...}}`` (name, version, built date) when it was written by :func:`save_library`.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tongzhou.atomic_file import write_bytes_atomic
from tongzhou.corpus.normalize import normalize_text
from tongzhou.corpus.profile import CorpusProfile
from tongzhou.corpus.readers import json_lines
from tongzhou.errors import InputError

MATCH_MODES = ("substring", "word")
"""``substring``: matched after normalisation (separators removed) anywhere in an item.
``word``: case/width folded, separators kept, ASCII word boundaries required (short English words)."""

DEFAULT_LIBRARY = "data/keywords-gbt45654.jsonl.gz"


@dataclass(frozen=True)
class KeywordEntry:
    """One keyword of the library."""

    keyword: str
    """The keyword as written (simplified Chinese for ``zh``)."""
    risk: str
    """GB/T 45654 Annex A risk code, e.g. ``A.1.4``."""
    language: str
    """``zh`` or ``en``."""
    mode: str = "substring"
    """Match mode, one of :data:`MATCH_MODES`."""
    origin: str = ""
    """How the entry was made (``seed``, ``compound:<template>``, or the user's note)."""


@dataclass
class KeywordLibrary:
    """An ordered list of entries plus metadata; entry index = keyword id in scan results."""

    entries: list[KeywordEntry]
    """The entries (no two with the same normalised keyword, risk and mode)."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Name, version, build date, sources."""

    def __len__(self) -> int:
        return len(self.entries)

    def by_risk(self) -> Counter[str]:
        """Entry count per risk code."""
        return Counter(e.risk for e in self.entries)


def _entry(obj: dict[str, Any], where: str) -> KeywordEntry:
    try:
        kw = str(obj["keyword"]).strip()
        risk = str(obj["risk"]).strip()
    except (KeyError, TypeError) as exc:
        raise InputError.of("{where}: a keyword entry needs 'keyword' and 'risk'", where=where) from exc
    mode = str(obj.get("mode") or "substring")
    if mode not in MATCH_MODES:
        raise InputError(f"{where}: unknown match mode {mode!r} (use one of {', '.join(MATCH_MODES)})")
    lang = str(obj.get("language") or ("zh" if any(ord(c) > 0x2E80 for c in kw) else "en"))
    if not normalize_text(kw):
        raise InputError.of("{where}: keyword {kw!r} is empty after normalisation", where=where, kw=kw)
    return KeywordEntry(kw, risk, lang, mode, str(obj.get("origin") or ""))


def load_library(path: str | Path | None = None) -> KeywordLibrary:
    """Load a library file (JSONL, JSONL.gz or CSV); ``None`` loads the bundled GB/T 45654 library."""
    if path is None:
        raw = resources.files("tongzhou.corpus").joinpath(DEFAULT_LIBRARY).read_bytes()
        name = DEFAULT_LIBRARY
    else:
        name = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read keyword library {path}: {exc}") from exc
    try:
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputError(f"keyword library {name} is not UTF-8 text (or a corrupt gzip): {exc}") from exc
    entries: list[KeywordEntry] = []
    meta: dict[str, Any] = {}
    if name.endswith(".csv"):
        for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            entries.append(_entry(row, f"{name}:{i}"))
    else:
        for i, obj in json_lines(text, name):
            if isinstance(obj, dict) and "library" in obj and "keyword" not in obj:
                meta = dict(obj["library"])
                continue
            if not isinstance(obj, dict):
                raise InputError(f"{name}:{i}: expected a JSON object")
            entries.append(_entry(obj, f"{name}:{i}"))
    if not entries:
        raise InputError.of("keyword library {name} has no entries", name=name)
    return KeywordLibrary(entries, meta)


def save_library(library: KeywordLibrary, path: str | Path) -> None:
    """Write JSONL (gzip when the name ends in ``.gz``, deterministic bytes); atomic (temp + rename)."""
    lines = [json.dumps({"library": library.meta}, ensure_ascii=False, sort_keys=True)]
    lines += [json.dumps(asdict(e), ensure_ascii=False, sort_keys=True) for e in library.entries]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    target = Path(path)
    if target.name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=9, mtime=0)
    write_bytes_atomic(target, data)


@dataclass(frozen=True)
class CoverageFinding:
    """One line of the coverage report."""

    rule: str
    """What is checked, e.g. ``min_total`` or ``A.1.4``."""
    required: int
    """Minimum the standard asks for."""
    actual: int
    """What the library has."""
    passed: bool
    """Whether the rule holds (``actual >= required``; for ``max_age_days``, ``actual <= required``)."""


def check_coverage(library: KeywordLibrary, profile: CorpusProfile) -> list[CoverageFinding]:
    """Coverage against the profile's ``keyword_library`` rule: total and per-risk minimums.

    Counts distinct normalised keywords per risk (a keyword written twice counts once).
    """
    rule = profile.rule("keyword_library")
    distinct: dict[str, set[str]] = {}
    for e in library.entries:
        distinct.setdefault(e.risk, set()).add(normalize_text(e.keyword))
    total = len({(r, k) for r, ks in distinct.items() for k in ks})
    findings = [CoverageFinding("min_total", int(rule["min_total"]), total, total >= int(rule["min_total"]))]
    for category, minimum in rule["min_per_risk"].items():
        for code in profile.risks_in(str(category)):
            n = len(distinct.get(code, ()))
            findings.append(CoverageFinding(code, int(minimum), n, n >= int(minimum)))
    built = library.meta.get("built")
    if built and "max_age_days" in rule:
        try:
            age = (dt.date.today() - dt.date.fromisoformat(str(built))).days
            findings.append(
                CoverageFinding(
                    "max_age_days", int(rule["max_age_days"]), age, age <= int(rule["max_age_days"])
                )
            )
        except ValueError:
            pass
    return findings
