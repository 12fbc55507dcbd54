"""The consultation service on SQLite and PostgreSQL: versions, comments, moderation, close, responses."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.consultation.drafts import MARKDOWN, NOW
from tongzhou.consultation import (
    COMMENTS_PER_HOUR,
    MAX_COMMENT_CHARS,
    MAX_DRAFT_BYTES,
    CommentStatus,
    ConsultationBook,
    ConsultationError,
    Phase,
)
from tongzhou.consultation._tables import CommentRow, DraftRow
from tongzhou.store import Store

OPENS, CLOSES = NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=10)
AFTER_CLOSE = CLOSES + dt.timedelta(minutes=1)


@pytest.fixture
def book(store: Store) -> ConsultationBook:
    made = ConsultationBook(store)
    made.publish("measures", "Draft measures", MARKDOWN, opens_at=OPENS, closes_at=CLOSES, by="reg", now=NOW)
    return made


def _refused(code: str, call: object, *args: object, **kwargs: object) -> ConsultationError:
    with pytest.raises(ConsultationError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code, caught.value
    return caught.value


def test_publish_keeps_the_draft_and_its_paragraphs(book: ConsultationBook) -> None:
    draft = book.draft("measures")
    assert draft.phase(NOW) is Phase.open and draft.phase(OPENS - dt.timedelta(seconds=1)) is Phase.upcoming
    assert draft.phase(CLOSES) is Phase.closed
    version = book.version("measures")
    assert [p.id for p in version.paragraphs] == ["p1", "p2", "p3", "p4"]
    assert version.sha256.startswith("sha256:")


def test_a_new_version_keeps_ids_and_the_old_version(book: ConsultationBook) -> None:
    revised = MARKDOWN.replace("Article 2.", "Article 1a. Registers are kept for ten years.\n\nArticle 2.")
    book.comment("measures", "p3", "Yearly is too often.", author="prov", client_digest="a", now=NOW)
    v2 = book.revise("measures", revised, by="reg", note="adds Art. 1a", now=NOW)
    assert [p.id for p in v2.paragraphs] == ["p1", "p2", "p5", "p3", "p4"]
    assert book.versions("measures") == [1, 2]
    assert [p.id for p in book.version("measures", 1).paragraphs] == ["p1", "p2", "p3", "p4"]
    # the comment on p3 (version 1) still names the paragraph that is p3 in version 2
    assert book.comments("measures", public_only=False)[0].paragraph_id == "p3"


def test_comments_are_pending_until_approved_and_only_approved_are_public(book: ConsultationBook) -> None:
    first = book.comment(
        "measures", "p2", "Good.", author=None, client_digest="a", display_name="Li", now=NOW
    )
    second = book.comment("measures", "p2", "Spam spam.", author=None, client_digest="b", now=NOW)
    assert first.status is CommentStatus.pending and book.comments("measures", public_only=True) == []
    book.moderate("measures", first.id, "approve", by="reg", now=NOW)
    book.moderate("measures", second.id, "reject", by="reg", reason="advertising", now=NOW)
    public = book.comments("measures", public_only=True)
    assert [c.body for c in public] == ["Good."] and public[0].shown_name == "Li"
    everything = book.comments("measures", public_only=False)
    assert [c.moderation_reason for c in everything] == ["", "advertising"]
    _refused(
        "already-moderated", book.moderate, "measures", first.id, "reject", by="reg", reason="x", now=NOW
    )
    _refused("bad-decision", book.moderate, "measures", second.id, "reject", by="reg", now=NOW)


def test_after_close_no_comment_and_no_new_version(book: ConsultationBook) -> None:
    error = _refused(
        "closed", book.comment, "measures", "p2", "Late.", author=None, client_digest="a", now=AFTER_CLOSE
    )
    assert "comments are no longer accepted" in str(error) and error.status == 409
    _refused("closed-for-revision", book.revise, "measures", MARKDOWN + "\nMore.", by="reg", now=AFTER_CLOSE)
    _refused(
        "not-open",
        book.comment,
        "measures",
        "p2",
        "Early.",
        author=None,
        client_digest="a",
        now=OPENS - dt.timedelta(hours=1),
    )


def test_responses_come_after_close(book: ConsultationBook) -> None:
    made = book.comment("measures", "p4", "Publish it online.", author="prov", client_digest="a", now=NOW)
    _refused("respond-after-close", book.respond, "measures", made.id, "Agreed.", by="reg", now=NOW)
    answered = book.respond("measures", made.id, "Agreed: Art. 3 now says online.", by="reg", now=AFTER_CLOSE)
    assert answered.response == "Agreed: Art. 3 now says online." and answered.responded_by == "reg"


def test_forged_ids_are_not_found(book: ConsultationBook, store: Store) -> None:
    made = book.comment("measures", "p2", "Fine.", author="prov", client_digest="a", now=NOW)
    book.publish("other", "Other", "Text.", opens_at=OPENS, closes_at=CLOSES, by="reg", now=NOW)
    _refused(
        "no-comment", book.moderate, "other", made.id, "approve", by="reg", now=NOW
    )  # another draft's comment
    _refused("no-comment", book.moderate, "measures", 999999, "approve", by="reg", now=NOW)
    _refused("no-consultation", book.comment, "nope", "p1", "x", author=None, client_digest="a", now=NOW)
    _refused("no-paragraph", book.comment, "measures", "p99", "x", author=None, client_digest="a", now=NOW)
    _refused("no-version", book.version, "measures", 7)


def test_oversized_and_empty_input_is_refused_and_nothing_is_written(
    book: ConsultationBook, store: Store
) -> None:
    huge = "x" * (MAX_DRAFT_BYTES + 1)
    _refused(
        "draft-too-large",
        book.publish,
        "huge",
        "Huge",
        huge,
        opens_at=OPENS,
        closes_at=CLOSES,
        by="reg",
        now=NOW,
    )
    _refused(
        "too-many-paragraphs",
        book.publish,
        "many",
        "Many",
        "\n\n".join(["para"] * 1001),
        opens_at=OPENS,
        closes_at=CLOSES,
        by="reg",
        now=NOW,
    )
    _refused(
        "empty-draft",
        book.publish,
        "empty",
        "Empty",
        "   \n",
        opens_at=OPENS,
        closes_at=CLOSES,
        by="reg",
        now=NOW,
    )
    _refused(
        "bad-dates",
        book.publish,
        "backwards",
        "B",
        "Text.",
        opens_at=CLOSES,
        closes_at=OPENS,
        by="reg",
        now=NOW,
    )
    _refused(
        "bad-id", book.publish, "../etc", "B", "Text.", opens_at=OPENS, closes_at=CLOSES, by="reg", now=NOW
    )
    _refused(
        "exists",
        book.publish,
        "measures",
        "Again",
        "Text.",
        opens_at=OPENS,
        closes_at=CLOSES,
        by="reg",
        now=NOW,
    )
    _refused(
        "comment-length",
        book.comment,
        "measures",
        "p2",
        "y" * (MAX_COMMENT_CHARS + 1),
        author=None,
        client_digest="a",
        now=NOW,
    )
    _refused(
        "comment-length", book.comment, "measures", "p2", "  \n ", author=None, client_digest="a", now=NOW
    )
    _refused("draft-too-large", book.revise, "measures", huge, by="reg", now=NOW)
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(DraftRow)) == 1
        assert session.scalar(select(func.count()).select_from(CommentRow)) == 0
    assert book.versions("measures") == [1]


def test_an_address_is_rate_limited_per_hour(book: ConsultationBook) -> None:
    for k in range(COMMENTS_PER_HOUR):
        book.comment("measures", "p2", f"comment {k}", author=None, client_digest="flood", now=NOW)
    _refused(
        "rate-limited",
        book.comment,
        "measures",
        "p2",
        "one more",
        author=None,
        client_digest="flood",
        now=NOW,
    )
    book.comment("measures", "p2", "another address", author=None, client_digest="calm", now=NOW)
    book.comment(
        "measures",
        "p2",
        "an hour later",
        author=None,
        client_digest="flood",
        now=NOW + dt.timedelta(hours=1, seconds=1),
    )
    assert len(book.comments("measures", public_only=False)) == COMMENTS_PER_HOUR + 2


def test_nul_bytes_are_dropped_not_stored(book: ConsultationBook) -> None:
    made = book.comment("measures", "p2", "a\x00b", author=None, client_digest="a", now=NOW)
    assert made.body == "ab"
