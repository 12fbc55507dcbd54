"""Model and dataset folders mimicking real releases, built by the tests (no downloads).

Licence files carry the real title lines (what the catalogue matches) and a short stand-in body; a
NOTICE carries the exact line the licence asks for. Each builder takes switches to leave one duty
unmet, so a test can show the check catches it.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

LLAMA_31_LICENSE = """LLAMA 3.1 COMMUNITY LICENSE AGREEMENT
Llama 3.1 Version Release Date: July 23, 2024
"Agreement" means the terms and conditions for use, reproduction, distribution and modification of the
Llama Materials set forth herein. (Stand-in body for a test fixture.)
"""
LLAMA_31_NOTICE = (
    "Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. "
    "All Rights Reserved.\n"
)
QWEN_LICENSE = """Qwen LICENSE AGREEMENT
Release Date: September 19, 2024
By clicking to agree or by using or distributing any portion or element of the Qwen Materials, you will
be deemed to have recognized and accepted the content of this Agreement. (Stand-in body.)
"""
QWEN_NOTICE = (
    "Qwen is licensed under the Qwen LICENSE AGREEMENT, Copyright (c) Alibaba Cloud. All Rights Reserved.\n"
)
GEMMA_TERMS = """Gemma Terms of Use
Last modified: April 1, 2024
3.2 Use Restrictions. You must not use any of the Gemma Services in violation of the Gemma Prohibited
Use Policy (ai.google.dev/gemma/prohibited_use_policy), incorporated by reference. (Stand-in body.)
"""
GEMMA_NOTICE = (
    "Gemma is provided under and subject to the Gemma Terms of Use found at ai.google.dev/gemma/terms\n"
)
OPENRAIL_HEAD = """BigScience OpenRAIL-M License
dated August 18, 2022
Section III: CONDITIONS OF USAGE, DISTRIBUTION AND REDISTRIBUTION (stand-in body)
"""
OPENRAIL_ATTACHMENT = """
Attachment A
Use Restrictions
You agree not to use the Model or Derivatives of the Model in any way that violates applicable law.
"""
CC_BY_NC = """Attribution-NonCommercial 4.0 International
Creative Commons Corporation ("Creative Commons") is not a law firm. (Stand-in body.)
"""
CC_BY = """Attribution 4.0 International
Creative Commons Corporation ("Creative Commons") is not a law firm. (Stand-in body.)
"""
APACHE = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/
"""
MIT = """MIT License

Copyright (c) 2025 Example

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction.

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
"""


def card(front: dict[str, object], body: str = "# Model\n") -> str:
    """A README.md with YAML front matter (written by hand, one key a line, so line numbers are known)."""
    lines = ["---"]
    for key, value in front.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"- {item}" for item in value]
        else:
            lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n" + body


def folder(root: Path, name: str, files: dict[str, str]) -> Path:
    """A folder ``root/name`` holding ``files``."""
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    for file_name, text in files.items():
        (path / file_name).write_text(text, encoding="utf-8")
    return path


def llama_derivative(
    root: Path,
    *,
    name: str = "Llama-3.1-Acme-Chat-8B",
    notice: bool = True,
    licence_text: bool = True,
    built_with: bool = True,
    datasets: tuple[str, ...] = ("acme/support-chats",),
) -> Path:
    """A fine-tune of Llama 3.1 8B as published on a hub: card, config, LICENSE, NOTICE, USE_POLICY."""
    front: dict[str, object] = {
        "license": "llama3.1",
        "base_model": ["meta-llama/Llama-3.1-8B"],
        "model_name": name,
    }
    if datasets:
        front["datasets"] = list(datasets)
    body = "# " + name + "\n\nA support assistant.\n" + ("\nBuilt with Llama\n" if built_with else "")
    files = {
        "README.md": card(front, body),
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"]}),
    }
    if licence_text:
        files["LICENSE"] = LLAMA_31_LICENSE
    if notice:
        files["NOTICE"] = LLAMA_31_NOTICE
    files["USE_POLICY.md"] = "Llama 3.1 Acceptable Use Policy (stand-in)\n"
    return folder(root, name, files)


def llama_base(root: Path) -> Path:
    """Meta's Llama 3.1 8B as downloaded: card, LICENSE, USE_POLICY."""
    return folder(
        root,
        "Llama-3.1-8B",
        {
            "README.md": card({"license": "llama3.1", "language": "en"}),
            "LICENSE": LLAMA_31_LICENSE,
            "USE_POLICY.md": "Llama 3.1 Acceptable Use Policy (stand-in)\n",
        },
    )


def qwen_model(root: Path, *, display: bool = False) -> Path:
    """A Qwen2.5-72B fine-tune under the Qwen License (card ``license: other`` + ``license_name: qwen``)."""
    front = {
        "license": "other",
        "license_name": "qwen",
        "license_link": "https://huggingface.co/Qwen/Qwen2.5-72B-Instruct/blob/main/LICENSE",
        "base_model": ["Qwen/Qwen2.5-72B-Instruct"],
    }
    body = "# Acme Qwen\n" + ("\nBuilt with Qwen\n" if display else "")
    return folder(
        root,
        "acme-qwen-72b",
        {"README.md": card(front, body), "LICENSE": QWEN_LICENSE, "NOTICE": QWEN_NOTICE},
    )


def qwen_base(root: Path) -> Path:
    """Qwen2.5-72B-Instruct as downloaded."""
    front = {"license": "other", "license_name": "qwen"}
    return folder(root, "Qwen2.5-72B-Instruct", {"README.md": card(front), "LICENSE": QWEN_LICENSE})


def gemma_derivative(root: Path, *, declared: str = "gemma", terms: bool = True, notice: bool = True) -> Path:
    """A Gemma 2 2B fine-tune: card, Gemma Terms of Use (with the prohibited-use policy), Notice."""
    files = {"README.md": card({"license": declared, "base_model": ["google/gemma-2-2b"]})}
    if terms:
        files["LICENSE"] = GEMMA_TERMS
    if notice:
        files["NOTICE"] = GEMMA_NOTICE
    return folder(root, "acme-gemma-2b", files)


def gemma_base(root: Path) -> Path:
    """Gemma 2 2B as downloaded."""
    return folder(root, "gemma-2-2b", {"README.md": card({"license": "gemma"}), "LICENSE": GEMMA_TERMS})


def openrail_model(root: Path, *, attachment: bool = True) -> Path:
    """A BLOOM-style model under BigScience OpenRAIL-M; ``attachment=False`` drops Attachment A."""
    text = OPENRAIL_HEAD + (OPENRAIL_ATTACHMENT if attachment else "")
    return folder(
        root, "acme-rail-1b", {"README.md": card({"license": "bigscience-openrail-m"}), "LICENSE": text}
    )


def dataset(root: Path, name: str, licence: str, text: str) -> Path:
    """A dataset folder: a dataset card and its licence text."""
    return folder(
        root,
        name,
        {"README.md": card({"license": licence, "task_categories": ["text-generation"]}), "LICENSE": text},
    )


def gguf_with(metadata: dict[str, str | int]) -> bytes:
    """A minimal GGUF v3 header with the given string/uint32 key/values, a string array and one tensor."""

    def s(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    kvs = [s("general.architecture") + struct.pack("<I", 8) + s("llama")]
    for key, value in metadata.items():
        if isinstance(value, int):
            kvs.append(s(key) + struct.pack("<II", 4, value))
        else:
            kvs.append(s(key) + struct.pack("<I", 8) + s(value))
    kvs.append(s("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 2) + s("a") + s("b"))
    kvs.append(s("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, 2) + struct.pack("<2f", 0, 0))
    tensor = s("t") + struct.pack("<IQIQ", 1, 4, 0, 0)
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kvs)) + b"".join(kvs) + tensor
    header += b"\x00" * (-len(header) % 32)
    return header + struct.pack("<4f", 1, 2, 3, 4)
