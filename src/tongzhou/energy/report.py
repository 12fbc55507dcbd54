"""The energy report of an evaluation run: figures, rating, SCI and the EU AI Act Annex XI section.

Built from an evaluation run summary (``tongzhou.evaluate.run_summary``, contracts.md) whose
``energy`` field is an :meth:`EnergyWindow.to_dict`. Sources:

* SCI — Green Software Foundation, Software Carbon Intensity specification (ISO/IEC 21031:2024):
  ``SCI = ((E × I) + M) per R``; E energy (kWh), I location-based grid intensity, M embodied
  emissions, R the functional unit. E here includes data-centre overhead (× PUE), as the
  specification allows, so ``E × I`` equals the carbon figure of the window.
* EU AI Act (Regulation (EU) 2024/1689) Annex XI, Section 1, point 2(d)–(e): computational
  resources used to train the model (FLOP), training time, and known or estimated energy
  consumption of the model (which, where unknown, may be based on computational resources used).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from tongzhou.energy.contract import EnergyReport
from tongzhou.energy.factors import FactorTable, footprint
from tongzhou.energy.rating import ReferenceTable, scoped_joules
from tongzhou.errors import InputError

ANNEX_XI = "Regulation (EU) 2024/1689 (AI Act), Annex XI, Section 1, point 2(d)-(e)"
SCI_SPEC = (
    "Green Software Foundation, Software Carbon Intensity (SCI) specification v1.0 / ISO/IEC 21031:2024"
)
DEFAULT_TASK_CLASS = "text-generation/cpu-gguf"


@dataclass(frozen=True)
class TrainingFacts:
    """What the provider knows about training, for Annex XI (any may be unknown)."""

    compute_flop: float | None = None
    time_hours: float | None = None
    energy_kwh: float | None = None
    energy_method: str | None = None
    """``measured`` or ``estimated`` (how ``energy_kwh`` was got)."""


def build_report(
    summary: Mapping[str, Any],
    *,
    task_class: str = DEFAULT_TASK_CLASS,
    country: str | None = None,
    training: TrainingFacts | None = None,
    embodied_g: float | None = None,
    references: ReferenceTable | None = None,
    factors: FactorTable | None = None,
) -> EnergyReport:
    """The energy report (JSON-ready; its type: :class:`~tongzhou.energy.contract.EnergyReport`) for one
    run summary (``tongzhou.evaluate.contract.RunSummary``, or the same document read from a file)."""
    if not isinstance(summary, dict) or "run_id" not in summary:
        raise InputError("not an evaluation run summary: it has no run_id")
    energy = summary.get("energy")
    run_id = str(summary["run_id"])
    if not energy:
        raise InputError(f"run {run_id} has no energy figures (it was not measured with tongzhou.energy)")
    for key in ("joules", "seconds", "method", "meter"):
        if key not in energy:
            raise InputError(f"run {run_id}: energy.{key} is missing")
    training = training or TrainingFacts()
    references = references or ReferenceTable.load()
    joules = float(energy["joules"])
    queries = energy.get("queries") or len(summary.get("items") or []) or None
    tokens = energy.get("tokens") or None
    fp = footprint(
        joules,
        country or energy.get("country"),
        site=energy.get("site", "default"),
        pue=_override(energy, "pue"),
        wue_onsite=_override(energy, "wue_onsite_l_per_kwh"),
        table=factors,
    )

    cls = references.classes.get(task_class)
    if cls is None:
        raise InputError(
            f"unknown task class {task_class!r} (known: {', '.join(sorted(references.classes))})"
        )
    scoped = scoped_joules(energy, cls.scope)
    scoped_wh_k = scoped / 3.6 / queries if scoped is not None and queries else None
    rating = references.rate(task_class, scoped_wh_k)

    unit, r_count = ("token", tokens) if tokens else ("query", queries)
    carbon_g = fp["carbon"]["g_co2e"]
    embodied = embodied_g or 0.0
    sci = {
        "value_g_co2e_per_unit": (carbon_g + embodied) / r_count if r_count else None,
        "functional_unit": unit,
        "R": r_count,
        "E_kwh_incl_pue": joules / 3.6e6 * fp["carbon"]["pue"]["value"],
        "I_g_per_kwh": fp["carbon"]["grid_intensity_g_per_kwh"]["value"],
        "M_g_co2e": embodied,
        "M_note": "embodied emissions supplied by the user"
        if embodied_g
        else "embodied emissions not included (M = 0): supply --embodied-g to include them",
        "spec": SCI_SPEC,
    }
    model = summary.get("model") or {}
    report: dict[str, Any] = {
        "run_id": run_id,
        "model": {"name": model.get("name"), "identity": model.get("identity"), "kind": model.get("kind")},
        "status": summary.get("status"),
        "energy": {
            "joules": joules,
            "kwh": joules / 3.6e6,
            "seconds": energy["seconds"],
            "method": energy["method"],
            "meter": energy["meter"],
            "measured_joules": energy.get("measured_joules"),
            "estimated_joules": energy.get("estimated_joules"),
            "components": [
                {k: c.get(k) for k in ("meter", "method", "covers", "joules")}
                for c in energy.get("components", [])
            ],
            "queries": queries,
            "tokens": tokens,
            "joules_per_token": joules / tokens if tokens else None,
            "wh_per_1000_queries": joules / 3.6 / queries if queries else None,
        },
        "carbon": fp["carbon"],
        "water": fp["water"],
        "country": fp["country"],
        "rating": rating.to_dict() | {"scope": cls.scope, "description": cls.description},
        "sci": sci,
        "annex_xi": {
            "reference": ANNEX_XI,
            "training_compute_flop": training.compute_flop,
            "training_time_hours": training.time_hours,
            "training_energy_kwh": training.energy_kwh,
            "training_energy_method": training.energy_method,
            "evaluation_energy_kwh": joules / 3.6e6,
            "evaluation_energy_method": energy["method"],
            "evaluation_energy_meter": energy["meter"],
            "note": "Training facts not supplied are reported as unknown; the evaluation (inference) energy "
            f"is this run's own energy window ({energy['method']}, {energy['meter']}). Where training "
            "energy is unknown it may be estimated from the computational resources used "
            "(Annex XI, Section 1, point 2(e)).",
        },
    }
    return cast(EnergyReport, report)


def _override(energy: dict[str, Any], factor: str) -> float | None:
    """Keep a user override recorded in the window (key 'override') when recomputing."""
    section = "carbon" if factor == "pue" else "water"
    entry = (energy.get(section) or {}).get(factor) or {}
    return float(entry["value"]) if entry.get("key") == "override" else None


def _fmt(value: float | None, unit: str = "", digits: int = 4) -> str:
    if value is None:
        return "unknown / 未知"
    return f"{value:.{digits}g}{(' ' + unit) if unit else ''}"


def _count(value: int | float | None, what: str) -> str:
    """``6 queries``, or ``queries unknown / 未知`` when the run recorded none (not ``None queries``)."""
    return f"{what} unknown / 未知" if value is None else f"{value:g} {what}"


def render_markdown(report: EnergyReport) -> str:
    """The report as bilingual (zh/en) Markdown."""
    e, r, s, a = report["energy"], report["rating"], report["sci"], report["annex_xi"]
    label = "measured / 实测" if e["method"] == "measured" else "ESTIMATED / 估算"
    stars = "★" * r["stars"] + "☆" * (5 - r["stars"]) if r["stars"] else "—"
    lines = [
        f"# Energy report / 能耗报告: run {report['run_id']}",
        "",
        f"Model / 模型: {report['model']['name']} ({report['model']['identity']})",
        "",
        "## Energy / 能耗",
        f"- Energy / 能耗: {_fmt(e['joules'], 'J')} ({_fmt(e['kwh'] * 1000, 'Wh')}) "
        f"over {_fmt(e['seconds'], 's')}"
        f" — **{label}**, meter / 计量方式: `{e['meter']}`",
    ]
    for c in e["components"]:
        lines.append(f"  - {c['meter']} ({', '.join(c['covers'])}): {_fmt(c['joules'], 'J')} {c['method']}")
    lines += [
        f"- Per 1,000 queries / 每千次查询: {_fmt(e['wh_per_1000_queries'], 'Wh')} "
        f"({_count(e['queries'], 'queries')})",
        f"- Per token / 每词元: {_fmt(e['joules_per_token'], 'J')}",
        "",
        "## Carbon and water / 碳排放与用水",
        f"- Carbon / 碳排放: {_fmt(report['carbon']['g_co2e'], 'g CO2e')} "
        f"({report['country']}, {report['carbon']['grid_intensity_g_per_kwh']['value']} g/kWh × PUE "
        f"{report['carbon']['pue']['value']}; {report['carbon']['grid_intensity_g_per_kwh']['source']})",
        f"- Water / 用水: {_fmt(report['water']['litres'], 'L')} = E × (WUE "
        f"{report['water']['wue_onsite_l_per_kwh']['value']} + PUE × EWIF "
        f"{report['water']['ewif_offsite_l_per_kwh']['value']} L/kWh)",
        "",
        "## Efficiency rating / 能效评级",
        f"- {stars} ({r['task_class']}, scope {r['scope']}): {r['note']}; {r['references']} reference runs, "
        f"range {_fmt(r['reference_min'], 'Wh')}–{_fmt(r['reference_max'], 'Wh')} per 1,000 queries",
        f"- Method / 方法: {r['method']}",
        "",
        "## Software Carbon Intensity (SCI) / 软件碳强度",
        f"- SCI = ((E × I) + M) / R = {_fmt(s['value_g_co2e_per_unit'], 'g CO2e')} per {s['functional_unit']}"
        f" (E {_fmt(s['E_kwh_incl_pue'], 'kWh')}, I {s['I_g_per_kwh']} g/kWh, M {s['M_g_co2e']} g, "
        f"R {_count(s['R'], {'token': 'tokens', 'query': 'queries'}.get(s['functional_unit'], 'units'))})",
        f"- {s['M_note']}",
        "",
        "## EU AI Act Annex XI — energy / 欧盟《人工智能法》附件十一 — 能耗",
        f"- Reference / 依据: {a['reference']}",
        f"- Training compute / 训练算力: {_fmt(a['training_compute_flop'], 'FLOP')}",
        f"- Training time / 训练时长: {_fmt(a['training_time_hours'], 'h')}",
        f"- Training energy / 训练能耗: {_fmt(a['training_energy_kwh'], 'kWh')}"
        + (f" ({a['training_energy_method']})" if a["training_energy_method"] else ""),
        f"- Evaluation energy / 测评能耗: {_fmt(a['evaluation_energy_kwh'], 'kWh')} "
        f"({a['evaluation_energy_method']}, {a['evaluation_energy_meter']})",
        f"- {a['note']}",
        "",
    ]
    return "\n".join(lines)
