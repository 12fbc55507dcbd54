"""The proof-of-work spam check: a solved, fresh, unused answer passes once; everything else is refused
with a reason, on SQLite and PostgreSQL; the challenge route; the browser's solver agrees with Python."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.portal import test_browser
from tests.portal.conftest import Portal
from tongzhou.portal._tables import POW_SPENT
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.proof_of_work import ProofOfWork, solve
from tongzhou.store import Store

KEY = b"k" * 32
live = test_browser.live  # the service on a loopback port
page = test_browser.page  # a Chromium page on it that fails the test on a console error


def _pow(store: Store, **kwargs: Any) -> ProofOfWork:
    return ProofOfWork(store, KEY, max_number=kwargs.pop("max_number", 2000), **kwargs)


def _refusal(pow_: ProofOfWork, payload: str | None, purpose: str = "report", **kwargs: Any) -> PortalProblem:
    with pytest.raises(PortalProblem) as caught:
        pow_.redeem(payload, purpose, **kwargs)
    return caught.value


def _edit(payload: str, **changes: Any) -> str:
    answer = json.loads(base64.b64decode(payload)) | changes
    return base64.b64encode(json.dumps(answer).encode()).decode()


def test_a_solved_answer_passes_once(store: Store) -> None:
    pow_ = _pow(store)
    payload = solve(pow_.issue("report"))
    pow_.redeem(payload, "report")
    replay = _refusal(pow_, payload)
    assert replay.status == 409 and "already used" in replay.message
    # another worker (another instance over the same store) refuses it too
    assert _refusal(_pow(store), payload).status == 409


def test_the_challenge_is_alteca_shaped_and_hides_its_number(store: Store) -> None:
    challenge = _pow(store).issue("report").to_dict()
    assert set(challenge) == {"algorithm", "challenge", "salt", "signature", "maxnumber", "expires"}
    assert challenge["algorithm"] == "SHA-256" and challenge["maxnumber"] == 2000
    assert f"expires={challenge['expires']}&purpose=report" in challenge["salt"]
    number = json.loads(base64.b64decode(solve(challenge)))["number"]
    assert hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest() == challenge["challenge"]


def test_another_sites_key_is_refused(store: Store) -> None:
    foreign = ProofOfWork(store, b"x" * 32, max_number=2000)
    refusal = _refusal(_pow(store), solve(foreign.issue("report")))
    assert refusal.status == 400 and "not issued by this site" in refusal.message


def test_a_changed_salt_or_challenge_breaks_the_signature(store: Store) -> None:
    pow_ = _pow(store)
    payload = solve(pow_.issue("report"))
    answer = json.loads(base64.b64decode(payload))
    longer = answer["salt"].replace("expires=", "expires=9")  # stretch the expiry
    assert _refusal(pow_, _edit(payload, salt=longer)).status == 400
    assert _refusal(pow_, _edit(payload, challenge="0" * 64)).status == 400
    assert _refusal(pow_, _edit(payload, algorithm="SHA-1")).status == 400


def test_a_wrong_number_is_not_solved(store: Store) -> None:
    pow_ = _pow(store)
    payload = solve(pow_.issue("report"))
    number = json.loads(base64.b64decode(payload))["number"]
    refusal = _refusal(pow_, _edit(payload, number=number + 1))
    assert "not solved" in refusal.message
    for bad in ("7", True, 1.5, None):
        assert _refusal(pow_, _edit(payload, number=bad)).status == 400
    pow_.redeem(payload, "report")  # the failed tries did not spend the real answer


def test_an_answer_for_another_form_is_refused(store: Store) -> None:
    pow_ = _pow(store)
    refusal = _refusal(pow_, solve(pow_.issue("comment")), "report")
    assert "another form" in refusal.message


def test_an_expired_challenge_is_refused_and_spent_rows_are_swept(store: Store) -> None:
    pow_ = _pow(store, ttl_s=60)
    old = pow_.issue("report", now=1_000_000.0)
    assert "expired" in _refusal(pow_, solve(old), now=1_000_061.0).message
    pow_.redeem(solve(pow_.issue("report", now=1_000_000.0)), "report", now=1_000_010.0)
    pow_.redeem(solve(pow_.issue("report", now=2_000_000.0)), "report", now=2_000_000.0)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(POW_SPENT)).scalar_one() == 1


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "not base64!",
        base64.b64encode(b"[1,2]").decode(),
        base64.b64encode(b"{").decode(),
        base64.b64encode(b'{"algorithm": "SHA-256"}').decode(),
        "A" * 5000,
        base64.b64encode(
            json.dumps({"algorithm": 1, "challenge": 2, "salt": 3, "signature": 4, "number": 5}).encode()
        ).decode(),
    ],
    ids=["none", "empty", "not-base64", "list", "bad-json", "missing-keys", "oversized", "wrong-types"],
)
def test_malformed_payloads_are_refused_with_a_reason(store: Store, payload: str | None) -> None:
    refusal = _refusal(_pow(store), payload)
    assert refusal.status == 400 and "missing or malformed" in refusal.message


def test_the_challenge_route(portal: Portal) -> None:
    client = portal.client()
    answer = client.get("/api/v1/proof-of-work?purpose=report")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    portal.app.app.portal.state.portal.proof_of_work.redeem(solve(answer.json()), "report")
    bad = client.get("/api/v1/proof-of-work?purpose=<script>")
    assert bad.status_code == 400 and bad.json()["error"]["messages"]["zh"].startswith("请指明")
    assert client.get("/api/v1/proof-of-work").status_code == 400


@pytest.mark.slow
def test_the_browser_solver_agrees_with_python(portal: Portal, page: Any) -> None:
    """static/js/proof-of-work.js in Debian's Chromium: SHA-256 vectors across block boundaries, and an
    answer to a live challenge that the server accepts (once)."""
    texts = ["", "abc", "a" * 55, "a" * 56, "a" * 63, "a" * 64, "b" * 119, "0123abc?expires=1&purpose=x99"]
    page.goto(f"{page.base}/")
    hashes = page.evaluate(
        "async (texts) => texts.map((await import('/static/js/proof-of-work.js')).sha256Hex)",
        texts,
    )
    assert hashes == [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    payload = page.evaluate(
        "async () => { const m = await import('/static/js/proof-of-work.js');"
        " const c = await (await fetch('/api/v1/proof-of-work?purpose=report')).json();"
        " return m.solve(c); }"
    )
    context = portal.app.app.portal.state.portal
    context.proof_of_work.redeem(payload, "report")
    assert _refusal(context.proof_of_work, payload).status == 409


def test_an_answer_sent_by_many_workers_at_once_passes_once(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    payload = solve(_pow(store).issue("report"))

    def redeem(_: int) -> int:
        try:
            _pow(store).redeem(payload, "report")
        except PortalProblem as problem:
            return problem.status
        return 200

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = sorted(pool.map(redeem, range(6)))
    assert outcomes == [200] + [409] * 5
