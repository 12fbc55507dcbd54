"""Readers: every format and compression yields the same items; byte ranges neither lose nor repeat a line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from tongzhou.corpus.audit import run_audit
from tongzhou.corpus.automaton import KeywordScanner
from tongzhou.corpus.readers import WorkUnit, iter_batches, iter_line_blocks, plan_units
from tongzhou.corpus.synthetic import PlantLog
from tongzhou.corpus.unit import AuditSettings
from tongzhou.errors import InputError


def _texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def web_jsonl(planted_corpus: tuple[Path, PlantLog]) -> Path:
    return planted_corpus[0] / "web" / "part-0.jsonl"


def test_formats_and_compressions_give_the_same_audit(
    tmp_path: Path, web_jsonl: Path, scanner: KeywordScanner
) -> None:
    raw = web_jsonl.read_bytes()
    texts = _texts(web_jsonl)
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "b.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    (tmp_path / "c.txt").write_text("\n".join(texts) + "\n", "utf-8")
    pq.write_table(pa.table({"text": texts}), tmp_path / "d.parquet", row_group_size=333)
    settings = AuditSettings(sample_size=0)
    base = run_audit([web_jsonl], settings=settings, scanner=scanner)
    for name in ("a.jsonl.gz", "b.jsonl.zst", "c.txt", "d.parquet"):
        other = run_audit([tmp_path / name], settings=settings, scanner=scanner)
        t, o = base.total.tally, other.total.tally
        assert (o.items, o.flagged_items, o.risk_items, o.pii_counts, other.total.near_duplicates) == (
            t.items,
            t.flagged_items,
            t.risk_items,
            t.pii_counts,
            base.total.near_duplicates,
        ), name


def test_byte_ranges_cover_every_line_once(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    lines = [json.dumps({"text": f"第{i}行 " + "x" * (i % 37)}, ensure_ascii=False) for i in range(5000)]
    path.write_text("\n".join(lines), "utf-8")  # no final newline
    units = plan_units([path], unit_bytes=4096)
    assert len(units) > 20
    seen = [text for u in units for b in iter_batches(u, batch_bytes=1000) for text in b.texts]
    assert seen == [json.loads(line)["text"] for line in lines]


def test_a_unit_ending_exactly_on_a_newline(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(b"aa\nbb\ncc\n")
    first = list(iter_line_blocks(WorkUnit(str(path), "s", "text", None, 0, 3), 2))
    second = list(iter_line_blocks(WorkUnit(str(path), "s", "text", None, 3, 9), 2))
    assert b"".join(b for _, b in first) == b"aa\n" and b"".join(b for _, b in second) == b"bb\ncc\n"


def test_malformed_json_lines_are_counted_and_still_scanned(tmp_path: Path, scanner: KeywordScanner) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"text": "正常"}\n{broken 出售冰毒\n[1, 2]\n{"other": "field"}\n', "utf-8")
    result = run_audit([path], settings=AuditSettings(sample_size=0), scanner=scanner)
    assert result.total.tally.items == 4 and result.total.tally.malformed == 1
    assert result.total.tally.flagged_items == 1


@pytest.mark.parametrize(
    "name,content,needle",
    [
        ("x.csv", b"a,b\n", "unknown corpus format"),
        ("x.jsonl.gz", b"not gzip at all", "corrupt compressed stream"),
        ("x.jsonl.zst", b"not zstd at all", "corrupt zstd stream"),
        ("x.parquet", b"PAR1 nope", "not a readable Parquet"),
    ],
)
def test_bad_files_get_clear_errors(
    tmp_path: Path, scanner: KeywordScanner, name: str, content: bytes, needle: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=needle):
        run_audit([path], settings=AuditSettings(sample_size=0), scanner=scanner)


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        plan_units([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no corpus files"):
        plan_units([tmp_path / "empty"])
