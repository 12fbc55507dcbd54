"""The documentation stands on its own: every relative link in README.md and docs/ leads to a file of
this repository, and nothing points outside it (users have no `../shared`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_every_relative_link_resolves() -> None:
    broken = []
    for page in _pages():
        for target in LINK.findall(page.read_text("utf-8")):
            if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
                continue
            if not (page.parent / target).resolve().exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert not broken, broken


def test_nothing_points_outside_the_repository() -> None:
    offenders = []
    for path in [*_pages(), *sorted((ROOT / "src").rglob("*"))]:
        if path.is_file() and path.suffix in (".md", ".py", ".yaml", ".yml", ".config", ".jinja", ".html"):
            text = path.read_text("utf-8", errors="replace")
            if "shared/reference" in text or "../shared" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


def test_every_standards_page_names_its_sources() -> None:
    pages = sorted((ROOT / "docs" / "standards").glob("*.md"))
    assert {p.stem for p in pages} >= {
        "regimes",
        "cn-genai-safety",
        "aigc-labeling",
        "threat-sharing",
        "energy",
    }
    for page in pages:
        if page.name != "README.md":
            assert "Sources." in page.read_text("utf-8") or "**Sources.**" in page.read_text("utf-8"), (
                page.name
            )
