"""``/verify`` through the portal: the verifier page in the portal's frame (navigation, language,
CSP), and in Debian's headless Chromium a good envelope verifies and a tampered one is rejected."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.attest.summaries import make_summary
from tests.conftest import free_port
from tests.portal.conftest import Portal
from tests.system_tools import need_chromium
from tests.threats.conftest import ThreadedServer
from tongzhou.attest import KeyRing, sign_run
from tongzhou.reports.browser import chromium_page


def test_the_page_is_served_in_the_portal_frame_and_language(portal: Portal) -> None:
    client = portal.client()
    home = client.get("/").text
    assert 'href="/verify"' in home  # linked in the navigation
    page = client.get("/verify")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script type="module" src="/static/js/verify-page.js">' in page.text
    assert 'id="verify-form"' in page.text and 'id="result"' in page.text
    zh = client.get("/verify?lang=zh")
    assert zh.headers["content-language"] == "zh" and "核验签名报告" in zh.text
    assert "Drop a .dsse.json file here" not in zh.text


@pytest.fixture
def live(portal: Portal) -> Iterator[str]:
    """The service on a loopback port (uvicorn in a thread)."""
    need_chromium()
    port = free_port()
    server = ThreadedServer(portal.app, port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.slow
def test_the_portal_page_verifies_a_good_envelope_and_rejects_a_tampered_one(
    live: str, tmp_path: Path
) -> None:
    ring = KeyRing(tmp_path / "keys")
    ring.generate("lab")
    envelope = sign_run(make_summary(tmp_path / "banks", n_items=9), ring.private_key("lab"), "Example Lab")
    good = tmp_path / "run.dsse.json"
    good.write_text(json.dumps(envelope), "utf-8")
    sig = envelope["signatures"][0]
    bad = tmp_path / "tampered.dsse.json"
    bad.write_text(json.dumps(dict(envelope, signatures=[dict(sig, sig=_flip(sig["sig"]))])), "utf-8")
    pem = ring.info("lab").public_pem
    with chromium_page() as page:
        errors: list[str] = []
        foreign: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(live) else foreign.append(r.url))
        page.goto(f"{live}/verify")
        page.wait_for_selector("body[data-ready='true']")

        def run(path: Path) -> tuple[Any, str]:
            page.set_input_files("#envelope-file", str(path))
            page.wait_for_selector(f"#envelope-name:text('{path.name}')")
            page.fill("#key-text", pem)
            page.evaluate("document.getElementById('result').removeAttribute('data-outcome')")
            page.click("#verify-button")
            page.wait_for_selector("#result[data-outcome]")
            return page.get_attribute("#result", "data-outcome"), page.inner_text("#result")

        outcome, text = run(good)
        assert outcome == "verified" and ring.info("lab").key_id in text and "Example Lab" in text
        outcome, text = run(bad)
        assert outcome == "failed" and "bad-signature" in text
    assert errors == [] and foreign == []  # no CSP violation or script error; nothing from elsewhere
