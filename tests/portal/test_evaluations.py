"""Signed evaluations on the portal: verified against the site's trust policy on upload, stored only
when they verify and name the system, shown with the key, the policy and the recognition view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from tests.portal.conftest import PUBLIC_ID, RESTRICTED_ID, Portal, SeededTemplates, csrf_of, seed
from tests.portal.signed_evaluations import POLICY_NAME, Lab, make_lab, resigned_under_lab_id, tampered
from tongzhou.portal._tables import EVALUATIONS
from tongzhou.portal.evaluation_upload import MAX_EVALUATION_BYTES
from tongzhou.portal.evaluations import site_policy_path
from tongzhou.portal.roles import Role
from tongzhou.portal.service import create_service
from tongzhou.store import Store

OTHER_ID = "credit-scoring"


@pytest.fixture
def lab(portal: Portal, tmp_path: Path) -> Lab:
    return make_lab(portal.store, tmp_path / "banks")


def stored(portal: Portal) -> int:
    with portal.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(EVALUATIONS)).scalar_one())


def as_evaluator(portal: Portal) -> TestClient:
    return portal.client(headers={"Authorization": f"Bearer {portal.token(Role.evaluator)}"})


def upload(client: TestClient, envelope: Any, system_id: str = PUBLIC_ID) -> Any:
    return client.post(f"/api/v1/systems/{system_id}/evaluations", json=envelope)


def test_a_good_envelope_is_stored_and_shown_with_key_policy_and_recognition(
    portal: Portal, lab: Lab
) -> None:
    envelope = lab.envelope(PUBLIC_ID)
    made = upload(as_evaluator(portal), envelope)
    assert made.status_code == 201, made.text
    evaluation_id = made.json()["id"]
    assert stored(portal) == 1
    public = portal.client()
    data = public.get(f"/api/v1/evaluations/{evaluation_id}").json()
    assert data["system_id"] == PUBLIC_ID and data["key_id"] == lab.key_id
    assert data["verification"]["ok"] is True
    assert data["verification"]["policy"] == POLICY_NAME
    assert data["verification"]["jurisdictions"] == ["CN", "EU"]
    assert data["verdict"] in {"pass", "fail", "inconclusive"}
    assert data["report"]["verdicts"] and data["recognition"], data
    recognised = [o["policy_recognises"] for obs in data["recognition"].values() for o in obs]
    assert True in recognised
    page = public.get(f"/evaluations/{evaluation_id}")
    assert page.status_code == 200
    assert lab.key_id in page.text and POLICY_NAME in page.text
    assert (
        'id="browser-verification"' in page.text
        and 'data-public-key="-----BEGIN PUBLIC KEY-----' in page.text
    )
    raw = public.get(f"/api/v1/evaluations/{evaluation_id}/envelope")
    assert raw.headers["content-type"].startswith("application/json")
    assert f"{evaluation_id}.dsse.json" in raw.headers["content-disposition"]
    assert json.loads(raw.content) == envelope
    system_page = public.get(f"/systems/{PUBLIC_ID}").text
    assert f'href="/evaluations/{evaluation_id}"' in system_page
    listed = public.get(f"/api/v1/systems/{PUBLIC_ID}").json()["evaluations"]
    assert [e["id"] for e in listed] == [evaluation_id]
    assert upload(as_evaluator(portal), envelope).status_code == 409 and stored(portal) == 1


def test_a_profile_changed_after_the_evaluation_is_said_so(portal: Portal, lab: Lab) -> None:
    from tongzhou.systems.registry import SystemRegistry

    envelope = lab.envelope(PUBLIC_ID)
    made = upload(as_evaluator(portal), envelope)
    evaluation_id = made.json()["id"]
    api = portal.client().get(f"/api/v1/evaluations/{evaluation_id}").json()
    assert api["profile_matches"] is True
    registry = SystemRegistry(portal.store)
    changed = registry.get(PUBLIC_ID).model_copy(update={"version": "9.9-changed"})
    registry.add(changed, replace=True)
    assert portal.client().get(f"/api/v1/evaluations/{evaluation_id}").json()["profile_matches"] is False
    page = portal.client().get(f"/evaluations/{evaluation_id}", params={"lang": "zh"}).text
    assert "该系统的档案已变更" in page
    # The same run uploaded now is about an old profile: refused as such (before the duplicate check).
    again = upload(as_evaluator(portal), envelope)
    assert again.status_code == 422 and "not about this system" in again.json()["error"]["message"]
    assert stored(portal) == 1


def test_the_upload_form_with_a_bundle(portal: Portal, lab: Lab) -> None:
    browser = portal.logged_in(Role.evaluator)
    page = browser.get(f"/systems/{PUBLIC_ID}").text
    assert 'enctype="multipart/form-data"' in page
    files = {
        "envelope": ("run.dsse.json", json.dumps(lab.envelope(PUBLIC_ID)).encode(), "application/json"),
        "bundle": ("results.jsonl", lab.bundle_results(), "application/octet-stream"),
    }
    made = browser.post(
        f"/systems/{PUBLIC_ID}/evaluations",
        data={"csrf_token": csrf_of(page)},
        files=files,
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text[:2000]
    shown = browser.get(made.headers["location"])
    assert shown.status_code == 200 and stored(portal) == 1
    # Without the CSRF token the same form is refused before anything is read.
    again = browser.post(f"/systems/{PUBLIC_ID}/evaluations", files=files, follow_redirects=False)
    assert again.status_code == 403 and stored(portal) == 1


def test_a_bundle_that_differs_from_the_signed_results_is_refused(portal: Portal, lab: Lab) -> None:
    browser = portal.logged_in(Role.evaluator)
    page = browser.get(f"/systems/{PUBLIC_ID}").text
    bad_bundle = lab.bundle_results().replace(b'"passed": true', b'"passed": false', 1)
    files = {
        "envelope": ("run.dsse.json", json.dumps(lab.envelope(PUBLIC_ID)).encode(), "application/json"),
        "bundle": ("results.jsonl", bad_bundle, "application/octet-stream"),
    }
    refused = browser.post(
        f"/systems/{PUBLIC_ID}/evaluations", data={"csrf_token": csrf_of(page)}, files=files
    )
    assert refused.status_code == 422 and "result-mismatch" in refused.text
    assert 'role="alert"' in refused.text and stored(portal) == 0


def _refusals(lab: Lab) -> dict[str, tuple[Any, str, int, str]]:
    good = lab.envelope(PUBLIC_ID)
    return {
        "tampered payload": (tampered(good), PUBLIC_ID, 422, "bad-signature"),
        "wrong key": (resigned_under_lab_id(good, lab.stranger), PUBLIC_ID, 422, "bad-signature"),
        "untrusted key": (lab.envelope(PUBLIC_ID, key=lab.stranger), PUBLIC_ID, 422, "unknown-key"),
        "another system's subject": (good, OTHER_ID, 422, "not about this system"),
        "no system named": (lab.envelope(PUBLIC_ID, system_profile_sha256=None), PUBLIC_ID, 422, "(none)"),
        "not an envelope": ({"hello": "world"}, PUBLIC_ID, 422, "DSSE"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "tampered payload",
        "wrong key",
        "untrusted key",
        "another system's subject",
        "no system named",
        "not an envelope",
    ],
)
def test_bad_envelopes_are_refused_and_nothing_is_stored(portal: Portal, lab: Lab, case: str) -> None:
    envelope, system_id, status, says = _refusals(lab)[case]
    refused = upload(as_evaluator(portal), envelope, system_id)
    assert refused.status_code == status, refused.text
    error = refused.json()["error"]
    assert says in error["message"], error
    assert error["messages"]["zh"] and error["messages"]["zh"] != error["messages"]["en"]
    assert stored(portal) == 0


def test_oversize_and_wrong_content_types_are_refused(portal: Portal, lab: Lab) -> None:
    client = as_evaluator(portal)
    path = f"/api/v1/systems/{PUBLIC_ID}/evaluations"
    huge = b'{"payload": "' + b"A" * (MAX_EVALUATION_BYTES + 10) + b'"}'
    assert client.post(path, content=huge, headers={"content-type": "application/json"}).status_code == 413
    text = json.dumps(lab.envelope(PUBLIC_ID))
    wrong = client.post(path, content=text, headers={"content-type": "text/plain"})
    assert wrong.status_code == 415 and wrong.json()["error"]["messages"]["zh"].startswith("请以")
    png = client.post(path, files={"envelope": ("run.png", text.encode(), "image/png")})
    assert png.status_code == 415
    assert stored(portal) == 0


def test_without_a_site_policy_nothing_is_accepted(portal: Portal, lab: Lab) -> None:
    site_policy_path().unlink()
    refused = upload(as_evaluator(portal), lab.envelope(PUBLIC_ID))
    assert refused.status_code == 503 and stored(portal) == 0


def test_restricted_systems_and_their_evaluations_stay_hidden(portal: Portal, lab: Lab) -> None:
    # An evaluator cannot see a non-public (Art. 49(4)) entry, so cannot upload to it either.
    assert upload(as_evaluator(portal), lab.envelope(RESTRICTED_ID), RESTRICTED_ID).status_code == 404
    assert stored(portal) == 0
    assert portal.client().get("/evaluations/ev-000000000000000000000000").status_code == 404
    assert portal.client().get("/api/v1/evaluations/nope/envelope").status_code == 404


def test_signed_evaluations_on_each_backend(
    store: Store, seeded_templates: SeededTemplates, tmp_path: Path
) -> None:
    """Upload, refusal with nothing stored, the duplicate check and the pages on SQLite and PostgreSQL."""
    seeded_templates.restore(store, seed)
    portal = Portal(store, create_service(store))
    lab = make_lab(store, tmp_path / "banks")
    client = as_evaluator(portal)
    assert upload(client, tampered(lab.envelope(PUBLIC_ID))).status_code == 422
    assert stored(portal) == 0
    envelope = lab.envelope(PUBLIC_ID)
    made = upload(client, envelope)
    assert made.status_code == 201, made.text
    assert upload(client, envelope).status_code == 409 and stored(portal) == 1
    evaluation_id = made.json()["id"]
    assert portal.client().get(f"/api/v1/evaluations/{evaluation_id}").json()["verification"]["ok"] is True
    assert portal.client().get(f"/evaluations/{evaluation_id}").status_code == 200
