"""One carrier per format family; :func:`carrier_for` picks one by magic bytes, then by extension."""

from __future__ import annotations

from pathlib import Path

from tongzhou.labels.carriers.base import Carrier, CorruptFileError, FoundLabel, UnsupportedFileError
from tongzhou.labels.carriers.jpeg import JpegCarrier
from tongzhou.labels.carriers.png import PngCarrier
from tongzhou.labels.carriers.textfile import TextFileCarrier
from tongzhou.labels.carriers.webp import WebpCarrier

CARRIERS: list[Carrier] = [PngCarrier(), JpegCarrier(), WebpCarrier(), TextFileCarrier()]


def _optional_carriers() -> None:
    # Carriers added module by module; each registers itself here when present.
    import importlib

    for module, cls in (
        ("tongzhou.labels.carriers.pdf", "PdfCarrier"),
        ("tongzhou.labels.carriers.mp4", "Mp4Carrier"),
        ("tongzhou.labels.carriers.wav", "WavCarrier"),
        ("tongzhou.labels.carriers.mp3", "Mp3Carrier"),
        ("tongzhou.labels.carriers.flac", "FlacCarrier"),
        ("tongzhou.labels.carriers.ogg", "OggCarrier"),
        ("tongzhou.labels.carriers.docx", "DocxCarrier"),
    ):
        try:
            CARRIERS.insert(-1, getattr(importlib.import_module(module), cls)())
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_optional_carriers()


def carrier_for(path: Path, head: bytes) -> Carrier:
    """The carrier for a file: magic bytes first (a renamed file is still what it is), then suffix."""
    for carrier in CARRIERS:
        if carrier.sniff(head):
            return carrier
    suffix = path.suffix.lower()
    for carrier in CARRIERS:
        if suffix in carrier.extensions:
            return carrier
    supported = sorted({ext for c in CARRIERS for ext in c.extensions})
    raise UnsupportedFileError(f"{path}: unsupported format; supported: {', '.join(supported)}")


__all__ = ["CARRIERS", "Carrier", "CorruptFileError", "FoundLabel", "UnsupportedFileError", "carrier_for"]
