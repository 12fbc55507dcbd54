"""A rule-file draft: refused with the engine's reason when broken, diffed, and run on the registry."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.consultation.drafts import CO_RULES, NOW, earlier_colorado_rules, publish_rules_draft
from tongzhou.consultation import ConsultationBook, ConsultationError, DraftKind
from tongzhou.consultation.rule_drafts import bundled_rule_file, side_by_side, tier_changes
from tongzhou.store import Store
from tongzhou.systems.bundled import example_profiles


def test_the_colorado_draft_moves_exactly_the_consequential_systems() -> None:
    changes = tier_changes(CO_RULES, earlier_colorado_rules(), list(example_profiles()), dt.date(2026, 7, 1))
    moved = {(c.system_id, c.jurisdiction, c.old_tier, c.new_tier) for c in changes}
    assert moved == {
        ("credit-scoring", "us-co", None, "covered_admt"),
        ("cv-screening", "us-co", None, "covered_admt"),
    }


def test_the_same_file_changes_nobody() -> None:
    text = bundled_rule_file(CO_RULES)
    assert text is not None
    assert tier_changes(CO_RULES, text, list(example_profiles()), dt.date(2026, 7, 1)) == []


def test_after_both_dates_the_draft_changes_nothing() -> None:
    # from 2027-01-01 the rules in force already apply: the draft only brings them forward
    assert (
        tier_changes(CO_RULES, earlier_colorado_rules(), list(example_profiles()), dt.date(2027, 2, 1)) == []
    )


def test_side_by_side_pairs_changed_lines() -> None:
    rows = side_by_side("a\nb\nc\n", "a\nB\nc\nd\n", context=1)
    kinds = [(r.kind, r.old, r.new) for r in rows if r is not None]
    assert kinds == [("equal", "a", "a"), ("changed", "b", "B"), ("equal", "c", "c"), ("added", None, "d")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("rules: [", "not valid YAML"),
        ("- just a list", "must be a mapping"),
        (
            "regime: x\njurisdiction: us-co\ntitle: T\nscope: markets has US\n",
            "missing required field 'source'",
        ),
        (earlier_colorado_rules().replace("    derive: [co.covered]\n", ""), "reads flag @co.covered"),
    ],
)
def test_a_broken_rule_file_is_refused_with_the_loaders_reason(store: Store, text: str, reason: str) -> None:
    with pytest.raises(ConsultationError) as caught:
        ConsultationBook(store).publish(
            "broken",
            "Broken",
            text,
            kind=DraftKind.rules,
            rule_file=CO_RULES,
            entry_into_force=dt.date(2026, 7, 1),
            opens_at=NOW,
            closes_at=NOW + dt.timedelta(days=1),
            by="reg",
        )
    assert caught.value.code == "bad-rules" and reason in str(caught.value)
    assert ConsultationBook(store).drafts() == []


def test_rule_units_are_the_rules_by_id(store: Store) -> None:
    book = ConsultationBook(store)
    publish_rules_draft(book)
    ids = [p.id for p in book.version("co-earlier").paragraphs]
    assert ids == ["regime", "co.consequential", "co.not_covered"]


def test_a_rule_draft_needs_its_entry_into_force(store: Store) -> None:
    with pytest.raises(ConsultationError) as caught:
        ConsultationBook(store).publish(
            "no-date",
            "No date",
            earlier_colorado_rules(),
            kind=DraftKind.rules,
            rule_file=CO_RULES,
            opens_at=NOW,
            closes_at=NOW + dt.timedelta(days=1),
            by="reg",
        )
    assert caught.value.code == "needs-entry-into-force"
