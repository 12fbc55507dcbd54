"""Plans from classifications and re-plans that say what changed, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.workspace.conftest import AS_OF
from tongzhou.classify import classify
from tongzhou.errors import InputError
from tongzhou.systems.bundled import example_profile
from tongzhou.workspace.service import ComplianceWorkspace


def _keys(items: list) -> dict[tuple[str, str], object]:  # type: ignore[type-arg]
    return {(i.jurisdiction, i.obligation_id): i for i in items}


def test_plan_has_one_item_per_dated_obligation_of_the_registrant(workspace: ComplianceWorkspace) -> None:
    change = workspace.plan("cv-screening", as_of=AS_OF)
    expected = {
        (j.jurisdiction, o.id): o.applies_from
        for j in classify(example_profile("cv-screening"), AS_OF).jurisdictions
        for o in j.obligations
        if o.applies_to_registrant
    }
    items = workspace.items("cv-screening")
    assert {k: i.due_date for k, i in _keys(items).items()} == expected
    assert len(change.added) == len(expected) and change.revision == 1 and not change.removed
    assert all(i.status == "todo" and i.owner is None and i.active for i in items)
    # The EU high-risk duties bite on the amended Annex III date; Art. 4 (AI literacy) already applies.
    by_key = _keys(items)
    assert by_key[("eu", "eu.art9")].due_date == dt.date(2027, 12, 2)  # type: ignore[attr-defined]
    assert by_key[("eu", "eu.art4")].overdue(AS_OF)  # type: ignore[attr-defined]
    assert not by_key[("nist", "nist.map")].overdue(AS_OF)  # type: ignore[attr-defined]  # non-binding
    # Obligations addressed to another party (the deployer's Colorado notice) are not the registrant's work.
    assert ("us-co", "co.notice") not in by_key


def test_a_new_as_of_date_re_dates_items_and_keeps_owner_status_and_evidence(
    workspace: ComplianceWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.plan("cv-screening", as_of=AS_OF, jurisdictions="eu")
    art9 = next(i for i in workspace.items("cv-screening") if i.obligation_id == "eu.art9")
    workspace.assign(art9.id, "Ana Risk")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rmf.pdf").write_bytes(b"%PDF-1.4 risk management file")
    workspace.attach(art9.id, Path("rmf.pdf"), "file", artefact="risk-management-file")
    workspace.set_status(art9.id, "in-progress")

    # Before Regulation 2026/1744 applied (27 Jul 2026), Annex III bit on 2 Aug 2026.
    change = workspace.replan("cv-screening", as_of=dt.date(2026, 7, 1))
    assert change.previous_as_of == AS_OF and change.revision == 2
    redated = {c.obligation_id: (c.old_due, c.new_due) for c in change.redated}
    assert redated["eu.art9"] == (dt.date(2027, 12, 2), dt.date(2026, 8, 2))
    assert not change.added and not change.removed
    after = workspace.item(art9.id)
    assert (after.owner, after.status, after.due_date) == ("Ana Risk", "in-progress", dt.date(2026, 8, 2))
    assert [e.name for e in after.evidence] == ["rmf.pdf"]

    same = workspace.replan("cv-screening", as_of=dt.date(2026, 7, 1))
    assert not same.changed and same.kept == len(workspace.items("cv-screening"))


def test_changed_rules_add_remove_and_restore_items(
    workspace: ComplianceWorkspace, amended_co_rules: Path
) -> None:
    workspace.plan("cv-screening", as_of=AS_OF, jurisdictions="us-co")
    records = next(i for i in workspace.items("cv-screening") if i.obligation_id == "co.records")
    workspace.assign(records.id, "Li Wei")

    change = workspace.replan("cv-screening", as_of=AS_OF, rules_dir=amended_co_rules)
    assert [c.obligation_id for c in change.added] == ["co.impact_note"]
    assert [c.obligation_id for c in change.removed] == ["co.records"]
    assert {c.obligation_id: c.new_due for c in change.redated} == {"co.developer_docs": dt.date(2027, 6, 30)}
    assert records.id not in {i.id for i in workspace.items("cv-screening")}
    kept = workspace.item(records.id)
    assert not kept.active and kept.owner == "Li Wei"

    back = workspace.replan("cv-screening", as_of=AS_OF, bundled_rules=True)
    assert [c.item_id for c in back.restored] == [records.id]
    assert [c.obligation_id for c in back.removed] == ["co.impact_note"]
    assert workspace.item(records.id).active and workspace.item(records.id).owner == "Li Wei"
    assert workspace.plan_of("cv-screening")["rules_dir"] is None


def test_a_changed_profile_is_noticed(workspace: ComplianceWorkspace) -> None:
    from tongzhou.systems.registry import SystemRegistry

    workspace.plan("cv-screening", as_of=AS_OF, jurisdictions="eu")
    changed = example_profile("cv-screening").model_copy(update={"version": "9.9"})
    SystemRegistry(workspace.store).add(changed, replace=True)
    assert workspace.replan("cv-screening", as_of=AS_OF).profile_changed


def test_bad_requests_are_refused_and_write_nothing(workspace: ComplianceWorkspace) -> None:
    with pytest.raises(InputError, match="no registered system 'nope'"):
        workspace.plan("nope")
    with pytest.raises(InputError, match="has no plan yet"):
        workspace.replan("cv-screening")
    with pytest.raises(InputError, match="unknown code"):
        workspace.plan("cv-screening", jurisdictions="eu,atlantis")
    with pytest.raises(InputError, match="not a directory"):
        workspace.plan("cv-screening", rules_dir=Path("/nonexistent-rules"))
    with pytest.raises(InputError, match="has no plan yet"):
        workspace.items("cv-screening")
    with pytest.raises(InputError, match="no registered system"):
        workspace.items("nope")
    workspace.plan("cv-screening", as_of=AS_OF)
    before = workspace.items("cv-screening")
    with pytest.raises(InputError, match="already has a plan"):
        workspace.plan("cv-screening")
    with pytest.raises(InputError, match="unknown status"):
        workspace.set_status(before[0].id, "finished")
    with pytest.raises(InputError, match="no workspace item #999999"):
        workspace.assign(999999, "x")
    with pytest.raises(InputError, match="printable"):
        workspace.assign(before[0].id, "bad\x00name")
    with pytest.raises(InputError, match="has no evidence on file"):
        workspace.set_status(before[0].id, "done")
    assert workspace.items("cv-screening") == before


def test_the_work_of_a_removed_system_is_not_shown(workspace: ComplianceWorkspace) -> None:
    from tongzhou.systems.registry import SystemRegistry
    from tongzhou.workspace.dashboards import systems_by_tier, upcoming_dates

    workspace.plan("cv-screening", as_of=AS_OF)
    workspace.plan("credit-scoring", as_of=AS_OF)
    item = workspace.items("cv-screening")[0]
    SystemRegistry(workspace.store).remove("cv-screening")
    assert {i.system_id for i in workspace.items()} == {"credit-scoring"}
    with pytest.raises(InputError, match="no registered system 'cv-screening'"):
        workspace.items("cv-screening")
    with pytest.raises(InputError, match="no registered system 'cv-screening'"):
        workspace.replan("cv-screening")
    with pytest.raises(InputError, match=f"no workspace item #{item.id}"):
        workspace.item(item.id)
    assert sum(r.systems for r in systems_by_tier(workspace.store) if r.jurisdiction == "eu") == 1
    assert all(r.systems == ("credit-scoring",) for r in upcoming_dates(workspace.store, AS_OF))


def test_replan_all_is_all_or_nothing(workspace: ComplianceWorkspace, amended_co_rules: Path) -> None:
    workspace.plan("cv-screening", as_of=AS_OF, jurisdictions="us-co")
    workspace.plan("credit-scoring", as_of=AS_OF, jurisdictions="us-co")
    before = workspace.items()
    with pytest.raises(InputError, match="not a directory"):
        workspace.replan_all(as_of=AS_OF, rules_dir=Path("/nonexistent-rules"))
    assert workspace.items() == before and workspace.plan_of("cv-screening")["revision"] == 1
    changes = workspace.replan_all(as_of=AS_OF, rules_dir=amended_co_rules)
    assert [c.system_id for c in changes] == ["credit-scoring", "cv-screening"]
    assert all([a.obligation_id for a in c.added] == ["co.impact_note"] for c in changes)
    assert all(workspace.plan_of(s)["revision"] == 2 for s in ("cv-screening", "credit-scoring"))
