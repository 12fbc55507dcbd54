"""The SecurityData binding: its canonical bytes are RFC 8785 (same as tongzhou.attest.canonical_json)."""

from __future__ import annotations

from tongzhou.attest import canonical_json
from tongzhou.labels.binding import _canonical, read_security_data
from tongzhou.labels.text import label_text

SAMPLES = [
    {
        "Type": "Ed25519ContentBinding",
        "Version": "1",
        "Fields": {"Label": "1", "ContentProducer": "A!#$%&'()*+,"},
    },
    {
        "b": 'quote " backslash \\ newline \n tab \t nul \x00 del \x7f',
        "a": "中文 é 😀",
        "A": {"z": "", "y": "\u2028"},
    },
    {"": "empty key", "~": "tilde", "_": "underscore", "0": "digit"},
]


def test_fast_path_equals_rfc8785_canonical_json() -> None:
    for sample in SAMPLES:
        assert _canonical(sample) == canonical_json(sample)


def test_non_string_leaves_use_the_scaffold_canonicaliser() -> None:
    value = {"n": 1.5, "k": [1, "x"], "t": True}
    assert _canonical(value) == canonical_json(value)


def test_security_data_has_mandatory_type_and_version() -> None:
    label = label_text("x", "001191110000TZDEMO000110000").label
    for code in (label.ReservedCode1, label.ReservedCode2):
        data = read_security_data(code)
        assert data["Type"] == "Ed25519ContentBinding" and data["Version"] == "1"
        assert set(data) == {"Type", "Version", "Bindings", "PubSD"}
        assert canonical_json(data) == _canonical(data)
