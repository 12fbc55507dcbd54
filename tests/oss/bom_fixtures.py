"""Folders the AI-BOM tests inventory: a Hugging Face-style model, a dataset, an energy report."""

from __future__ import annotations

import json
import pickle
import struct
from pathlib import Path

from tests.oss.format_builders import gguf_file, onnx_model, safetensors_file

MODEL_CARD = """---
license: other
license_name: llama3.1
license_link: https://llama.meta.com/llama3_1/license/
base_model:
  - meta-llama/Llama-3.1-8B
base_model_relation: finetune
datasets:
  - HuggingFaceFW/fineweb-edu
language:
  - en
  - zh
pipeline_tag: text-generation
library_name: transformers
model-index:
  - name: tiny-llama-chat
    results:
      - task: {type: text-generation}
        dataset: {name: MMLU, type: cais/mmlu}
        metrics:
          - {type: accuracy, value: 0.41}
---

# tiny-llama-chat

A fine-tune for the tests.
"""

DATASET_CARD = """---
license: cc-by-4.0
task_categories: [text-generation]
---
# chat-pairs
"""


def hf_model_folder(root: Path) -> Path:
    """A model folder as the Hub lays it out: card, config, safetensors weights, tokenizer."""
    folder = root / "tiny-llama-chat"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(MODEL_CARD, encoding="utf-8")
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "torch_dtype": "float16"}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(
        safetensors_file({"w": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4))}, {"format": "pt"})
    )
    (folder / "tokenizer.json").write_text(json.dumps({"model": {"type": "BPE"}}), encoding="utf-8")
    return folder


def mixed_model_folder(root: Path) -> Path:
    """ONNX, PyTorch-style pickle and GGUF side by side, with no card."""
    folder = root / "mixed"
    (folder / "onnx").mkdir(parents=True)
    (folder / "onnx" / "model.onnx").write_bytes(onnx_model("weights.bin"))
    (folder / "onnx" / "weights.bin").write_bytes(b"\0" * 16)
    (folder / "weights.pkl").write_bytes(pickle.dumps({"w": [1.0, 2.0]}, 4))
    (folder / "chat.gguf").write_bytes(gguf_file("{{ messages[0]['content'] }}"))
    return folder


def dataset_folder(root: Path) -> Path:
    """A dataset folder: card, JSONL shards, CSV."""
    folder = root / "chat-pairs"
    (folder / "data").mkdir(parents=True)
    (folder / "README.md").write_text(DATASET_CARD, encoding="utf-8")
    rows = [{"prompt": f"q{i}", "answer": f"a{i}"} for i in range(3)]
    (folder / "data" / "train-00000.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    (folder / "data" / "test.csv").write_text("prompt,answer\nq,a\n", encoding="utf-8")
    return folder


def energy_report(root: Path, training_kwh: float | None = 1200.0) -> Path:
    """A report in the shape of `tongzhou energy report --json` (docs/schemas/energy-report.schema.json)."""
    report = {
        "run_id": "run-42",
        "model": {"name": "tiny-llama-chat", "identity": None, "kind": "gguf"},
        "status": "complete",
        "energy": {
            "joules": 3600.0,
            "kwh": 0.001,
            "seconds": 12.0,
            "method": "estimated",
            "meter": "tdp-estimate+ram-estimate",
            "measured_joules": None,
            "estimated_joules": 3600.0,
            "components": [],
            "queries": 40,
            "tokens": 812,
            "joules_per_token": 4.43,
            "wh_per_1000_queries": 25.0,
        },
        "carbon": {"g_co2e": 0.92},
        "annex_xi": {"training_energy_kwh": training_kwh, "training_energy_method": "estimated"},
    }
    path = root / "energy.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path
