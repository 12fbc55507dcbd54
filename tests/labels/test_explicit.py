"""Explicit labels on images and text files: wording, size rule, then the implicit label on top."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from tests.labels.helpers import PRODUCER, make_image, make_video
from tongzhou.labels.explicit_media import fit_font, min_text_height
from tongzhou.labels.files import inspect_file, label_file


@pytest.mark.parametrize(("width", "height"), [(64, 48), (400, 300), (1920, 1080), (300, 2000)])
def test_image_label_text_is_at_least_5_percent_of_shortest_side(width: int, height: int) -> None:
    _font, inked = fit_font(width, height, "AI生成")
    assert inked >= 0.05 * min(width, height)
    assert min_text_height(width, height) >= 0.05 * min(width, height)


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_image_overlay_then_implicit_label(tmp_path: Path, fmt: str, ext: str) -> None:
    source = make_image(tmp_path / f"a{ext}", size=(400, 300), fmt=fmt)
    result = label_file(source, PRODUCER, explicit=True)
    with Image.open(source) as a, Image.open(result.output) as b:
        assert a.size == b.size
        # Lossy re-encoding moves every pixel a little; the label moves them a lot.
        diff = ImageChops.difference(a.convert("L"), b.convert("L")).point(lambda v: 255 if v > 48 else 0)
        changed = diff.getbbox()
    assert changed is not None
    _left, top, _right, bottom = changed
    assert bottom - top >= 0.05 * 300  # the visible label is at least the minimum text height tall
    assert top > 300 / 2  # in the lower part of the image
    report = inspect_file(result.output)
    assert report.valid and report.art6 == "confirmed"


def test_text_file_gets_prefix_after_front_matter(tmp_path: Path) -> None:
    source = tmp_path / "answer.md"
    source.write_text("---\ntitle: 答复\n---\n# 标题\n\n正文\n", encoding="utf-8")
    result = label_file(source, PRODUCER, explicit=True, lang="zh")
    text = result.output.read_text(encoding="utf-8")
    assert text.startswith("---\nAIGC: {")
    assert "title: 答复\n---\n【本内容由人工智能生成】\n\n# 标题" in text
    report = inspect_file(result.output)
    assert report.valid and report.explicit


def test_explicit_label_without_implicit_is_suspected(tmp_path: Path) -> None:
    path = tmp_path / "post.txt"
    path.write_text("【本内容由人工智能生成】\n\n今天的新闻摘要……", encoding="utf-8")
    report = inspect_file(path)
    assert report.label is None and report.art6 == "suspected"


def _frame(path: Path, at: float, out: Path) -> Image.Image:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-ss",
            str(at),
            "-i",
            str(path),
            "-frames:v",
            "1",
            str(out),
        ],
        check=True,
    )
    return Image.open(out).convert("L")


def test_video_label_shown_for_at_least_two_seconds(tmp_path: Path) -> None:
    source = make_video(tmp_path / "clip.mp4", seconds=4.0)
    result = label_file(source, PRODUCER, explicit=True)
    labelled_region = (0, 60, 160, 120)  # lower part of the 160x120 frame, where the label sits

    def changed(at: float) -> bool:
        a = _frame(source, at, tmp_path / f"a{at}.png").crop(labelled_region)
        b = _frame(result.output, at, tmp_path / f"b{at}.png").crop(labelled_region)
        diff = ImageChops.difference(a, b).point(lambda v: 255 if v > 64 else 0)
        return diff.getbbox() is not None

    assert changed(0.1) and changed(2.2)  # on the opening frames and still after 2 s
    assert not changed(3.6)  # gone afterwards
    assert inspect_file(result.output).valid
