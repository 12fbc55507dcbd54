"""WAV (RIFF chunk), MP3 (ID3v2 TXXX), FLAC/OGG/Opus (Vorbis comment) AIGC: readers, samples unchanged."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import mutagen
import pytest

from tests.labels.helpers import PRODUCER, exiftool_json, frame_md5, make_audio, need, stray_temp_files
from tongzhou.labels.carriers.base import CorruptFileError
from tongzhou.labels.files import inspect_file, label_file


def _exiftool_label(path: Path) -> dict[str, str]:
    """The label as exiftool reports it, whichever tag the format maps it to."""
    if path.suffix == ".wav":
        raw = subprocess.run(
            ["exiftool", "-U", "-b", "-RIFF:Unknown_AIGC", str(path)], check=True, capture_output=True
        ).stdout
        return dict(json.loads(raw.rstrip(b"\x00")))
    tags = exiftool_json(path)
    if path.suffix == ".mp3":
        text = next(
            v for k, v in tags.items() if k.endswith("UserDefinedText") and str(v).startswith("(AIGC) ")
        )
        return dict(json.loads(text[len("(AIGC) ") :]))
    return dict(json.loads(tags["Vorbis:Aigc"]))


@pytest.mark.parametrize("ext", [".wav", ".mp3", ".flac", ".ogg", ".opus"])
def test_round_trip_exiftool_mutagen_and_samples_unchanged(tmp_path: Path, ext: str) -> None:
    need("exiftool")
    source = make_audio(tmp_path / f"tone{ext}")
    before = source.read_bytes()
    result = label_file(source, PRODUCER)
    assert source.read_bytes() == before
    assert _exiftool_label(result.output) == result.label.to_dict()
    assert frame_md5(result.output) == frame_md5(source)  # decoded samples identical (ffmpeg)
    if ext != ".wav":
        audio = mutagen.File(result.output)  # mutagen decodes the stream info and reads the tag
        assert audio is not None and audio.info.length > 0.4
        if ext == ".mp3":
            assert json.loads(str(audio.tags["TXXX:AIGC"].text[0])) == result.label.to_dict()
            assert str(audio.tags["TIT2"].text[0]) == "Keep"
        else:
            assert json.loads(audio.tags["AIGC"][0]) == result.label.to_dict()
            assert audio.tags["TITLE"] == ["Keep"]
    report = inspect_file(result.output)
    assert report.valid and len(report.locations) == 1, report.to_dict()
    again = label_file(result.output, PRODUCER, produce_id="second", out_dir=tmp_path / "again")
    assert len(inspect_file(again.output).locations) == 1


@pytest.mark.parametrize("ext", [".wav", ".mp3", ".flac", ".ogg"])
def test_truncated_or_garbled_audio_is_refused(tmp_path: Path, ext: str) -> None:
    data = make_audio(tmp_path / f"tone{ext}").read_bytes()
    bad = tmp_path / f"bad{ext}"
    if ext == ".mp3":
        bad.write_bytes(data[:40])  # inside the ID3 tag
    elif ext == ".flac":
        bad.write_bytes(data[:30])  # inside STREAMINFO
    else:
        bad.write_bytes(data[: len(data) // 2])
    before = bad.read_bytes()
    with pytest.raises(CorruptFileError):
        label_file(bad, PRODUCER)
    assert bad.read_bytes() == before and stray_temp_files(tmp_path) == []


def test_explicit_audio_rhythm_cue_is_prepended(tmp_path: Path) -> None:
    source = make_audio(tmp_path / "speech.wav", seconds=1.0)
    result = label_file(source, PRODUCER, explicit=True)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(result.output)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert float(probe) > 1.0 + 1.0  # the cue (short long short short, ~1.4 s) precedes the audio
    assert inspect_file(result.output).valid
