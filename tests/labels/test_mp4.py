"""MP4: mdta key AIGC in moov/udta/meta; ffprobe and exiftool see it; decoded frames unchanged."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import c2pa
import pytest

from tests.labels.helpers import (
    PRODUCER,
    exiftool_aigc,
    ffprobe_tags,
    frame_md5,
    make_video,
    need,
    stray_temp_files,
)
from tongzhou.labels.c2pa_certs import make_test_credentials
from tongzhou.labels.carriers.base import CorruptFileError
from tongzhou.labels.files import inspect_file, label_file


@pytest.mark.parametrize("faststart", [True, False])
def test_round_trip_ffprobe_exiftool_and_frames_unchanged(tmp_path: Path, faststart: bool) -> None:
    need("exiftool")
    source = make_video(tmp_path / "clip.mp4", faststart=faststart)
    before = source.read_bytes()
    result = label_file(source, PRODUCER)
    assert source.read_bytes() == before
    assert json.loads(ffprobe_tags(result.output)["AIGC"]) == result.label.to_dict()
    assert ffprobe_tags(result.output)["encoder"] == ffprobe_tags(source)["encoder"]  # existing metadata kept
    seen = exiftool_aigc(result.output)
    assert len(seen) == 1 and json.loads(seen[0]) == result.label.to_dict()
    assert frame_md5(result.output) == frame_md5(source)  # every decoded frame and audio sample identical
    assert inspect_file(result.output).valid


def test_ffmpeg_written_label_is_read_and_replaced(tmp_path: Path) -> None:
    source = make_video(tmp_path / "clip.mp4", faststart=False)
    tagged = tmp_path / "tagged.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-i",
            str(source),
            "-c",
            "copy",
            "-movflags",
            "use_metadata_tags",
            "-metadata",
            'AIGC={"Label":"1","ContentProducer":"OTHER"}',
            "-metadata",
            "title=keep me",
            str(tagged),
        ],
        check=True,
    )
    report = inspect_file(tagged)
    assert report.label is not None and report.label.ContentProducer == "OTHER"
    assert report.checks[0].status == "absent"
    result = label_file(tagged, PRODUCER)
    tags = ffprobe_tags(result.output)
    assert json.loads(tags["AIGC"])["ContentProducer"] == PRODUCER and tags["title"] == "keep me"
    assert len(inspect_file(result.output).locations) == 1


def test_label_then_c2pa_on_video(tmp_path: Path) -> None:
    source = make_video(tmp_path / "clip.mp4")
    result = label_file(source, PRODUCER, c2pa=make_test_credentials()[0])
    store = json.loads(c2pa.Reader("video/mp4", io.BytesIO(result.output.read_bytes())).json())
    assert store["validation_state"] in ("Valid", "Trusted"), store.get("validation_results")
    report = inspect_file(result.output)
    assert report.valid, report.to_dict()
    assert frame_md5(result.output) == frame_md5(source)


def test_truncated_video_is_refused(tmp_path: Path) -> None:
    data = make_video(tmp_path / "clip.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) - 100])
    before = cut.read_bytes()
    with pytest.raises(CorruptFileError, match="truncated|runs past"):
        label_file(cut, PRODUCER)
    assert cut.read_bytes() == before and stray_temp_files(tmp_path) == []


def test_quicktime_mov_round_trip(tmp_path: Path) -> None:
    need("exiftool")
    source = make_video(tmp_path / "clip.mov", faststart=True)
    result = label_file(source, PRODUCER)
    assert json.loads(ffprobe_tags(result.output)["AIGC"]) == result.label.to_dict()
    assert len(exiftool_aigc(result.output)) == 1
    assert frame_md5(result.output) == frame_md5(source)
    assert inspect_file(result.output).valid


def test_quicktime_style_meta_without_version_flags_is_read(tmp_path: Path) -> None:
    from tongzhou.labels.carriers.mp4 import Mp4Carrier, _box

    source = make_video(tmp_path / "clip.mov", faststart=False)
    data = label_file(source, PRODUCER).output.read_bytes()
    # Rewrite our ISO (FullBox) meta as an Apple QuickTime meta: same children, no version/flags.
    start = data.index(b"meta\x00\x00\x00\x00") - 4
    size = int.from_bytes(data[start : start + 4], "big")
    qt_meta = _box(b"meta", data[start + 12 : start + size])
    delta = len(qt_meta) - size
    patched = bytearray(data[:start] + qt_meta + data[start + size :])
    for name in (b"udta", b"moov"):  # shrink the enclosing boxes (moov is after mdat: no offsets move)
        at = bytes(patched).rindex(name, 0, start) - 4
        patched[at : at + 4] = (int.from_bytes(patched[at : at + 4], "big") + delta).to_bytes(4, "big")
    found = Mp4Carrier().read_labels(bytes(patched))
    assert len(found) == 1 and json.loads(found[0].value)["ContentProducer"] == PRODUCER
