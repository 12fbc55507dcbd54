"""Every UI string has Chinese; templates hold no words outside _(); language by URL, cookie, header."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.portal.conftest import PUBLIC_ID, Portal
from tongzhou.portal import i18n

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "tongzhou" / "portal"
_TEMPLATE_MESSAGE = re.compile(r"""\b_\(\s*(["'])(.+?)\1""")
_CODE_MESSAGE = re.compile(r"""PortalProblem\(\s*\d+,\s*(["'])(.+?)\1""", re.S)
_DICT_MESSAGE = re.compile(r"""\d{3}: (["'])([A-Z][^"']+\.)\1""")
LANGUAGE_NAMES = {"English", "中文"}
"""The switch names each language in itself: not translated on purpose."""


def messages() -> set[str]:
    """Every English message the templates and the code show."""
    found: set[str] = set(i18n.DYNAMIC_MESSAGES)
    for template in (PACKAGE / "templates").glob("*.html"):
        found |= {m.group(2) for m in _TEMPLATE_MESSAGE.finditer(template.read_text(encoding="utf-8"))}
    for module in PACKAGE.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        found |= {m.group(2) for m in _CODE_MESSAGE.finditer(text)}
        found |= {m.group(2) for m in _DICT_MESSAGE.finditer(text)}
    return found


def test_extraction_finds_the_messages() -> None:
    found = messages()
    assert {"Registry", "Wrong name or password.", "Not found.", "status"} <= found
    assert len(found) > 80


def test_every_message_has_chinese() -> None:
    missing = sorted(m for m in messages() if not i18n.catalog().get(m))
    assert not missing, "add to src/tongzhou/portal/catalog/zh.yaml: " + "; ".join(missing)


def test_chinese_keeps_the_placeholders() -> None:
    for english, chinese in i18n.catalog().items():
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", chinese)), english


def test_templates_hold_no_words_outside_the_catalog() -> None:
    for template in (PACKAGE / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
        text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
        words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in LANGUAGE_NAMES]
        assert not words, f"{template.name}: words outside _(): {words[:10]}"


def test_a_message_missing_from_the_catalog_would_fail(tmp_path: Path) -> None:
    template = '<p>{{ _("A message nobody translated") }}</p>'
    found = {m.group(2) for m in _TEMPLATE_MESSAGE.finditer(template)}
    assert found == {"A message nobody translated"} and not i18n.catalog().get("A message nobody translated")


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


def test_every_message_is_in_the_catalog_once() -> None:
    # YAML keeps the last of two equal keys without a word, so a second, different translation
    # merged in from another branch would silently replace the first.
    from collections import Counter
    from importlib import resources

    import yaml

    text = resources.files("tongzhou.portal.catalog").joinpath("zh.yaml").read_text(encoding="utf-8")
    root = yaml.compose(text)
    assert isinstance(root, yaml.MappingNode)
    counts = Counter(key.value for key, _ in root.value)
    assert len(counts) > 100
    assert [message for message, n in counts.items() if n > 1] == []
