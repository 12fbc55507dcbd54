"""A registered system lists its models and datasets by path and/or AI-BOM digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oss.bom_fixtures import dataset_folder, hf_model_folder
from tongzhou.errors import InputError
from tongzhou.oss import build_ai_bom
from tongzhou.store import Store
from tongzhou.systems.loading import dump_profile, load_profile, profile_from_data
from tongzhou.systems.registry import SystemRegistry, profile_digest

BASE = {
    "id": "chat-with-boms",
    "name": "Chat",
    "purpose": "Answers questions.",
    "registrant": {"name": "A", "role": "provider"},
    "provider": {"name": "A"},
}


def test_links_register_and_come_back(store: Store, tmp_path: Path) -> None:
    model = hf_model_folder(tmp_path)
    digest = build_ai_bom(model, created="2026-12-06T09:00:00Z").digest
    data = dataset_folder(tmp_path)
    profile = profile_from_data(
        {
            **BASE,
            "models": [{"name": "tiny-llama-chat", "path": str(model), "bom_digest": digest}],
            "datasets": [{"name": "chat-pairs", "path": str(data), "role": "training"}],
        }
    )
    registry = SystemRegistry(store)
    assert registry.add(profile) == "added"
    stored = registry.get("chat-with-boms")
    assert stored.models is not None and stored.models[0].bom_digest == digest
    assert stored.datasets is not None and stored.datasets[0].role == "training"
    exported = tmp_path / "p.yaml"
    exported.write_text(dump_profile(stored), encoding="utf-8")
    assert load_profile(exported) == profile


def test_profiles_without_links_keep_their_digest() -> None:
    plain = profile_from_data(BASE)
    assert plain.models is None and plain.datasets is None
    assert "models" not in profile_digest(plain)[0]


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ({"name": "m"}, "give a path, a bom_digest, or both"),
        ({"name": "m", "bom_digest": "sha256:xyz"}, r"models\[0\]\.bom_digest"),
        ({"name": "m", "path": "m.gguf", "role": "teacher"}, r"models\[0\]\.role"),
        ({"name": "", "path": "m.gguf"}, r"models\[0\]\.name"),
    ],
)
def test_bad_links_name_the_field(link: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        profile_from_data({**BASE, "models": [link]})
