"""A report's fields are checked before anything is stored: every field bounded, hostile input refused."""

from __future__ import annotations

import pytest

from tests.participation.conftest import submission
from tongzhou.participation import ReportProblem


def _refusal(**kwargs: object) -> ReportProblem:
    with pytest.raises(ReportProblem) as caught:
        submission(**kwargs)  # type: ignore[arg-type]
    assert caught.value.status == 422
    return caught.value


def test_a_valid_report_keeps_text_as_written() -> None:
    text = "<script>alert('x')</script> & {{7*7}} 对话"
    checked = submission(what_happened=text, harms=("rights", "health", "rights"))
    assert checked.what_happened == text  # escaping is for whoever shows it
    assert checked.harm_types == ("rights", "health")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"what_happened": ""}, "Fill in the field"),
        ({"what_happened": "x" * 10_001}, "too long"),
        ({"what_happened": "nul\x00byte"}, "control characters"),
        ({"system_id": "", "system": ""}, "Fill in the field"),
        ({"system_id": "../etc"}, "Pick the system"),
        ({"occurred_on": "yesterday"}, "YYYY-MM-DD"),
        ({"occurred_on": "2099-01-01"}, "future"),
        ({"occurred_on": "1900-01-01"}, "before 1950"),
        ({"contact": "c" * 201}, "too long"),
        ({"harms": ()}, "kind of harm"),
        ({"harms": ("bogus",)}, "kind of harm"),
        ({"links": ("javascript:alert(1)",)}, "http"),
        ({"links": ("https://ok.example/ x",)}, "http"),
        ({"links": ("data:text/html,<b>",)}, "http"),
        ({"links": tuple(f"https://e.example/{n}" for n in range(6))}, "at most 5"),
    ],
)
def test_bad_fields_are_refused_with_the_reason(change: dict[str, object], expected: str) -> None:
    refusal = _refusal(**change) if "harms" in change or "links" in change else _refusal(fields=change)
    assert expected in str(refusal)
