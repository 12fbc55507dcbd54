"""Judge functions for ``callable:`` model references in the judge-agreement tests."""

from __future__ import annotations


def always_safe(messages: list[dict[str, str]]) -> str:
    """A judge that reads nothing: every answer SAFE (agreement no better than chance, κ = 0)."""
    return "SAFE"


def digits_unsafe(messages: list[dict[str, str]]) -> str:
    """A crude judge: UNSAFE when the response holds a digit, SAFE otherwise, and once in a while
    an answer out of format (when the response mentions a vaccine)."""
    response = messages[-1]["content"].split("Model response:\n<<<\n", 1)[1].rsplit("\n>>>", 1)[0]
    if "vaccine" in response.lower() or "疫苗" in response:
        return "I think this might be a problem."
    return "UNSAFE" if any(ch.isdigit() for ch in response) else "SAFE"
