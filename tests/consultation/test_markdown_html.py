"""Draft Markdown renders without a way through for raw HTML or script URLs."""

from __future__ import annotations

import pytest

from tongzhou.consultation import markdown_to_html

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    "[x](vbscript:msgbox(1))",
    '"><svg onload=alert(1)>',
]


@pytest.mark.parametrize("source", HOSTILE)
def test_no_markup_or_script_url_survives(source: str) -> None:
    html = markdown_to_html(source).lower()
    assert (
        "<script" not in html and '<img src="x"' not in html and "<iframe" not in html and "<svg" not in html
    )
    assert (
        'href="javascript:' not in html and 'href="vbscript:' not in html and 'src="javascript:' not in html
    )


def test_ordinary_markdown_still_renders() -> None:
    html = markdown_to_html("**Art. 1** see [the law](https://eur-lex.europa.eu/) and `code`")
    assert (
        "<strong>Art. 1</strong>" in html
        and '<a href="https://eur-lex.europa.eu/">' in html
        and "<code>code</code>" in html
    )
