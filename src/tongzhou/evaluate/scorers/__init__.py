"""Scorers: bilingual refusal detection, a keyword-library content screen, and an LLM judge."""

from tongzhou.evaluate.scorers.content import KeywordContentScorer, classify_content, scan
from tongzhou.evaluate.scorers.judge import JudgeScorer, parse_verdict
from tongzhou.evaluate.scorers.refusal import RefusalResult, RefusalScorer, detect_refusal

__all__ = [
    "JudgeScorer",
    "KeywordContentScorer",
    "RefusalResult",
    "RefusalScorer",
    "classify_content",
    "detect_refusal",
    "parse_verdict",
    "scan",
]
