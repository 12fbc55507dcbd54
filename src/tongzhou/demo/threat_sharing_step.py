"""The threats step of `tongzhou demo`: ATLAS sample → collection, an incident with its Art. 73 deadline,
then a real TAXII round trip on loopback (taxii2-client push and pull against our server)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from tongzhou.atomic_file import write_text_atomic
from tongzhou.demo import DemoContext
from tongzhou.threats.atlas import import_atlas
from tongzhou.threats.auth import Authority
from tongzhou.threats.incidents import (
    IncidentRecord,
    art73_draft,
    incident_to_stix,
    render_markdown,
    save_incident,
)
from tongzhou.threats.repository import TaxiiRepository
from tongzhou.threats.server import ServerConfig, create_app
from tongzhou.threats.sharing import (
    ensure_collection,
    publish,
    pull,
    push,
    remote_collection,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def share_threats(ctx: DemoContext) -> None:
    """Import ATLAS, record an incident, share it over TAXII 2.1 and read it back."""
    store, console = ctx.store, ctx.console
    atlas = ensure_collection(store, "mitre-atlas", "MITRE ATLAS", public_read=True)
    totals = publish(store, atlas, import_atlas())
    console.print(
        f"ATLAS sample → collection mitre-atlas: {totals['success']} STIX objects accepted, "
        f"{TaxiiRepository(store).count(atlas)} stored (deterministic ids: re-imports add nothing)"
    )

    record = IncidentRecord(
        title="Customer-service chatbot leaked another customer's order history via prompt injection",
        description="A crafted support ticket made the assistant reveal other customers' order data.",
        harm_types=["rights"],
        widespread_infringement=True,
        aware="2026-11-20T09:30:00Z",
        ai_system="Support assistant (SmolLM2-135M-Instruct)",
        atlas_techniques=["AML.T0051.001"],
        source="demo",
        source_ref="demo-1",
    )
    save_incident(store, record)
    draft = art73_draft(record)
    write_text_atomic(ctx.out_dir / "art73-draft.md", render_markdown(draft))
    console.print(
        f"Incident {record.id}: OECD {record.oecd_classification}; EU AI Act Art. 73 deadline "
        f"[bold]{draft['deadline']}[/] ({draft['days']} days, {draft['basis']}) → "
        f"{ctx.out_dir / 'art73-draft.md'}"
    )

    incidents = ensure_collection(store, "ai-incidents", "AI incidents")
    key = Authority(store).issue_api_key("demo-publisher", "demo step")
    Authority(store).grant("demo-publisher", incidents.id, read=True, write=True)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(store, ServerConfig()),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("TAXII server did not start")
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/tongzhou/collections/{incidents.id}/"
        collection = remote_collection(url, api_key=key)
        summary = push(collection, incident_to_stix(record))
        back = [o for o in pull(collection, type="incident") if o["id"] == record.id]
        console.print(
            f"TAXII 2.1 on {url}: pushed {summary['success']}/{summary['total']} with taxii2-client, "
            f"pulled back {len(back)} incident"
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)
