"""One call that the CLI, the demo and the API share: audit, write the sample, judge, write the reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tongzhou.corpus.audit import AuditResult, run_audit
from tongzhou.corpus.automaton import KeywordScanner
from tongzhou.corpus.contract import CorpusReport
from tongzhou.corpus.keywords import check_coverage, load_library
from tongzhou.corpus.profile import load_profile
from tongzhou.corpus.report import build_report, write_html, write_json
from tongzhou.corpus.review import read_sample, summarize_review, write_sample
from tongzhou.corpus.unit import AuditSettings


@dataclass
class AuditOutcome:
    """Where the artefacts went, and the report itself."""

    report: CorpusReport
    """The JSON-ready report."""
    result: AuditResult
    """Merged figures."""
    json_path: Path
    """corpus-audit.json."""
    html_path: Path
    """corpus-audit.html."""
    sample_path: Path | None
    """sample.jsonl (None when the sample size is 0)."""


def audit_to_dir(
    paths: list[str | Path],
    out_dir: str | Path,
    keywords: str | Path | None = None,
    profile_path: str | Path | None = None,
    settings: AuditSettings | None = None,
    workers: int = 1,
    ray_address: str | None = None,
    review_file: str | Path | None = None,
    backend: str = "auto",
    scanner: KeywordScanner | None = None,
) -> AuditOutcome:
    """Audit ``paths``; write ``corpus-audit.json``, ``corpus-audit.html``, ``sample.jsonl`` to ``out_dir``.

    ``review_file``: a sampling file with a reviewer's verdicts, judged as the manual-sampling rule.
    """
    profile = load_profile(profile_path)
    reviewed = read_sample(review_file)[1] if review_file else None  # a bad file fails before the audit
    library = scanner.library if scanner else load_library(keywords)
    settings = settings or AuditSettings()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = run_audit(
        paths, library, settings, workers=workers, ray_address=ray_address, backend=backend, scanner=scanner
    )
    sample_path = None
    if settings.sample_size > 0:
        sample_path = out / "sample.jsonl"
        header = {
            "corpus": [str(p) for p in paths],
            "seed": settings.seed,
            "size": len(result.sample),
            "requested": settings.sample_size,
            "profile": profile.id,
            "method": "bottom-k of keyed BLAKE2b(seed, item id): a uniform random sample without replacement",
        }
        write_sample(sample_path, result.sample, header)
    review = summarize_review(reviewed, profile) if reviewed is not None else None
    report = build_report(
        result,
        library,
        profile,
        check_coverage(library, profile),
        review,
        str(sample_path) if sample_path else None,
    )
    json_path = out / "corpus-audit.json"
    html_path = out / "corpus-audit.html"
    write_json(report, json_path)
    write_html(report, html_path)
    return AuditOutcome(report, result, json_path, html_path, sample_path)
