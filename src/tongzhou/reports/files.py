"""Write a report view to disk in one of the formats (atomically: temp file, then rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tongzhou.errors import InputError
from tongzhou.reports.html import render_html
from tongzhou.reports.markdown import render_markdown
from tongzhou.reports.pdf import html_to_pdf
from tongzhou.reports.view import ReportView

FORMATS = {"html": ".html", "md": ".md", "pdf": ".pdf"}


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(view: ReportView, fmt: str, path: Path) -> Path:
    """Render ``view`` as ``fmt`` (html, md or pdf) into ``path``."""
    if fmt not in FORMATS:
        raise InputError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "html":
        _write_text(path, render_html(view))
    elif fmt == "md":
        _write_text(path, render_markdown(view))
    else:
        html_to_pdf(render_html(view), path)
    return path
