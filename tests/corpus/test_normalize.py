"""Normalisation: the byte pipeline equals the str reference, and evasion forms fold to the plain form."""

from __future__ import annotations

import random

import pytest

from tongzhou.corpus.normalize import fold_case_width, normalize_buffer, normalize_text

CASES = [
    "制作炸弹",
    "制 作 炸 弹",
    "制*作-炸_弹",
    "制·作、炸．弹",
    "制\u200b作\u3000炸弹",
    "ＢＵＹ　ＭＥＴＨ",
    "Buy   Meth!",
    "b.u.y m_e_t_h",
    "（全角）标点，。；！",
    "plain ascii, with; punctuation!",
    "mixed 中文 and English",
    "\u00a0nbsp\u00a0and\u30fbdot",
    "émigré café naïve",
    "emoji 😀 stays",
]


@pytest.mark.parametrize("use_numba", [True, False])
@pytest.mark.parametrize("text", CASES)
def test_buffer_matches_reference(text: str, use_numba: bool) -> None:
    assert normalize_buffer(text.encode(), use_numba=use_numba).decode() == normalize_text(text)


def test_compiled_and_numpy_paths_agree_on_a_large_mixed_buffer() -> None:
    rng = random.Random(1)
    alphabet = "abcXYZ 019,.;-_*中文字炸弹。，、；：！？“”（）《》\u3000\u200b·・ＡＢｃ０９！＃\u00a0é😀\n"
    text = "".join(rng.choice(alphabet) for _ in range(200_000))
    buf = text.encode()
    assert normalize_buffer(buf, use_numba=True) == normalize_buffer(buf, use_numba=False)
    assert normalize_buffer(buf).decode() == normalize_text(text)


def test_evasion_forms_fold_to_one() -> None:
    assert {
        normalize_text(t)
        for t in ["制作炸弹", "制 作 炸 弹", "制*作-炸_弹", "制·作、炸．弹", "制\u200b作\u3000炸弹"]
    } == {"制作炸弹"}
    assert {normalize_text(t) for t in ["ＢＵＹ　ＭＥＴＨ", "Buy   Meth!", "b.u.y m_e_t_h", "BUY-METH"]} == {
        "buymeth"
    }


def test_newlines_survive_so_items_keep_their_places() -> None:
    buf = "第一行，\n ＳＥＣＯＮＤ line\n\nthird".encode()
    assert normalize_buffer(buf).split(b"\n") == ["第一行".encode(), b"secondline", b"", b"third"]


def test_case_width_fold_keeps_separators() -> None:
    assert fold_case_width("ＢＵＹ Meth, now".encode()) == b"buy meth, now"
