"""Sample media made with real tools (Pillow, ffmpeg) and independent readers (exiftool, ffprobe)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

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
    """Skip when a Debian tool is missing (system-packages.txt installs it)."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed (see system-packages.txt)")


def stray_temp_files(directory: Path) -> list[Path]:
    """Temp files our atomic writer would leave behind on failure."""
    return list(directory.rglob(".tongzhou-label-*"))
