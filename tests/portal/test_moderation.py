"""Moderation in the portal (regulators only) and what the provider then sees: the notice, and the EU AI
Act Art. 73 draft with its deadline where the classification says Art. 73 applies."""

from __future__ import annotations

import datetime as dt

from tests.portal.conftest import PUBLIC_ID, Portal, csrf_of
from tests.portal.reporting import file_report
from tongzhou.participation import ReportBook, ReportState
from tongzhou.portal.listing_index import set_organisation
from tongzhou.portal.roles import Role
from tongzhou.threats.incidents import IncidentRecord, save_incident


def _regulator_api(portal: Portal):  # type: ignore[no-untyped-def]
    return portal.client(headers={"Authorization": f"Bearer {portal.token(Role.regulator)}"})


def test_the_pages_accept_a_report_and_the_history_shows_who_and_why(portal: Portal) -> None:
    filed = file_report(portal)
    regulator = portal.logged_in(Role.regulator)
    queue = regulator.get("/moderation")
    assert filed.report_id in queue.text
    page = regulator.get(f"/moderation/reports/{filed.report_id}")
    assert "reporter@example.org" in page.text  # moderators see the contact
    accepted = regulator.post(
        f"/moderation/reports/{filed.report_id}",
        data={
            "csrf_token": csrf_of(page.text),
            "action": "accept",
            "title": "CV screening rejects older applicants",
            "serious": "on",
            "death": "on",
        },
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    report = ReportBook(portal.store).get(filed.report_id)
    assert report.state is ReportState.accepted and report.history[-1].actor == "reg"
    system_page = portal.client().get(f"/systems/{PUBLIC_ID}").text
    assert "CV screening rejects older applicants" in system_page  # linked to the registered system
    again = regulator.get(f"/moderation/reports/{filed.report_id}")
    assert 'id="decide-accept"' not in again.text and 'id="decide-merge"' in again.text


def test_a_refused_decision_is_shown_with_its_reason_and_changes_nothing(portal: Portal) -> None:
    filed = file_report(portal)
    regulator = portal.logged_in(Role.regulator)
    page = regulator.get(f"/moderation/reports/{filed.report_id}")
    refused = regulator.post(
        f"/moderation/reports/{filed.report_id}",
        data={"csrf_token": csrf_of(page.text), "action": "reject", "text": "  "},
    )
    assert refused.status_code == 422 and "Fill in the field reason." in refused.text
    assert ReportBook(portal.store).get(filed.report_id).state is ReportState.received


def test_merge_joins_several_reports_to_one_incident_and_one_report_to_several(portal: Portal) -> None:
    first = save_incident(portal.store, IncidentRecord(title="Known A", harm_types=["rights"]))
    second = save_incident(portal.store, IncidentRecord(title="Known B", harm_types=["rights"]))
    one, two = file_report(portal), file_report(portal)
    api = _regulator_api(portal)
    both = api.post(
        f"/api/v1/reports/{one.report_id}/decisions",
        json={"action": "merge", "incident_ids": [first.id, second.id], "text": "Same tool."},
    )
    assert both.status_code == 200 and both.json()["incident_ids"] == sorted([first.id, second.id])
    same = api.post(
        f"/api/v1/reports/{two.report_id}/decisions", json={"action": "merge", "incident_ids": first.id}
    )
    assert same.json()["incident_ids"] == [first.id]
    unknown = api.post(
        f"/api/v1/reports/{two.report_id}/decisions",
        json={"action": "merge", "incident_ids": ["incident--nope"]},
    )
    assert unknown.status_code == 422
    assert (
        api.post(f"/api/v1/reports/{two.report_id}/decisions", json={"action": "delete"}).status_code == 422
    )
    listed = api.get("/api/v1/reports?state=accepted").json()["reports"]
    assert {r["id"] for r in listed} == {one.report_id, two.report_id}
    assert api.get("/api/v1/reports?state=bogus").status_code == 400


def test_the_provider_sees_the_notice_and_the_art73_draft_with_its_deadline(portal: Portal) -> None:
    set_organisation(portal.store, PUBLIC_ID, "acme")  # the provider account's organisation registered it
    filed = file_report(portal)
    decided = _regulator_api(portal).post(
        f"/api/v1/reports/{filed.report_id}/decisions",
        json={"action": "accept", "title": "Older applicants rejected", "serious": True, "death": True},
    )
    assert decided.status_code == 200, decided.text
    provider = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.provider)}"})
    today = provider.get("/api/v1/provider/incidents").json()["notices"]
    assert len(today) == 1 and today[0]["incident"]["title"] == "Older applicants rejected"
    # Annex III employment systems are high-risk from 2027-12-02 under the bundled rules: not yet today.
    assert today[0]["art73"]["applies"] is False and "2027-12-02" in today[0]["art73"]["why"]["en"]
    later = provider.get("/api/v1/provider/incidents?as_of=2028-01-01").json()["notices"][0]["art73"]
    assert later["applies"] is True and later["draft"]["reportable"] is True
    assert later["draft"]["days"] == 10 and later["draft"]["basis"] == "Art. 73(4)"
    aware = dt.datetime.fromisoformat(later["draft"]["aware"].replace("Z", "+00:00"))
    deadline = dt.datetime.fromisoformat(later["draft"]["deadline"].replace("Z", "+00:00"))
    assert deadline - aware == dt.timedelta(days=10)
    page = portal.logged_in(Role.provider).get("/provider/incidents?as_of=2028-01-01&lang=zh")
    assert "第73条报告须于" in page.text and later["draft"]["deadline"] in page.text
    other = portal.logged_in(Role.evaluator).get("/provider/incidents")
    assert other.status_code == 403
    assert portal.client().get("/api/v1/provider/incidents").status_code == 401


def test_another_organisation_sees_no_notice(portal: Portal) -> None:
    filed = file_report(portal)  # cv-screening was not registered by acme here
    _regulator_api(portal).post(
        f"/api/v1/reports/{filed.report_id}/decisions", json={"action": "accept", "title": "T"}
    )
    provider = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.provider)}"})
    assert provider.get("/api/v1/provider/incidents").json()["notices"] == []
    everyone = _regulator_api(portal).get("/api/v1/provider/incidents").json()["notices"]
    assert [n["system_id"] for n in everyone] == [PUBLIC_ID]
