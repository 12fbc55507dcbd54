"""The energy report and the footprint as types: what ``tongzhou energy report --json`` prints and
:func:`tongzhou.energy.report.render_markdown` reads (docs/energy.md).

``TypedDict`` s, so the report stays a plain JSON object while mypy checks its readers; the JSON schema
``docs/schemas/energy-report.schema.json`` is generated from them (``scripts/generate_schemas.py``).
"""

from __future__ import annotations

from typing_extensions import TypedDict

__all__ = [
    "Carbon",
    "EnergyFigures",
    "EnergyReport",
    "FactorEntry",
    "Footprint",
    "Water",
]


class FactorEntry(TypedDict):
    """One factor with where it comes from (``Factor.to_dict``)."""

    value: float
    source: str
    year: int | None
    key: str
    """The table key used (a country code, ``WORLD``, ``default``, ``override``…)."""
    fallback: bool


class Carbon(TypedDict):
    g_co2e: float
    formula: str
    grid_intensity_g_per_kwh: FactorEntry
    pue: FactorEntry


class Water(TypedDict):
    litres: float
    formula: str
    wue_onsite_l_per_kwh: FactorEntry
    ewif_offsite_l_per_kwh: FactorEntry
    pue: FactorEntry


class Footprint(TypedDict):
    """Carbon and water of an amount of IT energy (``tongzhou.energy.factors.footprint``)."""

    country: str
    site: str
    carbon: Carbon
    water: Water


class ReportModel(TypedDict):
    name: str | None
    identity: str | None
    kind: str | None


class Component(TypedDict):
    """One meter of the window: what it covers and what it read or estimated."""

    meter: str
    method: str
    covers: list[str]
    joules: float


class EnergyFigures(TypedDict):
    joules: float
    kwh: float
    seconds: float
    method: str
    """``measured`` or ``estimated``."""
    meter: str
    measured_joules: float | None
    estimated_joules: float | None
    components: list[Component]
    queries: int | None
    tokens: int | None
    joules_per_token: float | None
    wh_per_1000_queries: float | None


class RatingEntry(TypedDict):
    """Where the run falls among the reference runs of its task class (``Rating.to_dict`` + scope)."""

    task_class: str
    stars: int | None
    value_wh_per_1000_queries: float | None
    reference_min: float | None
    reference_max: float | None
    band_edges: list[float]
    references: int
    method: str
    note: str
    scope: str
    description: str


class SoftwareCarbonIntensity(TypedDict):
    value_g_co2e_per_unit: float | None
    functional_unit: str
    R: int | None
    E_kwh_incl_pue: float
    I_g_per_kwh: float
    M_g_co2e: float
    M_note: str
    spec: str


class AnnexXI(TypedDict):
    reference: str
    training_compute_flop: float | None
    training_time_hours: float | None
    training_energy_kwh: float | None
    training_energy_method: str | None
    evaluation_energy_kwh: float
    evaluation_energy_method: str
    evaluation_energy_meter: str
    note: str


class EnergyReport(TypedDict):
    """The energy report of one evaluation run."""

    run_id: str
    model: ReportModel
    status: str | None
    energy: EnergyFigures
    carbon: Carbon
    water: Water
    country: str
    rating: RatingEntry
    sci: SoftwareCarbonIntensity
    annex_xi: AnnexXI
