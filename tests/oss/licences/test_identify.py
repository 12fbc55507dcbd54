"""Identifying one licence: cards, config.json, GGUF metadata and licence texts, with file and line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.oss.licences import lineage_fixtures as fx
from tongzhou.oss.licences import IntendedUse, Role, Verdict, build_lineage, check_lineage, identify


def test_card_and_licence_text_agree(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": fx.card({"license": "apache-2.0"}), "LICENSE": fx.APACHE})
    subject = identify(model)
    assert subject.licence_id == "Apache-2.0"
    assert [(e.file.name, e.line) for e in subject.evidence] == [("README.md", 2), ("LICENSE", 2)]


def test_sources_that_disagree_are_undetermined(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": fx.card({"license": "apache-2.0"}), "LICENSE": fx.MIT})
    subject = identify(model)
    assert not subject.determined
    assert "disagree" in subject.reason and "Apache-2.0" in subject.reason and "MIT" in subject.reason
    assert "README.md:2" in subject.reason and "LICENSE:5" in subject.reason


def test_unknown_licence_is_undetermined_with_reason(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": fx.card({"license": "acme-community-licence"})})
    subject = identify(model)
    assert subject.licence_id is None
    assert "README.md:2" in subject.reason and "acme-community-licence" in subject.reason
    other = identify(fx.folder(tmp_path, "o", {"README.md": fx.card({"license": "other"})}))
    assert "no license_name" in other.reason


def test_nothing_stated_is_undetermined(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": "# A model\n", "config.json": "{}"})
    subject = identify(model)
    assert subject.licence_id is None and "no licence stated" in subject.reason


def test_unrecognised_licence_text_is_not_guessed(tmp_path: Path) -> None:
    model = fx.folder(
        tmp_path,
        "m",
        {"README.md": fx.card({"license": "mit"}), "LICENSE": "You may use this if you are nice.\n"},
    )
    subject = identify(model)
    assert not subject.determined and "matches no licence" in subject.reason


def test_valid_spdx_outside_the_catalogue_has_no_duties(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": fx.card({"license": "bsd-3-clause"})})
    report = check_lineage(build_lineage(model), IntendedUse())
    assert report.lineage.model.licence_id == "BSD-3-Clause"
    (check,) = report.checks
    assert check.code == "licence.no-duties" and check.verdict is Verdict.UNDETERMINED


def test_code_licence_beside_model_licence(tmp_path: Path) -> None:
    text = "DEEPSEEK LICENSE AGREEMENT\nVersion 1.0, 23 October 2023\n... Attachment A: Use Restrictions\n"
    model = fx.folder(
        tmp_path,
        "deepseek-llm-7b",
        {
            "README.md": fx.card({"license": "other", "license_name": "deepseek"}),
            "LICENSE-CODE": fx.MIT,
            "LICENSE-MODEL": text,
        },
    )
    subject = identify(model)
    assert subject.licence_id == "LicenseRef-scancode-deepseek-la-1.0"
    assert any("LICENSE-CODE is a licence for code (MIT)" in note for note in subject.notes)


def test_config_json_licence(tmp_path: Path) -> None:
    config = json.dumps({"architectures": ["X"], "license": "mit"}, indent=1)
    subject = identify(fx.folder(tmp_path, "m", {"config.json": config}))
    assert subject.licence_id == "MIT" and subject.evidence[0].line == 5


def test_gguf_metadata_names_licence_bases_and_datasets(tmp_path: Path) -> None:
    gguf = tmp_path / "acme.gguf"
    gguf.write_bytes(
        fx.gguf_with(
            {
                "general.name": "Llama 3.1 Acme 8B",
                "general.license": "other",
                "general.license.name": "llama3.1",
                "general.license.link": "https://www.llama.com/llama3_1/license/",
                "general.base_model.count": 1,
                "general.base_model.0.name": "Llama 3.1 8B",
                "general.base_model.0.organization": "Meta Llama",
                "general.dataset.count": 1,
                "general.dataset.0.name": "support-chats",
            }
        )
    )
    subject = identify(gguf)
    assert subject.licence_id == "LicenseRef-scancode-llama-3.1-license-2024"
    assert "general.license.name = 'llama3.1'" in subject.evidence[0].text
    assert [name for name, _ in subject.declared_bases] == ["Meta Llama/Llama 3.1 8B"]
    assert [name for name, _ in subject.declared_datasets] == ["support-chats"]
    assert subject.model_name is not None and subject.model_name[0] == "Llama 3.1 Acme 8B"
    assert any("llama3_1/license" in note for note in subject.notes)


def test_dataset_card_names_the_dataset(tmp_path: Path) -> None:
    data = fx.dataset(tmp_path, "chats", "cc-by-nc-4.0", fx.CC_BY_NC)
    subject = identify(data, Role.DATASET)
    assert subject.licence_id == "CC-BY-NC-4.0"
    assert [(e.file.name, e.line) for e in subject.evidence] == [("README.md", 2), ("LICENSE", 1)]


def test_base_given_but_not_named_is_kept_with_a_note(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": fx.card({"license": "apache-2.0"}), "LICENSE": fx.APACHE})
    base = fx.folder(tmp_path, "b", {"README.md": fx.card({"license": "mit"}), "LICENSE": fx.MIT})
    lineage = build_lineage(model, [base])
    (found,) = lineage.bases
    assert found.licence_id == "MIT" and "not named in the model's card" in found.notes[0]


def test_gguf_base_model_matches_its_local_copy(tmp_path: Path) -> None:
    gguf = tmp_path / "Llama-3.1-Acme-8B.Q4_K_M.gguf"
    gguf.write_bytes(
        fx.gguf_with(
            {
                "general.license": "llama3.1",
                "general.base_model.count": 2,
                "general.base_model.0.name": "Llama 3.1 8B",
                "general.base_model.0.organization": "Meta Llama",
                "general.base_model.1.name": "Acme Adapter",
                "general.base_model.1.repo_url": "https://huggingface.co/acme/acme-adapter",
            }
        )
    )
    lineage = build_lineage(gguf, [fx.llama_base(tmp_path / "bases")])
    first, second = lineage.bases
    assert first.name == "Meta Llama/Llama 3.1 8B" and first.licence_id == lineage.model.licence_id
    assert second.name == "acme/acme-adapter" and not second.determined and "--base" in second.reason


def test_a_folder_of_many_shards_is_listed_not_read(tmp_path: Path) -> None:
    data = fx.dataset(tmp_path, "big", "cc-by-4.0", fx.CC_BY)
    for i in range(3000):
        (data / f"train-{i:05d}.parquet").write_bytes(b"PAR1\x00junk")
    assert identify(data, Role.DATASET).licence_id == "CC-BY-4.0"
