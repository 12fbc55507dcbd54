"""Early-warning rules on live traffic through the gateway.

The stub upstream gives deterministic outputs and failures."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from tests.gateway.conftest import Issuers, write_policy
from tongzhou.gateway.policy import load_policy
from tongzhou.gateway.server import GatewayThread

REQUEST = {"model": "stub-model", "messages": [{"role": "user", "content": "hi"}]}


def control(upstream: str, **change: Any) -> None:
    httpx.post(upstream.removesuffix("/v1") + "/stub/control", json=change, timeout=10).raise_for_status()


def test_keyword_rule_alerts_and_writes_a_stix_sighting(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    sightings = tmp_path / "sightings.jsonl"
    policy = load_policy(
        write_policy(
            tmp_path,
            f"""
early_warning:
  sightings_file: {sightings}
  rules:
    - id: weapons-keywords
      kind: keyword
      risk: "A.1.6"
      source: "test list"
      keywords: [detonator, 雷管]
      threshold: 2
      window_seconds: 60
      actions: [log, sighting]
""",
        )
    )
    control(stub_upstream, reply="Connect the detonator. 然后连接雷管。")
    with GatewayThread(stub_upstream, policy) as gateway:
        assert (
            httpx.post(f"{gateway.base_url}/v1/chat/completions", json=REQUEST, timeout=10).status_code == 200
        )
        (alert,) = httpx.get(f"{gateway.base_url}/governance/alerts", timeout=10).json()["alerts"]
    assert alert["rule"] == "weapons-keywords" and sorted(alert["detail"]["keywords"]) == [
        "detonator",
        "雷管",
    ]
    (line,) = sightings.read_text(encoding="utf-8").splitlines()
    sighting = json.loads(line)
    assert sighting["type"] == "sighting" and sighting["spec_version"] == "2.1"
    assert sighting["sighting_of_ref"].startswith("indicator--")


def test_refusal_rate_drop_alerts(stub_upstream: str, issuers: Issuers, tmp_path: Path) -> None:
    policy = load_policy(
        write_policy(
            tmp_path,
            """
early_warning:
  rules:
    - {id: refusal-drop, kind: refusal_rate, baseline: 0.9, max_drop: 0.2, window: 10, min_samples: 5}
""",
        )
    )
    with GatewayThread(stub_upstream, policy) as gateway:
        control(stub_upstream, reply="I'm sorry, but I can't help with that.")
        for _ in range(5):
            httpx.post(f"{gateway.base_url}/v1/chat/completions", json=REQUEST, timeout=10)
        assert httpx.get(f"{gateway.base_url}/governance/alerts", timeout=10).json()["alerts"] == []
        control(stub_upstream, reply="Sure, here is how.")
        for _ in range(5):
            httpx.post(f"{gateway.base_url}/v1/chat/completions", json=REQUEST, timeout=10)
        alerts = httpx.get(f"{gateway.base_url}/governance/alerts", timeout=10).json()["alerts"]
    assert [a["rule"] for a in alerts] == ["refusal-drop"]
    assert alerts[0]["detail"]["refusal_rate"] < 0.7


def test_error_spike_trips_the_breaker_and_a_signed_resume_lifts_it(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    received: list[dict[str, Any]] = []
    hook = _webhook(received)
    policy = load_policy(
        write_policy(
            tmp_path,
            f"""
early_warning:
  webhook: {hook}
  rules:
    - {{id: error-breaker, kind: error_rate, threshold: 0.5, min_samples: 4, window_seconds: 60,
       actions: [log, webhook, pause]}}
""",
        )
    )
    with GatewayThread(stub_upstream, policy) as gateway:
        url = f"{gateway.base_url}/v1/chat/completions"
        control(stub_upstream, status=500)
        codes = [httpx.post(url, json=REQUEST, timeout=10).status_code for _ in range(5)]
        assert codes[:4] == [500, 500, 500, 500] and codes[4] == 503
        control(stub_upstream, status=200)
        refused = httpx.post(url, json=REQUEST, timeout=10)
        assert refused.status_code == 503 and "error-breaker" in refused.json()["error"]["message"]
        resume = issuers.order("RESUME", "system:demo-system", reason="upstream repaired")
        httpx.post(
            f"{gateway.base_url}/governance/halt-orders", json=resume.sign(issuers.regulator), timeout=10
        )
        assert httpx.post(url, json=REQUEST, timeout=10).status_code == 200
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
    assert received and received[0]["rule"] == "error-breaker"


def _webhook(received: list[dict[str, Any]]) -> str:
    """A real HTTP endpoint collecting alert POSTs."""
    import asyncio

    async def collect(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/alerts", collect)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}/alerts"


def test_energy_per_token_is_reported_per_period(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    policy = load_policy(write_policy(tmp_path, "energy_period_seconds: 0.5"))
    with GatewayThread(stub_upstream, policy) as gateway:
        for _ in range(3):
            httpx.post(f"{gateway.base_url}/v1/chat/completions", json=REQUEST, timeout=10)
        deadline = time.monotonic() + 10
        periods: list[dict[str, Any]] = []
        while sum(p["queries"] for p in periods) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
            periods = httpx.get(f"{gateway.base_url}/governance/energy", timeout=10).json()["periods"]
    served = [p for p in periods if p["tokens"]]
    # The stub reports 7 completion tokens per answer; the requests may straddle a period boundary.
    assert sum(p["tokens"] for p in served) == 21 and sum(p["queries"] for p in served) == 3
    for period in served:
        assert period["joules"] > 0
        assert period["joules_per_token"] == pytest.approx(period["joules"] / period["tokens"], rel=1e-3)
        assert period["method"] in ("measured", "estimated") and period["meter"]
