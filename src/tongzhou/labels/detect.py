"""Labeling Measures Art. 6: the class a distributing platform assigns from what it finds.

《人工智能生成合成内容标识办法》 Art. 6 (via docs/standards/aigc-labeling.md): a platform checks
implicit labels and sorts content into confirmed / possible / suspected AI-generated.
- confirmed: an implicit label in the file's metadata (Art. 6(1)).
- possible: no implicit label, but the uploader declares the content AI-generated (Art. 6(2)).
- suspected: no valid implicit label, but traces of generation: an explicit label, a C2PA
  manifest saying ``trainedAlgorithmicMedia``, or a label that does not belong to this content
  (Art. 6(3)).
Our choices (not in the text): a label whose binding is *invalid* (copied from other content or
edited) is only "suspected"; a label whose ``Label`` field already says "2"/"3" keeps that class.
"""

from __future__ import annotations

from typing import Literal

from tongzhou.labels.binding import BindingCheck

Art6Class = Literal["confirmed", "possible", "suspected", "none"]

_BY_LABEL_VALUE: dict[str, Art6Class] = {"1": "confirmed", "2": "possible", "3": "suspected"}


def art6_class(
    label_value: str | None,
    label_error: str | None,
    producer_check: BindingCheck | None,
    explicit_found: bool = False,
    c2pa_ai: bool = False,
    declared: bool = False,
) -> tuple[Art6Class, str]:
    """(class, reason) for what inspection found."""
    if label_value is not None and label_error is None:
        if producer_check is not None and producer_check.status == "invalid":
            return "suspected", f"implicit label present but its binding is invalid ({producer_check.reason})"
        cls = _BY_LABEL_VALUE[label_value]
        verified = producer_check is not None and producer_check.status == "valid"
        return cls, (
            "implicit label with a verified binding (Art. 6(1))"
            if verified
            else "implicit label present; binding not verifiable (Art. 6(1))"
        )
    if label_error is not None:
        return "suspected", f"an AIGC label is present but malformed: {label_error}"
    if declared:
        return "possible", "no implicit label; the uploader declared the content AI-generated (Art. 6(2))"
    if explicit_found or c2pa_ai:
        trace = "an explicit label" if explicit_found else "a C2PA manifest (trainedAlgorithmicMedia)"
        return "suspected", f"no implicit label, but {trace} (Art. 6(3))"
    return "none", "no implicit label, explicit label or generation trace found"
