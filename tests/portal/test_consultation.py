"""Consultation through the portal and the API (TestClient on the real app): publish, comment
(anonymous with the proof of work, or logged in), moderate, close, respond, export; and hostile
input: script in every field, oversized drafts and comments, comments after close, forged ids."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.consultation.drafts import CO_RULES, MARKDOWN, earlier_colorado_rules
from tests.portal.conftest import Portal, csrf_of
from tongzhou.consultation import ConsultationBook
from tongzhou.consultation.rule_drafts import TierChange
from tongzhou.portal.consultation_view import visible_tier_changes
from tongzhou.portal.proof_of_work import solve
from tongzhou.portal.roles import Role

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>{{7*7}}'
TODAY = dt.datetime.now(dt.UTC).date()


def _csrf(client: TestClient) -> str:
    return csrf_of(client.get("/login").text)


def _publish(portal: Portal, draft_id: str = "measures", **fields: str) -> Any:
    reg = portal.logged_in(Role.regulator)
    data = {
        "csrf_token": _csrf(reg),
        "id": draft_id,
        "title": "Draft measures",
        "kind": "text",
        "opens": (TODAY - dt.timedelta(days=1)).isoformat(),
        "closes": (TODAY + dt.timedelta(days=30)).isoformat(),
        "body": MARKDOWN,
        "note": "",
    } | fields
    # multipart, as the page's form sends it (a draft may be larger than an ordinary form)
    return reg.post("/consultations", files={k: (None, v) for k, v in data.items()}, follow_redirects=False)


def _pow(client: TestClient) -> str:
    return solve(client.get("/api/v1/proof-of-work?purpose=comment").json())


def _anonymous_comment(portal: Portal, draft_id: str, paragraph: str, body: str, **extra: str) -> Any:
    client = portal.client()
    page = client.get(f"/consultations/{draft_id}")
    form = {"csrf_token": csrf_of(page.text), "paragraph_id": paragraph, "body": body} | extra
    return client, client.post(f"/consultations/{draft_id}/comments", data=form, follow_redirects=False)


def test_draft_to_exported_comments_with_a_response(portal: Portal) -> None:
    assert _publish(portal).headers["location"] == "/consultations/measures"
    client, sent = _anonymous_comment(
        portal, "measures", "p3", "Yearly is too often.", name="Wang", proof_of_work=""
    )
    assert sent.status_code == 400  # no proof of work: refused
    form = {
        "csrf_token": csrf_of(client.get("/consultations/measures").text),
        "paragraph_id": "p3",
        "body": "Yearly is too often.",
        "name": "Wang",
        "proof_of_work": _pow(client),
    }
    sent = client.post("/consultations/measures/comments", data=form, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("?sent=1#comment-form")
    again = client.post("/consultations/measures/comments", data=form, follow_redirects=False)
    assert again.status_code == 409  # one answer, one comment
    prov = portal.logged_in(Role.provider)
    made = prov.post(
        "/consultations/measures/comments",
        data={"csrf_token": _csrf(prov), "paragraph_id": "p2", "body": "Which register?"},
        follow_redirects=False,
    )
    assert made.status_code == 303  # an account needs no proof of work
    assert "Yearly is too often." not in portal.client().get("/consultations/measures").text  # pending
    book = ConsultationBook(portal.store)
    reg = portal.logged_in(Role.regulator)
    for c in book.comments("measures", public_only=False):
        done = reg.post(
            f"/consultations/measures/comments/{c.id}/moderation",
            data={"csrf_token": _csrf(reg), "decision": "approve"},
            follow_redirects=False,
        )
        assert done.status_code == 303
    page = portal.client().get("/consultations/measures").text
    assert "Yearly is too often." in page and "Wang" in page and "Which register?" in page
    # close it (the schedule moves; comments stop), then respond to each and export
    _move_close(portal, "measures", days=-1)
    late = prov.post(
        "/consultations/measures/comments",
        data={"csrf_token": _csrf(prov), "paragraph_id": "p2", "body": "Late."},
        follow_redirects=False,
    )
    assert late.status_code == 409 and "comments are no longer accepted" in late.text
    for c in book.comments("measures", public_only=False):
        answered = reg.post(
            f"/consultations/measures/comments/{c.id}/response",
            data={"csrf_token": _csrf(reg), "response": f"Response to {c.id}."},
            follow_redirects=False,
        )
        assert answered.status_code == 303
    rows = list(csv.DictReader(io.StringIO(reg.get("/consultations/measures/export?format=csv").text)))
    assert [r["response"] for r in rows] == ["Response to 1.", "Response to 2."]
    assert {r["author"] for r in rows} == {"Wang", "prov"}
    exported = json.loads(reg.get("/consultations/measures/export?format=json").text)
    assert exported["consultation"]["phase"] == "closed" and len(exported["comments"]) == 2
    public = portal.client().get("/consultations/measures").text
    assert "Response to 1." in public and "comments are no longer accepted" in public
    assert 'name="body"' not in public  # no comment form once closed
    assert portal.client().get("/consultations/measures/export?format=csv").status_code == 401


def _move_close(portal: Portal, draft_id: str, days: int) -> None:
    from tongzhou.consultation._tables import DraftRow

    with portal.store.transaction() as session:
        row = session.get(DraftRow, draft_id)
        assert row is not None
        row.closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
        row.opens_at = row.closes_at - dt.timedelta(days=30)


def test_script_in_every_field_is_shown_as_text(portal: Portal) -> None:
    body = f"# {XSS}\n\n{XSS}\n\n[link](javascript:alert(1))\n\n<iframe src=x></iframe>"
    assert _publish(portal, "xss-draft", title=XSS, body=body, note=XSS).status_code == 303
    prov = portal.logged_in(Role.provider)
    prov.post(
        "/consultations/xss-draft/comments",
        data={"csrf_token": _csrf(prov), "paragraph_id": "p2", "body": XSS},
        follow_redirects=False,
    )
    client = portal.client()
    form = {
        "csrf_token": csrf_of(client.get("/consultations/xss-draft").text),
        "paragraph_id": "p1",
        "body": XSS,
        "name": XSS,
        "proof_of_work": _pow(client),
    }
    assert (
        client.post("/consultations/xss-draft/comments", data=form, follow_redirects=False).status_code == 303
    )
    reg = portal.logged_in(Role.regulator)
    book = ConsultationBook(portal.store)
    first, second = book.comments("xss-draft", public_only=False)
    reg.post(
        f"/consultations/xss-draft/comments/{first.id}/moderation",
        data={"csrf_token": _csrf(reg), "decision": "approve"},
    )
    reg.post(
        f"/consultations/xss-draft/comments/{second.id}/moderation",
        data={"csrf_token": _csrf(reg), "decision": "reject", "reason": XSS},
    )
    pages = [
        portal.client().get("/consultations/xss-draft").text,
        portal.client().get("/consultations").text,
        portal.client().get("/consultations/xss-draft/diff").text,
        reg.get("/consultations/xss-draft/moderation").text,
    ]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html
        assert 'href="javascript:' not in html and "{{7*7}}" in html  # template syntax stays text
        assert "&lt;script&gt;alert" in html
    api = portal.client().get("/api/v1/consultations/xss-draft").json()
    assert api["consultation"]["title"] == XSS  # JSON carries the text as given; it is never HTML


def test_oversized_drafts_and_comments(portal: Portal) -> None:
    huge = "word " * 60_000  # 300 kB: over the 256 KiB draft limit, under the form limit
    refused = _publish(portal, "huge-draft", body=huge)
    assert refused.status_code == 413 and "too large" in refused.text
    reg = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.regulator)}"})
    massive = reg.post(
        "/api/v1/consultations",
        json={
            "id": "massive",
            "title": "M",
            "opens": "2026-01-01",
            "closes": "2030-01-01",
            "body": "x" * 600_000,
        },
    )
    assert massive.status_code == 413
    assert ConsultationBook(portal.store).drafts() == []
    _publish(portal)
    prov = portal.logged_in(Role.provider)
    long_comment = prov.post(
        "/consultations/measures/comments",
        data={"csrf_token": _csrf(prov), "paragraph_id": "p2", "body": "y" * 5001},
    )
    assert long_comment.status_code == 422
    over_form = prov.post(
        "/consultations/measures/comments",
        data={"csrf_token": _csrf(prov), "paragraph_id": "p2", "body": "y" * 70_000},
    )
    assert over_form.status_code == 413
    assert ConsultationBook(portal.store).comments("measures", public_only=False) == []


def test_forged_ids(portal: Portal) -> None:
    _publish(portal)
    _publish(portal, "second-draft")
    prov = portal.logged_in(Role.provider)
    prov.post(
        "/consultations/second-draft/comments",
        data={"csrf_token": _csrf(prov), "paragraph_id": "p2", "body": "On the second draft."},
    )
    reg = portal.logged_in(Role.regulator)
    token = _csrf(reg)
    assert portal.client().get("/consultations/no-such-draft").status_code == 404
    assert portal.client().get("/consultations/measures?version=99").status_code == 404
    assert portal.client().get("/consultations/measures?version=-1").status_code == 404
    for comment_id in ("1", "abc", "1e3", "99999999999999999999999", "-1"):
        answer = reg.post(
            f"/consultations/measures/comments/{comment_id}/moderation",
            data={"csrf_token": token, "decision": "approve"},
        )
        assert answer.status_code == 404, comment_id  # comment 1 belongs to the other draft
    forged = prov.post(
        "/consultations/measures/comments",
        data={"csrf_token": _csrf(prov), "paragraph_id": "p999", "body": "x"},
    )
    assert forged.status_code == 422
    api = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.provider)}"})
    assert (
        api.post("/api/v1/consultations/nope/comments", json={"paragraph_id": "p1", "body": "x"}).status_code
        == 404
    )
    assert (
        ConsultationBook(portal.store).comments("second-draft", public_only=False)[0].status.value
        == "pending"
    )


def test_the_api_flow_and_tier_changes(portal: Portal) -> None:
    reg = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.regulator)}"})
    made = reg.post(
        "/api/v1/consultations",
        json={
            "id": "co-earlier",
            "title": "Colorado rules earlier",
            "kind": "rules",
            "rule_file": CO_RULES,
            "entry_into_force": "2026-07-01",
            "opens": TODAY.isoformat(),
            "closes": (TODAY + dt.timedelta(days=9)).isoformat(),
            "body": earlier_colorado_rules(),
        },
    )
    assert made.status_code == 201, made.text
    changes = portal.client().get("/api/v1/consultations/co-earlier/tier-changes").json()
    assert changes["as_of"] == "2026-07-01"
    assert {(c["system_id"], c["old"]["tier"], c["new"]["tier"]) for c in changes["changes"]} == {
        ("credit-scoring", None, "covered_admt"),
        ("cv-screening", None, "covered_admt"),
    }
    # a system registered since is in the next answer (the cached list is keyed by the registry)
    from tongzhou.systems.registry import SystemRegistry

    registry = SystemRegistry(portal.store)
    registry.add(registry.get("cv-screening").model_copy(update={"id": "cv-screening-2"}))
    again = portal.client().get("/api/v1/consultations/co-earlier/tier-changes").json()["changes"]
    assert "cv-screening-2" in {c["system_id"] for c in again} and len(again) == 3
    diff = portal.client().get("/consultations/co-earlier/diff").text
    assert "TalentSift CV screening" in diff and "2026-06-01" in diff and 'class="changed"' in diff
    client = portal.client()
    sent = client.post(
        "/api/v1/consultations/co-earlier/comments",
        json={
            "paragraph_id": "co.consequential",
            "body": "Too early for SMEs.",
            "proof_of_work": _pow(client),
        },
    )
    assert sent.status_code == 201 and sent.json()["status"] == "pending"
    comment_id = sent.json()["id"]
    assert portal.client().get("/api/v1/consultations/co-earlier/comments").status_code == 401
    assert (
        reg.post(
            f"/api/v1/consultations/co-earlier/comments/{comment_id}/response", json={"response": "Noted."}
        ).status_code
        == 409
    )  # not closed yet
    assert (
        reg.post(
            f"/api/v1/consultations/co-earlier/comments/{comment_id}/moderation", json={"decision": "approve"}
        ).status_code
        == 200
    )
    public = portal.client().get("/api/v1/consultations/co-earlier").json()
    assert [c["body"] for c in public["comments"]] == ["Too early for SMEs."] and "status" not in public[
        "comments"
    ][0]
    bad = reg.post(
        "/api/v1/consultations",
        json={
            "id": "broken",
            "title": "B",
            "kind": "rules",
            "rule_file": CO_RULES,
            "entry_into_force": "2026-07-01",
            "opens": "2026-01-01",
            "closes": "2030-01-01",
            "body": "rules: [",
        },
    )
    assert bad.status_code == 422 and "not valid YAML" in bad.json()["error"]["message"]
    assert bad.json()["error"]["messages"]["zh"].startswith("规则草案无效")
    wrong_type = reg.post("/api/v1/consultations", content=b"id=x", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415


@pytest.mark.parametrize("role", [Role.public, Role.provider, Role.evaluator, Role.regulator])
def test_non_public_systems_stay_out_of_tier_changes_but_for_regulators(role: Role) -> None:
    change = TierChange(
        "border-face-match", "Border face match", ("migration_border",), "eu", None, "x", "high_risk", "y"
    )
    shown = visible_tier_changes([change], role)
    assert shown == ([change] if role is Role.regulator else [])


def test_a_flood_of_anonymous_comments_is_held_and_the_accepted_ones_kept(portal: Portal) -> None:
    from tongzhou.portal.consultation_view import ANONYMOUS_COMMENTS_PER_HOUR

    _publish(portal)
    client = portal.client()
    statuses = []
    for k in range(ANONYMOUS_COMMENTS_PER_HOUR + 2):
        form = {
            "csrf_token": csrf_of(client.get("/consultations/measures").text),
            "paragraph_id": "p2",
            "body": f"comment {k}",
            "proof_of_work": _pow(client),
        }
        statuses.append(
            client.post("/consultations/measures/comments", data=form, follow_redirects=False).status_code
        )
    assert statuses == [303] * ANONYMOUS_COMMENTS_PER_HOUR + [429, 429]
    kept = ConsultationBook(portal.store).comments("measures", public_only=False)
    assert [c.body for c in kept] == [f"comment {k}" for k in range(ANONYMOUS_COMMENTS_PER_HOUR)]
    # an account is not held by the anonymous limit
    prov = portal.logged_in(Role.provider)
    made = prov.post(
        "/consultations/measures/comments",
        data={"csrf_token": _csrf(prov), "paragraph_id": "p2", "body": "signed"},
        follow_redirects=False,
    )
    assert made.status_code == 303


def test_only_the_anonymous_comment_route_skips_the_csrf_token(portal: Portal) -> None:
    _publish(portal)
    client = portal.client()
    body = {"paragraph_id": "p2", "body": "x", "proof_of_work": _pow(client)}
    assert client.post("/api/v1/consultations/measures/comments", json=body).status_code == 201
    # another route, or the same one from a logged-in browser, still needs the token
    assert client.post("/api/v1/consultations", json={"id": "zzz"}).status_code == 403
    prov = portal.logged_in(Role.provider)
    assert prov.post("/api/v1/consultations/measures/comments", json=body).status_code == 403


def test_a_new_version_keeps_comments_under_their_paragraph(portal: Portal) -> None:
    _publish(portal)
    prov = portal.logged_in(Role.provider)
    prov.post(
        "/consultations/measures/comments",
        data={"csrf_token": _csrf(prov), "paragraph_id": "p3", "body": "Yearly is too often."},
    )
    reg = portal.logged_in(Role.regulator)
    reg.post(
        "/consultations/measures/comments/1/moderation",
        data={"csrf_token": _csrf(reg), "decision": "approve"},
    )
    revised = MARKDOWN.replace(
        "Article 2.", "Article 1a. Registers are kept ten years.\n\nArticle 2."
    ).replace("every year", "every two years")
    sent = reg.post(
        "/consultations/measures/versions",
        files={"csrf_token": (None, _csrf(reg)), "body": (None, revised), "note": (None, "Art. 2 eased")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    doc = portal.client().get("/api/v1/consultations/measures").json()
    assert doc["versions"] == [1, 2]
    assert [p["id"] for p in doc["version"]["paragraphs"]] == ["p1", "p2", "p5", "p3", "p4"]
    page = portal.client().get("/consultations/measures").text
    p3 = page.split('id="para-p3"')[1].split("</section>")[0]
    assert "every two years" in p3 and "Yearly is too often." in p3
    diff = portal.client().get("/consultations/measures/diff?version=2").text
    assert "Version 1 beside version 2" in diff and "Registers are kept ten years." in diff
    assert portal.client().get("/consultations/measures?version=1").status_code == 200
