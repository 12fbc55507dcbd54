"""The keyword library: coverage meets the standard, the build is reproducible, bad files are refused."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tongzhou.corpus.keywords import KeywordLibrary, check_coverage, load_library, save_library
from tongzhou.corpus.library_build import build_library, load_seeds
from tongzhou.corpus.normalize import normalize_text
from tongzhou.corpus.profile import load_profile
from tongzhou.errors import InputError


def test_bundled_library_meets_every_count_rule(library: KeywordLibrary) -> None:
    findings = {f.rule: f for f in check_coverage(library, load_profile())}
    assert findings["min_total"].actual >= 10_000 and findings["min_total"].passed
    for code in [f"A.1.{i}" for i in range(1, 9)]:
        assert findings[code].actual >= 200, code
    for code in [f"A.2.{i}" for i in range(1, 10)]:
        assert findings[code].actual >= 100, code


def test_shipped_library_is_the_build_of_the_seeds(library: KeywordLibrary) -> None:
    rebuilt = build_library(load_seeds(), built=library.meta["built"])
    assert rebuilt.entries == library.entries
    assert (
        Path(__file__)
        .parents[2]
        .joinpath("src/tongzhou/corpus/data/keywords-gbt45654.jsonl.gz")
        .stat()
        .st_size
        < 1_000_000
    )


def test_group_names_alone_are_not_keywords(library: KeywordLibrary) -> None:
    words = {normalize_text(e.keyword) for e in library.entries}
    assert "女人" not in words and "oldpeople" not in words
    assert "女人都是骗子" in words


def test_coverage_reports_a_short_library(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_text("keyword,risk,language,mode\n炸弹,A.1.4,zh,substring\nbomb,A.1.4,en,word\n", "utf-8")
    lib = load_library(small)
    findings = {f.rule: f for f in check_coverage(lib, load_profile())}
    assert findings["A.1.4"].actual == 2 and not findings["A.1.4"].passed
    assert not findings["min_total"].passed and findings["A.2.1"].actual == 0


def test_round_trip(tmp_path: Path) -> None:
    src = KeywordLibrary(load_library().entries[:5], {"name": "t", "built": "2026-01-01"})
    out = tmp_path / "lib.jsonl.gz"
    save_library(src, out)
    again = load_library(out)
    assert again.entries == src.entries and again.meta["name"] == "t"
    assert gzip.decompress(out.read_bytes()).startswith(b'{"library"')


@pytest.mark.parametrize(
    "content,needle",
    [
        (b"not json\n", "not JSON"),
        (b'{"keyword": "x"}\n', "needs 'keyword' and 'risk'"),
        (b'{"keyword": "x", "risk": "A.1.1", "mode": "regex"}\n', "unknown match mode"),
        (b'{"keyword": " !! ", "risk": "A.1.1"}\n', "empty after normalisation"),
        (b"\n", "no entries"),
        (b"\x1f\x8b broken gzip", "corrupt gzip"),
    ],
)
def test_bad_libraries_are_refused(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "lib.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError, match=needle):
        load_library(path)
