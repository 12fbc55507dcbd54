"""Notifications to the responsible people: e-mail to a real SMTP server (aiosmtpd) and signed
webhooks to a real HTTP receiver, both on loopback; undelivered messages are retried by the next
tick and a delivered one is never sent again."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.reassess.conftest import MailServer, WebhookReceiver, register
from tongzhou.reassess import configure, run_tick
from tongzhou.reassess.notify import MailSettings, sign, verify_signature
from tongzhou.store import Store

DAY = dt.date(2026, 12, 6)
SECRET = "webhook-secret-for-tests"


def _mail(server: MailServer) -> MailSettings:
    return MailSettings(host=server.host, port=server.port, sender="reviews@city.example")


def test_an_overdue_review_is_mailed_and_posted_signed_once(
    store: Store, mail_server: MailServer, webhook_receiver: WebhookReceiver
) -> None:
    register(store, "admissions-completeness-check")
    run_tick(store, DAY)
    configure(
        store,
        "admissions-completeness-check",
        add_contacts=[{"email": "dpo@uni.example"}, {"webhook": webhook_receiver.url}],
    )
    late = DAY + dt.timedelta(days=31)
    report = run_tick(store, late, mail=_mail(mail_server), webhook_secret=SECRET)
    assert (report.notifications_sent, report.notifications_failed) == (2, 0)
    [message] = mail_server.messages
    assert message["To"] == "dpo@uni.example" and message["From"] == "reviews@city.example"
    assert "OVERDUE" in message["Subject"] and "admissions-completeness-check" in message["Subject"]
    text = message.get_payload(decode=True).decode("utf-8")
    assert "31 days late" in text and "逾期 31 天" in text
    [(headers, body)] = webhook_receiver.received
    assert verify_signature(
        SECRET.encode(), headers["x-tongzhou-timestamp"], body, headers["x-tongzhou-signature"]
    )
    assert not verify_signature(
        b"another secret", headers["x-tongzhou-timestamp"], body, headers["x-tongzhou-signature"]
    )
    payload = json.loads(body)
    assert payload["event"] == "overdue" and payload["system_id"] == "admissions-completeness-check"
    assert headers["x-tongzhou-delivery"] == payload["delivery"]
    again = run_tick(store, late, mail=_mail(mail_server), webhook_secret=SECRET)
    assert again.nothing_new and len(mail_server.messages) == 1 and len(webhook_receiver.received) == 1


def test_a_receiver_that_fails_gets_the_message_at_the_next_tick(
    store: Store, mail_server: MailServer, webhook_receiver: WebhookReceiver
) -> None:
    register(store, "classroom-emotion")
    run_tick(store, DAY)
    configure(store, "classroom-emotion", add_contacts=[{"webhook": webhook_receiver.url}])
    webhook_receiver.status = 503
    due = DAY + dt.timedelta(days=30)
    first = run_tick(store, due, mail=_mail(mail_server), webhook_secret=SECRET)
    # The new review is due (no grace in the policy for a prohibited practice) and the first is overdue.
    assert first.assessed == ["classroom-emotion"] and first.notifications_failed == 2
    webhook_receiver.status = 200
    second = run_tick(store, due, mail=_mail(mail_server), webhook_secret=SECRET)
    assert second.assessed == [] and second.notifications_sent == 2
    events = [json.loads(body)["event"] for _, body in webhook_receiver.received]
    assert sorted(events[:2]) == sorted(events[2:]) == ["overdue", "review-due"]
    assert run_tick(store, due, mail=_mail(mail_server), webhook_secret=SECRET).nothing_new
    assert len(webhook_receiver.received) == 4


def test_without_a_secret_no_webhook_is_sent_unsigned(
    store: Store, webhook_receiver: WebhookReceiver
) -> None:
    register(store, "classroom-emotion")
    run_tick(store, DAY)
    configure(store, "classroom-emotion", add_contacts=[{"webhook": webhook_receiver.url}])
    report = run_tick(store, DAY + dt.timedelta(days=30), webhook_secret="")
    assert report.notifications_failed == 2 and webhook_receiver.received == []


def test_a_stale_or_altered_webhook_does_not_verify() -> None:
    body = b'{"event": "alert"}'
    good = sign(b"k", "1700000000", body)
    assert not verify_signature(b"k", "1700000000", body, good)  # far in the past: a replay
    import time

    now = str(int(time.time()))
    assert verify_signature(b"k", now, body, sign(b"k", now, body))
    assert not verify_signature(b"k", now, body + b" ", sign(b"k", now, body))
    assert not verify_signature(b"k", "not-a-time", body, good)


@pytest.mark.parametrize("bad", ["no-at-sign", "a@b", "x@y.z\nBcc: all@example.org"])
def test_a_bad_email_address_is_refused(bad: str) -> None:
    from tongzhou.errors import InputError
    from tongzhou.reassess.plans import check_contact

    with pytest.raises(InputError):
        check_contact(email=bad)
