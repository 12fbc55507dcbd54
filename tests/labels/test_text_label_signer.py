"""The precomputed text-label signer the gateway uses: the very bytes of label_text, still verifiable."""

from __future__ import annotations

import json
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.labels.fields import LabelFormatError, parse_label_json
from tongzhou.labels.text import TEXT_HASH_METHOD, label_text, make_label, text_content_hash, verify_text
from tongzhou.labels.text_label_signer import TextLabelSigner

PRODUCER = "001191110000TZDEMO000110000"
TEXTS = [
    "Hello! How can I help you today?",
    "【本内容由人工智能生成】\n\n你好，我能帮你什么？",
    'quotes " and \\ backslashes, tabs\t, emoji 🚀, and a NUL \0',
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_label_is_byte_for_byte_the_one_label_text_makes(text: str) -> None:
    key = Ed25519PrivateKey.generate()
    ours = TextLabelSigner(key, PRODUCER).label(text, "chatcmpl-7f3a")
    reference = label_text(text, PRODUCER, explicit=None, produce_id="chatcmpl-7f3a", key=key)
    assert ours == reference.label.to_dict()
    assert verify_text(text, parse_label_json(reference.label_json)).valid


def test_both_signatures_verify_alone_and_fail_on_other_text() -> None:
    signer = TextLabelSigner(Ed25519PrivateKey.generate(), PRODUCER)
    label = signer.label("the answer", "req-1")
    check = verify_text("the answer", parse_label_json(json.dumps(label)))
    assert check.valid and [c.status for c in check.checks] == ["valid", "valid"]
    assert {c.key_id for c in check.checks} == {signer.key_id}
    other = verify_text("another answer", parse_label_json(json.dumps(label)))
    assert not other.valid
    assert "content hash differs" in other.checks[0].reason


def test_label_for_hash_equals_make_label() -> None:
    key = Ed25519PrivateKey.generate()
    digest = text_content_hash("x")
    made = make_label(PRODUCER, digest, TEXT_HASH_METHOD, key, produce_id="p-2")
    assert TextLabelSigner(key, PRODUCER).label_for_hash(digest, "p-2") == made.to_dict()


def test_openssl_gives_the_same_bytes_without_pynacl(monkeypatch: pytest.MonkeyPatch) -> None:
    key = Ed25519PrivateKey.generate()
    with_sodium = TextLabelSigner(key, PRODUCER).label("text", "id-1")
    monkeypatch.setitem(sys.modules, "nacl.bindings", None)  # import now raises ImportError
    assert TextLabelSigner(key, PRODUCER).label("text", "id-1") == with_sodium


@pytest.mark.parametrize("produce_id", ['a"b', "a b", "a\\b", "", "x" * 4097, "中文"])
def test_a_produce_id_outside_appendix_e_is_refused(produce_id: str) -> None:
    with pytest.raises(LabelFormatError):
        TextLabelSigner(Ed25519PrivateKey.generate(), PRODUCER).label("text", produce_id)


@pytest.mark.parametrize("producer", ["", "has space", 'quote"'])
def test_a_bad_producer_is_refused_up_front(producer: str) -> None:
    with pytest.raises(LabelFormatError):
        TextLabelSigner(Ed25519PrivateKey.generate(), producer)
