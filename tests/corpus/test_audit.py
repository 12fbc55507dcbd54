"""An audit of a generated corpus reports exactly what was planted: keywords, risks, PII, duplicates."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import opencc
import pytest

from tests.corpus.conftest import SOURCES, source_paths
from tongzhou.corpus.audit import AuditResult, run_audit
from tongzhou.corpus.automaton import KeywordScanner
from tongzhou.corpus.keywords import KeywordLibrary
from tongzhou.corpus.normalize import normalize_text
from tongzhou.corpus.pii import find_pii
from tongzhou.corpus.synthetic import PlantLog
from tongzhou.corpus.unit import AuditSettings


@pytest.fixture(scope="module")
def audited(planted_corpus: tuple[Path, PlantLog], scanner: KeywordScanner) -> AuditResult:
    root, _ = planted_corpus
    return run_audit(source_paths(root), settings=AuditSettings(sample_size=200, seed=1), scanner=scanner)


def reference_risks(text: str, library: KeywordLibrary) -> set[str]:
    """Naive reference: every entry whose normalised form is inside the normalised (simplified) text."""
    simplified = normalize_text(opencc.OpenCC("t2s").convert(text))
    folded = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in text).lower()
    risks = set()
    for e in library.entries:
        if (
            e.mode == "substring"
            and normalize_text(e.keyword) in simplified
            or e.mode == "word"
            and re.search(rf"\b{re.escape(e.keyword.lower())}\b", folded, re.ASCII)
        ):
            risks.add(e.risk)
    return risks


def test_items_and_flagged_items_per_source_are_exact(
    audited: AuditResult, planted_corpus: tuple[Path, PlantLog]
) -> None:
    _, log = planted_corpus
    for name, n in SOURCES.items():
        assert audited.sources[name].tally.items == n
        assert audited.sources[name].tally.flagged_items == log.keyword_items[name], name
    assert audited.total.tally.flagged_items == sum(log.keyword_items.values()) > 30


def test_items_per_risk_match_a_naive_reference(
    audited: AuditResult, planted_corpus: tuple[Path, PlantLog], library: KeywordLibrary
) -> None:
    _, log = planted_corpus
    expected: Counter[str] = Counter()
    for text in log.planted:
        expected.update(reference_risks(text, library))
    assert dict(audited.total.tally.risk_items) == dict(expected)


def test_every_evasion_style_was_planted_and_caught(
    audited: AuditResult, planted_corpus: tuple[Path, PlantLog], library: KeywordLibrary
) -> None:
    _, log = planted_corpus
    styles = Counter(style for plants in log.planted.values() for _, style in plants)
    assert set(styles) == {"plain", "fullwidth", "spaced", "symbols", "upper", "traditional"}
    # Each planted keyword is counted in at least as many items as it was planted in, whatever the style.
    found = Counter({library.entries[e].keyword: n for e, n in audited.total.tally.entry_items.items()})
    planted_keywords = Counter(k for plants in log.planted.values() for k, _ in plants)
    for keyword, n in planted_keywords.items():
        assert found[keyword] >= n, keyword


def test_personal_information_counts_are_exact(
    audited: AuditResult, planted_corpus: tuple[Path, PlantLog]
) -> None:
    _, log = planted_corpus
    assert dict(audited.total.tally.pii_counts) == dict(log.pii)
    assert audited.total.tally.pii_items == log.pii_items


def test_duplicates_are_exact(audited: AuditResult, planted_corpus: tuple[Path, PlantLog]) -> None:
    _, log = planted_corpus
    assert audited.total.exact_duplicates == log.exact_duplicates > 5
    assert audited.total.near_duplicates == log.exact_duplicates + log.near_duplicates
    assert sum(s.near_duplicates for s in audited.sources.values()) == audited.total.near_duplicates


def test_language_mix_and_lengths(audited: AuditResult) -> None:
    langs = audited.total.tally.languages
    assert set(langs) == {"zh", "en"} and sum(langs.values()) == sum(SOURCES.values())
    assert int(audited.total.tally.length_hist.sum()) == sum(SOURCES.values())


def test_workers_do_not_change_any_number(
    audited: AuditResult, planted_corpus: tuple[Path, PlantLog], scanner: KeywordScanner
) -> None:
    root, _ = planted_corpus
    two = run_audit(
        source_paths(root), settings=AuditSettings(sample_size=200, seed=1), scanner=scanner, workers=2
    )
    for name in SOURCES:
        a, b = audited.sources[name], two.sources[name]
        assert (
            a.tally.items,
            a.tally.flagged_items,
            a.tally.risk_items,
            a.tally.pii_counts,
            a.near_duplicates,
        ) == (b.tally.items, b.tally.flagged_items, b.tally.risk_items, b.tally.pii_counts, b.near_duplicates)
    assert [i["item_id"] for i in two.sample] == [i["item_id"] for i in audited.sample]


def test_sample_is_seeded_uniform_and_annotated(
    audited: AuditResult, planted_corpus: tuple[Path, PlantLog], scanner: KeywordScanner
) -> None:
    root, _ = planted_corpus
    assert len(audited.sample) == 200 and len({i["item_id"] for i in audited.sample}) == 200
    assert {i["source"] for i in audited.sample} == set(SOURCES)
    other = run_audit(
        source_paths(root), settings=AuditSettings(sample_size=200, seed=2, dedup=False), scanner=scanner
    )
    assert {i["item_id"] for i in other.sample} != {i["item_id"] for i in audited.sample}
    flagged = [i for i in audited.sample if i["keywords"]]
    assert all(i["risks"] for i in flagged)


def test_redacted_copy_holds_no_identifier(
    tmp_path: Path, planted_corpus: tuple[Path, PlantLog], scanner: KeywordScanner
) -> None:
    root, log = planted_corpus
    out = tmp_path / "redacted"
    result = run_audit(
        source_paths(root),
        settings=AuditSettings(sample_size=0, dedup=False, redact_dir=str(out)),
        scanner=scanner,
        workers=2,
    )
    assert sorted(Path(p).name for p in result.redacted) == sorted(f"{s}.redacted.jsonl" for s in SOURCES)
    lines = [json.loads(line) for p in result.redacted for line in Path(p).read_text("utf-8").splitlines()]
    assert len(lines) == sum(SOURCES.values())
    assert all(find_pii(r["text"]) == [] for r in lines)
    tags = Counter(m for r in lines for m in re.findall(r"\[([A-Z_0-9]+)\]", r["text"]))
    assert {k.lower(): v for k, v in tags.items()} == dict(log.pii)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_redacted_output_that_fails_midway_leaves_no_temporary_file(tmp_path: Path) -> None:
    """A part file that vanished mid-assembly: the error propagates, no half output, no temp file left."""
    import numpy as np

    from tongzhou.corpus.audit import _assemble_redacted
    from tongzhou.corpus.partial import SourceTally, UnitResult

    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "0.part").write_bytes(b'{"text": "first"}\n')

    def unit(index: int, part: Path) -> UnitResult:
        empty = np.zeros(0, dtype=np.uint64)
        return UnitResult(index, "news", SourceTally(), empty, empty, [], str(part))

    with pytest.raises(FileNotFoundError):
        _assemble_redacted([unit(0, parts / "0.part"), unit(1, parts / "missing.part")], ["news"], str(parts))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parts"]
