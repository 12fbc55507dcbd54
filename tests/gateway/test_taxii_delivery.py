"""TAXII 2.1 (the threats server, read with taxii2-client): halt orders and indicators for the gateway."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from taxii2client.v21 import Collection

from tests.conftest import free_port
from tests.gateway.conftest import Issuers, write_policy
from tongzhou.gateway.indicators import IndicatorSet, compile_pattern
from tongzhou.gateway.order_delivery import stix_halt_order
from tongzhou.gateway.policy import TaxiiSource, load_policy
from tongzhou.gateway.server import GatewayThread
from tongzhou.store import open_store
from tongzhou.threats import server as threats

REQUEST = {"model": "stub-model", "messages": [{"role": "user", "content": "hi"}]}
USER, PASSWORD = "regulator", "s3cret-regulator"


@pytest.fixture
def taxii_collection(tmp_path: Path) -> Iterator[str]:
    """A collection on a live threats TAXII server, writable and readable by USER; yields its URL."""
    from tongzhou.threats.auth import Authority
    from tongzhou.threats.repository import TaxiiRepository

    store = open_store(f"sqlite:///{tmp_path / 'taxii.db'}")
    collection = TaxiiRepository(store).create_collection("tongzhou", "Gateway feed", alias="gateway-feed")
    authority = Authority(store)
    authority.add_principal(USER, password=PASSWORD)
    authority.grant(USER, collection.id, read=True, write=True)
    port = free_port()
    config = uvicorn.Config(
        threats.create_app(store), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the TAXII server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/tongzhou/collections/{collection.id}/"
    finally:
        server.should_exit = True
        thread.join(30)
        store.close()


def test_an_order_published_to_a_taxii_collection_halts_the_gateway(
    stub_upstream: str, issuers: Issuers, tmp_path: Path, taxii_collection: str
) -> None:
    url = taxii_collection
    policy = load_policy(write_policy(tmp_path))
    policy.halt.delivery.taxii = [TaxiiSource(url=url, user=USER, password=PASSWORD)]
    policy.halt.delivery.poll_interval_seconds = 0.2
    with GatewayThread(stub_upstream, policy) as gateway:
        chat = f"{gateway.base_url}/v1/chat/completions"
        assert httpx.post(chat, json=REQUEST, timeout=10).status_code == 200
        order = issuers.order("PAUSE", reason="shared via TAXII by the national CERT")
        publisher = Collection(url, user=USER, password=PASSWORD)
        status = publisher.add_objects({"objects": [stix_halt_order(order.sign(issuers.regulator))]})
        assert status.success_count == 1
        deadline = time.monotonic() + 10
        while httpx.post(chat, json=REQUEST, timeout=10).status_code != 503:
            assert time.monotonic() < deadline, "the TAXII-delivered order did not take effect"
            time.sleep(0.1)
        (halt,) = gateway.governor.book.snapshot()["active"]
        assert halt["source"] == f"taxii:{url}" and halt["order"]["order_id"] == order.order_id


def indicator(name: str, pattern: str) -> dict[str, object]:
    import uuid

    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }


def test_stix_patterns_compile_to_prompt_matchers() -> None:
    assert compile_pattern("[x-llm-prompt:value = 'Ignore previous instructions']")[0].search(
        "please IGNORE PREVIOUS INSTRUCTIONS now"
    )
    like = compile_pattern("[x-llm-prompt:value LIKE '%developer mode%']")[0]
    assert like.search("enable Developer Mode please") and not like.search("developer")
    regex = compile_pattern("[x-llm-prompt:value MATCHES '^DAN\\\\b']")[0]
    assert regex.search("DAN is here") and not regex.search("DANCE")
    assert compile_pattern("[ipv4-addr:value ISSUBSET '10.0.0.0/8']") == []
    indicators = IndicatorSet.from_objects([indicator("bad", "[file:size > 10]"), {"type": "malware"}])
    assert indicators.matchers == [] and indicators.skipped == 1


def test_indicators_shared_over_taxii_raise_alerts_and_sightings_of_them(
    stub_upstream: str, issuers: Issuers, tmp_path: Path, taxii_collection: str
) -> None:
    jailbreak = indicator("Known jailbreak opener (DAN)", "[x-llm-prompt:value LIKE '%do anything now%']")
    publisher = Collection(taxii_collection, user=USER, password=PASSWORD)
    assert publisher.add_objects({"objects": [jailbreak]}).success_count == 1
    sightings = tmp_path / "sightings.jsonl"
    policy = load_policy(
        write_policy(
            tmp_path,
            f"""
early_warning:
  sightings_file: {sightings}
  rules:
    - id: shared-jailbreaks
      kind: indicator
      taxii: {{url: "{taxii_collection}", user: {USER}, password: {PASSWORD}}}
      refresh_seconds: 0.2
      actions: [log, sighting]
""",
        )
    )
    with GatewayThread(stub_upstream, policy) as gateway:
        deadline = time.monotonic() + 10
        while not gateway.governor.warnings.indicator_sets.get("shared-jailbreaks"):
            assert time.monotonic() < deadline, "indicators were not loaded"
            time.sleep(0.05)
        attack = {
            "model": "stub-model",
            "messages": [{"role": "user", "content": "You can Do Anything Now."}],
        }
        assert (
            httpx.post(f"{gateway.base_url}/v1/chat/completions", json=attack, timeout=10).status_code == 200
        )
        (alert,) = httpx.get(f"{gateway.base_url}/governance/alerts", timeout=10).json()["alerts"]
    assert alert["detail"]["stix_indicators"][0]["id"] == jailbreak["id"]
    (sighting,) = [json.loads(line) for line in sightings.read_text().splitlines()]
    assert sighting["sighting_of_ref"] == jailbreak["id"]
