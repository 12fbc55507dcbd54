"""The notification outbox: queue messages with the assessment, deliver them after it.

Queued in the same transaction as the assessment entry (so a review is never recorded without its
messages, nor a message sent for a review that was not recorded); delivered afterwards, one row at
a time. ``dedupe_key`` is unique, so queuing the same message twice does nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongzhou.reassess._tables import NotificationRow
from tongzhou.reassess.findings import Finding
from tongzhou.reassess.notify import DeliveryError, MailSettings, send_email, send_webhook
from tongzhou.store import Store

KIND_TEXT = {
    "review-due": ("review due", "待复审"),
    "alert": ("ALERT", "警报"),
    "overdue": ("review OVERDUE", "复审逾期"),
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def message(
    kind: str, system_id: str, assessment_id: int, as_of: dt.date, due: dt.date, findings: list[Finding]
) -> dict[str, Any]:
    """The payload of one notification (webhook JSON; the e-mail is built from ``subject`` and ``text``)."""
    en, zh = KIND_TEXT[kind]
    lines = [f"[{f.severity}] {f.message}" for f in findings] or ["no finding: the checks found nothing new"]
    lines_zh = [f"[{f.severity}] {f.message_zh}" for f in findings] or ["无新发现"]
    text = (
        f"Tongzhou periodic re-assessment: {en} for {system_id} (review due {due}, assessed {as_of}).\n\n"
        + "\n".join(lines)
        + f"\n\nSign the review off when done: tongzhou reassess sign-off {system_id} --by NAME\n\n"
        f"同舟定期复审：{system_id} {zh}（应复审日期 {due}，评估日期 {as_of}）。\n\n"
        + "\n".join(lines_zh)
        + "\n"
    )
    return {
        "event": kind,
        "system_id": system_id,
        "assessment_id": assessment_id,
        "as_of": as_of.isoformat(),
        "due": due.isoformat(),
        "findings": [f.to_dict() for f in findings],
        "subject": f"[Tongzhou] {en} / {zh}: {system_id}",
        "text": text,
    }


def queue(session: Session, contacts: list[dict[str, str]], kind: str, payload: dict[str, Any]) -> int:
    """Add one message per contact (skipping any already queued); returns how many were added."""
    added = 0
    for contact in contacts:
        channel, target = (
            ("email", contact["email"]) if "email" in contact else ("webhook", contact["webhook"])
        )
        key = f"{payload['assessment_id']}:{kind}:{channel}:{target}"[:512]
        exists = session.scalar(select(NotificationRow.id).where(NotificationRow.dedupe_key == key))
        if exists is not None:
            continue
        session.add(
            NotificationRow(
                dedupe_key=key,
                system_id=payload["system_id"],
                assessment_id=payload["assessment_id"],
                kind=kind,
                channel=channel,
                target=target,
                payload_json=json.dumps({**payload, "delivery": key}, ensure_ascii=False),
                status="pending",
                attempts=0,
                last_error=None,
                created_at=_now(),
                sent_at=None,
            )
        )
        added += 1
    return added


@dataclass
class Delivery:
    """What a delivery round did."""

    sent: int = 0
    failed: int = 0


def deliver(store: Store, *, mail: MailSettings | None = None, webhook_secret: str | None = None) -> Delivery:
    """Send every pending or failed message; each row's outcome is committed on its own."""
    mail = mail or MailSettings.from_env()
    secret = webhook_secret if webhook_secret is not None else os.environ.get("TONGZHOU_WEBHOOK_SECRET")
    outcome = Delivery()
    with store.transaction() as session:
        ids = list(
            session.scalars(
                select(NotificationRow.id)
                .where(NotificationRow.status.in_(("pending", "failed")))
                .order_by(NotificationRow.id)
            )
        )
    for row_id in ids:
        with store.transaction() as session:
            row = session.get(NotificationRow, row_id)
            if row is None or row.status == "sent":
                continue
            payload = json.loads(row.payload_json)
            row.attempts += 1
            try:
                if row.channel == "email":
                    send_email(mail, row.target, payload)
                else:
                    send_webhook(row.target, payload, secret=secret)
            except DeliveryError as exc:
                row.status, row.last_error = "failed", str(exc)[:2000]
                outcome.failed += 1
            else:
                row.status, row.last_error, row.sent_at = "sent", None, _now()
                outcome.sent += 1
    return outcome
