"""The corpus audit report as a type: the JSON document ``tongzhou corpus audit`` writes (schema
``tongzhou.corpus-audit/1``), attest can sign, and the HTML page renders (docs/corpus.md).

``TypedDict`` s, so the report stays a plain JSON object (its canonical form and any signature over it
unchanged) while mypy checks its readers; the JSON schema ``docs/schemas/corpus-report.schema.json``
is generated from them (``scripts/generate_schemas.py``).
"""

from __future__ import annotations

from typing import NotRequired

from typing_extensions import TypedDict

__all__ = ["CorpusReport", "RateVerdictEntry", "SourceReport"]


class RateVerdictEntry(TypedDict):
    """A rate with its Wilson interval and verdict against a threshold (``RateVerdict.to_dict``)."""

    value: float
    successes: int
    n: int
    ci_low: float
    ci_high: float
    method: str
    op: str
    threshold: float
    verdict: str


class TopKeyword(TypedDict):
    keyword: str
    risk: str
    items: int


class PiiCounts(TypedDict):
    items_with_pii: int
    by_kind: dict[str, int]


class LengthStats(TypedDict):
    mean_chars: float
    median_bucket: int
    p90_bucket: int
    histogram: list[int]


class Duplicates(TypedDict):
    exact: int
    near: int
    near_rate: float


class Diversity(TypedDict):
    distinct_characters: int
    character_entropy_bits: float
    language_simpson: float
    unique_item_rate: float


class SourceReport(TypedDict):
    """The figures of one source (and of the whole corpus, ``totals``)."""

    name: str
    items: int
    bytes: int
    characters: int
    malformed_lines: int
    keyword_flagged_items: int
    flagged_rate: RateVerdictEntry
    blacklisted: bool
    risk_items: dict[str, int]
    top_keywords: list[TopKeyword]
    pii: PiiCounts
    languages: dict[str, int]
    length: LengthStats
    duplicates: Duplicates
    diversity: Diversity


class KeywordSamplingVerdict(TypedDict):
    fraction_checked: float
    min_fraction: float
    pass_rate: RateVerdictEntry
    verdict: str
    source: str


class SourceBlacklistVerdict(TypedDict):
    threshold: float
    blacklisted: list[str]
    inconclusive: list[str]
    verdict: str
    source: str


class ManualSamplingVerdict(TypedDict):
    """Either the reviewed sampling file's summary (``ReviewSummary.to_dict`` + source) or ``pending``."""

    verdict: str
    min_items: int
    sample_size: NotRequired[int]
    reviewed: NotRequired[int]
    passed: NotRequired[int]
    pass_rate: NotRequired[RateVerdictEntry]
    source: NotRequired[str]
    sample_file: NotRequired[str | None]
    note: NotRequired[str]


class CoverageEntry(TypedDict):
    rule: str
    required: int
    actual: int
    passed: bool


class KeywordLibraryVerdict(TypedDict):
    verdict: str
    findings: list[CoverageEntry]
    source: str


class Verdicts(TypedDict):
    keyword_sampling: KeywordSamplingVerdict
    source_blacklist: SourceBlacklistVerdict
    manual_sampling: ManualSamplingVerdict
    keyword_library: KeywordLibraryVerdict


class Software(TypedDict):
    name: str
    version: str


class ProfileRef(TypedDict):
    id: str
    version: str
    source: str


class LibraryRef(TypedDict):
    name: str
    built: str | None
    entries: int


class ScanFigures(TypedDict):
    engine: str
    workers: int
    units: int
    automaton: str
    elapsed_s: float
    sample_size: int
    seed: int
    dedup: bool


class CorpusReport(TypedDict):
    """The audit report of one corpus."""

    schema: str
    artefact: str
    generated_at: str
    software: Software
    profile: ProfileRef
    library: LibraryRef
    scan: ScanFigures
    totals: SourceReport
    sources: list[SourceReport]
    verdicts: Verdicts
    sample_file: str | None
    redacted_files: list[str]
