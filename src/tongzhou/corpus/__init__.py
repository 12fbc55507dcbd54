"""Data security of training corpora (数据安全): keyword sampling, personal information, duplicates,
statistics and a reviewed random sample, judged against a corpus profile (docs/corpus.md).

The entry point is :func:`audit_to_dir` (what ``tongzhou corpus audit`` runs); the report it writes
has the type :class:`CorpusReport`. Names load on first use, so importing the package (as evaluate's
PII check does) does not pull numpy, numba or the automaton in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongzhou.lazy_names import lazy_names

if TYPE_CHECKING:
    from tongzhou.corpus.audit import AuditResult, run_audit
    from tongzhou.corpus.automaton import KeywordScanner
    from tongzhou.corpus.contract import CorpusReport
    from tongzhou.corpus.keywords import KeywordLibrary, load_library
    from tongzhou.corpus.pii import find_pii, redact
    from tongzhou.corpus.profile import CorpusProfile, load_profile
    from tongzhou.corpus.report import build_report, render_html
    from tongzhou.corpus.unit import AuditSettings
    from tongzhou.corpus.workflow import AuditOutcome, audit_to_dir

__all__ = [
    "AuditOutcome",
    "AuditResult",
    "AuditSettings",
    "CorpusProfile",
    "CorpusReport",
    "KeywordLibrary",
    "KeywordScanner",
    "audit_to_dir",
    "build_report",
    "find_pii",
    "load_library",
    "load_profile",
    "redact",
    "render_html",
    "run_audit",
]

_HOMES = {
    "AuditOutcome": "tongzhou.corpus.workflow",
    "AuditResult": "tongzhou.corpus.audit",
    "AuditSettings": "tongzhou.corpus.unit",
    "CorpusProfile": "tongzhou.corpus.profile",
    "CorpusReport": "tongzhou.corpus.contract",
    "KeywordLibrary": "tongzhou.corpus.keywords",
    "KeywordScanner": "tongzhou.corpus.automaton",
    "audit_to_dir": "tongzhou.corpus.workflow",
    "build_report": "tongzhou.corpus.report",
    "find_pii": "tongzhou.corpus.pii",
    "load_library": "tongzhou.corpus.keywords",
    "load_profile": "tongzhou.corpus.profile",
    "redact": "tongzhou.corpus.pii",
    "render_html": "tongzhou.corpus.report",
    "run_audit": "tongzhou.corpus.audit",
}


__getattr__ = lazy_names(__name__, _HOMES)
