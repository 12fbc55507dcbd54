"""The re-assessment pages' data: the overdue dashboard (a table and bars of days late) and a
system's review history as a trend chart — refusal rate with its 95 % interval per review, and the
alerts each review raised — drawn server-side as SVG geometry (no script, nothing inline the CSP
refuses), like the other dashboards.

Who sees what: the overdue list is public for public entries (which public-sector systems are late
for review is the public's business; the findings are not in it); Art. 49(4) non-public entries
are counted for regulators only. A system's history shows findings and evidence (file paths,
endpoints), so it is open to the same people as its compliance workspace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tongzhou.portal.dashboard_data import PALETTE, Bar, _bars, restricted_systems
from tongzhou.store import Store

CHART_WIDTH = 640
CHART_HEIGHT = 240
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 48, 620, 16, 200
RATE_COLOUR = PALETTE[0]
ALERT_COLOUR = PALETTE[1]


@dataclass(frozen=True, slots=True)
class OverdueBoard:
    """The overdue dashboard: rows for the table and the JSON, bars for the chart."""

    today: dt.date
    rows: list[dict[str, Any]]
    bars: list[Bar]
    upcoming: list[dict[str, Any]]

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * 24

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.today.isoformat(), "overdue": self.rows, "upcoming": self.upcoming}


def overdue_board(
    store: Store, today: dt.date, *, sees_restricted: bool, upcoming_days: int = 60
) -> OverdueBoard:
    """Reviews overdue on ``today`` (most days late first) and those due within ``upcoming_days``."""
    from tongzhou.reassess import list_plans, overdue

    hidden = () if sees_restricted else tuple(restricted_systems(store))
    late = overdue(store, today, exclude_systems=hidden)
    rows = [o.to_dict() for o in late]
    bars = _bars([(o.system_id, o.days_late, "assessed" if o.assessed else "missed") for o in late])
    horizon = today + dt.timedelta(days=upcoming_days)
    late_ids = {o.system_id for o in late}
    upcoming = [
        {
            "system_id": p.system_id,
            "due": p.next_due.isoformat(),
            "interval_days": p.interval_days,
            "rule": p.interval_rule,
        }
        for p in list_plans(store)
        if p.system_id not in hidden and p.system_id not in late_ids and today <= p.next_due <= horizon
    ]
    return OverdueBoard(today, rows, bars, upcoming)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One review on the trend chart."""

    x: float
    label: str
    alerts: int
    alert_y: float
    alert_height: float
    rate: float | None
    rate_y: float | None
    low_y: float | None
    high_y: float | None
    tooltip: str


@dataclass(frozen=True, slots=True)
class TrendChart:
    """A system's reviews over time: points, the polyline through the rates, the axis ticks."""

    points: list[TrendPoint]
    polyline: str
    max_alerts: int
    ticks: list[tuple[float, str]]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    rate_colour: str = RATE_COLOUR
    alert_colour: str = ALERT_COLOUR


def _y(rate: float) -> float:
    return round(PLOT_BOTTOM - rate * (PLOT_BOTTOM - PLOT_TOP), 1)


def trend_chart(entries: list[Any]) -> TrendChart:
    """The chart of ``entries`` (:class:`tongzhou.reassess.Assessment`, oldest first)."""
    n = len(entries)
    step = (PLOT_RIGHT - PLOT_LEFT) / max(n, 1)
    top_alerts = max((e.alerts for e in entries), default=0) or 1
    points = []
    for i, e in enumerate(entries):
        x = round(PLOT_LEFT + step * (i + 0.5), 1)
        height = round((PLOT_BOTTOM - PLOT_TOP) * 0.5 * e.alerts / top_alerts, 1)
        rate = e.refusal_rate
        tip = f"{e.as_of.isoformat()}: {e.alerts} alert(s)"
        if rate is not None:
            ci = f"{e.refusal_low:.3f}–{e.refusal_high:.3f}"
            tip += f", refusal rate {rate:.3f} (95% CI {ci}, n={e.refusal_n})"
        points.append(
            TrendPoint(
                x,
                e.as_of.isoformat(),
                e.alerts,
                PLOT_BOTTOM - height,
                height,
                rate,
                None if rate is None else _y(rate),
                None if e.refusal_low is None else _y(e.refusal_low),
                None if e.refusal_high is None else _y(e.refusal_high),
                tip,
            )
        )
    line = " ".join(f"{p.x},{p.rate_y}" for p in points if p.rate_y is not None)
    ticks = [(_y(v), f"{v:g}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    return TrendChart(points, line, max(e.alerts for e in entries) if entries else 0, ticks)
