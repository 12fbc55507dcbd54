"""build_ai_bom: the same inputs give the same bytes and digest; time is injectable; bad input is refused
with nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.oss.bom_fixtures import dataset_folder, energy_report, hf_model_folder
from tongzhou.errors import InputError
from tongzhou.oss import build_ai_bom
from tongzhou.oss.ai_bom import creation_time

CREATED = "2026-12-06T09:00:00Z"


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx"])
def test_same_content_same_bytes_wherever_it_lies(tmp_path: Path, fmt: str) -> None:
    first = hf_model_folder(tmp_path / "a")
    second = tmp_path / "b" / "tiny-llama-chat"
    shutil.copytree(first, second)
    one = build_ai_bom(first, fmt=fmt, created=CREATED)  # type: ignore[arg-type]
    two = build_ai_bom(second, fmt=fmt, created=CREATED)  # type: ignore[arg-type]
    assert one.text == two.text and one.digest == two.digest
    (second / "model.safetensors").write_bytes(b"changed")
    three = build_ai_bom(second, fmt=fmt, created=CREATED)  # type: ignore[arg-type]
    assert three.digest != one.digest
    serial = "serialNumber" if fmt == "cyclonedx" else "@graph"
    assert json.dumps(three.document[serial]) != json.dumps(one.document[serial])


def test_serial_does_not_depend_on_the_time_but_the_digest_does(tmp_path: Path) -> None:
    folder = hf_model_folder(tmp_path)
    early = build_ai_bom(folder, created="2026-01-01T00:00:00Z")
    late = build_ai_bom(folder, created="2026-06-01T08:00:00+08:00")
    assert early.document["serialNumber"] == late.document["serialNumber"]
    assert late.document["metadata"]["timestamp"] == "2026-06-01T00:00:00Z"
    assert early.digest != late.digest


def test_creation_time_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert creation_time() == "2023-11-14T22:13:20Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        creation_time()
    with pytest.raises(InputError, match="not an ISO 8601"):
        creation_time("6 Dec 2026")
    with pytest.raises(InputError, match="time zone"):
        creation_time("2026-12-06T09:00:00")


def test_kind_follows_the_content(tmp_path: Path) -> None:
    assert build_ai_bom(dataset_folder(tmp_path), created=CREATED).subject.primary.facts.kind == "dataset"
    model = build_ai_bom(hf_model_folder(tmp_path), created=CREATED)
    assert model.subject.primary.facts.kind == "model"
    forced = build_ai_bom(tmp_path / "chat-pairs", created=CREATED, kind="model")
    assert forced.document["metadata"]["component"]["type"] == "machine-learning-model"


def test_bad_inputs_write_nothing(tmp_path: Path) -> None:
    folder = hf_model_folder(tmp_path)
    out = tmp_path / "out" / "bom.json"
    bad_energy = tmp_path / "energy.json"
    bad_energy.write_text('{"run_id": "r", "energy": {"kwh": -1, "method": "measured", "meter": "nvml"}}')
    with pytest.raises(InputError, match="energy.kwh"):
        build_ai_bom(folder, energy_report=bad_energy).write(out)
    bad_energy.write_text("{")
    with pytest.raises(InputError, match="malformed JSON"):
        build_ai_bom(folder, energy_report=bad_energy)
    with pytest.raises(InputError, match="dataset"):
        build_ai_bom(dataset_folder(tmp_path), energy_report=energy_report(tmp_path))
    (folder / "README.md").write_text("---\nbase_model: 7\n---\n")
    with pytest.raises(InputError, match="base_model"):
        build_ai_bom(folder)
    with pytest.raises(InputError, match="--format"):
        build_ai_bom(folder, fmt="xml")  # type: ignore[arg-type]
    assert not out.parent.exists()


def test_write_is_atomic_and_refuses_a_directory(tmp_path: Path) -> None:
    bom = build_ai_bom(hf_model_folder(tmp_path), created=CREATED)
    target = tmp_path / "bom.cdx.json"
    bom.write(target)
    assert target.read_text(encoding="utf-8") == bom.text
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        bom.write(tmp_path / "dir.json")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_yaml_aliases_cannot_multiply_card_entries(tmp_path: Path) -> None:
    folder = hf_model_folder(tmp_path)
    metrics = "[" + ", ".join(["{type: acc, value: 1}"] * 40) + "]"
    results = "[" + ", ".join(["*r"] * 40) + "]"
    (folder / "README.md").write_text(
        f"---\nm: &m {metrics}\nfirst: &r {{metrics: *m}}\nmodel-index:\n  - results: {results}\n---\n"
    )
    with pytest.raises(InputError, match="more than 1,000 metrics"):
        build_ai_bom(folder)
    (folder / "README.md").write_text(
        "---\nd: &d [a, b, c, d, e, f, g, h, i, j]\ndatasets: [" + ", ".join(["*d"] * 2) + "]\n---\n"
    )
    with pytest.raises(InputError, match="`datasets` must be a string or a list of strings"):
        build_ai_bom(folder)
