"""The one GGUF header reader: general.* values with offsets, every version, and bounded bad input."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tongzhou.bundled_model import bundled_model_path
from tongzhou.errors import InputError
from tongzhou.oss.gguf_metadata import MAX_KEPT_ITEMS, MAX_NESTING, read_gguf_metadata
from tongzhou.oss.scanner import scan_paths


def _s(text: str, wide: bool = True) -> bytes:
    data = text.encode()
    return struct.pack("<Q" if wide else "<I", len(data)) + data


def _gguf(kvs: list[bytes], version: int = 3) -> bytes:
    counts = struct.pack("<QQ", 0, len(kvs)) if version >= 2 else struct.pack("<II", 0, len(kvs))
    return b"GGUF" + struct.pack("<I", version) + counts + b"".join(kvs) + b"\0" * 32


def _write(tmp_path: Path, data: bytes, name: str = "m.gguf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bundled_model_general_values() -> None:
    meta = read_gguf_metadata(bundled_model_path())
    assert meta["general.license"].value == "apache-2.0"
    assert meta["general.architecture"].value == "llama"
    assert meta["general.languages"].value == ("en",)
    assert not [key for key in meta if not key.startswith("general.")]
    assert meta["general.architecture"].offset == 24  # the first key, right after the counts


def test_version_1_has_32_bit_counts(tmp_path: Path) -> None:
    kv = _s("general.license", False) + struct.pack("<I", 8) + _s("mit", False)
    meta = read_gguf_metadata(_write(tmp_path, _gguf([kv], version=1)))
    assert meta["general.license"].value == "mit"


def test_long_string_arrays_are_skipped_not_kept(tmp_path: Path) -> None:
    n = MAX_KEPT_ITEMS + 1
    tags = _s("general.tags") + struct.pack("<IIQ", 9, 8, n) + _s("t") * n
    langs = _s("general.languages") + struct.pack("<IIQ", 9, 8, 2) + _s("en") + _s("zh")
    meta = read_gguf_metadata(_write(tmp_path, _gguf([tags, langs])))
    assert meta["general.tags"].value is None
    assert meta["general.languages"].value == ("en", "zh")


def _nested(depth: int) -> bytes:
    """An array of arrays ``depth`` deep around an empty uint8 array."""
    value = struct.pack("<IQ", 0, 0)
    for _ in range(depth - 1):
        value = struct.pack("<IQ", 9, 1) + value
    return _s("general.nest") + struct.pack("<I", 9) + value


def test_nesting_is_bounded(tmp_path: Path) -> None:
    assert read_gguf_metadata(_write(tmp_path, _gguf([_nested(MAX_NESTING)])))["general.nest"].value is None
    deep = _write(tmp_path, _gguf([_nested(5000)]), "deep.gguf")  # deeper than Python's stack
    with pytest.raises(InputError, match="nested more than"):
        read_gguf_metadata(deep)
    (finding,) = scan_paths([deep]).findings
    assert finding.code == "gguf.truncated" and "nested" in finding.message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1 << 40), "cut short"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 1 << 60) + b"\0" * 16, "cut short"),
        (_gguf([_s("general.x") + struct.pack("<I", 77)]), "unknown value type 77"),
        (_gguf([]).replace(b"GGUF\x03", b"GGUF\x09", 1), "version 9"),
        (b"GGUX" + b"\0" * 40, "not a GGUF file"),
        (b"GGUF\3\0\0\0", "too short"),
    ],
)
def test_bad_headers_are_clear_errors(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_gguf_metadata(_write(tmp_path, data))
    assert caught.value.zh and "GGUF" in caught.value.zh


def test_a_cut_string_array_is_refused(tmp_path: Path) -> None:
    tokens = _s("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 3) + _s("a") + _s("b")
    two_of_three = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + tokens + struct.pack("<Q", 5) + b"ab"
    with pytest.raises(InputError, match="cut short"):
        read_gguf_metadata(_write(tmp_path, two_of_three))
