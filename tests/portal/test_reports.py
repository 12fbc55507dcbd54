"""Incident reports from anyone, through the portal: the form with its CSRF token and spam check, the API,
the private status link, and hostile input — script in every field, oversized and disguised uploads, a
flood from one address, a forged status link, a replayed spam-check answer."""

from __future__ import annotations

import html
import json
import re

from sqlalchemy import func, select

from tests.portal.conftest import RESTRICTED_ID, Portal, csrf_of
from tests.portal.reporting import context, file_report, post_report, solved
from tongzhou.participation import ReportBook, ReportState
from tongzhou.participation._tables import EVIDENCE, REPORTS
from tongzhou.portal.proof_of_work import solve
from tongzhou.portal.roles import Role

_CHALLENGE = re.compile(r"data-proof-of-work='([^']+)'")
PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{ 7*7 }}'


def _reports(portal: Portal) -> int:
    with portal.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(REPORTS)).scalar_one())


def _no_live_markup(page: str) -> None:
    assert "<script>alert(1)" not in page and "<img src=x onerror" not in page


def test_the_public_form_files_a_report_and_shows_the_status_link_once(portal: Portal) -> None:
    context(portal)
    browser = portal.client()
    form = browser.get("/report?system=cv-screening")
    assert form.status_code == 200 and 'value="cv-screening" selected' in form.text
    assert RESTRICTED_ID not in form.text  # an Art. 49(4) entry is not offered to the public
    challenge = json.loads(html.unescape(_CHALLENGE.search(form.text).group(1)))  # type: ignore[union-attr]
    sent = browser.post(
        "/report",
        data={
            "csrf_token": csrf_of(form.text),
            "system_id": "cv-screening",
            "what_happened": "Rejected every applicant over 50.",
            "occurred_on": "2026-11-20",
            "harm": ["rights", "health"],
            "links": "https://news.example.org/a\nhttps://news.example.org/b",
            "proof_of_work": solve(challenge),
        },
        files=[("evidence", ("chat.txt", "对话记录".encode(), "text/plain"))],
    )
    assert sent.status_code == 201, sent.text[:500]
    link = re.search(r'id="status-link" href="(/report/status/tzr_[^"]+)"', sent.text).group(1)  # type: ignore[union-attr]
    status = browser.get(link)
    assert status.status_code == 200 and 'data-state="received"' in status.text
    assert status.headers["referrer-policy"] == "no-referrer"
    assert "chat.txt" in status.text and "reporter@example.org" not in status.text
    report = ReportBook(portal.store).by_token(link.rsplit("/", 1)[1])
    assert report.harm_types == ["rights", "health"] and len(report.links) == 2


def test_a_form_without_its_csrf_token_is_refused(portal: Portal) -> None:
    context(portal)
    browser = portal.client()
    browser.get("/report")
    sent = browser.post("/report", data={"what_happened": "x", "proof_of_work": solved(browser)})
    assert sent.status_code == 403 and _reports(portal) == 0


def test_the_api_needs_no_account_and_answers_in_both_languages(portal: Portal) -> None:
    filed = file_report(portal)
    view = portal.client().get(f"/api/v1/reports/status/{filed.token}").json()
    assert view["state"] == "received" and "contact" not in view
    bad = post_report(portal, fields={"what_happened": ""})
    assert bad.status_code == 422
    assert bad.json()["error"]["messages"] == {
        "en": "Fill in the field what_happened.",
        "zh": "请填写字段 what_happened。",
    }
    json_report = portal.client().post(
        "/api/v1/reports",
        json={
            "system": "A city chatbot",
            "what_happened": "It told residents the wrong date for an election.",
            "occurred_on": "2026-11-02",
            "harm_types": ["rights"],
            "links": [],
            "proof_of_work": solved(portal.client()),
        },
    )
    assert json_report.status_code == 201, json_report.text


def test_a_logged_in_browser_posting_to_the_api_needs_its_csrf_token(portal: Portal) -> None:
    context(portal)
    browser = portal.logged_in(Role.provider)
    answer = browser.post("/api/v1/reports", json={"proof_of_work": solved(browser)})
    assert answer.status_code == 403


def test_script_in_every_field_is_shown_as_text(portal: Portal) -> None:
    filed = file_report(
        portal,
        fields={
            "system_id": "",
            "system": PAYLOAD,
            "what_happened": PAYLOAD,
            "contact": PAYLOAD,
            "links": 'https://evil.example/"><script>alert(1)</script>',
        },
        files=[("<img src=x onerror=alert(1)>.txt", PAYLOAD.encode(), "text/plain")],
    )
    public = portal.client()
    regulator = portal.logged_in(Role.regulator)
    decided = regulator.post(
        f"/api/v1/reports/{filed.report_id}/decisions",
        json={"action": "ask", "text": PAYLOAD},
        headers={"X-CSRF-Token": csrf_of(regulator.get("/moderation").text)},
    )
    assert decided.status_code == 200, decided.text
    pages = [
        public.get(f"/report/status/{filed.token}").text,
        regulator.get("/moderation?state=needs-info").text,
        regulator.get(f"/moderation/reports/{filed.report_id}").text,
    ]
    for page in pages:
        _no_live_markup(page)
        assert "{{ 7*7 }}" in page  # shown as written, never evaluated
    assert 'href="https://evil.example/&#34;&gt;&lt;script&gt;' in pages[0]
    api = regulator.get(f"/api/v1/reports/{filed.report_id}").json()
    assert api["what_happened"] == PAYLOAD and api["contact"] == PAYLOAD  # kept exactly as written
    download = regulator.get(f"/moderation/reports/{filed.report_id}/evidence/{filed.evidence_id}")
    assert download.headers["content-type"].startswith("text/plain")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["content-security-policy"]


def test_oversized_and_disguised_uploads_are_refused_and_nothing_is_stored(portal: Portal) -> None:
    huge = post_report(portal, files=[("big.txt", b"a" * (5 * 1024 * 1024), "text/plain")])
    assert huge.status_code == 413
    one_too_big = post_report(portal, files=[("big.txt", b"a" * (2 * 1024 * 1024 + 1), "text/plain")])
    assert one_too_big.status_code == 413
    assert "2 MiB" in one_too_big.json()["error"]["message"]
    page = post_report(portal, files=[("page.html", b"<html><script>x()</script>", "text/html")])
    assert page.status_code == 415
    fake_png = post_report(portal, files=[("x.png", b"\x89PNG\r\n\x1a\nnot really", "image/png")])
    assert fake_png.status_code == 415
    many = post_report(portal, files=[(f"{n}.txt", b"n", "text/plain") for n in range(6)])
    assert many.status_code in (400, 413)
    assert _reports(portal) == 0
    with portal.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(EVIDENCE)).scalar_one() == 0


def test_a_replayed_spam_check_answer_is_refused(portal: Portal) -> None:
    client = portal.client()
    context(portal)
    proof = solved(client)
    assert post_report(portal, client, proof=proof).status_code == 201
    replay = post_report(portal, client, proof=proof)
    assert replay.status_code == 409 and "already used" in replay.json()["error"]["message"]
    assert post_report(portal, client, proof="").status_code == 400
    assert _reports(portal) == 1


def test_a_forged_status_link_is_404(portal: Portal) -> None:
    filed = file_report(portal)
    client = portal.client()
    forged = filed.token[:-2] + ("AA" if not filed.token.endswith("AA") else "BB")
    for token in (forged, "tzr_", "rpt-1", filed.report_id):
        assert client.get(f"/report/status/{token}").status_code == 404
        assert client.get(f"/api/v1/reports/status/{token}").status_code == 404
    token = csrf_of(client.get("/report").text)
    posted = client.post(f"/report/status/{forged}", data={"information": "x", "csrf_token": token})
    assert posted.status_code == 404
    assert [h.action.value for h in ReportBook(portal.store).get(filed.report_id).history] == ["submitted"]


def test_the_reporter_answers_a_question_on_the_status_page(portal: Portal) -> None:
    filed = file_report(portal)
    regulator = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.regulator)}"})
    asked = regulator.post(
        f"/api/v1/reports/{filed.report_id}/decisions", json={"action": "ask", "text": "Which advert?"}
    )
    assert asked.json()["state"] == "needs-info"
    reporter = portal.client()
    page = reporter.get(f"/report/status/{filed.token}")
    assert "Which advert?" in page.text
    answered = reporter.post(
        f"/report/status/{filed.token}",
        data={"information": "The warehouse one.", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    assert ReportBook(portal.store).get(filed.report_id).state is ReportState.received


def test_a_non_public_system_is_refused_like_an_unknown_one(portal: Portal) -> None:
    hidden = post_report(portal, fields={"system_id": RESTRICTED_ID})
    unknown = post_report(portal, fields={"system_id": "no-such-system"})
    assert hidden.status_code == unknown.status_code == 422
    assert hidden.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_a_flood_is_held_and_every_accepted_report_is_published(portal: Portal) -> None:
    ctx = context(portal)
    limit = ctx.report_limit.max_events
    client = portal.client()
    answers = [post_report(portal, client, fields={"what_happened": f"Report {n}"}) for n in range(limit + 5)]
    statuses = [a.status_code for a in answers]
    assert statuses == [201] * limit + [429] * 5
    assert int(answers[-1].headers["retry-after"]) > 0
    assert answers[-1].json()["error"]["messages"]["zh"].startswith("您的地址提交过于频繁")
    assert _reports(portal) == limit
    regulator = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.regulator)}"})
    for n, answer in enumerate(answers[:limit]):
        decided = regulator.post(
            f"/api/v1/reports/{answer.json()['id']}/decisions",
            json={"action": "accept", "title": f"Incident {n}", "serious": True},
        )
        assert decided.status_code == 200, decided.text
    objects = portal.client().get(
        "/tongzhou/collections/public-incidents/objects/",
        headers={"Accept": "application/taxii+json;version=2.1"},
    )
    assert objects.status_code == 200, objects.text
    names = {o["name"] for o in objects.json()["objects"] if o["type"] == "incident"}
    assert names == {f"Incident {n}" for n in range(limit)}
