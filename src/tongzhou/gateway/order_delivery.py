"""Order delivery besides the API: polling URLs, local files (air-gapped sites) and TAXII collections.

Each poller reads whatever the channel holds — one DSSE envelope, a JSON list
of envelopes, or (TAXII) STIX objects of type ``x-tongzhou-halt-order`` whose
``envelope`` property is the DSSE envelope — and hands every envelope it has
not handed before to :meth:`.governor.Governor.receive_order`. Verification is the same
for every channel; a channel is never trusted for what it carries.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tongzhou.gateway.governor import Governor
from tongzhou.gateway.halt_order import HaltOrderError, format_time, parse_payload

log = logging.getLogger("tongzhou.gateway.delivery")
STIX_ORDER_TYPE = "x-tongzhou-halt-order"
"""STIX custom object type that carries an order through TAXII (property ``envelope``)."""
MAX_CHANNEL_BYTES = 4 * 1024 * 1024


def stix_halt_order(envelope: dict[str, Any]) -> dict[str, Any]:
    """Wrap a signed order as a STIX 2.1 custom object for a TAXII collection (docs/gateway.md).

    The STIX id is derived from the order id, so publishing the same order twice is one object.
    """
    order = parse_payload(base64.b64decode(envelope["payload"]))
    stamp = format_time(order.issued_at)
    return {
        "type": STIX_ORDER_TYPE,
        "spec_version": "2.1",
        "id": f"{STIX_ORDER_TYPE}--{uuid.uuid5(uuid.NAMESPACE_URL, 'tongzhou-halt-order:' + order.order_id)}",
        "created": stamp,
        "modified": stamp,
        "envelope": envelope,
    }


def envelopes_in(document: Any) -> list[Any]:
    """The envelopes a channel document holds: one envelope, a list, or STIX objects / a bundle."""
    if isinstance(document, dict) and document.get("type") == "bundle":
        document = document.get("objects") or []
    items = document if isinstance(document, list) else [document]
    out: list[Any] = []
    for item in items:
        if isinstance(item, dict) and item.get("type") == STIX_ORDER_TYPE:
            out.append(item.get("envelope"))
        elif isinstance(item, dict) and "payloadType" in item:
            out.append(item)
    return out


class ChannelReader:
    """Hands each new envelope from one channel to the governor exactly once."""

    def __init__(self, governor: Governor, source: str) -> None:
        self.governor = governor
        self.source = source
        self._handled: set[str] = set()

    def offer(self, envelopes: Iterable[Any]) -> int:
        """Receive the envelopes not seen before on this channel; return how many were accepted."""
        accepted = 0
        for envelope in envelopes:
            digest = hashlib.sha256(json.dumps(envelope, sort_keys=True).encode()).hexdigest()
            if digest in self._handled:
                continue
            self._handled.add(digest)
            try:
                self.governor.receive_order(envelope, self.source)
                accepted += 1
            except HaltOrderError as exc:
                log.warning("order from %s refused (%s): %s", self.source, exc.reason, exc)
        return accepted


def read_order_files(path: Path) -> list[Any]:
    """Envelopes in a file, or in every ``*.json`` file of a directory (unreadable files are logged)."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path] if path.exists() else []
    out: list[Any] = []
    for file in files:
        try:
            if file.stat().st_size > MAX_CHANNEL_BYTES:
                raise ValueError(f"larger than {MAX_CHANNEL_BYTES} bytes")
            out.extend(envelopes_in(json.loads(file.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            log.warning("cannot read halt orders from %s: %s", file, exc)
    return out


async def _poll_files(governor: Governor, path: Path, interval: float) -> None:
    reader = ChannelReader(governor, f"file:{path}")
    while True:
        reader.offer(await asyncio.to_thread(read_order_files, path))
        await asyncio.sleep(interval)


async def _poll_url(governor: Governor, url: str, interval: float) -> None:
    reader = ChannelReader(governor, f"url:{url}")
    while True:
        try:
            assert governor.session is not None
            async with governor.session.get(url) as response:
                body = await response.content.read(MAX_CHANNEL_BYTES + 1)
                if response.status == 200 and len(body) <= MAX_CHANNEL_BYTES:
                    reader.offer(envelopes_in(json.loads(body)))
                elif response.status not in (204, 404):
                    log.warning("halt-order URL %s answered %s", url, response.status)
        except Exception as exc:  # a dead channel must not stop the others or the gateway
            log.warning("cannot poll halt-order URL %s: %s", url, exc)
        await asyncio.sleep(interval)


def fetch_taxii_orders(url: str, user: str | None = None, password: str | None = None) -> list[Any]:
    """Envelopes of the ``x-tongzhou-halt-order`` objects in a TAXII 2.1 collection (taxii2-client).

    Every poll reads all of them; orders are few, and replays are refused by the halt book anyway.
    """
    from taxii2client.v21 import Collection, as_pages

    collection = Collection(url, user=user, password=password)
    envelopes: list[Any] = []
    for page in as_pages(collection.get_objects, per_request=100, type=STIX_ORDER_TYPE):
        envelopes.extend(envelopes_in(page.get("objects", [])))
    return envelopes


async def _poll_taxii(
    governor: Governor, url: str, user: str | None, password: str | None, interval: float
) -> None:
    reader = ChannelReader(governor, f"taxii:{url}")
    while True:
        try:
            reader.offer(await asyncio.to_thread(fetch_taxii_orders, url, user, password))
        except Exception as exc:  # a dead channel must not stop the others or the gateway
            log.warning("cannot poll TAXII collection %s: %s", url, exc)
        await asyncio.sleep(interval)


def start_pollers(governor: Governor) -> list[asyncio.Task[None]]:
    """Start one task per configured channel."""
    delivery = governor.policy.halt.delivery
    interval = delivery.poll_interval_seconds
    tasks = [asyncio.create_task(_poll_url(governor, url, interval)) for url in delivery.urls]
    tasks += [
        asyncio.create_task(_poll_files(governor, governor.policy.resolve(p, Path(p)), interval))
        for p in delivery.files
    ]
    tasks += [
        asyncio.create_task(_poll_taxii(governor, t.url, t.user, t.password, interval))
        for t in delivery.taxii
    ]
    return tasks
