"""The tick with a movable clock (``as_of``), on SQLite and PostgreSQL: plans, due, idempotence,
overdue, sign-off, a rule change that moves a tier, and expired or revoked attestations."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.attest.summaries import make_summary
from tests.reassess.conftest import PUBLIC, register
from tongzhou.attest import sign_run
from tongzhou.attest.keys import public_key_pem
from tongzhou.classify.ruleset import RULES_PACKAGE
from tongzhou.reassess import (
    configure,
    get_plan,
    history,
    link_attestation,
    open_flags,
    overdue,
    run_tick,
    sign_off,
)
from tongzhou.store import Store
from tongzhou.systems import SystemRegistry, example_names, example_profile
from tongzhou.systems.profile import Deployer

DAY = dt.date(2026, 12, 6)


def test_first_tick_plans_every_public_sector_system_and_a_second_does_nothing(store: Store) -> None:
    register(store, *example_names())
    first = run_tick(store, DAY)
    assert first.ran and sorted(first.plans_added) == sorted(PUBLIC)
    assert sorted(first.assessed) == sorted(PUBLIC)
    again = run_tick(store, DAY)
    assert again.ran and again.nothing_new
    assert again.assessed == [] and again.plans_added == []
    for system_id in PUBLIC:
        assert len(history(store, system_id)) == 1


def test_a_review_is_due_on_its_date_and_not_the_day_before(store: Store) -> None:
    register(store, "admissions-completeness-check")
    run_tick(store, DAY)
    plan = get_plan(store, "admissions-completeness-check")
    assert plan.interval_rule == "default" and plan.next_due == DAY + dt.timedelta(days=365)
    before = run_tick(store, plan.next_due - dt.timedelta(days=1))
    assert before.assessed == []
    on_time = run_tick(store, plan.next_due)
    assert on_time.assessed == ["admissions-completeness-check"]
    entries = history(store, "admissions-completeness-check")
    assert [e.cycle_due for e in entries] == [DAY, plan.next_due]
    assert not entries[-1].overdue


def test_a_review_not_signed_off_becomes_overdue_once_and_sign_off_clears_it(store: Store) -> None:
    register(store, "admissions-completeness-check")
    run_tick(store, DAY)  # grace of the default rule: 30 days
    assert run_tick(store, DAY + dt.timedelta(days=30)).newly_overdue == []
    late = run_tick(store, DAY + dt.timedelta(days=31))
    assert late.newly_overdue == ["admissions-completeness-check"]
    listed = overdue(store, DAY + dt.timedelta(days=31))
    assert [(o.system_id, o.days_late, o.assessed) for o in listed] == [
        ("admissions-completeness-check", 31, True)
    ]
    assert run_tick(store, DAY + dt.timedelta(days=31)).nothing_new
    entry = history(store, "admissions-completeness-check")[0]
    assert entry.overdue and [f.code for f in entry.findings][-1] == "overdue"
    sign_off(store, "admissions-completeness-check", "Ana Auditor", DAY + dt.timedelta(days=32))
    assert overdue(store, DAY + dt.timedelta(days=32)) == []
    assert history(store, "admissions-completeness-check")[0].signed_off_by == "Ana Auditor"


def test_a_tick_that_never_ran_shows_the_plan_as_overdue(store: Store) -> None:
    register(store, "classroom-emotion")
    run_tick(store, DAY)  # prohibited in the EU: every 30 days, no grace
    sign_off(store, "classroom-emotion", "Ana", DAY)
    missed = overdue(store, DAY + dt.timedelta(days=45))
    assert [(o.system_id, o.assessed, o.days_late) for o in missed] == [("classroom-emotion", False, 15)]
    caught_up = run_tick(store, DAY + dt.timedelta(days=45))
    assert caught_up.newly_overdue == ["classroom-emotion"]
    assert "overdue" in caught_up.alerts["classroom-emotion"]


def _public_cv_screening(store: Store) -> None:
    base = example_profile("cv-screening")
    city = Deployer(name="City of Lyon", country="FR", public_body=True, provides_public_service=True)
    SystemRegistry(store).add(base.model_copy(update={"id": "city-hiring", "deployer": city}))


def test_a_rule_change_that_moves_a_tier_is_an_alert_with_the_obligations_it_dates(
    store: Store, tmp_path: Path
) -> None:
    from importlib import resources

    _public_cv_screening(store)
    rules = tmp_path / "my-rules"
    rules.mkdir()
    run_tick(store, DAY)
    configure(store, "city-hiring", rules_dir=rules, jurisdictions="eu")
    first = history(store, "city-hiring")[0]
    assert (
        first.headline_tiers["eu"] != "high_risk"
    )  # Annex III bites from 2027-12-02 under the bundled rules
    # An amendment, as a user's rule file: Annex III high-risk duties bite from 2026-12-01 instead.
    text = resources.files(RULES_PACKAGE).joinpath("eu-ai-act.yaml").read_text(encoding="utf-8")
    amended = text.replace('version: "2026-07-27"', 'version: "2026-12-07-test-amendment"', 1)
    block = amended.index("  - id: eu.annex3.high_risk\n")
    end = amended.index("applies_from: 2027-12-02", block)
    amended = amended[:end] + "applies_from: 2026-12-01" + amended[end + len("applies_from: 2027-12-02") :]
    (rules / "eu-ai-act.yaml").write_text(amended, encoding="utf-8")
    configure(store, "city-hiring", next_due=DAY + dt.timedelta(days=1))
    report = run_tick(store, DAY + dt.timedelta(days=1))
    codes = report.alerts["city-hiring"]
    assert "tier-moved" in codes and "obligation-re-dated" in codes
    latest = history(store, "city-hiring")[-1]
    assert latest.headline_tiers["eu"] == "high_risk"
    assert {f.code for f in latest.findings} >= {"rules-changed", "tier-moved", "obligation-re-dated"}
    art9 = next(f for f in latest.findings if f.code == "obligation-re-dated" and "eu.art9 " in f.message)
    assert "2026-12-01" in art9.message and "2027-12-02" in art9.message
    assert "eu.art9" in {f.obligation_id for f in open_flags(store, "city-hiring")}
    plan = get_plan(store, "city-hiring")  # the high-risk pace of the review policy now applies
    assert (plan.interval_rule, plan.interval_days) == ("eu.high_risk", 180)


def _trust_policy(path: Path, key: Ed25519PrivateKey, *, max_age_days: int, revoked: bool = False) -> Path:
    policy = {
        "policy": "tongzhou-trust-policy/v1",
        "name": "city review policy",
        "evaluators": [
            {
                "name": "Example AI Safety Lab",
                "public_key": public_key_pem(key.public_key()),
                "recognised_for": [{"profile": "gbt45654", "jurisdictions": ["EU"]}],
            }
        ],
        "require": {"complete_run": True, "max_age_days": max_age_days},
    }
    if revoked:
        policy["revocations"] = [{"key_id": _kid(key), "reason": "key compromised"}]
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    return path


def _kid(key: Ed25519PrivateKey) -> str:
    from tongzhou.attest.keys import key_id

    return key_id(key.public_key())


def _signed(tmp_path: Path, key: Ed25519PrivateKey, name: str = "run.dsse.json") -> Path:
    summary = make_summary(tmp_path / "banks", 12)
    envelope = sign_run(summary, key, "Example AI Safety Lab", signed_at="2026-11-20T09:00:00Z")
    path = tmp_path / name
    path.write_text(json.dumps(envelope), encoding="utf-8")
    return path


def test_an_attestation_past_the_policys_age_is_an_alert_and_flags_its_items(
    store: Store, tmp_path: Path, tongzhou_home: Path
) -> None:
    from tongzhou.workspace import ComplianceWorkspace

    register(store, "admissions-completeness-check")
    key = Ed25519PrivateKey.generate()
    policy = _trust_policy(tmp_path / "trust.yaml", key, max_age_days=365)
    tongzhou_home.mkdir(parents=True, exist_ok=True)
    envelope = _signed(tmp_path, key)
    filed = tongzhou_home / "run.dsse.json"
    filed.write_bytes(envelope.read_bytes())
    workspace = ComplianceWorkspace(store)
    workspace.plan("admissions-completeness-check", as_of=DAY, jurisdictions="eu")
    item = next(i for i in workspace.items("admissions-completeness-check") if i.obligation_id == "eu.art4")
    workspace.attach(item.id, filed, "attestation", roots=(tongzhou_home,))
    run_tick(store, DAY - dt.timedelta(days=1))  # the plan is made; its first review is due now
    configure(store, "admissions-completeness-check", trust_policy=policy)
    link_attestation(store, "admissions-completeness-check", envelope)
    configure(store, "admissions-completeness-check", next_due=DAY)
    fresh = run_tick(store, DAY)
    assert "attestation-failed" not in fresh.alerts.get("admissions-completeness-check", [])
    results = history(store, "admissions-completeness-check")[-1].evidence["attestations"]["results"]
    assert len(results) == 2 and all(r["ok"] for r in results)
    a_year_on = DAY + dt.timedelta(days=365)
    expired = run_tick(store, a_year_on)
    assert "attestation-failed" in expired.alerts["admissions-completeness-check"]
    latest = history(store, "admissions-completeness-check")[-1]
    assert {tuple(r["reasons"]) for r in latest.evidence["attestations"]["results"]} == {("too-old",)}
    assert any("expired" in f.message for f in latest.findings if f.code == "attestation-failed")
    flagged = {(f.jurisdiction, f.obligation_id) for f in open_flags(store, "admissions-completeness-check")}
    assert ("eu", "eu.art4") in flagged


def test_a_revocation_in_the_trust_policy_is_found_at_the_next_review(store: Store, tmp_path: Path) -> None:
    register(store, "admissions-completeness-check")
    key = Ed25519PrivateKey.generate()
    policy = _trust_policy(tmp_path / "trust.yaml", key, max_age_days=3650)
    run_tick(store, DAY)
    configure(
        store, "admissions-completeness-check", trust_policy=policy, next_due=DAY + dt.timedelta(days=1)
    )
    link_attestation(store, "admissions-completeness-check", _signed(tmp_path, key))
    assert "admissions-completeness-check" not in run_tick(store, DAY + dt.timedelta(days=1)).alerts
    _trust_policy(policy, key, max_age_days=3650, revoked=True)
    configure(store, "admissions-completeness-check", next_due=DAY + dt.timedelta(days=2))
    report = run_tick(store, DAY + dt.timedelta(days=2))
    assert report.alerts["admissions-completeness-check"] == ["attestation-failed"]
    latest = history(store, "admissions-completeness-check")[-1]
    assert {f.code for f in latest.findings} >= {"trust-policy-changed", "attestation-failed"}
    assert latest.evidence["attestations"]["results"][0]["reasons"] == ["revoked-key"]


def test_a_linked_attestation_that_disappeared_is_an_alert(store: Store, tmp_path: Path) -> None:
    register(store, "admissions-completeness-check")
    key = Ed25519PrivateKey.generate()
    run_tick(store, DAY)
    configure(
        store,
        "admissions-completeness-check",
        trust_policy=_trust_policy(tmp_path / "trust.yaml", key, max_age_days=3650),
        next_due=DAY + dt.timedelta(days=1),
    )
    envelope = _signed(tmp_path, key)
    link_attestation(store, "admissions-completeness-check", envelope)
    envelope.unlink()
    report = run_tick(store, DAY + dt.timedelta(days=1))
    assert report.alerts["admissions-completeness-check"] == ["attestation-missing"]


def test_a_system_no_longer_public_sector_is_set_aside_with_its_history(store: Store) -> None:
    register(store, "admissions-completeness-check")
    run_tick(store, DAY)
    profile = example_profile("admissions-completeness-check")
    private = profile.model_copy(
        update={"deployer": profile.deployer.model_copy(update={"public_body": False})}
    )  # type: ignore[union-attr]
    SystemRegistry(store).add(private, replace=True)
    report = run_tick(store, DAY + dt.timedelta(days=400))
    assert report.plans_deactivated == ["admissions-completeness-check"] and report.assessed == []
    assert overdue(store, DAY + dt.timedelta(days=400))[0].assessed  # the unsigned review stays overdue
    assert len(history(store, "admissions-completeness-check")) == 1
