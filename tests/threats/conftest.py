"""A real TAXII server (uvicorn on loopback, in a thread) on the store fixture (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from tests.conftest import free_port
from tongzhou.store import Store
from tongzhou.threats.auth import Authority
from tongzhou.threats.http_protocol import TaxiiHttpProtocol
from tongzhou.threats.repository import CollectionInfo, TaxiiRepository
from tongzhou.threats.server import ServerConfig, create_app

API_ROOT = "tongzhou"


@dataclass
class LiveTaxii:
    """A running server and the principals, keys and collections made for a test."""

    base: str
    store: Store
    repo: TaxiiRepository
    authority: Authority
    admin_key: str
    reader_key: str
    writer_key: str
    outsider_key: str
    shared: CollectionInfo
    """Reader may read, writer may read and write, outsider has no grant."""
    public: CollectionInfo
    """Readable by anyone; writable by the writer."""

    @property
    def root_url(self) -> str:
        return f"{self.base}/{API_ROOT}/"

    def collection_url(self, info: CollectionInfo) -> str:
        return f"{self.root_url}collections/{info.id}/"


class ThreadedServer:
    """uvicorn in a background thread, with the TAXII connection handling; stops on :meth:`stop`."""

    def __init__(self, app: Any, port: int, http: type[TaxiiHttpProtocol] | None = None) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                log_level="warning",
                lifespan="off",
                http=http or TaxiiHttpProtocol,
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("TAXII server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def make_principals(store: Store) -> tuple[TaxiiRepository, Authority, dict[str, Any]]:
    """Collections, principals and keys the tests share."""
    repo = TaxiiRepository(store)
    authority = Authority(store)
    shared = repo.create_collection(API_ROOT, "Shared AI threats", description="members only", alias="shared")
    public = repo.create_collection(API_ROOT, "Public AI incidents", public_read=True)
    authority.add_principal("admin", is_admin=True)
    keys = {
        "admin_key": authority.issue_api_key("admin"),
        "reader_key": authority.issue_api_key("reader"),
        "writer_key": authority.issue_api_key("writer"),
        "outsider_key": authority.issue_api_key("outsider"),
    }
    authority.add_principal("writer", password="correct horse battery staple")
    authority.grant("reader", shared.id, read=True)
    authority.grant("writer", shared.id, read=True, write=True)
    authority.grant("writer", public.id, read=True, write=True)
    return repo, authority, {"shared": shared, "public": public, **keys}


@pytest.fixture
def live_taxii(store: Store) -> Iterator[LiveTaxii]:
    """A TAXII server on loopback over the store (once on SQLite, once on PostgreSQL)."""
    repo, authority, made = make_principals(store)
    config = ServerConfig(max_content_length=256 * 1024, default_page_size=1000, max_page_size=5000)
    port = free_port()
    server = ThreadedServer(create_app(store, config), port)
    server.start()
    try:
        yield LiveTaxii(base=f"http://127.0.0.1:{port}", store=store, repo=repo, authority=authority, **made)
    finally:
        server.stop()


def attack_pattern(
    name: str,
    *,
    modified: str = "2025-01-01T00:00:00.000Z",
    stix_id: str | None = None,
    created: str = "2025-01-01T00:00:00.000Z",
) -> dict[str, Any]:
    """A valid STIX 2.1 attack-pattern."""
    return {
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": stix_id or f"attack-pattern--{uuid.uuid4()}",
        "created": created,
        "modified": modified,
        "name": name,
    }


def indicator(value: str) -> dict[str, Any]:
    """A valid STIX 2.1 indicator."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2025-02-01T00:00:00.000Z",
        "modified": "2025-02-01T00:00:00.000Z",
        "name": f"prompt-injection domain {value}",
        "pattern": f"[domain-name:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": "2025-02-01T00:00:00Z",
    }
