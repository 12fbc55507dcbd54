"""The main job (`make run` → `tongzhou demo`): each feature adds a step that runs on the embedded default.

A step is a function ``step(ctx: DemoContext) -> None`` named by import path in :data:`DEMO_STEPS`.
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
    "tongzhou.systems.demo:register_and_classify",
    "tongzhou.evaluate.demo_step:step",  # risk testing: SmolLM2 on a quick GB/T 45654 subset, CIs, verdicts
    "tongzhou.energy.demo:step",  # after the evaluate step: measures a generation, reports the run's energy
    "tongzhou.attest.demo:sign_latest_run",  # after the evaluate step: signs and renders its run
    "tongzhou.gateway.demo_step:run_gateway_demo",  # deployment: gateway in front of SmolLM2, halt, audit
    "tongzhou.labels.demo:step",  # traceability: GB 45438 + C2PA labels on sample outputs, verified
    "tongzhou.corpus.demo:step",  # data security: audit a generated zh/en corpus (keywords, PII, duplicates)
    "tongzhou.threats.demo_step:threats_step",  # sharing: ATLAS, incident + Art. 73 deadline, TAXII
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


def run_demo(ctx: DemoContext, only: list[str] | None = None) -> None:
    """Run every registered step (or those whose path contains one of ``only``)."""
    for path in DEMO_STEPS:
        if only and not any(o in path for o in only):
            continue
        ctx.console.rule(f"[bold]{path}")
        resolve_step(path)(ctx)
