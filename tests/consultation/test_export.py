"""The export holds every comment, its paragraph, the moderation and the response; CSV is formula-safe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from tests.consultation.drafts import MARKDOWN, NOW
from tongzhou.consultation import ConsultationBook, export_csv, export_document, export_json
from tongzhou.store import Store


def test_export_after_close_with_responses(store: Store) -> None:
    book = ConsultationBook(store)
    closes = NOW + dt.timedelta(days=1)
    book.publish("mmm", "Measures", MARKDOWN, opens_at=NOW, closes_at=closes, by="reg", now=NOW)
    good = book.comment("mmm", "p2", '=HYPERLINK("http://evil")', author=None, client_digest="a", now=NOW)
    spam = book.comment("mmm", "p3", "buy now", author="prov", client_digest="b", now=NOW)
    book.moderate("mmm", good.id, "approve", by="reg", now=NOW)
    book.moderate("mmm", spam.id, "reject", by="reg", reason="advertising", now=NOW)
    after = closes + dt.timedelta(hours=1)
    book.respond("mmm", good.id, "Noted.", by="reg", now=after)
    book.respond("mmm", spam.id, "Not a comment on the draft.", by="reg", now=after)
    document = export_document(book, "mmm", now=after)
    assert document["consultation"]["phase"] == "closed"
    assert [c["status"] for c in document["comments"]] == ["approved", "rejected"]
    assert document["comments"][0]["paragraph"].startswith("Article 1.")
    assert json.loads(export_json(document)) == document
    rows = list(csv.DictReader(io.StringIO(export_csv(document))))
    assert rows[0]["comment"] == '\'=HYPERLINK("http://evil")'  # a spreadsheet shows it, never runs it
    assert rows[0]["response"] == "Noted." and rows[1]["moderation_reason"] == "advertising"
    assert rows[1]["author"] == "prov" and rows[1]["registered"] == "yes"
