"""Corrupt, truncated and hostile inputs: a clear error, the input unchanged, no stray temp files."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from tests.labels.helpers import PRODUCER, make_image, stray_temp_files
from tongzhou.errors import InputError
from tongzhou.labels.carriers.base import CorruptFileError, UnsupportedFileError
from tongzhou.labels.files import inspect_file, label_file


def _png_chunk(ctype: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", zlib.crc32(ctype + payload))


def _assert_refused(path: Path, error: type[Exception], match: str) -> None:
    before = path.read_bytes()
    with pytest.raises(error, match=match):
        label_file(path, PRODUCER)
    assert path.read_bytes() == before
    assert not path.with_name(f"{path.stem}.aigc{path.suffix}").exists()
    assert stray_temp_files(path.parent) == []
    report = inspect_file(path)
    assert report.error and not report.valid


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_truncated_images_are_refused(tmp_path: Path, fmt: str, ext: str, keep: float) -> None:
    whole = make_image(tmp_path / f"whole{ext}", fmt=fmt).read_bytes()
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(whole[: int(len(whole) * keep)])
    _assert_refused(cut, CorruptFileError, "truncated|bad CRC|RIFF size")


def test_png_with_bad_crc_is_refused(tmp_path: Path) -> None:
    data = bytearray(make_image(tmp_path / "a.png").read_bytes())
    data[20] ^= 0xFF  # inside the IHDR payload
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(data))
    _assert_refused(bad, CorruptFileError, "CRC")


def test_png_pixel_bomb_is_refused_without_decoding(tmp_path: Path) -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
    _assert_refused(bomb, CorruptFileError, "pixel limit")


def test_compressed_xmp_bomb_is_refused(tmp_path: Path) -> None:
    good = make_image(tmp_path / "a.png").read_bytes()
    xmp_bomb = b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + zlib.compress(b" " * (64 * 1024 * 1024), 9)
    bomb = tmp_path / "xmpbomb.png"
    bomb.write_bytes(good[:33] + _png_chunk(b"iTXt", xmp_bomb) + good[33:])
    _assert_refused(bomb, CorruptFileError, "decompression bomb|size limit")


def test_xmp_with_entity_declarations_is_refused(tmp_path: Path) -> None:
    good = make_image(tmp_path / "a.png").read_bytes()
    evil = (
        b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
    )
    path = tmp_path / "entity.png"
    path.write_bytes(
        good[:33] + _png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + evil) + good[33:]
    )
    _assert_refused(path, CorruptFileError, "DOCTYPE")


def test_jpeg_without_frame_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noframe.jpg"
    path.write_bytes(
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xda\x00\x02\xff\xd9"
    )
    _assert_refused(path, CorruptFileError, "SOF")


def test_renamed_garbage_and_unknown_formats(tmp_path: Path) -> None:
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"GIF89a not really a png" * 10)
    _assert_refused(fake, CorruptFileError, "not a PNG")
    unknown = tmp_path / "data.bin"
    unknown.write_bytes(b"\x00\x01\x02" * 100)
    _assert_refused(unknown, UnsupportedFileError, "unsupported")


def test_empty_directory_and_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    _assert_refused(empty, InputError, "empty")
    with pytest.raises(InputError, match="not a regular file"):
        label_file(tmp_path, PRODUCER)
    big = make_image(tmp_path / "big.png")
    monkeypatch.setenv("TONGZHOU_LABEL_MAX_BYTES", "100")
    _assert_refused(big, InputError, "limit")


def test_non_utf8_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\xe9".encode("latin-1"))
    _assert_refused(path, CorruptFileError, "UTF-8")


def test_write_failure_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    source = make_image(tmp_path / "a.png")
    out_dir = tmp_path / "out"

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full (simulated at rename)")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        label_file(source, PRODUCER, out_dir=out_dir)
    assert stray_temp_files(tmp_path) == []
    assert not (out_dir / "a.png").exists()


def test_output_may_not_overwrite_input_without_in_place(tmp_path: Path) -> None:
    source = make_image(tmp_path / "a.png")
    with pytest.raises(InputError, match="in-place"):
        label_file(source, PRODUCER, out_dir=tmp_path)
