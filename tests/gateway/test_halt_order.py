"""The halt-order document itself (docs/gateway.md, "The halt-order protocol, version 1"): its wire
form, every field rule at its exact limit, the scope grammar and what a scope covers and contains.

These are the rules another implementation relies on, so each is checked at the boundary (the last
value accepted and the first refused) and with the refusal's stable reason code.
"""

from __future__ import annotations

import base64
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest import canonical_json, key_id, verify_envelope
from tongzhou.gateway.halt_order import (
    PAYLOAD_TYPE,
    HaltAction,
    HaltOrder,
    HaltOrderError,
    HaltScope,
    format_time,
    parse_payload,
)

ISSUED = datetime(2026, 11, 23, 0, 26, 27, 924980, tzinfo=UTC)


def wire(**changes: Any) -> dict[str, Any]:
    """The protocol document's example order, with ``changes`` applied (``None`` deletes a field)."""
    body: dict[str, Any] = {
        "type": "tongzhou.halt-order",
        "version": 1,
        "order_id": "c89213ee-3d30-4f8e-8bd2-b843ea2589fc",
        "action": "PAUSE",
        "scope": {"kind": "model", "id": "smollm2-135m-instruct"},
        "issuer": "national-ai-safety-office",
        "reason": "Incident INC-2026-017: unsafe medical advice under investigation",
        "issued_at": "2026-11-23T00:26:27.924980Z",
        "expires_at": "2026-11-24T00:26:27.924980Z",
        "nonce": "c5b0f15fd203c5905adf55118d7989fa",
    }
    for name, value in changes.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def refusal(payload: object) -> str:
    """The message of the ``malformed`` refusal of ``payload``."""
    with pytest.raises(HaltOrderError) as info:
        HaltOrder.from_json(payload)
    assert info.value.reason == "malformed"
    assert isinstance(info.value, ValueError)
    return str(info.value)


# --- the wire form ------------------------------------------------------------------------------


def test_the_documented_example_parses_to_exactly_its_fields() -> None:
    order = HaltOrder.from_json(wire())
    assert order.order_id == "c89213ee-3d30-4f8e-8bd2-b843ea2589fc"
    assert order.action is HaltAction.PAUSE
    assert order.scope == HaltScope("model", "smollm2-135m-instruct")
    assert order.issuer == "national-ai-safety-office"
    assert order.reason.startswith("Incident INC-2026-017")
    assert order.issued_at == ISSUED
    assert order.expires_at == ISSUED + timedelta(days=1)
    assert order.nonce == "c5b0f15fd203c5905adf55118d7989fa"
    assert order.lifts == ()
    assert order.to_json() == wire()  # and serialises back byte for byte the same fields


def test_to_json_is_the_documented_wire_form() -> None:
    order = HaltOrder(
        "id-1", HaltAction.RESUME, HaltScope("all"), "iss", "why", ISSUED, None, "n" * 16, ("a", "b")
    )
    assert order.to_json() == {
        "type": "tongzhou.halt-order",
        "version": 1,
        "order_id": "id-1",
        "action": "RESUME",
        "scope": {"kind": "all"},
        "issuer": "iss",
        "reason": "why",
        "issued_at": "2026-11-23T00:26:27.924980Z",
        "expires_at": None,
        "nonce": "n" * 16,
        "lifts": ["a", "b"],
    }
    assert "lifts" not in dataclasses.replace(order, lifts=()).to_json()  # absent, not []
    assert HaltOrder.from_json(order.to_json()) == order


def test_actions_and_scope_kinds_are_spelt_as_the_protocol_says() -> None:
    assert [a.value for a in HaltAction] == ["PAUSE", "TERMINATE", "RESUME"]
    for kind in ("system", "model", "organisation"):
        order = HaltOrder.from_json(wire(scope={"kind": kind, "id": "x1"}))
        assert order.scope == HaltScope(kind, "x1") and order.scope.to_json() == {"kind": kind, "id": "x1"}
    for action in ("TERMINATE", "RESUME"):
        assert HaltOrder.from_json(wire(action=action)).action.value == action


def test_format_time_is_utc_with_z_and_microseconds() -> None:
    beijing = timezone(timedelta(hours=8))
    assert (
        format_time(datetime(2026, 11, 23, 8, 26, 27, 924980, tzinfo=beijing))
        == "2026-11-23T00:26:27.924980Z"
    )
    assert format_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"


def test_timestamps_with_an_offset_are_read_as_utc() -> None:
    order = HaltOrder.from_json(wire(issued_at="2026-11-23T08:26:27.924980+08:00", expires_at=None))
    assert order.issued_at == ISSUED and order.issued_at.utcoffset() == timedelta(0)
    assert order.expires_at is None
    assert HaltOrder.from_json(wire(expires_at="2026-11-24T00:26:27Z")).expires_at == datetime(
        2026, 11, 24, 0, 26, 27, tzinfo=UTC
    )


def test_timestamps_without_a_zone_or_not_strings_are_refused() -> None:
    assert refusal(wire(issued_at="2026-11-23T00:26:27")) == (
        "order field 'issued_at' has no time zone (use Z)"
    )
    assert refusal(wire(expires_at="2026-11-24T00:26:27")) == (
        "order field 'expires_at' has no time zone (use Z)"
    )
    assert refusal(wire(issued_at="yesterday")) == "order field 'issued_at' is not a timestamp: 'yesterday'"
    assert refusal(wire(expires_at=1764000000)) == ("order field 'expires_at' must be an RFC 3339 UTC string")
    assert refusal(wire(issued_at=None)) == "order field 'issued_at' must be an RFC 3339 UTC string"


# --- field rules at their limits ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["order_id", "issuer"])
def test_ids_and_issuer_take_256_characters_and_no_more(name: str) -> None:
    assert getattr(HaltOrder.from_json(wire(**{name: "x" * 256})), name) == "x" * 256
    assert refusal(wire(**{name: "x" * 257})) == f"order field {name!r} is longer than 256 characters"


def test_scope_id_and_nonce_take_256_characters_and_no_more() -> None:
    assert HaltOrder.from_json(wire(scope={"kind": "model", "id": "m" * 256})).scope.id == "m" * 256
    too_long = refusal(wire(scope={"kind": "model", "id": "m" * 257}))
    assert too_long == "order field 'id' is longer than 256 characters"
    assert HaltOrder.from_json(wire(nonce="n" * 256)).nonce == "n" * 256
    assert refusal(wire(nonce="n" * 257)) == "order field 'nonce' is longer than 256 characters"


def test_reason_takes_2000_characters_and_no_more() -> None:
    assert HaltOrder.from_json(wire(reason="r" * 2000)).reason == "r" * 2000
    assert refusal(wire(reason="r" * 2001)) == "order field 'reason' is longer than 2000 characters"


def test_the_nonce_needs_at_least_16_characters() -> None:
    assert HaltOrder.from_json(wire(nonce="0123456789abcdef")).nonce == "0123456789abcdef"
    assert refusal(wire(nonce="0123456789abcde")) == "order nonce must have at least 16 characters"


@pytest.mark.parametrize("name", ["order_id", "issuer", "reason", "nonce"])
@pytest.mark.parametrize("value", [None, "", "   ", 7, ["x"]])
def test_required_text_fields_must_be_non_empty_strings(name: str, value: object) -> None:
    assert refusal(wire(**{name: value})) == f"order field {name!r} must be a non-empty string"


def test_a_scoped_order_needs_a_non_empty_id() -> None:
    assert refusal(wire(scope={"kind": "model"})) == "order field 'id' must be a non-empty string"
    assert refusal(wire(scope={"kind": "system", "id": " "})) == "order field 'id' must be a non-empty string"
    # scope `all` carries no id; one sent anyway is ignored, not kept
    assert HaltOrder.from_json(wire(scope={"kind": "all", "id": "x"})).scope == HaltScope("all")


def test_type_version_action_and_scope_are_checked() -> None:
    wrong_kind = "order payload is not a tongzhou.halt-order version 1"
    assert refusal(wire(type="tongzhou.halt-orders")) == wrong_kind
    assert refusal(wire(type=None)) == wrong_kind
    assert refusal(wire(version=2)) == wrong_kind
    assert refusal(wire(version="1")) == wrong_kind
    assert refusal(wire(version=None)) == wrong_kind
    assert refusal([wire()]) == "order payload is not a JSON object"
    for action in ("pause", "HALT", None):
        assert refusal(wire(action=action)) == "order action must be PAUSE, TERMINATE or RESUME"
    bad_scope = "order scope must be {kind: all|system|model|organisation, id}"
    for scope in ("all", {"kind": "galaxy", "id": "x"}, {"id": "x"}, {"kind": "ALL"}, None):
        assert refusal(wire(scope=scope)) == bad_scope


def test_only_a_resume_may_name_orders_it_lifts() -> None:
    resume = HaltOrder.from_json(wire(action="RESUME", lifts=["o1", "o2"]))
    assert resume.lifts == ("o1", "o2")
    assert HaltOrder.from_json(wire(action="RESUME", lifts=[])).lifts == ()
    assert refusal(wire(lifts=["o1"])) == "only a RESUME order may name orders it lifts"
    assert refusal(wire(action="TERMINATE", lifts=["o1"])) == "only a RESUME order may name orders it lifts"
    not_ids = "order field 'lifts' must be a list of order ids"
    assert refusal(wire(action="RESUME", lifts="o1")) == not_ids
    assert refusal(wire(action="RESUME", lifts=["o1", 2])) == not_ids
    assert refusal(wire(action="RESUME", lifts={"o1": 1})) == not_ids


def test_payload_bytes_that_are_not_json_are_malformed() -> None:
    for raw in (b"\xff\xfe", b'{"type": ', b""):
        with pytest.raises(HaltOrderError) as info:
            parse_payload(raw)
        assert info.value.reason == "malformed"
        assert str(info.value).startswith("order payload is not JSON: ")
    assert parse_payload(canonical_json(wire())) == HaltOrder.from_json(wire())


# --- creating and signing -----------------------------------------------------------------------


def test_create_issues_a_fresh_utc_order() -> None:
    beijing = timezone(timedelta(hours=8))
    now = datetime(2026, 11, 23, 8, 26, 27, 924980, tzinfo=beijing)
    one = HaltOrder.create("PAUSE", "model:m1", "iss", "why", expires_in=timedelta(hours=2), now=now)
    assert one.issued_at == ISSUED and one.issued_at.utcoffset() == timedelta(0)
    assert one.expires_at == ISSUED + timedelta(hours=2)
    assert one.action is HaltAction.PAUSE and one.scope == HaltScope("model", "m1")
    assert (one.issuer, one.reason, one.lifts) == ("iss", "why", ())
    assert uuid.UUID(one.order_id).version == 4
    assert len(one.nonce) == 32 and int(one.nonce, 16) >= 0
    two = HaltOrder.create(HaltAction.RESUME, HaltScope("all"), "iss", "why", lifts=[one.order_id], now=now)  # type: ignore[arg-type]
    assert two.expires_at is None and two.lifts == (one.order_id,) and two.scope == HaltScope("all")
    assert two.order_id != one.order_id and two.nonce != one.nonce
    before = datetime.now(UTC)
    assert before <= HaltOrder.create("PAUSE", "all", "i", "r").issued_at <= datetime.now(UTC)


def test_sign_wraps_the_canonical_order_in_the_documented_envelope() -> None:
    key = Ed25519PrivateKey.generate()
    order = HaltOrder.from_json(wire())
    envelope = order.sign(key)
    assert PAYLOAD_TYPE == "application/vnd.tongzhou.halt-order+json; version=1"
    assert envelope["payloadType"] == PAYLOAD_TYPE
    assert base64.b64decode(envelope["payload"]) == canonical_json(wire())
    kid = key_id(key.public_key())
    payload, payload_type, signer = verify_envelope(envelope, {kid: key.public_key()})
    assert (payload_type, signer) == (PAYLOAD_TYPE, kid)
    assert parse_payload(payload) == order


def test_describe_names_action_scope_issuer_reason_and_id() -> None:
    order = HaltOrder.from_json(wire(reason="unsafe advice"))
    assert order.describe() == (
        "PAUSE of model:smollm2-135m-instruct by national-ai-safety-office: unsafe advice "
        "(order c89213ee-3d30-4f8e-8bd2-b843ea2589fc)"
    )


def test_orders_and_scopes_are_immutable_values() -> None:
    order = HaltOrder.from_json(wire())
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.reason = "changed after signing"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.scope.id = "another-model"  # type: ignore[misc]
    assert {order.scope: 1}[HaltScope("model", "smollm2-135m-instruct")] == 1


# --- the scope grammar and what a scope covers --------------------------------------------------


def test_scope_parse_reads_all_and_kind_colon_id() -> None:
    assert HaltScope.parse("all") == HaltScope("all") and HaltScope.parse("all").id is None
    assert HaltScope.parse("model:smollm2-135m-instruct") == HaltScope("model", "smollm2-135m-instruct")
    assert HaltScope.parse("system:demo-system") == HaltScope("system", "demo-system")
    assert HaltScope.parse("organisation:demo-org") == HaltScope("organisation", "demo-org")
    assert HaltScope.parse("model:org/name:q4") == HaltScope("model", "org/name:q4")  # first ':' splits
    assert str(HaltScope.parse("model:m1")) == "model:m1" and str(HaltScope.parse("all")) == "all"
    assert HaltScope.parse("all").to_json() == {"kind": "all"}


@pytest.mark.parametrize("text", ["", "ALL", "all:x", "galaxy:x", "model", "model:", ":m1", "models:m1"])
def test_scope_parse_refuses_anything_else(text: str) -> None:
    with pytest.raises(HaltOrderError) as info:
        HaltScope.parse(text)
    assert info.value.reason == "malformed"
    assert str(info.value) == (
        f"scope {text!r} is not 'all' or KIND:ID with KIND in system, model, organisation"
    )


def test_what_each_scope_covers() -> None:
    everything = HaltScope("all")
    assert everything.covers("s", "o", frozenset()) and everything.covers("s", "o", None)
    system = HaltScope("system", "demo-system")
    assert system.covers("demo-system", "demo-org", frozenset())
    assert not system.covers("other-system", "demo-system", None)  # not the organisation, not a model
    organisation = HaltScope("organisation", "demo-org")
    assert organisation.covers("demo-system", "demo-org", frozenset())
    assert not organisation.covers("demo-org", "other-org", None)
    model = HaltScope("model", "Stub-Model")
    assert model.covers("s", "o", None)  # the gateway cannot tell which model: covered
    assert model.covers("s", "o", frozenset({"other", "stub-model"}))  # compared by model key
    assert not model.covers("s", "o", frozenset())  # runs no model
    assert not model.covers("Stub-Model", "Stub-Model", frozenset({"other"}))


def test_what_lifting_a_scope_lifts() -> None:
    everything, m1 = HaltScope("all"), HaltScope("model", "m1")
    assert everything.contains(m1) and everything.contains(HaltScope("system", "s"))
    assert m1.contains(HaltScope("model", "m1"))
    assert not m1.contains(everything)
    assert not m1.contains(HaltScope("model", "m2"))
    assert not HaltScope("system", "x").contains(HaltScope("organisation", "x"))


def test_an_order_built_without_lifts_lifts_nothing_named_and_round_trips() -> None:
    order = HaltOrder("id-2", HaltAction.RESUME, HaltScope("all"), "iss", "why", ISSUED, None, "n" * 16)
    assert order.lifts == ()
    assert "lifts" not in order.to_json()
    assert HaltOrder.from_json(order.to_json()) == order
