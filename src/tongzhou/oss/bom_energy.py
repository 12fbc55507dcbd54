"""Energy figures for the AI-BOM, read from a ``tongzhou energy report --json`` file.

The report (docs/energy.md, schema docs/schemas/energy-report.schema.json) is read as plain JSON:
``oss`` and ``energy`` are independent features, so only the fields used here are checked —
``run_id``, ``energy.kwh``, ``energy.method``, ``energy.meter``, ``carbon.g_co2e`` and the provider's
training facts under ``annex_xi``. The run's energy is the evaluation run's (inference on the model,
measured or estimated as ``energy.method`` says).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError

_MAX_REPORT_BYTES = 16 << 20


@dataclass(frozen=True)
class EnergyFacts:
    """The energy a BOM can state about its model."""

    run_id: str
    evaluation_kwh: float
    """Energy of the evaluation run (the model answering the test items: inference)."""
    method: str
    """``measured`` or ``estimated``."""
    meter: str
    evaluation_g_co2e: float | None
    training_kwh: float | None
    """Training energy as the provider stated it (EU AI Act Annex XI 1(2)(e)), when given."""
    training_method: str | None


def _number(value: Any, where: str, source: Path, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InputError.of(
            "{source}: `{where}` must be a number of 0 or more (is {value!r})",
            source=source,
            where=where,
            value=value,
        )
    return float(value)


def read_energy_report(path: Path) -> EnergyFacts:
    """The figures of one energy report; a missing or malformed file is an InputError."""
    try:
        if path.stat().st_size > _MAX_REPORT_BYTES:
            raise InputError.of("{path}: too large for an energy report", path=path)
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError.of("{path}: no such energy report", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.of(
            "{path}: cannot read the energy report ({reason})", path=path, reason=exc
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError.of(
            "{path}: malformed JSON at line {line}, column {column}: {reason}",
            path=path,
            line=exc.lineno,
            column=exc.colno,
            reason=exc.msg,
        ) from None
    energy = report.get("energy") if isinstance(report, dict) else None
    if not isinstance(energy, dict) or not isinstance(report.get("run_id"), str):
        raise InputError.of(
            "{path}: not a `tongzhou energy report --json` file (no run_id and energy object)", path=path
        )
    method, meter = energy.get("method"), energy.get("meter")
    if method not in ("measured", "estimated") or not isinstance(meter, str):
        raise InputError.of(
            "{path}: `energy.method` must be measured or estimated and `energy.meter` a string", path=path
        )
    carbon = report.get("carbon")
    annex = report.get("annex_xi") if isinstance(report.get("annex_xi"), dict) else {}
    training_method = annex.get("training_energy_method")
    return EnergyFacts(
        run_id=report["run_id"],
        evaluation_kwh=_number(energy.get("kwh"), "energy.kwh", path) or 0.0,
        method=method,
        meter=meter,
        evaluation_g_co2e=_number(carbon.get("g_co2e"), "carbon.g_co2e", path)
        if isinstance(carbon, dict)
        else None,
        training_kwh=_number(annex.get("training_energy_kwh"), "annex_xi.training_energy_kwh", path, True),
        training_method=training_method if isinstance(training_method, str) else None,
    )
