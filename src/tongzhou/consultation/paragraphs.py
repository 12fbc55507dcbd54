"""A Markdown draft as commentable paragraphs whose ids survive edits of other paragraphs.

A paragraph is one top-level Markdown block (a paragraph, a heading, a list, a quote, a table, a
code block), found by markdown-it's own block parser, so a blank line inside a fenced code block
does not split it. Ids are ``p1``, ``p2``, … and are never reused.

Carrying ids to a new version: the old and new lists of paragraph texts are aligned with
:class:`difflib.SequenceMatcher` (the longest common runs, as ``diff`` does). An unchanged
paragraph keeps its id wherever it moved to within the alignment; where a run of old paragraphs
was replaced by a run of new ones, each old paragraph is paired, in order, with the most similar
new one still unpaired after the previous pair (similarity ratio at least :data:`SAME_PARAGRAPH`),
which keeps its id: an edited paragraph is still the same paragraph, and its comments stay with
it. A paragraph left without a partner whose text equals an unpaired old one's (it was moved)
takes that id; any other gets the next new id. So inserting, deleting or editing one
paragraph never changes the id of another.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from markdown_it import MarkdownIt

SAME_PARAGRAPH = 0.5
"""How alike an edited paragraph must stay to keep its id (difflib's ratio: 2 × matches / total)."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One commentable unit of a draft version."""

    id: str
    """Stable across versions (``p3``; a rule id for a rule-file draft)."""
    source: str
    """The paragraph's Markdown (or YAML) source."""


def split_markdown(text: str) -> list[str]:
    """The sources of the top-level blocks of ``text``, in order (empty blocks dropped)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[str] = []
    for token in MarkdownIt("commonmark").parse(text.replace("\r\n", "\n").replace("\r", "\n")):
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue
        start, end = token.map
        source = "\n".join(lines[start:end]).strip("\n")
        if source.strip():
            blocks.append(source)
    return blocks


def carry_ids(previous: list[Paragraph], texts: list[str], next_number: int) -> tuple[list[Paragraph], int]:
    """Ids for the new version's ``texts`` given the previous version's paragraphs.

    Returns the new paragraphs and the next unused id number (see the module docstring).
    """
    ids: list[str | None] = [None] * len(texts)
    matcher = difflib.SequenceMatcher(a=[p.source for p in previous], b=texts, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(b1 - b0):
                ids[b0 + k] = previous[a0 + k].id
        elif tag == "replace":
            start = b0
            for old in previous[a0:a1]:
                best, best_ratio = None, SAME_PARAGRAPH
                for j in range(start, b1):
                    ratio = difflib.SequenceMatcher(a=old.source, b=texts[j], autojunk=False).ratio()
                    if ratio >= best_ratio:
                        best, best_ratio = j, ratio
                if best is not None:
                    ids[best] = old.id
                    start = best + 1
    # A paragraph moved past others is a delete and an insert to the alignment: same text, same id.
    unused = {p.source: p.id for p in reversed(previous) if p.id not in ids}
    for j, text in enumerate(texts):
        if ids[j] is None and text in unused:
            ids[j] = unused.pop(text)
    paragraphs = []
    for text, found in zip(texts, ids, strict=True):
        if found is None:
            found = f"p{next_number}"
            next_number += 1
        paragraphs.append(Paragraph(found, text))
    return paragraphs, next_number
