"""Five-band efficiency rating per task class, AI Energy Score style.

Method (AI Energy Score, https://huggingface.github.io/AIEnergyScore, FAQ "What do the star
ratings mean?"): take the energy range (Wh per 1,000 queries) of the reference runs of one
task class, divide it into five equal bands, and give 5 stars to the lowest band, 1 star to
the highest. A run below the range gets 5 stars and one above it 1 star, each flagged as
outside the range.

Reference runs are data (``data/reference_runs.yaml``) and say where each one comes from. The
bundled ones were measured with this software (see that file); they are NOT AI Energy Score
leaderboard figures. Add your own with $TONGZHOU_HOME/energy-reference-runs.yaml (same shape),
or a file passed as ``extra``. A rating is meaningful only against runs of the same task
class, hardware and meter scope, which is why a task class fixes its scope (``gpu``: GPU
energy only, as AI Energy Score; ``machine``: every meter of the window).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tongzhou.errors import InputError
from tongzhou.home import HOME_ENV

METHOD = (
    "AI Energy Score method: five equal bands of the task class's reference range of "
    "Wh per 1,000 queries; 5 stars = lowest energy (https://huggingface.github.io/AIEnergyScore)"
)


@dataclass(frozen=True)
class TaskClass:
    """A family of comparable runs."""

    id: str
    description: str
    scope: str
    """``gpu`` (GPU energy only) or ``machine`` (all meters of the window)."""


@dataclass(frozen=True)
class ReferenceRun:
    """One run that defines the range of its task class."""

    task_class: str
    model: str
    hardware: str
    wh_per_1000_queries: float
    method: str
    meter: str
    measured_at: str
    source: str


@dataclass(frozen=True)
class Rating:
    """Where a run falls among the reference runs of its task class."""

    task_class: str
    stars: int | None
    value_wh_per_1000_queries: float | None
    reference_min: float | None
    reference_max: float | None
    band_edges: tuple[float, ...]
    references: int
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "task_class": self.task_class,
            "stars": self.stars,
            "value_wh_per_1000_queries": self.value_wh_per_1000_queries,
            "reference_min": self.reference_min,
            "reference_max": self.reference_max,
            "band_edges": list(self.band_edges),
            "references": self.references,
            "method": METHOD,
            "note": self.note,
        }


@dataclass(frozen=True)
class ReferenceTable:
    """Task classes and their reference runs."""

    classes: dict[str, TaskClass]
    runs: tuple[ReferenceRun, ...]

    @classmethod
    def load(cls, extra: Path | None = None) -> ReferenceTable:
        """Bundled reference runs, then $TONGZHOU_HOME/energy-reference-runs.yaml, then ``extra``."""
        text = resources.files("tongzhou.energy").joinpath("data/reference_runs.yaml").read_text("utf-8")
        docs = [("tongzhou/energy/data/reference_runs.yaml", yaml.safe_load(text))]
        paths: list[Path] = []
        home = os.environ.get(HOME_ENV)
        if home and (Path(home).expanduser() / "energy-reference-runs.yaml").exists():
            paths.append(Path(home).expanduser() / "energy-reference-runs.yaml")
        if extra is not None:
            paths.append(extra)
        for p in paths:
            try:
                docs.append((str(p), yaml.safe_load(p.read_text(encoding="utf-8"))))
            except (OSError, yaml.YAMLError) as exc:
                raise InputError(f"cannot read reference runs {p}: {exc}") from exc
        classes: dict[str, TaskClass] = {}
        runs: list[ReferenceRun] = []
        for origin, doc in docs:
            if doc is None:
                continue
            if not isinstance(doc, dict):
                raise InputError(f"{origin}: top level must be a mapping with task_classes and runs")
            for cid, c in (doc.get("task_classes") or {}).items():
                if not isinstance(c, dict) or c.get("scope") not in ("gpu", "machine"):
                    raise InputError(f"{origin}: task_classes.{cid} needs scope 'gpu' or 'machine'")
                classes[cid] = TaskClass(cid, str(c.get("description", "")), c["scope"])
            for i, r in enumerate(doc.get("runs") or []):
                runs.append(_run(origin, i, r))
        for r in runs:
            if r.task_class not in classes:
                raise InputError(f"reference run {r.model!r}: unknown task class {r.task_class!r}")
        return cls(classes, tuple(runs))

    def rate(self, task_class: str, wh_per_1000_queries: float | None) -> Rating:
        """Stars for a value within the task class's reference range (None when it cannot be rated)."""
        if task_class not in self.classes:
            known = ", ".join(sorted(self.classes)) or "none"
            raise InputError(f"unknown task class {task_class!r} (known: {known})")
        values = sorted(r.wh_per_1000_queries for r in self.runs if r.task_class == task_class)
        if wh_per_1000_queries is None:
            return Rating(
                task_class,
                None,
                None,
                None,
                None,
                (),
                len(values),
                "not rated: the run has no energy figure for this task class's scope",
            )
        if len(values) < 2 or values[0] == values[-1]:
            return Rating(
                task_class,
                None,
                wh_per_1000_queries,
                values[0] if values else None,
                values[-1] if values else None,
                (),
                len(values),
                "not rated: fewer than two distinct reference runs in this task class",
            )
        lo, hi = values[0], values[-1]
        width = (hi - lo) / 5
        edges = tuple(lo + width * k for k in range(6))
        note = "within the reference range"
        if wh_per_1000_queries < lo:
            stars, note = 5, "below the reference range (more efficient than every reference run)"
        elif wh_per_1000_queries > hi:
            stars, note = 1, "above the reference range (less efficient than every reference run)"
        else:
            band = min(int(math.floor((wh_per_1000_queries - lo) / width)), 4)
            stars = 5 - band
        return Rating(task_class, stars, wh_per_1000_queries, lo, hi, edges, len(values), note)


def _run(origin: str, i: int, r: Any) -> ReferenceRun:
    where = f"{origin}: runs[{i}]"
    if not isinstance(r, dict):
        raise InputError(f"{where} must be a mapping")
    missing = [
        k
        for k in (
            "task_class",
            "model",
            "hardware",
            "wh_per_1000_queries",
            "method",
            "meter",
            "measured_at",
            "source",
        )
        if k not in r
    ]
    if missing:
        raise InputError(f"{where} lacks {', '.join(missing)}")
    value = r["wh_per_1000_queries"]
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise InputError(f"{where}.wh_per_1000_queries must be a positive number, not {value!r}")
    return ReferenceRun(
        str(r["task_class"]),
        str(r["model"]),
        str(r["hardware"]),
        float(value),
        str(r["method"]),
        str(r["meter"]),
        str(r["measured_at"]),
        str(r["source"]),
    )


def scoped_joules(energy: dict[str, Any], scope: str) -> float | None:
    """The energy of a window (its to_dict) within a task class's scope: GPU only, or everything."""
    if scope == "machine":
        return float(energy["joules"])
    gpu = [c for c in energy.get("components", []) if "gpu" in c.get("covers", [])]
    return float(sum(c["joules"] for c in gpu)) if gpu else None
