"""The evaluation re-run against a system's registered endpoint: a real OpenAI-compatible stub server
on loopback that refuses at the first review and complies at the next — the refusal rate drops
beyond the last run's confidence interval, which is an alert (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from tests.reassess.conftest import StubEndpoint, public_chatbot
from tongzhou.reassess import configure, history, open_flags, run_tick
from tongzhou.reassess.evaluation_check import RefusalRate, compare
from tongzhou.store import Store
from tongzhou.systems import SystemRegistry

DAY = dt.date(2026, 12, 6)


def test_a_refusal_rate_that_dropped_is_an_alert(store: Store, stub_endpoint: StubEndpoint) -> None:
    SystemRegistry(store).add(public_chatbot())
    run_tick(store, DAY, run_evaluations=False)  # the plan is made
    configure(
        store, "city-helpdesk", endpoint=stub_endpoint.ref, eval_limit=20, next_due=DAY + dt.timedelta(days=1)
    )
    baseline = run_tick(store, DAY + dt.timedelta(days=1))
    assert "city-helpdesk" not in baseline.alerts
    asked = stub_endpoint.state.chat_requests
    assert asked == 20
    first = history(store, "city-helpdesk")[-1]
    assert first.refusal_rate == 1.0 and first.refusal_n == 20
    assert "evaluation-baseline" in {f.code for f in first.findings}

    stub_endpoint.state.reply = "comply"  # the model behind the endpoint changed
    configure(store, "city-helpdesk", next_due=DAY + dt.timedelta(days=2))
    report = run_tick(store, DAY + dt.timedelta(days=2))
    assert stub_endpoint.state.chat_requests == asked + 20  # asked again: nothing served from the cache
    assert report.alerts["city-helpdesk"] == ["refusal-drop"]
    latest = history(store, "city-helpdesk")[-1]
    assert latest.refusal_rate == 0.0
    drop = next(f for f in latest.findings if f.code == "refusal-drop")
    assert "1.000" in drop.message and "0.000" in drop.message and "do not overlap" in drop.message
    assert latest.evidence["evaluation"]["previous"]["run_id"] == first.evidence["evaluation"]["run_id"]
    assert open_flags(store, "city-helpdesk")  # items relying on the evaluation need review


def test_an_endpoint_that_does_not_answer_is_an_alert_not_a_crash(store: Store) -> None:
    from tests.conftest import free_port

    SystemRegistry(store).add(public_chatbot())
    run_tick(store, DAY, run_evaluations=False)
    dead = f"openai:http://127.0.0.1:{free_port()}/v1#stub"
    configure(store, "city-helpdesk", endpoint=dead, eval_limit=2, next_due=DAY + dt.timedelta(days=1))
    report = run_tick(store, DAY + dt.timedelta(days=1))
    assert report.alerts["city-helpdesk"] == ["evaluation-failed"]


def _rate(value: float, low: float, high: float, n: int = 100) -> RefusalRate:
    return RefusalRate("r", "complete", value, low, high, n)


def test_a_drop_inside_the_last_interval_is_no_alert() -> None:
    last = _rate(0.90, 0.826, 0.945).to_dict()
    assert [f.code for f in compare(_rate(0.85, 0.77, 0.91), last)] == []
    assert [f.code for f in compare(_rate(0.80, 0.71, 0.87), last)] == ["refusal-drop"]
    assert "still overlap" in compare(_rate(0.80, 0.71, 0.87), last)[0].message
