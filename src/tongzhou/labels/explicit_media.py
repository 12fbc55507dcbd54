"""Explicit (visible/audible) labels on media: image overlay, video opening overlay, audio rhythm cue.

Rules (GB 45438 §5 via docs/standards/aigc-labeling.md, [S]): image text height >= 5 % of the
shortest side; video label on the opening frames for >= 2 s at that height; audio rhythm cue
"short long short short" (Morse ·- ·· = "AI") at the start. Explicit labels change pixels or
samples by design, so they are applied before the implicit label and its content hash.
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError
from tongzhou.labels.carriers.base import CorruptFileError
from tongzhou.labels.explicit_text import Language, add_explicit_text_label, explicit_wording, wording_data

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
"""Debian fonts-noto-cjk (system-packages.txt)."""

MAX_PIXELS = 100_000_000
"""Pillow decode limit for overlays (a decompression-bomb bound; not from a standard)."""

VIDEO_LABEL_SECONDS = 3.0
"""We show the video label for 3 s: above the >= 2 s minimum with a margin for frame timing."""


def cjk_font() -> str:
    """Path of the CJK font; InputError when fonts-noto-cjk is missing."""
    for path in CJK_FONTS:
        if Path(path).exists():
            return path
    raise InputError("explicit labels need a CJK font: apt-get install fonts-noto-cjk")


def min_text_height(width: int, height: int) -> int:
    """Smallest allowed label text height in pixels: 5 % of the shortest side, rounded up (GB 45438)."""
    ratio = float(wording_data()["rules"]["image_min_text_height_ratio"])
    return max(8, math.ceil(min(width, height) * ratio))


def fit_font(width: int, height: int, text: str) -> tuple[Any, int]:
    """(font, inked text height): the smallest CJK font whose glyphs reach :func:`min_text_height`."""
    from PIL import ImageFont

    need = min_text_height(width, height)
    size = need
    while True:
        font = ImageFont.truetype(cjk_font(), size=size)
        _left, top, _right, bottom = font.getbbox(text)
        inked = int(bottom - top)
        if inked >= need:
            return font, inked
        size += max(1, (need - inked) // 2)


def overlay_image(data: bytes, fmt: str, lang: Language = "zh", wording: str | None = None) -> bytes:
    """The image with the label drawn in its bottom-left corner, re-encoded in the same format."""
    from PIL import Image, ImageDraw

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    text = explicit_wording(lang, "image", wording)
    try:
        with Image.open(io.BytesIO(data)) as original:
            original.load()
            image = original.convert("RGBA") if original.mode not in ("RGB", "RGBA") else original.copy()
            info = dict(original.info)
            exif = original.getexif()
    except (OSError, Image.DecompressionBombError, ValueError) as exc:
        raise CorruptFileError(f"cannot decode the image for the explicit label: {exc}") from exc
    font, text_height = fit_font(image.width, image.height, text)
    size = text_height
    draw = ImageDraw.Draw(image, "RGBA")
    margin = max(2, size // 4)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x, y = margin, image.height - margin - (bottom - top) - margin
    draw.rectangle(
        (x - margin, y - margin + top, x + right - left + margin, y + bottom + margin), fill=(0, 0, 0, 160)
    )
    draw.text((x - left, y), text, font=font, fill=(255, 255, 255, 255))
    out = io.BytesIO()
    save: dict[str, object] = {}
    if exif:
        save["exif"] = exif
    if info.get("xmp"):
        save["xmp"] = info["xmp"]
    if fmt == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=95, **save)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=95, **save)
    else:
        image.save(out, "PNG", **save)
    return out.getvalue()


def _ffmpeg(args: list[str], data: bytes, suffix: str) -> bytes:
    if shutil.which("ffmpeg") is None:
        raise InputError("explicit audio/video labels need ffmpeg: apt-get install ffmpeg")
    with tempfile.TemporaryDirectory(prefix="tongzhou-explicit-") as tmp:
        src, dst = Path(tmp) / f"in{suffix}", Path(tmp) / f"out{suffix}"
        src.write_bytes(data)
        proc = subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(src), *args, str(dst)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0 or not dst.exists():
            raise CorruptFileError(f"ffmpeg could not add the explicit label: {proc.stderr.strip()[-400:]}")
        return dst.read_bytes()


def overlay_video(data: bytes, lang: Language = "zh", wording: str | None = None, height: int = 0) -> bytes:
    """The video with the label drawn over its first :data:`VIDEO_LABEL_SECONDS` seconds (ffmpeg drawtext)."""
    text = (
        explicit_wording(lang, "video", wording).replace("\\", "\\\\").replace(":", "\\:").replace("'", "’")
    )
    size = f"max(12\\,ceil(min(w\\,h)*{wording_data()['rules']['image_min_text_height_ratio']})+1)"
    drawtext = (
        f"drawtext=fontfile={cjk_font()}:text='{text}':fontsize={size}:fontcolor=white:"
        f"box=1:boxcolor=black@0.6:boxborderw=6:x=20:y=h-th-30:"
        f"enable='lt(t\\,{VIDEO_LABEL_SECONDS})'"
    )
    return _ffmpeg(
        [
            "-vf",
            drawtext,
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "copy",
            "-movflags",
            "+faststart",
        ],
        data,
        ".mp4",
    )


# Morse "AI" = ·-  ·· : short long (gap) short short. Unit 120 ms, 880 Hz tone.
_RHYTHM = [
    (0.12, True),
    (0.12, False),
    (0.36, True),
    (0.36, False),
    (0.12, True),
    (0.12, False),
    (0.12, True),
    (0.3, False),
]


def rhythm_cue_filter() -> str:
    """An ffmpeg lavfi expression for the short-long-short-short cue (GB 45438 audio rule)."""
    parts, t = [], 0.0
    for duration, on in _RHYTHM:
        if on:
            parts.append(f"between(t,{t:.2f},{t + duration:.2f})")
        t += duration
    return f"aevalsrc='0.5*sin(2*PI*880*t)*({'+'.join(parts)})':d={t:.2f}"


def _audio_format(data: bytes, suffix: str) -> tuple[int, str]:
    """(sample rate, channel layout) of the first audio stream, from ffprobe."""
    with tempfile.TemporaryDirectory(prefix="tongzhou-probe-") as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        proc = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-select_streams",
                "a:0",
                "-show_entries",
                "stream=sample_rate,channels",
                "-of",
                "csv=p=0",
                str(src),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    try:
        rate_text, channels = proc.stdout.strip().split(",")[:2]
        return int(rate_text), "mono" if channels.strip() == "1" else "stereo"
    except ValueError as exc:
        raise CorruptFileError(f"ffprobe found no audio stream: {proc.stderr.strip()[-200:]}") from exc


def prepend_audio_cue(data: bytes, suffix: str) -> bytes:
    """The audio with the rhythm cue in front (re-encoded in the same container/codec family)."""
    codec = {
        ".wav": ["-c:a", "pcm_s16le"],
        ".mp3": ["-c:a", "libmp3lame", "-q:a", "2"],
        ".flac": ["-c:a", "flac"],
        ".ogg": ["-c:a", "libvorbis"],
        ".oga": ["-c:a", "libvorbis"],
        ".opus": ["-c:a", "libopus"],
    }.get(suffix)
    if codec is None:
        raise InputError(f"explicit audio labels are not supported for {suffix} files")
    rate, layout = _audio_format(data, suffix)
    filter_complex = (
        f"{rhythm_cue_filter()},aformat=sample_fmts=fltp:sample_rates={rate}:channel_layouts={layout}[c];"
        f"[0:a]aformat=sample_fmts=fltp[a];[c][a]concat=n=2:v=0:a=1[out]"
    )
    return _ffmpeg(["-filter_complex", filter_complex, "-map", "[out]", *codec], data, suffix)


def apply_explicit(
    data: bytes, carrier: str, suffix: str, lang: Language = "zh", wording: str | None = None
) -> bytes:
    """Add the explicit label a format supports; InputError for formats without one here."""
    if carrier == "text":
        from tongzhou.labels.carriers.textfile import split_front_matter

        head, body = split_front_matter(data.decode("utf-8"))
        return (head + add_explicit_text_label(body, lang, "prefix", wording)).encode("utf-8")
    if carrier in ("png", "jpeg", "webp"):
        return overlay_image(data, carrier, lang, wording)
    if carrier == "mp4":
        return overlay_video(data, lang, wording)
    if carrier in ("wav", "mp3", "flac", "ogg"):
        return prepend_audio_cue(data, suffix if carrier == "ogg" else "." + carrier)
    raise InputError(
        f"explicit labels are not supported for {carrier} files here: add visible wording "
        "in the document itself (GB 45438 §5)"
    )
