"""Traceability labels for AI-generated content (GB 45438-2025 explicit + implicit, C2PA, detection).

Text (the gateway's entry point): :func:`label_text`, :func:`verify_text`,
:func:`add_explicit_text_label`. Files: :func:`label_file`, :func:`inspect_file`,
:func:`verify_file`. See docs/labels.md.
"""

from tongzhou.labels.binding import BindingCheck, bind, check_binding
from tongzhou.labels.explicit_text import add_explicit_text_label, explicit_wording, find_explicit_text_label
from tongzhou.labels.fields import AigcLabel, LabelFormatError, parse_label_json
from tongzhou.labels.files import FileReport, LabelResult, inspect_file, label_file
from tongzhou.labels.keys import signing_key, trusted_key_ids
from tongzhou.labels.text import LabelledText, TextVerification, label_text, text_content_hash, verify_text

__all__ = [
    "AigcLabel",
    "BindingCheck",
    "FileReport",
    "LabelFormatError",
    "LabelResult",
    "LabelledText",
    "TextVerification",
    "add_explicit_text_label",
    "bind",
    "check_binding",
    "explicit_wording",
    "find_explicit_text_label",
    "inspect_file",
    "label_file",
    "label_text",
    "parse_label_json",
    "signing_key",
    "text_content_hash",
    "trusted_key_ids",
    "verify_text",
]
