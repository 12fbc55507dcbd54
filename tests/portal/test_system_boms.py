"""The system page lists the models and datasets a profile links, with their AI-BOM digests (zh/en)."""

from __future__ import annotations

import html
from pathlib import Path

from tests.oss.bom_fixtures import hf_model_folder
from tests.portal.conftest import PUBLIC_ID, Portal
from tongzhou.oss import build_ai_bom
from tongzhou.portal.listing_index import refresh_listing
from tongzhou.portal.roles import Role
from tongzhou.systems.loading import profile_from_data
from tongzhou.systems.registry import SystemRegistry


def test_system_page_shows_models_datasets_and_digests(portal: Portal, tmp_path: Path) -> None:
    digest = build_ai_bom(hf_model_folder(tmp_path), created="2026-12-06T09:00:00Z").digest
    profile = profile_from_data(
        {
            "id": "chat-with-bom",
            "name": "Chat with a BOM",
            "purpose": "Answers questions.",
            "registrant": {"name": "A", "role": "provider"},
            "provider": {"name": "A"},
            "models": [{"name": "tiny-llama-chat", "bom_digest": digest}],
            "datasets": [{"name": "chat-pairs <b>", "path": "/data/chat-pairs", "role": "training"}],
        }
    )
    SystemRegistry(portal.store).add(profile)
    refresh_listing(portal.store)
    client = portal.logged_in(Role.public)
    page = client.get("/systems/chat-with-bom")
    assert page.status_code == 200
    assert "Models and datasets" in page.text and f"<code>{digest}</code>" in page.text
    assert html.escape("chat-pairs <b>") in page.text and "chat-pairs <b>" not in page.text
    assert "training" in page.text and "<code>/data/chat-pairs</code>" in page.text
    zh = client.get("/systems/chat-with-bom?lang=zh")
    assert "模型与数据集" in zh.text and "AI物料清单摘要" in zh.text
    api = client.get("/api/v1/systems/chat-with-bom").json()
    assert api["profile"]["models"] == [{"name": "tiny-llama-chat", "bom_digest": digest}]
    plain = client.get(f"/systems/{PUBLIC_ID}")  # the language chosen above stays (a cookie)
    assert "未列出。" in plain.text
