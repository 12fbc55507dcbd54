"""Evidence files attached to a report: size-checked, and typed by their own bytes, not by their name.

Accepted: PDF, PNG, JPEG, WebP and UTF-8 plain text — what a screenshot, a saved page printed to PDF
or a copied conversation is. Anything else (HTML, SVG, scripts, archives, office files) is refused:
an archive could unpack to far more than it weighs, and a page or SVG could run script where it is
opened. Images are opened with Pillow and refused past :data:`MAX_IMAGE_PIXELS` (a small file that
decodes to gigabytes). A file that claims one type and is another is refused too.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from tongzhou.participation.errors import ReportProblem

MAX_FILES = 3
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024
"""All files of one report together (the portal refuses a larger request before parsing it)."""
MAX_IMAGE_PIXELS = 40_000_000
"""Width × height past which an image is refused (a 40-megapixel photo is the largest we expect)."""
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_CLAIMS_OK = frozenset({"", "application/octet-stream"})
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """A file as uploaded: its name, the type the sender claimed, its bytes."""

    filename: str
    claimed_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class CheckedEvidence:
    """A file that passed :func:`check_evidence`."""

    filename: str
    media_type: str
    size: int
    sha256: str
    content: bytes


def _sniff(content: bytes) -> str | None:
    for magic, media_type in _SIGNATURES:
        if content.startswith(magic):
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def _check_image(content: bytes, filename: str) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ReportProblem(
                        413,
                        "The image {name} is too large when opened (at most 40 megapixels).",
                        name=filename,
                    )
                image.verify()
    except ReportProblem:
        raise
    except Exception:  # Pillow raises many types for a broken file: all mean "not a readable image"
        raise ReportProblem(415, "The file {name} is not a readable image.", name=filename) from None


def safe_filename(name: str) -> str:
    """The last path part, without control characters or slashes, at most 120 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE_NAME.sub("_", base).strip() or "evidence"
    return cleaned[-120:]


def check_evidence(files: list[EvidenceFile]) -> list[CheckedEvidence]:
    """The files, checked; :class:`ReportProblem` naming the first one that fails and why."""
    if len(files) > MAX_FILES:
        raise ReportProblem(413, "Attach at most {count} files.", count=MAX_FILES)
    if sum(len(f.content) for f in files) > MAX_TOTAL_BYTES:
        raise ReportProblem(413, "The files are too large together (at most 4 MiB).")
    checked = []
    for upload in files:
        name = safe_filename(upload.filename)
        if len(upload.content) > MAX_FILE_BYTES:
            raise ReportProblem(413, "The file {name} is too large (at most 2 MiB).", name=name)
        if not upload.content:
            raise ReportProblem(422, "The file {name} is empty.", name=name)
        media_type = _sniff(upload.content)
        if media_type is None:
            raise ReportProblem(
                415, "The file {name} is not a PDF, PNG, JPEG, WebP or plain-text file.", name=name
            )
        claimed = upload.claimed_type.split(";")[0].strip().lower()
        if claimed not in _CLAIMS_OK and claimed != media_type:
            raise ReportProblem(
                415,
                "The file {name} says it is {claimed} but its content is not.",
                name=name,
                claimed=claimed[:64],
            )
        if media_type.startswith("image/"):
            _check_image(upload.content, name)
        checked.append(
            CheckedEvidence(
                name,
                media_type,
                len(upload.content),
                hashlib.sha256(upload.content).hexdigest(),
                upload.content,
            )
        )
    return checked
