"""Write a report view to disk in one of the formats (atomically: temp file, then rename)."""

from __future__ import annotations

from pathlib import Path

from tongzhou.atomic_file import write_text_atomic
from tongzhou.errors import InputError
from tongzhou.reports.html import render_html
from tongzhou.reports.markdown import render_markdown
from tongzhou.reports.pdf import html_to_pdf
from tongzhou.reports.view import ReportView

FORMATS = {"html": ".html", "md": ".md", "pdf": ".pdf"}


def write_report(view: ReportView, fmt: str, path: Path) -> Path:
    """Render ``view`` as ``fmt`` (html, md or pdf) into ``path``."""
    if fmt not in FORMATS:
        raise InputError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "html":
        write_text_atomic(path, render_html(view))
    elif fmt == "md":
        write_text_atomic(path, render_markdown(view))
    else:
        html_to_pdf(render_html(view), path)
    return path
