"""Orders published to a TAXII 2.1 collection (Tongzhou's threats server) and polled by the gateway."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from taxii2client.v21 import Collection

from tests.conftest import free_port
from tests.gateway.conftest import Issuers, write_policy
from tongzhou.gateway.order_delivery import stix_halt_order
from tongzhou.gateway.policy import TaxiiSource, load_policy
from tongzhou.gateway.server import GatewayThread
from tongzhou.store import open_store

threats = pytest.importorskip("tongzhou.threats.server")
REQUEST = {"model": "stub-model", "messages": [{"role": "user", "content": "hi"}]}


def test_an_order_published_to_a_taxii_collection_halts_the_gateway(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    from tongzhou.threats.auth import Authority
    from tongzhou.threats.repository import TaxiiRepository

    store = open_store(f"sqlite:///{tmp_path / 'taxii.db'}")
    collection = TaxiiRepository(store).create_collection("tongzhou", "Halt orders", alias="halt-orders")
    authority = Authority(store)
    authority.add_principal("regulator", password="s3cret-regulator")
    authority.grant("regulator", collection.id, read=True, write=True)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            threats.create_app(store), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the TAXII server did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/tongzhou/collections/{collection.id}/"
    policy = load_policy(write_policy(tmp_path))
    policy.halt.delivery.taxii = [TaxiiSource(url=url, user="regulator", password="s3cret-regulator")]
    policy.halt.delivery.poll_interval_seconds = 0.2
    try:
        with GatewayThread(stub_upstream, policy) as gateway:
            chat = f"{gateway.base_url}/v1/chat/completions"
            assert httpx.post(chat, json=REQUEST, timeout=10).status_code == 200
            order = issuers.order("PAUSE", reason="shared via TAXII by the national CERT")
            publisher = Collection(url, user="regulator", password="s3cret-regulator")
            status = publisher.add_objects({"objects": [stix_halt_order(order.sign(issuers.regulator))]})
            assert status.success_count == 1
            deadline = time.monotonic() + 10
            while httpx.post(chat, json=REQUEST, timeout=10).status_code != 503:
                assert time.monotonic() < deadline, "the TAXII-delivered order did not take effect"
                time.sleep(0.1)
            (halt,) = gateway.gateway.book.snapshot()["active"]
            assert halt["source"] == f"taxii:{url}" and halt["order"]["order_id"] == order.order_id
    finally:
        server.should_exit = True
        thread.join(30)
        store.close()
