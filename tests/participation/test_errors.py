"""Every refusal participation can raise has its Chinese wording in the shared catalog, with the same
placeholders: the portal and the CLI show both languages."""

from __future__ import annotations

import re
from pathlib import Path

from tongzhou import messages as i18n
from tongzhou.participation import ReportProblem

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "tongzhou" / "participation"
_MESSAGE = re.compile(r"""ReportProblem\(\s*\d+,\s*(["'])(.+?)\1""", re.S)


def messages() -> set[str]:
    """The English messages of every ``ReportProblem(...)`` in the package."""
    return {m.group(2) for p in PACKAGE.glob("*.py") for m in _MESSAGE.finditer(p.read_text("utf-8"))}


def test_the_extraction_finds_them() -> None:
    assert {"No report with this id.", "Fill in the field {field}."} <= messages()
    assert len(messages()) >= 25


def test_every_refusal_has_chinese_with_the_same_placeholders() -> None:
    missing = sorted(m for m in messages() if not i18n.catalog().get(m))
    assert not missing, (
        "run `make i18n` and fill in src/tongzhou/locale/zh/LC_MESSAGES/tongzhou.po: " + "; ".join(missing)
    )
    for message in messages():
        chinese = i18n.catalog()[message]
        assert set(re.findall(r"\{(\w+)\}", message)) == set(re.findall(r"\{(\w+)\}", chinese)), message


def test_a_refusal_carries_status_message_and_values() -> None:
    problem = ReportProblem(413, "The file {name} is too large (at most 2 MiB).", name="x.pdf")
    assert problem.status == 413 and str(problem) == "The file x.pdf is too large (at most 2 MiB)."
    assert i18n.translate("zh", problem.message, **problem.values) == "文件 x.pdf 过大（最多 2 MiB）。"
    assert (
        problem.bilingual()
        == "The file x.pdf is too large (at most 2 MiB). / 文件 x.pdf 过大（最多 2 MiB）。"
    )
