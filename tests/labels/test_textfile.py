"""Markdown / plain text files: AIGC front matter, existing front matter kept, binding over the body."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.labels.helpers import PRODUCER
from tongzhou.labels.files import inspect_file, label_file


def test_plain_text_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("第一行\n第二行\n", encoding="utf-8")
    result = label_file(source, PRODUCER)
    text = result.output.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["AIGC"] == result.label.to_dict()  # an independent YAML reader sees the label
    assert text.endswith("---\n第一行\n第二行\n")
    assert inspect_file(result.output).valid


def test_existing_front_matter_is_kept_and_crlf_survives(tmp_path: Path) -> None:
    source = tmp_path / "post.md"
    source.write_bytes(b"---\r\ntitle: Hello\r\ntags: [a, b]\r\n---\r\nBody\r\n")
    result = label_file(source, PRODUCER)
    text = result.output.read_bytes().decode()
    assert text.startswith("---\r\nAIGC: {") and "title: Hello\r\ntags: [a, b]\r\n---\r\nBody\r\n" in text
    front = yaml.safe_load(text.split("---\r\n")[1])
    assert front["title"] == "Hello" and front["AIGC"]["ProduceID"] == result.label.ProduceID
    assert inspect_file(result.output).valid


def test_edit_of_the_body_breaks_the_binding(tmp_path: Path) -> None:
    source = tmp_path / "a.md"
    source.write_text("original\n", encoding="utf-8")
    out = label_file(source, PRODUCER).output
    out.write_text(out.read_text(encoding="utf-8").replace("original", "edited"), encoding="utf-8")
    report = inspect_file(out)
    assert not report.valid and report.checks[0].status == "invalid" and report.art6 == "suspected"
