"""The dashboards as the portal shows them: the workspace's figures for one viewer, as table rows and
as bars of a chart drawn server-side (inline SVG: no script, nothing inline the CSP would refuse).

Visibility: EU AI Act Art. 49(4) keeps law-enforcement and migration/border entries out of public
view. A count of one such system in a jurisdiction and tier would point straight at it, so for every
role but the regulator the non-public systems are left out of the counts and dates altogether
(:mod:`tongzhou.portal.visibility`). Evaluation runs and incidents name no registered system in the
store, so their tallies are the same for everyone.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from tongzhou.portal._tables import ListingRow
from tongzhou.store import Store

DASHBOARDS = ("systems-by-tier", "evaluations-by-verdict", "incidents-by-harm", "upcoming-dates")
BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 260
CHART_WIDTH = 640
LABEL_COLUMNS = 40
"""How many narrow characters fit in LABEL_WIDTH at the chart's 11 px font (a wide CJK one counts 2)."""
PALETTE = ("#1f5f8b", "#b5462f", "#3d7d3a", "#8a5a9e", "#a07a1c", "#4b6b78")


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a chart, placed in SVG user units."""

    label: str
    value: int
    y: int
    width: int
    fill: str

    @property
    def short_label(self) -> str:
        """The label cut to what fits left of the bars (the full label is the bar's tooltip)."""
        return fit_label(self.label, LABEL_COLUMNS)


@dataclass(frozen=True, slots=True)
class Dashboard:
    """One dashboard: its rows (the table and the JSON) and its bars (the chart)."""

    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    bars: list[Bar]

    @property
    def height(self) -> int:
        """The chart's height in SVG user units."""
        return max(1, len(self.bars)) * (BAR_HEIGHT + BAR_GAP)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``/api/v1/dashboards/{name}``."""
        return {"dashboard": self.name, "columns": list(self.columns), "rows": self.rows}


def fit_label(label: str, columns: int) -> str:
    """``label`` cut with an ellipsis to at most ``columns`` display columns (wide characters count 2)."""
    used = 0
    for n, char in enumerate(label):
        used += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used > columns:
            return label[: max(n - 1, 0)] + "…"
    return label


def restricted_systems(store: Store) -> list[str]:
    """The ids of the listed Art. 49(4) non-public systems."""
    with store.transaction() as session:
        return list(session.scalars(select(ListingRow.system_id).where(ListingRow.restricted.is_(True))))


def _bars(labels_values: list[tuple[str, int, str]]) -> list[Bar]:
    top = max((v for _, v, _ in labels_values), default=0) or 1
    series: dict[str, str] = {}
    bars = []
    for n, (label, value, group) in enumerate(labels_values):
        fill = series.setdefault(group, PALETTE[len(series) % len(PALETTE)])
        width = round((CHART_WIDTH - LABEL_WIDTH - 40) * value / top)
        bars.append(Bar(label, value, n * (BAR_HEIGHT + BAR_GAP), width, fill))
    return bars


def _rows(records: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        row = asdict(record)
        for key, value in row.items():
            if isinstance(value, dt.date):
                row[key] = value.isoformat()
            elif isinstance(value, tuple):
                row[key] = list(value)
        rows.append(row)
    return rows


def dashboard(store: Store, name: str, *, sees_restricted: bool, today: dt.date) -> Dashboard:
    """The dashboard ``name`` (one of :data:`DASHBOARDS`) as ``sees_restricted`` may see it."""
    from tongzhou.workspace import dashboards as figures

    hidden = () if sees_restricted else restricted_systems(store)
    build: dict[str, Callable[[], Dashboard]] = {
        "systems-by-tier": lambda: _tiers(figures.systems_by_tier(store, exclude_systems=hidden)),
        "evaluations-by-verdict": lambda: _evaluations(figures.evaluations_by_verdict(store)),
        "incidents-by-harm": lambda: _incidents(figures.incidents_by_harm(store)),
        "upcoming-dates": lambda: _dates(figures.upcoming_dates(store, today, exclude_systems=hidden)),
    }
    return build[name]()


def _tiers(records: list[Any]) -> Dashboard:
    bars = _bars([(f"{r.jurisdiction} · {r.label}", r.systems, r.jurisdiction) for r in records])
    columns = ("jurisdiction", "tier", "label", "rank", "systems")
    return Dashboard("systems-by-tier", columns, _rows(records), bars)


def _evaluations(records: list[Any]) -> Dashboard:
    bars = _bars([(f"{r.period} · {r.risk_category} · {r.verdict}", r.items, r.verdict) for r in records])
    columns = ("period", "risk_category", "verdict", "items", "runs")
    return Dashboard("evaluations-by-verdict", columns, _rows(records), bars)


def _incidents(records: list[Any]) -> Dashboard:
    bars = _bars([(f"{r.period} · {r.harm_type}", r.incidents, r.harm_type) for r in records])
    columns = ("period", "harm_type", "incidents", "hazards")
    return Dashboard("incidents-by-harm", columns, _rows(records), bars)


def _dates(records: list[Any]) -> Dashboard:
    bars = _bars([(f"{r.date} · {r.obligation_id}", len(r.systems), r.jurisdiction) for r in records])
    columns = ("date", "jurisdiction", "obligation_id", "legal_basis", "title", "systems", "open_items")
    return Dashboard("upcoming-dates", columns, _rows(records), bars)
