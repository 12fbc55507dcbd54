"""The HTML report in real headless Chromium (Debian's, through playwright): renders, no console
errors, no network request, charts and tables present; and the PDF printed from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.system_tools import need_chromium
from tongzhou.attest.report_view import view_of_attestation
from tongzhou.attest.verify import Verification
from tongzhou.reports import render_html
from tongzhou.reports.browser import chromium_page
from tongzhou.reports.files import write_report

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "attest-report.png"


@pytest.fixture(autouse=True)
def _chromium_is_installed() -> None:
    need_chromium()


def test_report_renders_in_chromium_without_errors(verified: Verification, tmp_path: Path) -> None:
    html = render_html(view_of_attestation(verified))
    messages: list[str] = []
    requests: list[str] = []
    with chromium_page() as page:
        page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
        page.on("request", lambda r: requests.append(r.url))
        page.set_viewport_size({"width": 1000, "height": 1300})
        page.set_content(html, wait_until="load")
        assert page.locator("section#charts svg").count() == 3
        assert page.locator("section#charts svg rect").count() == 3 * 9  # overall + 8 risk types each
        bar = page.locator("section#charts svg rect").first.bounding_box()
        assert bar is not None and bar["height"] > 50  # really drawn, not collapsed
        statuses = page.locator("section#self-assessment .badge").all_inner_texts()
        assert len(statuses) == 8 and set(statuses) <= {"符合", "不符合", "不适用"}
        assert "Example AI Safety Lab" in page.locator("#signature").inner_text()
        assert page.title().startswith("安全评测报告")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=False)
        if os.environ.get("TONGZHOU_UPDATE_DOCS"):
            page.screenshot(path=str(DOCS_SCREENSHOT), full_page=False)
    assert messages == []
    assert [u for u in requests if not u.startswith(("about:", "data:"))] == []
    assert shot.stat().st_size > 10_000


def test_pdf_is_printed(verified: Verification, tmp_path: Path) -> None:
    target = write_report(view_of_attestation(verified), "pdf", tmp_path / "out" / "report.pdf")
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2  # several A4 pages
    assert [p.name for p in target.parent.iterdir()] == ["report.pdf"]  # no temporary file left
