"""Every comment of a consultation as CSV or JSON, for the regulator's record and response.

The export holds all comments, whatever their moderation state, with the paragraph text they
were made on, the reason of each rejection and the response. CSV cells that a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) are prefixed
with an apostrophe, as OWASP's "CSV injection" guidance advises; JSON carries the text unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from tongzhou.consultation.book import ConsultationBook, utc_now

CSV_COLUMNS = (
    "comment_id",
    "consultation",
    "version",
    "paragraph_id",
    "paragraph",
    "author",
    "registered",
    "created_at",
    "status",
    "moderated_by",
    "moderation_reason",
    "comment",
    "response",
    "responded_by",
    "responded_at",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_document(book: ConsultationBook, draft_id: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """The consultation, its versions' digests and every comment with its paragraph text."""
    now = now or utc_now()
    draft = book.draft(draft_id)
    sources: dict[tuple[int, str], str] = {}
    versions = []
    for number in book.versions(draft_id):
        version = book.version(draft_id, number)
        versions.append(
            {"version": number, "sha256": version.sha256, "published_at": version.published_at.isoformat()}
        )
        sources.update({(number, p.id): p.source for p in version.paragraphs})
    comments = []
    for c in book.comments(draft_id, public_only=False):
        comments.append(c.to_dict(private=True) | {"paragraph": sources.get((c.version, c.paragraph_id), "")})
    return {
        "schema": "tongzhou.consultation.export/1",
        "exported_at": now.isoformat(),
        "consultation": draft.to_dict(now),
        "versions": versions,
        "comments": comments,
    }


def export_json(document: dict[str, Any]) -> str:
    """The export as JSON text."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(document: dict[str, Any]) -> str:
    """The export's comments as CSV (one row per comment, :data:`CSV_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    draft_id = document["consultation"]["id"]
    for c in document["comments"]:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    c["id"],
                    draft_id,
                    c["version"],
                    c["paragraph_id"],
                    c["paragraph"],
                    c["author"],
                    "yes" if c["registered"] else "no",
                    c["created_at"],
                    c["status"],
                    c["moderated_by"],
                    c["moderation_reason"],
                    c["body"],
                    c["response"],
                    c["responded_by"],
                    c["responded_at"],
                )
            ]
        )
    return out.getvalue()
