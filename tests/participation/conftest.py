"""Reports on a store with the bundled example systems registered."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from tongzhou.participation import ReportBook, ReportSubmission, build_submission
from tongzhou.participation.evidence import EvidenceFile
from tongzhou.store import Store
from tongzhou.systems.bundled import example_profiles
from tongzhou.systems.registry import SystemRegistry

TODAY = dt.date(2026, 12, 6)
FIELDS = {
    "system_id": "cv-screening",
    "what_happened": "The screening tool rejected every applicant over 50.",
    "occurred_on": "2026-11-20",
    "contact": "reporter@example.org",
}


def png_bytes(width: int, height: int) -> bytes:
    """A real PNG of that size (one bit per pixel)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


def register_examples(store: Store) -> None:
    """The ten bundled example systems."""
    registry = SystemRegistry(store)
    for profile in example_profiles():
        registry.add(profile)


def submission(
    fields: dict[str, str] | None = None,
    *,
    harms: tuple[str, ...] = ("rights",),
    links: tuple[str, ...] = ("https://news.example.org/story",),
    files: list[EvidenceFile] | None = None,
    **overrides: Any,
) -> ReportSubmission:
    """A valid report, with ``fields`` changed."""
    return build_submission(
        {**FIELDS, **(fields or {}), **overrides}, harms=harms, links=links, files=files or [], today=TODAY
    )


def submit(store: Store, **kwargs: Any) -> tuple[str, str]:
    """(report id, status token) of a stored valid report."""
    receipt = ReportBook(store).submit(submission(**kwargs))
    return receipt.report_id, receipt.token
