"""Every tier, duty and exemption decision cites article, paragraph and point (issue 19 item 6).

Walks every bundled rule file as YAML (not through the loader, so a field the loader ignores is
still checked) and, at run time, the legal basis each classified tier carries.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from typing import Any

import pytest
import yaml

from tongzhou.classify import classify
from tongzhou.systems.bundled import example_profiles

_ARTICLE = re.compile(r"\bArts?\.\s*(\d+[a-z]?)")
_WORDED = re.compile(r"^ (items \(|(first|second|third|fourth) (sub)?paragraph)")


def imprecise(basis: str, whole_articles: frozenset[str]) -> list[str]:
    """The parts of ``basis`` that stop above the paragraph/point (empty when precise)."""
    problems = []
    articles = list(_ARTICLE.finditer(basis))
    if not articles and not re.search(r"Annex [IVX]+ (point|Section)|§|Art\.", basis):
        problems.append(f"no article, annex point or clause in {basis!r}")
    for m in articles:
        rest = basis[m.end() :]
        if rest.startswith("(") or _WORDED.match(rest) or f"Art. {m.group(1)}" in whole_articles:
            continue
        problems.append(f"'Art. {m.group(1)}' without paragraph or point in {basis!r}")
    for _ in re.finditer(r"Annex III(?! point)", basis):
        problems.append(f"Annex III without a point in {basis!r}")
    return problems


def _rule_files() -> list[Any]:
    files = sorted(
        (f for f in resources.files("tongzhou.classify.rules").iterdir() if f.name.endswith(".yaml")),
        key=lambda f: f.name,
    )
    loaded = [(f.name, yaml.safe_load(f.read_text(encoding="utf-8"))) for f in files]
    # Voluntary frameworks (NIST AI RMF, ISO/IEC 42001) are mappings, not decisions under law: they
    # are not walked here (the test below checks they are the only files left out).
    return [pytest.param(data, id=name) for name, data in loaded if data.get("binding", True)]


def test_only_voluntary_frameworks_are_left_out_of_the_citation_walk() -> None:
    files = [f for f in resources.files("tongzhou.classify.rules").iterdir() if f.name.endswith(".yaml")]
    rules = {f.name: yaml.safe_load(f.read_text(encoding="utf-8")) for f in files}
    left_out = {name for name, data in rules.items() if not data.get("binding", True)}
    assert len(_rule_files()) + len(left_out) == len(files)
    assert all(name.startswith(("nist", "iso")) for name in left_out), left_out


@pytest.mark.parametrize("data", _rule_files())
def test_every_decision_in_every_rule_file_cites_paragraph_and_point(data: dict[str, Any]) -> None:
    if data.get("citation_waiver"):
        # Colorado SB 26-189: our sources have no section numbers; the waiver says so and is the only one
        assert data["regime"] == "us-co-sb26-189" and "section numbers" in data["citation_waiver"]
        return
    whole = frozenset(data.get("whole_articles") or ())
    problems: list[str] = []
    for oid, o in (data.get("obligations") or {}).items():
        problems += [f"obligation {oid}: {p}" for p in imprecise(o["legal_basis"], whole)]
    for pid, p in (data.get("presumptions") or {}).items():
        problems += [f"presumption {pid}: {x}" for x in imprecise(p["legal_basis"], whole)]
    for rule in (data.get("rules") or []) + (data.get("exclusions") or []):
        annex_i = "Annex I Section" in rule["legal_basis"] and rule.get("cite_fact")
        basis = (
            rule["legal_basis"].replace("Annex I Section", "Annex I point-cited Section")
            if annex_i
            else rule["legal_basis"]
        )
        problems += [f"rule {rule['id']}: {p}" for p in imprecise(basis, whole)]
        if rule.get("transition"):
            problems += [
                f"rule {rule['id']} transition: {p}"
                for p in imprecise(rule["transition"]["legal_basis"], whole)
            ]
    for t in data.get("thresholds") or []:
        problems += [f"threshold {t['id']}: {p}" for p in imprecise(t["legal_basis"], whole)]
    assert not problems, "\n".join(problems)


def test_whole_article_citations_are_few_and_declared() -> None:
    """A whole-article citation is allowed only for a single-paragraph article the file declares."""
    declared = {p.id: p.values[0].get("whole_articles") or [] for p in _rule_files()}
    assert declared["eu-ai-act.yaml"] == ["Art. 4"]
    assert sum(len(v) for v in declared.values()) <= 10


def test_the_check_refuses_an_annex_without_its_point() -> None:
    assert imprecise("Art. 6(2), Annex III", frozenset())
    assert imprecise("Art. 9", frozenset())
    assert imprecise("Arts 9-15", frozenset())
    assert not imprecise("Art. 6(2); Annex III point 4(a)", frozenset())
    assert not imprecise("Art. 4", frozenset({"Art. 4"}))


@pytest.mark.parametrize("day", [dt.date(2026, 7, 1), dt.date(2026, 11, 23), dt.date(2028, 9, 1)])
def test_classified_tiers_cite_the_annex_point(day: dt.date) -> None:
    """At run time the Annex III / Annex I tier carries the point the system fell under."""
    seen = 0
    for profile in example_profiles():
        for j in classify(profile, day).jurisdictions:
            for t in j.tiers:
                if "Annex III" in t.legal_basis:
                    seen += 1
                    assert "Annex III point" in t.legal_basis, (profile.id, t.legal_basis)
                if "Annex I Section" in t.legal_basis:
                    seen += 1
                    assert "point" in t.legal_basis or "machinery" in t.legal_basis, (
                        profile.id,
                        t.legal_basis,
                    )
    assert seen > 0
