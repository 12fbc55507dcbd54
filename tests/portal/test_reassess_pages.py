"""The re-assessment pages and their JSON: the overdue dashboard (public entries for everyone, the
non-public one for regulators only), a system's review history with its trend chart (open like its
workspace), both server-rendered without script."""

from __future__ import annotations

import re

from tests.portal.conftest import Portal
from tests.portal.reassess_seed import CHATBOT, RESTRICTED_PUBLIC, START, TODAY, seed_reviews
from tests.reassess import conftest as reassess_fixtures
from tests.reassess.conftest import StubEndpoint
from tongzhou.portal.roles import Role

stub_endpoint = reassess_fixtures.stub_endpoint

_BAR = re.compile(r'<g class="bar">')


def test_the_overdue_dashboard_lists_late_reviews_and_hides_the_non_public_one(
    portal: Portal, stub_endpoint: StubEndpoint
) -> None:
    seed_reviews(portal.store, stub_endpoint)
    public = portal.client().get(f"/api/v1/reassess/overdue?as_of={TODAY}").json()
    late = {r["system_id"]: r for r in public["overdue"]}
    assert set(late) == {"admissions-completeness-check", "classroom-emotion", CHATBOT}
    assert late["admissions-completeness-check"] == {
        "system_id": "admissions-completeness-check",
        "due": "2026-06-01",
        "days_late": (TODAY - START).days,
        "alerts": 1,
        "assessed": True,
        "assessment_id": late["admissions-completeness-check"]["assessment_id"],
    }
    assert [r["days_late"] for r in public["overdue"]] == sorted(
        (r["days_late"] for r in public["overdue"]), reverse=True
    )
    regulator = portal.logged_in(Role.regulator).get(f"/api/v1/reassess/overdue?as_of={TODAY}").json()
    assert RESTRICTED_PUBLIC in {r["system_id"] for r in regulator["overdue"]}
    page = portal.client().get(f"/reassess?as_of={TODAY}")
    assert page.status_code == 200 and "<script" not in page.text
    table = page.text.split('id="overdue-table"')[1].split("</table>")[0]
    assert len(_BAR.findall(page.text)) == len(public["overdue"]) == table.count("<tr>") - 1
    assert RESTRICTED_PUBLIC not in page.text
    assert RESTRICTED_PUBLIC in portal.logged_in(Role.regulator).get(f"/reassess?as_of={TODAY}").text


def test_the_history_shows_the_refusal_trend_and_the_drop_alert(
    portal: Portal, stub_endpoint: StubEndpoint
) -> None:
    seed_reviews(portal.store, stub_endpoint)
    admin = portal.logged_in(Role.admin)
    data = admin.get(f"/api/v1/systems/{CHATBOT}/assessments").json()
    rates = [a["refusal_rate"] for a in data["assessments"] if a["refusal_rate"] is not None]
    assert rates[0] == rates[1] == 1.0 and rates[-1] == 0.0 and 0.0 < rates[2] < 1.0
    assert "refusal-drop" in {f["code"] for f in data["assessments"][-1]["findings"]}
    assert data["needs_review"]
    page = admin.get(f"/systems/{CHATBOT}/assessments")
    assert page.status_code == 200 and "<script" not in page.text
    assert page.text.count('<circle class="rate"') == len(rates) == 4
    assert "refusal rate dropped" in page.text
    zh = admin.get(f"/systems/{CHATBOT}/assessments?lang=zh").text
    assert "复审历史" in zh and "拒答率由" in zh


def test_the_history_is_open_like_the_workspace(portal: Portal, stub_endpoint: StubEndpoint) -> None:
    seed_reviews(portal.store, stub_endpoint)
    assert portal.client().get(f"/systems/{CHATBOT}/assessments").status_code == 401
    assert portal.logged_in(Role.provider).get(f"/systems/{CHATBOT}/assessments").status_code == 403
    assert (
        portal.logged_in(Role.admin).get(f"/api/v1/systems/{RESTRICTED_PUBLIC}/assessments").status_code
        == 404
    )
    assert (
        portal.logged_in(Role.regulator).get(f"/api/v1/systems/{RESTRICTED_PUBLIC}/assessments").status_code
        == 200
    )
    assert portal.logged_in(Role.regulator).get("/systems/no-such-system/assessments").status_code == 404


def test_hostile_text_in_a_finding_is_escaped_and_a_bad_date_is_400(portal: Portal, tmp_path: object) -> None:
    import datetime as dt
    import json
    from pathlib import Path

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tests.portal.signed_evaluations import write_site_policy
    from tongzhou.reassess import configure, link_attestation, run_tick

    write_site_policy(Ed25519PrivateKey.generate())  # the site's trust policy: the file is checked
    directory = Path(str(tmp_path))
    hostile = directory / '<img src=x onerror="alert(1)">.dsse.json'
    hostile.write_text(json.dumps({"payload": "", "payloadType": "x", "signatures": []}), encoding="utf-8")
    run_tick(portal.store, START)
    link_attestation(portal.store, "admissions-completeness-check", hostile)
    configure(portal.store, "admissions-completeness-check", next_due=START + dt.timedelta(days=1))
    hostile.unlink()
    run_tick(portal.store, START + dt.timedelta(days=1))
    page = portal.logged_in(Role.admin).get("/systems/admissions-completeness-check/assessments").text
    assert "no longer stands" in page
    assert '<img src=x onerror="alert(1)">' not in page and "&lt;img src=x" in page
    assert portal.client().get("/reassess?as_of=2026-02-30").status_code == 400
    assert portal.client().get("/api/v1/reassess/overdue?as_of=<script>").status_code == 400
