"""Sample media made with real tools (Pillow, ffmpeg) and independent readers (exiftool, ffprobe)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from PIL import Image

from tests.system_tools import need_tool

PRODUCER = "001191110000TZDEMO000110000"


def exiftool_json(path: Path) -> dict[str, Any]:
    """exiftool's -G1 JSON for one file (an independent reader)."""
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-struct", str(path)], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out)[0]
    return result


def exiftool_aigc(path: Path) -> list[str]:
    """Every exiftool tag value named AIGC (any group, case-insensitive), as strings."""
    return [str(v) for k, v in exiftool_json(path).items() if k.rpartition(":")[2].lower() == "aigc"]


def make_image(path: Path, size: tuple[int, int] = (96, 64), fmt: str | None = None, **save: Any) -> Path:
    """A small gradient image (non-trivial pixels) saved by Pillow."""
    image = Image.new("RGB", size)
    image.putdata(
        [((x * 7) % 256, (y * 5) % 256, (x * y) % 256) for y in range(size[1]) for x in range(size[0])]
    )
    image.save(path, fmt, **save)
    return path


def need(tool: str) -> None:
    """Fail when a Debian tool is missing (system-packages.txt installs it; see tests/system_tools.py)."""
    need_tool(tool)


def stray_temp_files(directory: Path) -> list[Path]:
    """Temp files our atomic writer would leave behind on failure."""
    return list(directory.rglob(".tongzhou-label-*"))


def make_video(path: Path, faststart: bool = True, seconds: float = 1.0) -> Path:
    """A small H.264 + AAC MP4 made by ffmpeg (moov first with faststart, else after mdat)."""
    need("ffmpeg")
    flags = ["-movflags", "+faststart"] if faststart else []
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=22050",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            *flags,
            str(path),
        ],
        check=True,
    )
    return path


def frame_md5(path: Path) -> list[str]:
    """Per-frame (decoded) MD5s of every stream, from ffmpeg's framemd5 muxer."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-map", "0", "-f", "framemd5", "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if not line.startswith("#")]


def ffprobe_tags(path: Path) -> dict[str, str]:
    """Container-level tags as ffprobe reports them (an independent reader)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format_tags", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tags: dict[str, str] = json.loads(out).get("format", {}).get("tags", {})
    return tags


def make_audio(path: Path, seconds: float = 0.5) -> Path:
    """A short sine tone in the format the suffix names (ffmpeg), with a title tag."""
    need("ffmpeg")
    rate = 48000 if path.suffix == ".opus" else 22050  # libopus takes 48 kHz
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate={rate}",
            "-t",
            str(seconds),
            "-metadata",
            "title=Keep",
            str(path),
        ],
        check=True,
    )
    return path
