"""Risk testing and evaluation (GB/T 45654): adapters, banks, scorers, runner, standard profiles.

The public surface:

* :func:`run_evaluation` — evaluate a model on banks under a standard profile (resumable, cached)
* :func:`run_summary` / :func:`latest_run_id` — the run summary other modules consume (its type:
  :class:`RunSummary`)
* :func:`resume_settings` — what an interrupted run was started with
* :func:`model_from_ref`, :class:`GgufChatModel`, :class:`OpenAIChatModel`, :class:`CallableChatModel`
* :func:`load_profile`, :func:`resolve_suite`, :func:`check_coverage`, :func:`detect_refusal`
"""

from tongzhou.evaluate.bank import Bank, BankItem, check_coverage, draw_sample, load_bank, resolve_suite
from tongzhou.evaluate.contract import RunSummary
from tongzhou.evaluate.models import (
    CallableChatModel,
    GgufChatModel,
    ModelInfo,
    OpenAIChatModel,
    model_from_ref,
)
from tongzhou.evaluate.run_options import RunOptions, RunResult, cache_key
from tongzhou.evaluate.scorers import detect_refusal
from tongzhou.evaluate.service import ResumeSettings, load_banks, resume_settings, run_evaluation
from tongzhou.evaluate.standards import StandardProfile, load_profile
from tongzhou.evaluate.stats import wilson_interval
from tongzhou.evaluate.summary import latest_run_id, run_summary

__all__ = [
    "Bank",
    "BankItem",
    "CallableChatModel",
    "GgufChatModel",
    "ModelInfo",
    "OpenAIChatModel",
    "ResumeSettings",
    "RunOptions",
    "RunResult",
    "RunSummary",
    "StandardProfile",
    "cache_key",
    "check_coverage",
    "detect_refusal",
    "draw_sample",
    "latest_run_id",
    "load_bank",
    "load_banks",
    "load_profile",
    "model_from_ref",
    "resolve_suite",
    "resume_settings",
    "run_evaluation",
    "run_summary",
    "wilson_interval",
]
