"""Drafts the consultation tests share: an open Markdown draft, a Colorado rule-file draft."""

from __future__ import annotations

import datetime as dt

from tongzhou.consultation import ConsultationBook, DraftKind
from tongzhou.consultation.rule_drafts import bundled_rule_file
from tongzhou.store import Store

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
MARKDOWN = """# Draft measures on public-sector AI

Article 1. Every public body keeps a register of the AI systems it uses.

Article 2. A system that decides on benefits is reviewed every year.

Article 3. The register is published.
"""
CO_RULES = "us-co-sb26-189.yaml"


def open_text_draft(store: Store, draft_id: str = "public-ai-measures", *, with_comment: bool = False) -> str:
    """A Markdown draft open from yesterday until 30 days from now (real clock)."""
    now = dt.datetime.now(dt.UTC)
    book = ConsultationBook(store)
    book.publish(
        draft_id,
        "Draft measures on public-sector AI",
        MARKDOWN,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        by="reg",
    )
    if with_comment:
        book.comment(draft_id, "p2", "Which registers?", author="prov", client_digest="seed")
    return draft_id


def earlier_colorado_rules() -> str:
    """Colorado's SB 26-189 rules brought forward from 2027-01-01 to 2026-06-01: a draft that
    moves the Colorado employment and credit systems from no tier to the covered tier."""
    text = bundled_rule_file(CO_RULES)
    assert text is not None
    return text.replace("applies_from: 2027-01-01", "applies_from: 2026-06-01")


def publish_rules_draft(book: ConsultationBook, draft_id: str = "co-earlier", now: dt.datetime = NOW) -> None:
    """The Colorado draft, open around ``now``, entering into force on 2026-07-01."""
    book.publish(
        draft_id,
        "Colorado rules one semester earlier",
        earlier_colorado_rules(),
        kind=DraftKind.rules,
        rule_file=CO_RULES,
        entry_into_force=dt.date(2026, 7, 1),
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
        by="reg",
        now=now,
    )
