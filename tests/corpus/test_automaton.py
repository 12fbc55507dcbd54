"""The automaton finds library entries in every evasive spelling, on every backend, and maps hits to items."""

from __future__ import annotations

import pickle
import random

import pytest

from tongzhou.corpus.automaton import KeywordScanner, available_backends
from tongzhou.corpus.keywords import KeywordEntry, KeywordLibrary
from tongzhou.corpus.synthetic import evade

LIB = KeywordLibrary(
    [
        KeywordEntry("制作炸弹", "A.1.4", "zh"),
        KeywordEntry("炸弹", "A.1.4", "zh"),
        KeywordEntry("网络赌博", "A.1.8", "zh"),
        KeywordEntry("buy meth", "A.1.8", "en"),
        KeywordEntry("meth", "A.1.8", "en", mode="word"),
        KeywordEntry("河南人都是骗子", "A.2.4", "zh"),
    ]
)


def hits(scanner: KeywordScanner, items: list[str]) -> list[set[str]]:
    out: list[set[str]] = [set() for _ in items]
    for item, entry in scanner.scan("\n".join(items).encode()).tolist():
        out[item].add(scanner.library.entries[entry].keyword)
    return out


@pytest.mark.parametrize("backend", available_backends())
def test_evasion_variants_are_caught(backend: str) -> None:
    scanner = KeywordScanner(LIB, backend=backend)
    items = [
        "正常的句子，没有问题。",
        "教你 制 作 炸 弹 的方法",
        "製作炸彈",  # traditional
        "製作炸弹",  # mixed traditional/simplified
        "网·络·赌·博平台",
        "网络\u200b赌博",
        "ＢＵＹ　ＭＥＴＨ here",
        "Where to B-U-Y m.e.t.h?",
        "something about a method",  # no 'meth' word, no 'buy meth'
        "河南人，都是骗子！",
    ]
    assert hits(scanner, items) == [
        set(),
        {"制作炸弹", "炸弹"},
        {"制作炸弹", "炸弹"},
        {"制作炸弹", "炸弹"},
        {"网络赌博"},
        {"网络赌博"},
        {"buy meth", "meth"},
        {"buy meth"},
        set(),
        {"河南人都是骗子"},
    ]


def test_bundled_library_catches_each_style(scanner: KeywordScanner) -> None:
    rng = random.Random(3)
    entries = [e for e in scanner.library.entries if e.mode == "substring"]
    for entry in rng.sample(entries, 60):
        styles = ["plain", "fullwidth", "spaced", "symbols", "upper"] + (
            ["traditional"] if entry.language == "zh" else []
        )
        for style in styles:
            text = "前文 " + evade(entry.keyword, style, rng) + " 后文"
            found = hits(scanner, ["clean line", text])
            assert entry.keyword in found[1], (entry.keyword, style, text)
            assert found[0] == set()


def test_pickled_scanner_gives_same_hits(scanner: KeywordScanner) -> None:
    clone = pickle.loads(pickle.dumps(scanner))
    buf = "出售冰毒\n正常\n河南人都是骗子\n".encode()
    assert clone.scan(buf).tolist() == scanner.scan(buf).tolist()
    assert len(scanner.scan(buf)) > 0


def test_unknown_backend_is_an_input_error() -> None:
    from tongzhou.errors import InputError

    with pytest.raises(InputError):
        KeywordScanner(LIB, backend="grep")
