"""Benign model files of about N MiB for benchmarks/model_scan.py, written without torch or safetensors.

- ``pickle``: a dict of float32 NumPy arrays pickled with protocol 4 (what ``pickle.dump`` of a state
  dict of arrays gives; every anchor reads it).
- ``torch-zip``: the layout ``torch.save`` (2.x, ``torch/serialization.py`` and ``PyTorchFileWriter``)
  writes: ``archive/data.pkl`` (protocol 2, ``_rebuild_tensor_v2`` over persistent storages),
  ``.format_version``, ``.storage_alignment``, ``byteorder``, one stored (uncompressed) member per
  storage whose data start on a 64-byte boundary (padded with a ``FB`` extra field as PyTorch does),
  ``version`` and ``.data/serialization_id``.
- ``safetensors``: header JSON with dtype/shape/data_offsets, then the tensors back to back.
- ``gguf``: the bundled SmolLM2 GGUF's key/values (vocabulary, chat template) kept verbatim and its
  tensors repeated (renamed ``<name>.copy<j>``) until the file reaches the size, data aligned.

Tensor bytes are slices of one 16 MiB random block, so building 1 GB needs little memory.
"""

from __future__ import annotations

import json
import mmap
import pickle
import struct
import zipfile
from pathlib import Path

import numpy
from tests.oss import pickle_asm

from tongzhou.bundled_model import bundled_model_path
from tongzhou.oss.gguf_metadata import GgufReader

_MIB = 1 << 20
_POOL_FLOATS = 4 * _MIB  # 16 MiB of float32
_ALIGN = 64


def _layout(mib: int) -> list[tuple[str, int]]:
    """(name, float32 count) of a transformer-like state dict of ``mib`` MiB."""
    per_layer = [("attn.q", 1), ("attn.k", 1), ("attn.v", 1), ("attn.o", 1), ("mlp.up", 2), ("mlp.gate", 2)]
    tensors: list[tuple[str, int]] = []
    left = mib * _MIB // 4
    layer = 0
    while left > 0:
        for part, quarters in per_layer:
            numel = min(left, quarters * _MIB)
            if numel <= 0:
                break
            tensors.append((f"model.layers.{layer}.{part}.weight", numel))
            left -= numel
        layer += 1
    return tensors


class _Pool:
    """Float32 data for tensors: slices of one random block at shifting offsets."""

    def __init__(self) -> None:
        self.block = numpy.random.default_rng(7).standard_normal(_POOL_FLOATS, dtype=numpy.float32)
        self.turn = 0

    def chunks(self, numel: int) -> list[numpy.ndarray]:
        start = (self.turn * 4099) % (_POOL_FLOATS // 2)
        self.turn += 1
        out = []
        while numel > 0:
            take = min(numel, _POOL_FLOATS - start)
            out.append(self.block[start : start + take])
            numel -= take
            start = 0
        return out

    def array(self, numel: int) -> numpy.ndarray:
        parts = self.chunks(numel)
        return parts[0] if len(parts) == 1 else numpy.concatenate(parts)


def _pickle(path: Path, layout: list[tuple[str, int]], pool: _Pool) -> None:
    arrays = {name: pool.array(numel) for name, numel in layout}  # views of the pool: no copy
    with path.open("wb") as handle:
        pickle.dump(arrays, handle, protocol=4)


def _torch_zip(path: Path, layout: list[tuple[str, int]], pool: _Pool) -> None:
    prefix = "archive/"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:

        def member(name: str, data: bytes | list[numpy.ndarray], align: bool = False) -> None:
            info = zipfile.ZipInfo(prefix + name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            if align:
                offset = archive.fp.tell() + 30 + len(info.filename) + 4  # type: ignore[union-attr]
                pad = -offset % _ALIGN
                info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            size = len(data) if isinstance(data, bytes) else sum(part.nbytes for part in data)
            info.file_size = size
            with archive.open(info, "w") as out:
                for part in [data] if isinstance(data, bytes) else data:
                    out.write(part if isinstance(part, bytes) else part.tobytes())

        member("data.pkl", pickle_asm.torch_state_dict(dict(layout)))
        member(".format_version", b"1")
        member(".storage_alignment", b"64")
        member("byteorder", b"little")
        for index, (_, numel) in enumerate(layout):
            member(f"data/{index}", pool.chunks(numel), align=True)
        member("version", b"3\n")
        member(".data/serialization_id", b"0123456789012345678901234567890123456789")


def _safetensors(path: Path, layout: list[tuple[str, int]], pool: _Pool) -> None:
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, numel in layout:
        header[name] = {"dtype": "F32", "shape": [numel], "data_offsets": [offset, offset + 4 * numel]}
        offset += 4 * numel
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with path.open("wb") as handle:
        handle.write(struct.pack("<Q", len(text)) + text)
        for _, numel in layout:
            for part in pool.chunks(numel):
                handle.write(part.tobytes())


def _gguf(path: Path, mib: int) -> None:
    source = bundled_model_path()
    with source.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        reader = GgufReader(view)
        alignment = 32
        for key, item in reader.key_values(lambda key: key == "general.alignment"):
            if key == "general.alignment" and isinstance(item.value, int):
                alignment = item.value
        kv_count = struct.unpack_from("<Q", view, 16)[0]
        kv_bytes = bytes(view[24 : reader.pos])
        infos = []
        for _ in range(reader.tensor_count):
            name = reader.string()
            n_dims = int(reader.unpack("<I"))  # type: ignore[call-overload]
            dims = [int(reader.unpack("<Q")) for _ in range(n_dims)]  # type: ignore[call-overload]
            kind = int(reader.unpack("<I"))  # type: ignore[call-overload]
            infos.append((name, dims, kind, int(reader.unpack("<Q"))))  # type: ignore[call-overload]
        data_start = -(-reader.pos // alignment) * alignment
        data = view[data_start:]
        stride = -(-len(data) // alignment) * alignment
        copies = max(1, -(-(mib * _MIB) // len(mapped)))
        tensor_infos = bytearray()
        for copy in range(copies):
            for name, dims, kind, offset in infos:
                label = (name if copy == 0 else f"{name}.copy{copy}").encode()
                tensor_infos += struct.pack("<Q", len(label)) + label + struct.pack("<I", len(dims))
                tensor_infos += struct.pack(f"<{len(dims)}Q", *dims)
                tensor_infos += struct.pack("<IQ", kind, offset + copy * stride)
        head = (
            b"GGUF" + struct.pack("<IQQ", 3, copies * len(infos), kv_count) + kv_bytes + bytes(tensor_infos)
        )
        head += b"\x00" * (-len(head) % alignment)
        with path.open("wb") as out:
            out.write(head)
            for _ in range(copies):
                out.write(data)
                out.write(b"\x00" * (stride - len(data)))
        data.release()
        view.release()


def build_big_models(work: Path, mib: int) -> dict[str, Path]:
    """Write the four benign files of about ``mib`` MiB into ``work``; format -> path."""
    work.mkdir(parents=True, exist_ok=True)
    layout, pool = _layout(mib), _Pool()
    files = {
        "pickle": work / "big_model.pkl",
        "torch-zip": work / "big_model.pt",
        "safetensors": work / "big_model.safetensors",
        "gguf": work / "big_model.gguf",
    }
    _pickle(files["pickle"], layout, pool)
    _torch_zip(files["torch-zip"], layout, pool)
    _safetensors(files["safetensors"], layout, pool)
    _gguf(files["gguf"], mib)
    return files
