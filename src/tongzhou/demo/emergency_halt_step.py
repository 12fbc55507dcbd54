"""Demo step: the gateway in front of the bundled SmolLM2 (llama-cpp-python's server) — a labelled answer,
a signed PAUSE and the 503 naming it, RESUME, and the audit chain verified. About half a minute."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import httpx

from tongzhou.attest import KeyRing
from tongzhou.bundled_model import bundled_model_path
from tongzhou.demo import DemoContext
from tongzhou.gateway.audit_log import verify_audit_log
from tongzhou.gateway.halt_order import HaltOrder
from tongzhou.gateway.policy import load_policy
from tongzhou.gateway.server import GatewayThread
from tongzhou.model_runtime.openai_server import ModelServer

ISSUER = "demo-ai-safety-office"
KEY_NAME = "gateway-demo-regulator"
MODEL = "smollm2-135m-instruct"


def halt_through_gateway(ctx: DemoContext) -> None:
    """Start model server + gateway, show labels, a halt order, resume, and the verified audit log."""
    console = ctx.console
    out = ctx.out_dir / "gateway"
    out.mkdir(parents=True, exist_ok=True)
    ring = KeyRing()
    if KEY_NAME not in {k.name for k in ring.list()}:
        ring.generate(KEY_NAME)
    regulator = ring.private_key(KEY_NAME)
    policy_path = out / "gateway.yaml"
    policy_path.write_text(
        "# Demo policy: one trusted issuer; audit log and halt state next to this file.\n"
        "service: {system_id: demo-chat-assistant, organisation: demo-org}\n"
        f"halt:\n  state_file: halt-state.json\n  stream_cut_seconds: 0.5\n"
        f"  trust:\n    - {{issuer: {ISSUER}, key: {KEY_NAME}}}\n"
        "audit: {dir: audit, content: hash}\n"
        "labels: {explicit: true, implicit: true, language: zh, position: prefix}\n",
        encoding="utf-8",
    )
    policy = load_policy(policy_path)
    policy.state_path().unlink(missing_ok=True)  # a fresh run starts un-halted
    model_server = ModelServer(
        bundled_model_path(), out / "model-server.log", alias=MODEL, n_ctx=1024
    ).start()
    upstream = model_server.base_url
    request = {
        "model": MODEL,
        "max_tokens": 24,
        "temperature": 0,
        "messages": [{"role": "user", "content": "What is a lighthouse? One sentence."}],
    }
    try:
        with GatewayThread(upstream, policy) as gateway:
            chat = f"{gateway.base_url}/v1/chat/completions"
            console.print(f"gateway {gateway.base_url}/v1 → {upstream} (bundled SmolLM2)")
            answer = httpx.post(chat, json=request, timeout=120)
            if answer.status_code != 200:
                model_server.check_alive("answering")
            console.print(
                f"[bold]1. labelled answer[/] ({answer.status_code}):",
                answer.json()["choices"][0]["message"]["content"],
                highlight=False,
            )
            console.print(
                f"   implicit label header AIGC: {answer.headers.get('AIGC', '')[:100]}…", highlight=False
            )
            pause = HaltOrder.create(
                "PAUSE",
                "all",
                ISSUER,
                "演示：监管机构要求暂停 / demo: regulator-ordered pause",
                expires_in=timedelta(hours=1),
            )
            envelope = pause.sign(regulator)
            (out / "pause-order.json").write_text(json.dumps(envelope, indent=1), encoding="utf-8")
            sent = time.monotonic()
            receipt = httpx.post(f"{gateway.base_url}/governance/halt-orders", json=envelope, timeout=10)
            refused = httpx.post(chat, json=request, timeout=10)
            console.print(
                f"[bold]2. signed PAUSE[/] accepted ({receipt.status_code}); next request → "
                f"{refused.status_code} after {1000 * (time.monotonic() - sent):.0f} ms:",
                refused.json()["error"]["message"],
                highlight=False,
            )
            altered = {**pause.to_json(), "scope": {"kind": "organisation", "id": "someone-else"}}
            forged = {**envelope, "payload": base64.b64encode(json.dumps(altered).encode()).decode()}
            bad = httpx.post(f"{gateway.base_url}/governance/halt-orders", json=forged, timeout=10)
            console.print(f"   a forged order is refused: {bad.status_code} {bad.json()['reason']}")
            resume = HaltOrder.create("RESUME", "all", ISSUER, "演示结束 / demo: all clear").sign(regulator)
            lifted = httpx.post(f"{gateway.base_url}/governance/halt-orders", json=resume, timeout=10).json()
            again = httpx.post(chat, json=request, timeout=120)
            console.print(
                f"[bold]3. signed RESUME[/] lifted {lifted['lifted']}; next request → {again.status_code}"
            )
        result = verify_audit_log(policy.audit_dir())
        console.print(
            f"[bold]4. audit chain[/]: {'intact' if result.ok else 'DAMAGED'}, {result.records} records "
            f"in {policy.audit_dir()} (verify: tongzhou gateway audit verify --policy {policy_path})"
        )
    finally:
        model_server.stop()
