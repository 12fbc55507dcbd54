"""DOCX/XLSX/PPTX: custom property AIGC in docProps/custom.xml; exiftool reads it; parts unchanged."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.labels.helpers import PRODUCER, exiftool_json, need, stray_temp_files
from tongzhou.labels.carriers.base import CorruptFileError
from tongzhou.labels.files import inspect_file, label_file

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>人工智能生成的报告</w:t></w:r></w:p></w:body></w:document>"
)
EXISTING_CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Department">'
    "<vt:lpwstr>Research</vt:lpwstr></property></Properties>"
)


def _docx(path: Path, custom: bool = False) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", DOCUMENT)
        if custom:
            archive.writestr("docProps/custom.xml", EXISTING_CUSTOM)
    return path


@pytest.mark.parametrize("custom", [False, True])
def test_round_trip_seen_by_exiftool(tmp_path: Path, custom: bool) -> None:
    need("exiftool")
    source = _docx(tmp_path / "report.docx", custom)
    result = label_file(source, PRODUCER)
    tags = exiftool_json(result.output)
    assert json.loads(tags["XML:AIGC"]) == result.label.to_dict()
    if custom:
        assert tags["XML:Department"] == "Research"
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(result.output) as b:
        assert a.read("word/document.xml") == b.read("word/document.xml")
        assert b"custom-properties+xml" in b.read("[Content_Types].xml")
        assert b"docProps/custom.xml" in b.read("_rels/.rels")
    report = inspect_file(result.output)
    assert report.valid and report.locations == ["docProps/custom.xml AIGC"]
    again = label_file(result.output, PRODUCER, out_dir=tmp_path / "again")
    assert len(inspect_file(again.output).locations) == 1


def test_zip_bomb_and_non_ooxml_zip_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", b"\x00" * (50 * 1024 * 1024))
    with pytest.raises(CorruptFileError, match="zip bomb"):
        label_file(bomb, PRODUCER)
    plain = tmp_path / "plain.docx"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CorruptFileError, match="Office Open XML"):
        label_file(plain, PRODUCER)
    truncated = tmp_path / "cut.docx"
    truncated.write_bytes(_docx(tmp_path / "whole.docx").read_bytes()[:200])
    with pytest.raises(CorruptFileError):
        label_file(truncated, PRODUCER)
    assert stray_temp_files(tmp_path) == []
