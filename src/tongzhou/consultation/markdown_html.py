"""Markdown to HTML with no way through for raw HTML or script URLs.

markdown-it-py in CommonMark mode with ``html`` off: a ``<script>`` or ``<img onerror=…>`` in the
draft is text (escaped), not markup; link and image URLs pass markdown-it's ``validateLink``, which
refuses ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` (except a few image types); every
attribute value is escaped. The page's CSP (``script-src 'self'``) is a second wall behind this.
"""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt


@functools.cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def markdown_to_html(source: str) -> str:
    """Safe HTML for one paragraph's Markdown (raw HTML shown as text)."""
    return _parser().render(source)
