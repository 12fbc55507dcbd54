"""Hostile and broken files: a clear finding, bounded memory and time, nothing executed, no exception."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest

from tests.oss.model_corpus import gguf_file, safetensors_file
from tongzhou.bundled_model import bundled_model_path
from tongzhou.errors import InputError
from tongzhou.oss import ScanLimits, Severity, scan_paths


def _codes(path: Path, limits: ScanLimits | None = None) -> set[str]:
    return {f.code for f in scan_paths([path], limits).findings}


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_is_refused_by_ratio_before_it_is_inflated(write) -> None:  # type: ignore[no-untyped-def]
    bomb = write("bomb.zip", _zip([("zeros.pkl", b"\0" * (64 << 20))]))
    assert bomb.stat().st_size < 200_000
    report = scan_paths([bomb])
    assert [(f.code, f.member) for f in report.findings] == [("archive.bomb", "zeros.pkl")]


def test_total_decompressed_size_is_bounded(write) -> None:  # type: ignore[no-untyped-def]
    members = [(f"m{i}.bin", bytes(range(256)) * 4096) for i in range(4)]  # 1 MiB each, low ratio
    path = write("many.zip", _zip(members))
    assert "archive.bomb" in _codes(path, ScanLimits(max_total_bytes=3 << 20))


def test_recursive_archives_stop_at_the_depth_limit(write) -> None:  # type: ignore[no-untyped-def]
    data = b"\x80\x02K\x01."
    for level in range(8):
        data = _zip([(f"level{level}.zip", data)])
    report = scan_paths([write("deep.zip", data)], ScanLimits(max_depth=4))
    assert [f.code for f in report.findings] == ["archive.too-deep"]


def test_truncated_files_of_each_format(write) -> None:  # type: ignore[no-untyped-def]
    gguf = bundled_model_path().read_bytes()[:4096]
    assert _codes(write("cut.gguf", gguf)) == {"gguf.truncated"}
    tensors = safetensors_file({"w": ("F32", [2, 2], b"\0" * 16)}, {})
    assert _codes(write("cut.safetensors", tensors[:-4])) == {"safetensors.header"}
    assert _codes(write("cut.pkl", b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x05ab")) == {
        "pickle.malformed"
    }
    assert _codes(write("cut.zip", _zip([("a.pkl", b"\x80\x02K\x01.")])[:40])) == {"archive.malformed"}


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        ({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 999]}}, "outside"),
        (
            {
                "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "v": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
            },
            "overlaps",
        ),
        ({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, "bytes for shape"),
        ({"w": {"dtype": "EVIL", "shape": [2], "data_offsets": [0, 8]}}, "unknown dtype"),
    ],
)
def test_safetensors_header_sanity(write, header: dict[str, object], needle: str) -> None:  # type: ignore[no-untyped-def]
    text = json.dumps(header).encode()
    path = write("bad.safetensors", struct.pack("<Q", len(text)) + text + b"\0" * 16)
    messages = [f.message for f in scan_paths([path]).findings]
    assert any(needle in m for m in messages), messages


def test_safetensors_oversized_header_and_duplicate_keys(write) -> None:  # type: ignore[no-untyped-def]
    huge = write("huge.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
    assert any("past the end" in f.message for f in scan_paths([huge]).findings)
    dup = b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {}}'
    path = write("dup.safetensors", struct.pack("<Q", len(dup)) + dup + b"\0" * 4)
    assert any("duplicate key" in f.message for f in scan_paths([path]).findings)


def test_gguf_tensor_past_the_end_and_a_huge_count(write) -> None:  # type: ignore[no-untyped-def]
    full = gguf_file("{{ messages }}")
    assert _codes(write("short.gguf", full[:-8])) == {"gguf.tensor-outside"}
    bogus = b"GGUF" + struct.pack("<IQQ", 3, 1, 1 << 60)
    assert _codes(write("bogus.gguf", bogus)) == {"gguf.truncated"}


def test_wrong_extension_and_unrecognised_content(write) -> None:  # type: ignore[no-untyped-def]
    assert _codes(write("model.safetensors", b"GGUF" + b"\0" * 40)) >= {"file.extension-mismatch"}
    assert _codes(write("weights.pt", b"this is not a model\n")) == {"file.unrecognised"}
    assert _codes(write("README.md", b"# a model card\n")) == set()


def test_unparseable_chat_template_is_reported_not_rendered(write) -> None:  # type: ignore[no-untyped-def]
    findings = scan_paths([write("t.gguf", gguf_file("{% for x in %}"))]).findings
    assert [(f.severity, f.code) for f in findings] == [(Severity.MEDIUM, "gguf.chat-template")]


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        scan_paths([tmp_path / "absent.pt"])


def test_onnx_external_data_through_a_symlink_out_of_the_directory(tmp_path: Path) -> None:
    from tests.oss.model_corpus import onnx_model

    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (tmp_path / "secret").write_bytes(b"x")
    (model_dir / "weights.bin").symlink_to(tmp_path / "secret")
    (model_dir / "model.onnx").write_bytes(onnx_model("weights.bin"))
    (finding,) = [f for f in scan_paths([model_dir / "model.onnx"]).findings]
    assert (finding.severity, finding.construct) == (Severity.CRITICAL, "weights.bin")
    (model_dir / "weights.bin").unlink()
    (model_dir / "weights.bin").write_bytes(b"\0" * 4)
    assert scan_paths([model_dir / "model.onnx"]).findings == []


def test_truncated_and_corrupted_corpus_files_never_raise(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import random

    rng = random.Random(22)
    for sample in corpus:
        data = sample.path.read_bytes()
        for variant in range(6):
            mutated = bytearray(data[: rng.randrange(1, len(data) + 1)] if variant < 3 else data)
            for _ in range(0 if variant < 3 else rng.randint(1, 8)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            path = tmp_path / f"{variant}-{sample.path.name}"
            path.write_bytes(bytes(mutated))
            report = scan_paths([path])  # raises nothing: every failure is a finding
            assert report.formats or report.findings, path.name
