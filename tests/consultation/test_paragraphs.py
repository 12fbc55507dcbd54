"""Paragraph ids survive edits of other paragraphs; Markdown blocks are found by the real parser."""

from __future__ import annotations

from tongzhou.consultation import Paragraph, carry_ids, split_markdown


def _ids(texts: list[str]) -> tuple[list[Paragraph], int]:
    return carry_ids([], texts, 1)


def test_blocks_are_top_level_markdown_blocks() -> None:
    text = "# Title\n\nFirst.\n\n```\ncode\n\nmore code\n```\n\n- a\n- b\n\n> quoted\n> still\n"
    assert split_markdown(text) == [
        "# Title",
        "First.",
        "```\ncode\n\nmore code\n```",
        "- a\n- b",
        "> quoted\n> still",
    ]


def test_windows_line_ends_split_like_unix_ones() -> None:
    assert split_markdown("One.\r\n\r\nTwo.\r\n") == ["One.", "Two."]


def test_first_version_numbers_paragraphs() -> None:
    paragraphs, next_number = _ids(["A.", "B.", "C."])
    assert [p.id for p in paragraphs] == ["p1", "p2", "p3"] and next_number == 4


def test_inserting_a_paragraph_keeps_every_other_id() -> None:
    old, n = _ids(["Title", "Alpha is first.", "Beta is second.", "Gamma is third."])
    new, n2 = carry_ids(
        old, ["Title", "A new one.", "Alpha is first.", "Beta is second.", "Gamma is third."], n
    )
    assert [p.id for p in new] == ["p1", "p5", "p2", "p3", "p4"] and n2 == 6


def test_editing_a_paragraph_keeps_its_id_and_the_others() -> None:
    old, n = _ids(["Title", "Alpha is the first rule.", "Beta is second.", "Gamma is third."])
    new, _ = carry_ids(
        old, ["Title", "Alpha is the first rule, amended.", "Beta is second.", "Gamma is third."], n
    )
    assert [p.id for p in new] == ["p1", "p2", "p3", "p4"]


def test_insert_and_edit_together_pair_by_similarity() -> None:
    old, n = _ids(["Title", "Every public body keeps a register.", "Second."])
    texts = ["Title", "Something entirely new here.", "Every public body keeps a public register.", "Second."]
    new, _ = carry_ids(old, texts, n)
    assert [p.id for p in new] == ["p1", "p4", "p2", "p3"]


def test_deleting_a_paragraph_retires_its_id_for_good() -> None:
    old, n = _ids(["A.", "B.", "C."])
    middle_gone, n = carry_ids(old, ["A.", "C."], n)
    assert [p.id for p in middle_gone] == ["p1", "p3"]
    back, _ = carry_ids(middle_gone, ["A.", "Totally different words.", "C."], n)
    assert [p.id for p in back] == ["p1", "p4", "p3"]  # p2 is never handed out again


def test_a_moved_paragraph_keeps_its_id() -> None:
    old, n = _ids(["Title", "First point.", "Second point.", "Third point."])
    new, _ = carry_ids(old, ["Title", "Third point.", "First point.", "Second point."], n)
    assert {p.source: p.id for p in new} == {p.source: p.id for p in old}
