"""Scale-out on a Ray cluster with Ray Data: one dataset row per work unit, audited by an actor pool.

Each actor receives the compiled keyword automaton once (constructor argument) and audits the units it
is handed with the same :func:`tongzhou.corpus.unit.process_unit` as the local path; results come back
as pickled :class:`~tongzhou.corpus.partial.UnitResult` s and merge exactly like local ones, so the
counts are identical. Every node must be able to read the corpus paths (shared or replicated storage),
and, with ``--redact-out``, write to the redaction directory.
"""

from __future__ import annotations

import pickle
from typing import Any

from tongzhou.corpus.automaton import KeywordScanner
from tongzhou.corpus.partial import UnitResult
from tongzhou.corpus.readers import WorkUnit
from tongzhou.corpus.unit import AuditSettings, process_unit
from tongzhou.errors import InputError


class _AuditActor:
    """Ray Data callable class: compiled scanner kept for the actor's life."""

    def __init__(self, scanner_blob: bytes, settings: AuditSettings) -> None:
        self.scanner: KeywordScanner = pickle.loads(scanner_blob)
        self.settings = settings

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        unit: WorkUnit = pickle.loads(row["unit"])
        result = process_unit(unit, int(row["index"]), self.settings, self.scanner)
        return {"index": int(row["index"]), "result": pickle.dumps(result)}


def ray_results(
    units: list[WorkUnit], settings: AuditSettings, scanner: KeywordScanner, address: str, workers: int
) -> list[UnitResult]:
    """Audit ``units`` on Ray (``address``: ``local`` starts a local instance; ``auto`` or ``ray://host:port``
    joins a cluster; an already initialised Ray is reused)."""
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise InputError("--ray needs Ray Data: pip install 'ray[data]'") from exc
    started_here = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address == "local":
            ray.init(num_cpus=max(1, workers), **kwargs)
        else:
            ray.init(address=address, **kwargs)
        started_here = True
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        concurrency = max(
            1, min(workers if workers > 0 else int(ray.cluster_resources().get("CPU", 1)), len(units))
        )
        rows = [{"index": i, "unit": pickle.dumps(u)} for i, u in enumerate(units)]
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))
        out = ds.map(
            _AuditActor,  # type: ignore[arg-type]  # Ray accepts a callable class (actor pool)
            fn_constructor_args=(pickle.dumps(scanner), settings),
            concurrency=concurrency,
            num_cpus=1,
        ).take_all()
        return [pickle.loads(r["result"]) for r in sorted(out, key=lambda r: r["index"])]
    finally:
        if started_here:
            ray.shutdown()
