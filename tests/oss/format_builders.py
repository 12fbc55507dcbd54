"""Builders of small model files of each format, from bytes: NumPy headers, Keras configs, ONNX
protobufs, GGUF and safetensors files (the test corpus and the bad-input tests use them)."""

from __future__ import annotations

import json
import struct


def npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    text = repr({"descr": descr, "fortran_order": False, "shape": shape})
    pad = 64 - (10 + len(text) + 1) % 64
    header = (text + " " * pad + "\n").encode("latin-1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def keras_config(layers: list[dict[str, object]]) -> bytes:
    return json.dumps(
        {"module": "keras", "class_name": "Sequential", "config": {"name": "m", "layers": layers}}
    ).encode()


DENSE = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 4}, "registered_name": None}
LAMBDA = {
    "module": "keras.layers",
    "class_name": "Lambda",
    "config": {"function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}},
}


def _pb_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def onnx_model(location: str, in_subgraph: bool = False) -> bytes:
    """A ModelProto whose initializer keeps its data in ``location`` (external data)."""
    entry = _pb_field(1, b"location") + _pb_field(2, location.encode())
    tensor = _pb_field(8, b"w") + _pb_field(13, entry) + b"\x70\x01"  # data_location = EXTERNAL (14)
    graph = _pb_field(5, tensor) + _pb_field(2, b"g")
    if in_subgraph:
        attribute = _pb_field(1, b"then_branch") + _pb_field(6, graph)
        graph = _pb_field(1, _pb_field(4, b"If") + _pb_field(5, attribute)) + _pb_field(2, b"outer")
    return b"\x08\x09" + _pb_field(2, b"tongzhou-test") + _pb_field(7, graph)


def gguf_file(template: str) -> bytes:
    """A minimal GGUF v3 with one tensor and a chat template."""

    def s(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    kvs = [
        s("general.architecture") + struct.pack("<I", 8) + s("llama"),
        s("tokenizer.chat_template") + struct.pack("<I", 8) + s(template),
        s("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 2) + s("a") + s("b"),
    ]
    tensor = (
        s("t") + struct.pack("<I", 1) + struct.pack("<Q", 4) + struct.pack("<I", 0) + struct.pack("<Q", 0)
    )
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kvs)) + b"".join(kvs) + tensor
    header += b"\x00" * (-len(header) % 32)
    return header + struct.pack("<4f", 1, 2, 3, 4)


def safetensors_file(tensors: dict[str, tuple[str, list[int], bytes]], metadata: dict[str, str]) -> bytes:
    header: dict[str, object] = {"__metadata__": metadata}
    offset, data = 0, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset, data = offset + len(raw), data + raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data
