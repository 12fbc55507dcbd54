"""PDF: /AIGC in the Info dictionary via an incremental update; exiftool and pypdf read it back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from tests.labels.helpers import PRODUCER, exiftool_aigc, exiftool_json, need, stray_temp_files
from tongzhou.labels.carriers.base import CorruptFileError
from tongzhou.labels.files import inspect_file, label_file


def _pdf(path: Path, pages: int = 2) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(300, 200)
    writer.add_metadata({"/Title": "原标题 Title", "/Author": "Ada"})
    writer.write(path)
    return path


def _xref_stream_pdf(path: Path) -> Path:
    base = _pdf(path.with_name("base.pdf"))
    writer = PdfWriter(base, incremental=True)  # pypdf writes its increment with a cross-reference stream
    writer.add_metadata({"/Subject": "incremental"})
    writer.write(path)
    return path


@pytest.mark.parametrize("kind", ["classic", "xref-stream"])
def test_round_trip_seen_by_exiftool_and_pypdf(tmp_path: Path, kind: str) -> None:
    need("exiftool")
    source = _pdf(tmp_path / "doc.pdf") if kind == "classic" else _xref_stream_pdf(tmp_path / "doc.pdf")
    before = source.read_bytes()
    result = label_file(source, PRODUCER)
    out = result.output.read_bytes()
    assert source.read_bytes() == before and out.startswith(before)  # original bytes untouched
    seen = exiftool_aigc(result.output)
    assert len(seen) == 1 and json.loads(seen[0]) == result.label.to_dict()
    tags = exiftool_json(result.output)
    assert tags["PDF:Title"] == "原标题 Title" and tags["PDF:Author"] == "Ada"
    assert "Warning" not in " ".join(tags)
    reader = PdfReader(result.output)
    assert len(reader.pages) == 2
    assert json.loads(reader.metadata["/AIGC"]) == result.label.to_dict()
    assert inspect_file(result.output).valid


def test_relabel_keeps_one_label_and_edit_after_label_breaks_binding(tmp_path: Path) -> None:
    first = label_file(_pdf(tmp_path / "a.pdf"), PRODUCER, produce_id="one")
    second = label_file(first.output, PRODUCER, produce_id="two", out_dir=tmp_path / "b")
    assert second.output.read_bytes().count(b"%TC260-AIGC") == 1
    assert json.loads(PdfReader(second.output).metadata["/AIGC"])["ProduceID"] == "two"
    assert inspect_file(second.output).valid
    edited = tmp_path / "edited.pdf"
    writer = PdfWriter(second.output, incremental=True)
    writer.add_blank_page(300, 200)  # a later incremental edit adds a page
    writer.write(edited)
    report = inspect_file(edited)
    assert report.label is not None and report.checks[0].status == "invalid"


def test_truncated_and_encrypted_pdfs_are_refused(tmp_path: Path) -> None:
    whole = _pdf(tmp_path / "whole.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CorruptFileError, match="truncated"):
        label_file(cut, PRODUCER)
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret")
    locked = tmp_path / "locked.pdf"
    writer.write(locked)
    before = locked.read_bytes()
    with pytest.raises(CorruptFileError, match="encrypted"):
        label_file(locked, PRODUCER)
    assert locked.read_bytes() == before and stray_temp_files(tmp_path) == []
