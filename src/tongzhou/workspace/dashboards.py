"""The numbers behind the portal's dashboards, computed with SQL over the store.

Each function returns typed rows, one per cell of the chart (and of the table beside it):

* :func:`systems_by_tier` — registered, planned systems per jurisdiction and headline tier;
* :func:`evaluations_by_verdict` — scored evaluation items per month, risk category and verdict;
* :func:`incidents_by_harm` — incidents and hazards per month and OECD harm type;
* :func:`upcoming_dates` — the dates obligations of registered systems start to bite.

Grouping happens in the database on SQLite and PostgreSQL alike; where the two speak different SQL
(months from timestamps, JSON arrays, string aggregation) the dialect picks the expression.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, select, text, true

from tongzhou.evaluate._tables import EvalRun, EvalSample
from tongzhou.store import Store
from tongzhou.systems._tables import SystemRecord
from tongzhou.workspace._tables import ComplianceItemRow, PlanJurisdictionRow


@dataclass(frozen=True, slots=True)
class TierCount:
    """How many planned systems have one headline tier in one jurisdiction."""

    jurisdiction: str
    tier: str
    """The tier id, or ``out-of-scope``, ``scope-undetermined``, ``no-tier``."""
    label: str
    rank: int
    """The tier's severity (higher is more severe; -1 for the non-tiers)."""
    systems: int


@dataclass(frozen=True, slots=True)
class EvaluationTally:
    """Scored evaluation items of one month, risk category and verdict."""

    period: str
    """``YYYY-MM`` of the run's start (UTC)."""
    risk_category: str
    """The bank's risk code (GB/T 45654 Annex A, e.g. ``A.1``)."""
    verdict: str
    """``pass`` or ``fail`` (of the item's scorer)."""
    items: int
    runs: int


@dataclass(frozen=True, slots=True)
class IncidentTally:
    """Recorded incidents of one month (when the recorder became aware) and OECD harm type."""

    period: str
    harm_type: str
    incidents: int
    """All records naming this harm type (an incident or hazard naming two types counts in both)."""
    hazards: int
    """Of those, the OECD hazards (harm plausible, not realised)."""


@dataclass(frozen=True, slots=True)
class UpcomingDate:
    """A date on which an obligation starts to bite for registered systems."""

    date: dt.date
    jurisdiction: str
    obligation_id: str
    legal_basis: str
    title: str
    systems: tuple[str, ...]
    open_items: int
    """Items of that obligation neither done nor set aside as not applicable."""


def _month(column: Any, dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite stores "YYYY-MM-DD HH:MM:SS..." (UTC)


def systems_by_tier(store: Store, *, exclude_systems: Collection[str] = ()) -> list[TierCount]:
    """Planned systems per jurisdiction and headline tier, most severe first; ``exclude_systems``
    leaves some out (the portal: Art. 49(4) non-public entries for everyone but regulators)."""
    j = PlanJurisdictionRow
    tier = case(
        (j.headline_tier.is_not(None), j.headline_tier),
        (j.in_scope.is_(False), literal("out-of-scope")),
        (j.in_scope.is_(None), literal("scope-undetermined")),
        else_=literal("no-tier"),
    )
    query = (
        select(
            j.jurisdiction, tier.label("tier"), func.max(j.tier_label), func.max(j.tier_rank), func.count()
        )
        .join(SystemRecord, SystemRecord.id == j.system_id)
        .where(j.system_id.not_in(list(exclude_systems)) if exclude_systems else true())
        .group_by(j.jurisdiction, tier)
        .order_by(j.jurisdiction, func.coalesce(func.max(j.tier_rank), -1).desc(), tier)
    )
    with store.transaction() as session:
        rows = session.execute(query).all()
    return [
        TierCount(code, name, label or name, -1 if rank is None else int(rank), int(n))
        for code, name, label, rank, n in rows
    ]


def evaluations_by_verdict(store: Store, *, since: dt.date | None = None) -> list[EvaluationTally]:
    """Scored items of finished runs (complete or partial) per month, risk category and verdict."""
    dialect = store.engine.dialect.name
    period = _month(EvalRun.started_at, dialect).label("period")
    verdict = case((EvalSample.passed.is_(True), literal("pass")), else_=literal("fail")).label("verdict")
    conditions: list[ColumnElement[bool]] = [EvalRun.status.in_(("complete", "partial"))]
    if since is not None:
        conditions.append(EvalRun.started_at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    query = (
        select(period, EvalSample.risk_code, verdict, func.count(), func.count(EvalRun.id.distinct()))
        .join(EvalRun, EvalRun.id == EvalSample.run_id)
        .where(and_(*conditions))
        .group_by(period, EvalSample.risk_code, verdict)
        .order_by(period, EvalSample.risk_code, verdict)
    )
    with store.transaction() as session:
        rows = session.execute(query).all()
    return [EvaluationTally(str(p), str(r), str(v), int(n), int(runs)) for p, r, v, n, runs in rows]


_INCIDENTS_SQL = {
    "sqlite": """
        SELECT strftime('%Y-%m', i.aware_us / 1000000, 'unixepoch') AS period, h.value AS harm,
               COUNT(*) AS n, SUM(CASE WHEN i.classification = 'hazard' THEN 1 ELSE 0 END) AS hazards
        FROM threats_incident AS i, json_each(i.body, '$.harm_types') AS h
        WHERE i.aware_us >= :since_us
        GROUP BY period, harm ORDER BY period, harm
    """,
    "postgresql": """
        SELECT to_char(to_timestamp(i.aware_us / 1000000.0) AT TIME ZONE 'UTC', 'YYYY-MM') AS period,
               h.harm AS harm, COUNT(*) AS n,
               SUM(CASE WHEN i.classification = 'hazard' THEN 1 ELSE 0 END) AS hazards
        FROM threats_incident AS i
        CROSS JOIN LATERAL json_array_elements_text(CAST(i.body AS json) -> 'harm_types') AS h(harm)
        WHERE i.aware_us >= :since_us
        GROUP BY 1, 2 ORDER BY 1, 2
    """,
}


def incidents_by_harm(store: Store, *, since: dt.date | None = None) -> list[IncidentTally]:
    """Incident records per month (of awareness, UTC) and OECD harm type."""
    sql = _INCIDENTS_SQL.get(store.engine.dialect.name)
    since_us = (
        0 if since is None else int(dt.datetime.combine(since, dt.time(), dt.UTC).timestamp()) * 1_000_000
    )
    if sql is None:  # another SQLAlchemy database: read the records, count in Python
        return _incidents_by_harm_in_python(store, since_us)
    with store.transaction() as session:
        rows = session.execute(text(sql), {"since_us": since_us}).all()
    return [IncidentTally(str(p), str(h), int(n), int(z or 0)) for p, h, n, z in rows]


def _incidents_by_harm_in_python(store: Store, since_us: int) -> list[IncidentTally]:
    """The tally of ``_INCIDENTS_SQL`` in portable SQL, for a database whose JSON functions we don't know."""
    counts: dict[tuple[str, str], list[int]] = {}
    query = text("SELECT aware_us, classification, body FROM threats_incident WHERE aware_us >= :since_us")
    with store.transaction() as session:
        for aware_us, classification, body in session.execute(query, {"since_us": since_us}):
            period = dt.datetime.fromtimestamp(aware_us / 1_000_000, dt.UTC).strftime("%Y-%m")
            for harm in json.loads(body).get("harm_types") or []:
                tally = counts.setdefault((period, str(harm)), [0, 0])
                tally[0] += 1
                tally[1] += classification == "hazard"
    return [IncidentTally(p, h, n, z) for (p, h), (n, z) in sorted(counts.items())]


def upcoming_dates(
    store: Store, today: dt.date, *, until: dt.date | None = None, exclude_systems: Collection[str] = ()
) -> list[UpcomingDate]:
    """Dates from ``today`` (inclusive) to ``until`` on which planned obligations start to bite
    (``exclude_systems`` as for :func:`systems_by_tier`)."""
    dialect = store.engine.dialect.name
    item = ComplianceItemRow
    systems = (
        func.string_agg(item.system_id.distinct(), literal_column("','"))
        if dialect == "postgresql"
        else func.group_concat(item.system_id.distinct())
    )
    still_open = func.sum(case((item.status.in_(("done", "not-applicable")), 0), else_=1))
    conditions = [item.active.is_(True), item.due_date.is_not(None), item.due_date >= today]
    if until is not None:
        conditions.append(item.due_date <= until)
    if exclude_systems:
        conditions.append(item.system_id.not_in(list(exclude_systems)))
    query = (
        select(
            item.due_date,
            item.jurisdiction,
            item.obligation_id,
            func.min(item.legal_basis),
            func.min(item.title),
            systems,
            still_open,
        )
        .join(SystemRecord, SystemRecord.id == item.system_id)
        .where(and_(*conditions))
        .group_by(item.due_date, item.jurisdiction, item.obligation_id)
        .order_by(item.due_date, item.jurisdiction, item.obligation_id)
    )
    with store.transaction() as session:
        rows = session.execute(query).all()
    return [
        UpcomingDate(day, code, ob, basis, title, tuple(sorted(str(ids).split(","))), int(n))
        for day, code, ob, basis, title, ids, n in rows
    ]
