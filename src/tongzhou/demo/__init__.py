"""The main job (`make run` → `tongzhou demo`): each feature adds a step that runs on the embedded default.

A step is a function ``(ctx: DemoContext) -> None`` in one module of this package per mechanism,
named by import path in :data:`DEMO_STEPS`. Each path names its feature (systems, evaluate, energy,
attest, gateway, labels, corpus, threats), so ``tongzhou demo --only <feature>`` picks it. The core
packages never import this package; it imports them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from tongzhou.store import Store

# "module:function" — in the order they run. One line per feature.
DEMO_STEPS: list[str] = [
    "tongzhou.demo.classification_step:register_and_classify_systems",  # the bundled example systems
    "tongzhou.demo.evaluation_step:evaluate_bundled_model",  # risk testing: SmolLM2, quick GB/T 45654 subset
    "tongzhou.demo.energy_step:measure_energy",  # after evaluation: measures a generation, the run's energy
    "tongzhou.demo.attestation_step:attest_latest_run",  # after evaluation: signs and renders its run
    "tongzhou.demo.emergency_halt_step:halt_through_gateway",  # gateway in front of SmolLM2, halt, audit
    "tongzhou.demo.labelling_step:add_and_verify_labels",  # traceability: GB 45438 + C2PA labels, verified
    "tongzhou.demo.corpus_audit_step:audit_corpus",  # data security: a generated zh/en corpus audited
    "tongzhou.demo.threat_sharing_step:share_threats",  # sharing: ATLAS, incident + Art. 73 deadline, TAXII
]


@dataclass
class DemoContext:
    """What every demo step gets."""

    store: Store
    """The open store (SQLite in TONGZHOU_HOME by default)."""
    console: Console
    """Where to print for people."""
    out_dir: Path
    """Where to write artefacts (reports, labelled files)."""


def resolve_step(path: str) -> Callable[[DemoContext], None]:
    """Import ``module:function``."""
    module_name, _, func_name = path.partition(":")
    step: Callable[[DemoContext], None] = getattr(importlib.import_module(module_name), func_name)
    return step


@dataclass(frozen=True)
class StepFailure:
    """A demo step that raised: the demo reports it, runs the remaining steps, and exits non-zero."""

    step: str
    """``module:function`` of the step."""
    error: Exception
    """What it raised (a :class:`~tongzhou.errors.BackendCrashError` when a native library died)."""


def run_demo(ctx: DemoContext, only: list[str] | None = None) -> list[StepFailure]:
    """Run every registered step (or those whose path contains one of ``only``); return the failed ones.

    A step that fails is reported at once and the others still run: one broken backend (say, a model
    runtime that crashed on this CPU) must not hide whether labels, threats or the gateway work.
    """
    failures: list[StepFailure] = []
    for path in DEMO_STEPS:
        if only and not any(o in path for o in only):
            continue
        ctx.console.rule(f"[bold]{path}")
        try:
            resolve_step(path)(ctx)
        except Exception as exc:
            failures.append(StepFailure(path, exc))
            ctx.console.print(
                f"[bold red]step failed / 步骤失败:[/] {path}: {type(exc).__name__}: {exc}", highlight=False
            )
    return failures
