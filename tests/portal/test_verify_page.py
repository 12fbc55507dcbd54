"""The in-browser DSSE verifier (portal/static/js/dsse-verify.js) and the "verify a report" page, run
in Debian's headless Chromium against envelopes made by our own signer.

The static files are served by a real HTTP server on loopback (ES modules do not load from
file://), with a strict Content-Security-Policy, so the page is also shown to need no inline
script or style and no resource from anywhere else.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.attest.summaries import make_summary
from tests.system_tools import need_chromium
from tongzhou.attest import KeyRing, pae, sign_run
from tongzhou.reports.browser import chromium_page

STATIC = Path(__file__).resolve().parents[2] / "src" / "tongzhou" / "portal" / "static"
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'"


class _StaticHandler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — the base class's name
        pass


@pytest.fixture(scope="module")
def static_url() -> Iterator[str]:
    """The static folder served on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_StaticHandler, directory=str(STATIC)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page(static_url: str) -> Iterator[Any]:
    """One headless Chromium page on the verify page, collecting console errors and requests."""
    need_chromium()
    with chromium_page() as p:
        p.errors, p.requests = [], []  # type: ignore[attr-defined]
        p.on("console", lambda m: m.type == "error" and p.errors.append(m.text))  # type: ignore[attr-defined]
        p.on("pageerror", lambda e: p.errors.append(str(e)))  # type: ignore[attr-defined]
        p.on("request", lambda r: p.requests.append(r.url))  # type: ignore[attr-defined]
        p.goto(f"{static_url}/verify.html")
        p.wait_for_selector("body[data-ready='true']")
        yield p


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A run signed by ``lab``; the public keys of ``lab`` and ``stranger``."""
    tmp = tmp_path_factory.mktemp("signed")
    ring = KeyRing(tmp / "keys")
    ring.generate("lab")
    ring.generate("stranger")
    envelope = sign_run(make_summary(tmp / "banks", n_items=9), ring.private_key("lab"), "Example Lab")
    return {
        "envelope": envelope,
        "lab": ring.info("lab"),
        "stranger": ring.info("stranger"),
        "dir": tmp,
    }


_VERIFY = """async ([envelope, pem]) => {
  const m = await import('./js/dsse-verify.js');
  try {
    const r = await m.verifyEnvelope(envelope, pem);
    return {ok: true, keyId: r.keyId, payloadType: r.payloadType, statement: r.statement};
  } catch (e) {
    return {ok: false, reason: e.reason || e.name, message: e.message};
  }
}"""


def _verify(page: Any, envelope: dict[str, Any] | str, pem: str) -> dict[str, Any]:
    text = envelope if isinstance(envelope, str) else json.dumps(envelope)
    return page.evaluate(_VERIFY, [text, pem])  # type: ignore[no-any-return]


def _flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_a_good_envelope_verifies_with_its_key_id_and_statement(page: Any, signed: dict[str, Any]) -> None:
    result = _verify(page, signed["envelope"], signed["lab"].public_pem)
    assert result["ok"], result
    assert result["keyId"] == signed["lab"].key_id  # the same id as tongzhou.attest.keys.key_id
    assert result["statement"] == json.loads(base64.b64decode(signed["envelope"]["payload"]))
    assert result["statement"]["predicate"]["report"]["evaluator"]["name"] == "Example Lab"
    # Both keys given (e.g. a trust policy's list): the signer's is found among them.
    both = _verify(page, signed["envelope"], signed["stranger"].public_pem + signed["lab"].public_pem)
    assert both["ok"] and both["keyId"] == signed["lab"].key_id
    # A trust policy file holds the evaluators' keys as indented PEM blocks: it can be given as is.
    pem_block = "".join(f"      {line}\n" for line in signed["lab"].public_pem.splitlines())
    policy = "policy: tongzhou-trust-policy/v1\nevaluators:\n  - name: Example Lab\n    public_key: |\n"
    policy += pem_block
    assert yaml.safe_load(policy)["evaluators"][0]["public_key"] == signed["lab"].public_pem
    assert _verify(page, signed["envelope"], policy)["keyId"] == signed["lab"].key_id
    # DSSE allows URL-safe base64.
    urlsafe = dict(
        signed["envelope"],
        payload=base64.urlsafe_b64encode(base64.b64decode(signed["envelope"]["payload"]))
        .decode()
        .rstrip("="),
    )
    assert _verify(page, urlsafe, signed["lab"].public_pem)["ok"]


def test_tampering_and_wrong_keys_fail_with_a_clear_reason(page: Any, signed: dict[str, Any]) -> None:
    env, lab, stranger = signed["envelope"], signed["lab"], signed["stranger"]
    payload = json.loads(base64.b64decode(env["payload"]))
    payload["predicate"]["report"]["evaluator"]["name"] = "Someone Else"
    tampered_payload = dict(env, payload=base64.b64encode(json.dumps(payload).encode()).decode())
    tampered_sig = dict(env, signatures=[dict(env["signatures"][0], sig=_flip(env["signatures"][0]["sig"]))])
    spoofed_keyid = dict(env, signatures=[dict(env["signatures"][0], keyid=stranger.key_id)])
    cases = [
        (tampered_payload, lab.public_pem, "bad-signature", "does not match the payload"),
        (tampered_sig, lab.public_pem, "bad-signature", "does not match the payload"),
        (env, stranger.public_pem, "unknown-key", f"signed by: {lab.key_id}"),
        (spoofed_keyid, stranger.public_pem, "bad-signature", stranger.key_id),
        (dict(env, payload="%%%"), lab.public_pem, "malformed", "not valid base64"),
        (dict(env, signatures=[]), lab.public_pem, "malformed", "no signatures"),
        ("{not json", lab.public_pem, "malformed", "not JSON"),
        (env, "not a key", "bad-key", "BEGIN PUBLIC KEY"),
        (env, "", "no-keys", "no public key"),
    ]
    for envelope, pem, reason, message in cases:
        result = _verify(page, envelope, pem)
        assert not result["ok"] and result["reason"] == reason, (reason, result)
        assert message in result["message"], result


def test_the_pre_authentication_encoding_is_byte_for_byte_ours(page: Any) -> None:
    payload_type, payload = "application/vnd.测试+json", '{"ü": "同舟"}'.encode()
    js = page.evaluate(
        """async ([t, p]) => { const m = await import('./js/dsse-verify.js');
             return Array.from(m.pae(t, new Uint8Array(p))); }""",
        [payload_type, list(payload)],
    )
    assert bytes(js) == pae(payload_type, payload)


def test_the_page_verifies_a_chosen_file_entirely_client_side(
    page: Any, signed: dict[str, Any], static_url: str
) -> None:
    good = signed["dir"] / "run.dsse.json"
    good.write_text(json.dumps(signed["envelope"]), "utf-8")
    env = signed["envelope"]
    bad = signed["dir"] / "tampered.dsse.json"
    bad.write_text(
        json.dumps(dict(env, signatures=[dict(env["signatures"][0], sig=_flip(env["signatures"][0]["sig"]))]))
    )
    page.requests.clear()

    def run(path: Path, pem: str) -> tuple[str, str]:
        page.set_input_files("#envelope-file", str(path))
        page.wait_for_selector(f"#envelope-name:text('{path.name}')")
        page.fill("#key-text", pem)
        page.evaluate("document.getElementById('result').removeAttribute('data-outcome')")
        page.click("#verify-button")
        page.wait_for_selector("#result[data-outcome]")
        return page.get_attribute("#result", "data-outcome"), page.inner_text("#result")

    outcome, text = run(good, signed["lab"].public_pem)
    assert outcome == "verified" and signed["lab"].key_id in text and "Example Lab" in text
    outcome, text = run(bad, signed["lab"].public_pem)
    assert outcome == "failed" and "bad-signature" in text and "altered or forged" in text
    outcome, text = run(good, signed["stranger"].public_pem)
    assert outcome == "failed" and "unknown-key" in text and signed["lab"].key_id in text
    # Nothing was fetched while verifying: the files never left the page.
    assert page.requests == []
    assert page.errors == []  # no CSP violation, no script error


def test_the_page_loads_only_its_own_files(page: Any, static_url: str) -> None:
    page.requests.clear()
    page.errors.clear()
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.requests and all(u.startswith(static_url + "/") for u in page.requests), page.requests
    assert {u.rsplit("/", 1)[1] for u in page.requests} >= {"verify.html", "dsse-verify.js", "verify-page.js"}
    assert page.errors == []  # under a CSP without 'unsafe-inline': no violation
