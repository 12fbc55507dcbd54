"""GGUF: the header is read by :mod:`tongzhou.oss.gguf_metadata` (no llama.cpp, no gguf package), chat
templates are checked and tensor data must lie inside the file.

After the key/values (ggml docs/gguf.md) come, per tensor, its name, dimensions, ggml type and offset
into the data section, which starts at the next multiple of ``general.alignment`` (default 32). A GGUF
file holds no code, but the ``tokenizer.chat_template`` strings are Jinja templates that runtimes
render; a template that reaches Python internals escapes the sandbox (CVE-2024-34359, llama-cpp-python
rendered templates unsandboxed).
"""

from __future__ import annotations

from tongzhou.oss._context import Location, ScanContext
from tongzhou.oss.chat_template import check_chat_template
from tongzhou.oss.findings import Severity
from tongzhou.oss.gguf_metadata import SUPPORTED_VERSIONS, GgufCut, GgufReader

# ggml type -> (bytes per block, elements per block), from ggml.h / ggml.c type_traits
_GGML_BLOCKS = {
    0: (4, 1),
    1: (2, 1),
    2: (18, 32),
    3: (20, 32),
    6: (22, 32),
    7: (24, 32),
    8: (34, 32),
    9: (36, 32),
    10: (84, 256),
    11: (110, 256),
    12: (144, 256),
    13: (176, 256),
    14: (210, 256),
    15: (292, 256),
    24: (1, 1),
    25: (2, 1),
    26: (4, 1),
    27: (8, 1),
    28: (8, 1),
    30: (2, 1),
}


def _scanned(key: str) -> bool:
    """The keys the scan reads: the rest (the vocabulary above all) is skipped, not decoded."""
    return key == "general.alignment" or key.startswith("tokenizer.chat_template")


def scan_gguf(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Parse the GGUF header; check chat templates and that tensor data lie inside the file."""
    ctx.recognised(where, "gguf")
    try:
        reader = GgufReader(view)
        if reader.version not in SUPPORTED_VERSIONS:
            ctx.add(where, Severity.MEDIUM, "gguf.version", str(reader.version), "unknown GGUF version", 4)
            return
        alignment = 32
        for key, item in reader.key_values(_scanned):
            value = item.value
            if key == "general.alignment" and isinstance(value, int) and value > 0:
                alignment = value
            if key.startswith("tokenizer.chat_template") and isinstance(value, str):
                check_chat_template(value, key, where, ctx, item.offset)
        infos = []
        for _ in range(reader.tensor_count):
            name = reader.string()
            n_dims = int(reader.unpack("<I"))  # type: ignore[call-overload]
            if n_dims > 8:
                raise GgufCut(f"{n_dims} dimensions for tensor {name!r}")
            dims = [int(reader.unpack("<Q" if reader.wide else "<I")) for _ in range(n_dims)]  # type: ignore[call-overload]
            kind = int(reader.unpack("<I"))  # type: ignore[call-overload]
            infos.append((name, dims, kind, int(reader.unpack("<Q"))))  # type: ignore[call-overload]
    except GgufCut as exc:
        ctx.add(where, Severity.MEDIUM, "gguf.truncated", "header", f"GGUF header is cut short ({exc})")
        return
    data_start = -(-reader.pos // alignment) * alignment
    for name, dims, kind, offset in infos:
        size = 0
        if kind in _GGML_BLOCKS:
            elements = 1
            for d in dims:
                elements *= d
            block_bytes, block_elems = _GGML_BLOCKS[kind]
            size = -(-elements // block_elems) * block_bytes
        if data_start + offset + size > len(view):
            ctx.add(
                where,
                Severity.MEDIUM,
                "gguf.tensor-outside",
                name,
                f"tensor {name!r} ends past the end of file",
                data_start + offset,
            )
