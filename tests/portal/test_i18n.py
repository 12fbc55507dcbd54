"""Every page's and API error's message has Chinese in the shared catalog (found by Babel's extraction,
as in tests/test_messages.py); templates hold no words outside _(); language by URL, cookie, header."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.portal.conftest import PUBLIC_ID, Portal
from tests.test_messages import extracted
from tongzhou.portal import i18n

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "tongzhou" / "portal"
LANGUAGE_NAMES = {"English", "中文"}
"""The switch names each language in itself: not translated on purpose."""


def portal_messages() -> dict[str, list[str]]:
    """Every English message the portal's templates and code show (Babel's extraction, babel.cfg)."""
    return {m: places for m, places in extracted().items() if any(p.startswith("portal/") for p in places)}


def test_extraction_finds_the_portals_messages() -> None:
    found = portal_messages()
    assert {"Registry", "Wrong name or password.", "Not found.", "status", "Registry of AI systems"} <= set(
        found
    )
    assert len(found) > 300


def test_every_message_of_the_portal_has_chinese() -> None:
    missing = sorted(m for m in portal_messages() if not i18n.catalog().get(m))
    assert not missing, (
        "run `make i18n` and fill in tongzhou/locale/zh/LC_MESSAGES/tongzhou.po: " + "; ".join(missing)
    )


def test_templates_hold_no_words_outside_the_catalog() -> None:
    for template in (PACKAGE / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
        text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
        words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in LANGUAGE_NAMES]
        assert not words, f"{template.name}: words outside _(): {words[:10]}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR, zh;q=0.5", "zh"),
        ("fr", "en"),
        ("", "en"),
        ("en;q=0.1, zh;q=0.8", "zh"),
        ("zh;q=bogus", "en"),
    ],
)
def test_accept_language(header: str, expected: str) -> None:
    assert i18n.choose_language(None, None, header) == expected


def test_language_by_header_url_and_switch(portal: Portal) -> None:
    client = portal.client()
    assert "人工智能系统登记" in client.get("/registry", headers={"Accept-Language": "zh-CN"}).text
    english = client.get("/registry")
    assert "Registry of AI systems" in english.text and 'href="/registry?lang=zh"' in english.text
    switched = client.get("/registry?lang=zh")
    assert "人工智能系统登记" in switched.text and switched.headers["content-language"] == "zh"
    assert "人工智能系统登记" in client.get("/registry").text, "the switch is remembered (cookie)"
    assert "Registry of AI systems" in client.get("/registry?lang=en").text
    page = client.get(f"/systems/{PUBLIC_ID}?lang=zh")
    assert "截至" in page.text and "高风险" in page.text


def test_api_errors_in_both_languages(portal: Portal) -> None:
    error = portal.client().get("/api/v1/systems/nope", headers={"Accept-Language": "zh"}).json()["error"]
    assert error["message"] == "没有此标识的登记系统。"
    assert error["messages"] == {"en": "No registered system with this id.", "zh": "没有此标识的登记系统。"}
