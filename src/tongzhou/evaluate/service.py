"""The synchronous entry point the CLI, the demo and other modules call: run one evaluation, measured."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from tongzhou.evaluate import storage
from tongzhou.evaluate.bank import Bank, resolve_suite
from tongzhou.evaluate.models.base import ModelAdapter
from tongzhou.evaluate.run_options import RunOptions, RunResult
from tongzhou.evaluate.runner import run_async
from tongzhou.evaluate.standards import StandardProfile, load_profile
from tongzhou.store import Store


@contextlib.contextmanager
def _energy_window(name: str) -> Iterator[Any]:
    """``tongzhou.energy.measure`` when the energy module is installed, else nothing (energy stays null)."""
    try:
        from tongzhou.energy import measure
    except ImportError:
        yield None
        return
    with measure(name) as window:
        yield window


def load_banks(suites: Sequence[str]) -> list[Bank]:
    """Banks for every suite reference, refusing the same bank id twice."""
    banks: list[Bank] = []
    for ref in suites:
        banks.extend(resolve_suite(ref))
    ids = [b.id for b in banks]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        from tongzhou.errors import InputError

        raise InputError(f"bank id(s) given twice: {', '.join(dupes)}")
    return banks


def run_evaluation(
    store: Store,
    model: ModelAdapter,
    suites: Sequence[str] | Sequence[Bank],
    profile: str | StandardProfile = "gbt45654",
    options: RunOptions | None = None,
    *,
    run_id: str | None = None,
    console: Console | None = None,
    scorers: dict[str, Any] | None = None,
    model_ref: str | None = None,
) -> RunResult:
    """Evaluate ``model`` on the banks of ``suites`` under ``profile``; returns what happened.

    Pass the id of an earlier run as ``run_id`` to resume it. The model is closed afterwards. The
    run is wrapped in ``tongzhou.energy.measure`` (when available) and its window stored with the run.
    """
    banks = [s for s in suites if isinstance(s, Bank)] or load_banks([str(s) for s in suites])
    refs = [str(s) for s in suites if not isinstance(s, Bank)]
    prof = profile if isinstance(profile, StandardProfile) else load_profile(profile)

    async def _go() -> RunResult:
        try:
            return await run_async(
                store,
                model,
                banks,
                prof,
                options,
                run_id=run_id,
                console=console,
                scorers=scorers,
                suite_refs=refs,
                model_ref=model_ref,
            )
        finally:
            await model.aclose()
            for scorer in (scorers or {}).values():
                judge = getattr(scorer, "judge", None)
                if judge is not None:
                    await judge.aclose()

    with _energy_window("eval-run") as window:
        result = asyncio.run(_go())
    if window is not None:
        window.record(tokens=result.tokens or None, queries=result.queried or None)
        energy = window.to_dict()
        result.energy = energy
        storage.finish_run(
            store, result.run_id, status=result.status, errors=result.errors, energy=energy, finished=False
        )
    return result


@dataclass(frozen=True)
class ResumeSettings:
    """What an interrupted run was started with, so that resuming it asks the same questions."""

    model_ref: str | None
    suites: list[str] | None
    limit: int | None
    seed: int
    profile: StandardProfile
    parameters: dict[str, Any]


def resume_settings(store: Store, run_id: str) -> ResumeSettings:
    """The stored settings of run ``run_id``; :class:`InputError` when there is no such run."""
    from tongzhou.errors import InputError

    previous = storage.get_run(store, run_id)
    if previous is None:
        raise InputError(f"no run {run_id!r} to resume")
    cfg = previous.config
    stored = previous.profile
    return ResumeSettings(
        model_ref=cfg.get("model_ref"),
        suites=cfg.get("suites") or cfg.get("bank_paths"),
        limit=cfg.get("limit"),
        seed=int(cfg.get("seed", 0)),
        profile=StandardProfile(
            id=stored["id"], version=stored["version"], source=stored["source"], data=stored["data"]
        ),
        parameters=dict(previous.model.get("parameters") or {}),
    )
