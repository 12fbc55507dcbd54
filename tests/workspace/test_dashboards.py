"""Dashboard numbers from SQL over real data, on SQLite and PostgreSQL: each is checked against the
same figures counted in Python from the records themselves."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from sqlalchemy import update

from tests.evaluate.conftest import StubServer, stub_server  # noqa: F401  (the fixture)
from tests.workspace.conftest import AS_OF
from tongzhou.classify import classify
from tongzhou.evaluate import OpenAIChatModel, RunOptions, load_banks, run_evaluation
from tongzhou.evaluate._tables import EvalRun
from tongzhou.evaluate.storage import samples
from tongzhou.systems.bundled import example_profiles
from tongzhou.threats.incidents import IncidentRecord, save_incident
from tongzhou.workspace.dashboards import (
    _incidents_by_harm_in_python,
    evaluations_by_verdict,
    incidents_by_harm,
    systems_by_tier,
    upcoming_dates,
)
from tongzhou.workspace.service import ComplianceWorkspace


def test_systems_by_tier_counts_every_planned_system(workspace: ComplianceWorkspace) -> None:
    for profile in example_profiles():
        workspace.plan(profile.id, as_of=AS_OF)
    expected: Counter[tuple[str, str]] = Counter()
    for profile in example_profiles():
        for j in classify(profile, AS_OF).jurisdictions:
            head = j.headline
            tier = (
                head.id
                if head
                else {False: "out-of-scope", None: "scope-undetermined"}.get(j.in_scope, "no-tier")
            )
            expected[(j.jurisdiction, tier)] += 1
    rows = systems_by_tier(workspace.store)
    assert {(r.jurisdiction, r.tier): r.systems for r in rows} == dict(expected)
    eu = [r for r in rows if r.jurisdiction == "eu"]
    assert [r.rank for r in eu] == sorted((r.rank for r in eu), reverse=True)  # most severe first
    assert sum(r.systems for r in eu) == len(example_profiles())


def test_upcoming_dates_group_obligations_of_registered_systems(workspace: ComplianceWorkspace) -> None:
    for system in ("cv-screening", "credit-scoring", "frontier-gpai"):
        workspace.plan(system, as_of=AS_OF, jurisdictions="eu,us-co")
    done = next(i for i in workspace.items("cv-screening") if i.obligation_id == "co.records")
    workspace.set_status(done.id, "not-applicable")
    rows = upcoming_dates(workspace.store, AS_OF)
    expected: dict[tuple[dt.date, str, str], set[str]] = {}
    for item in workspace.items():
        if item.due_date is not None and item.due_date >= AS_OF:
            expected.setdefault((item.due_date, item.jurisdiction, item.obligation_id), set()).add(
                item.system_id
            )
    assert {(r.date, r.jurisdiction, r.obligation_id): set(r.systems) for r in rows} == expected
    assert [r.date for r in rows] == sorted(r.date for r in rows)
    records = next(r for r in rows if r.obligation_id == "co.records")
    assert records.open_items == len(records.systems) - 1  # one was set aside
    assert all(
        r.date <= dt.date(2027, 1, 1)
        for r in upcoming_dates(workspace.store, AS_OF, until=dt.date(2027, 1, 1))
    )
    assert upcoming_dates(workspace.store, dt.date(2099, 1, 1)) == []


def test_incidents_by_month_and_harm_type(workspace: ComplianceWorkspace) -> None:
    records = [
        ("Leaked records", ["rights"], True, "2026-09-03T10:00:00Z"),
        ("Biased scores", ["rights", "property-community-environment"], True, "2026-09-30T23:59:00Z"),
        ("Near miss in triage", ["health"], False, "2026-10-01T00:00:01Z"),
        ("Grid controller fault", ["critical-infrastructure", "health"], True, "2026-10-15T08:00:00Z"),
    ]
    for n, (title, harms, realised, aware) in enumerate(records):
        save_incident(
            workspace.store,
            IncidentRecord(
                title=title, harm_types=harms, harm_realised=realised, aware=aware, id=f"incident--{n}"
            ),
        )
    rows = incidents_by_harm(workspace.store)
    got = {(r.period, r.harm_type): (r.incidents, r.hazards) for r in rows}
    assert got == {
        ("2026-09", "property-community-environment"): (1, 0),
        ("2026-09", "rights"): (2, 0),
        ("2026-10", "critical-infrastructure"): (1, 0),
        ("2026-10", "health"): (2, 1),
    }
    # A database with JSON functions we do not know gets the same tally counted in Python.
    assert _incidents_by_harm_in_python(workspace.store, 0) == rows
    assert {
        (r.period, r.harm_type) for r in incidents_by_harm(workspace.store, since=dt.date(2026, 10, 1))
    } == {
        ("2026-10", "critical-infrastructure"),
        ("2026-10", "health"),
    }


def test_evaluations_by_month_risk_category_and_verdict(
    workspace: ComplianceWorkspace,
    stub_server: Callable[..., StubServer],  # noqa: F811
) -> None:
    stub = stub_server(reply="mixed")
    banks = load_banks(["gbt45654"])
    options = RunOptions(limit=6, seed=3, concurrency=4, progress=False)
    first = run_evaluation(
        workspace.store, OpenAIChatModel(stub.base_url, "stub"), banks, "gbt45654-quick", options
    )
    second = run_evaluation(
        workspace.store,
        OpenAIChatModel(stub.base_url, "stub", parameters={"temperature": 0.5}),
        banks,
        "gbt45654-quick",
        options,
    )
    # Move the first run to an earlier month, so the series has two points in time.
    with workspace.store.transaction() as session:
        session.execute(
            update(EvalRun)
            .where(EvalRun.id == first.run_id)
            .values(started_at=dt.datetime(2026, 10, 5, tzinfo=dt.UTC))
        )
        started = session.get(EvalRun, second.run_id).started_at  # type: ignore[union-attr]
    expected: Counter[tuple[str, str, str]] = Counter()
    for run_id, month in ((first.run_id, "2026-10"), (second.run_id, started.strftime("%Y-%m"))):
        for s in samples(workspace.store, run_id):
            expected[(month, s.risk_code, "pass" if s.passed else "fail")] += 1
    rows = evaluations_by_verdict(workspace.store)
    assert {(r.period, r.risk_category, r.verdict): r.items for r in rows} == dict(expected)
    assert {r.verdict for r in rows} == {"pass", "fail"}  # the stub's mixed replies fail some items
    assert all(r.runs == 1 for r in rows)
    later = evaluations_by_verdict(workspace.store, since=dt.date(2026, 11, 1))
    assert {r.period for r in later} == {started.strftime("%Y-%m")}


def test_excluded_systems_leave_the_counts_and_dates(workspace: ComplianceWorkspace) -> None:
    for system in ("cv-screening", "credit-scoring", "frontier-gpai"):
        workspace.plan(system, as_of=AS_OF, jurisdictions="eu,us-co")
    every = systems_by_tier(workspace.store)
    fewer = systems_by_tier(workspace.store, exclude_systems=["credit-scoring"])
    by_code = Counter[str]()
    for row in every:
        by_code[row.jurisdiction] += row.systems
    for row in fewer:
        by_code[row.jurisdiction] -= row.systems
    assert dict(by_code) == {"eu": 1, "us-co": 1}
    dates = upcoming_dates(workspace.store, AS_OF, exclude_systems=["credit-scoring"])
    assert dates and all("credit-scoring" not in d.systems for d in dates)
    assert any("credit-scoring" in d.systems for d in upcoming_dates(workspace.store, AS_OF))
