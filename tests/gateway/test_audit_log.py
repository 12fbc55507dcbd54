"""The hash-chained audit log: verification finds an edited, a deleted, a reordered and a cut-off record."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tongzhou.cli.main import app
from tongzhou.errors import InputError
from tongzhou.gateway.audit_log import AuditLog, verify_audit_log


def written_log(directory: Path, records: int = 6) -> Path:
    log = AuditLog(directory)
    for i in range(records):
        log.append("request", {"id": f"r{i}", "body": {"sha256": f"sha256:{i:064x}"}})
    log.close()
    return directory


def lines(directory: Path) -> tuple[Path, list[str]]:
    (segment,) = sorted(directory.glob("audit-*.jsonl"))
    return segment, segment.read_text(encoding="utf-8").splitlines()


def kinds(directory: Path) -> set[str]:
    return {p.kind for p in verify_audit_log(directory).problems}


def test_an_untouched_log_verifies(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit")
    result = verify_audit_log(directory)
    assert result.ok and result.records == 6 and result.head is not None and result.head[0] == 6


def test_an_edited_record_is_detected(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit")
    segment, rows = lines(directory)
    record = json.loads(rows[2])
    record["data"]["id"] = "forged"
    rows[2] = json.dumps(record)
    segment.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = verify_audit_log(directory)
    assert [(p.kind, p.where) for p in result.problems] == [("edited", f"{segment.name}:3")]


def test_an_edited_record_with_a_recomputed_hash_breaks_the_chain(tmp_path: Path) -> None:
    from tongzhou.gateway.audit_log import record_hash

    directory = written_log(tmp_path / "audit")
    segment, rows = lines(directory)
    record = json.loads(rows[2])
    record["data"]["id"] = "forged"
    record["hash"] = record_hash(record)
    rows[2] = json.dumps(record)
    segment.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert "chain-broken" in kinds(directory)


def test_a_deleted_record_is_detected(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit")
    segment, rows = lines(directory)
    del rows[3]
    segment.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = verify_audit_log(directory)
    assert [p.kind for p in result.problems] == ["deleted"]
    assert "record(s) 4..4 are missing" in result.problems[0].message


def test_a_reordered_record_is_detected(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit")
    segment, rows = lines(directory)
    rows[1], rows[2] = rows[2], rows[1]
    segment.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert kinds(directory) == {"reordered"}


def test_a_cut_off_tail_is_detected(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit")
    segment, rows = lines(directory)
    segment.write_text("\n".join(rows[:-2]) + "\n", encoding="utf-8")
    assert kinds(directory) == {"truncated"}


def test_appending_continues_the_chain_after_a_restart(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit", records=3)
    log = AuditLog(directory)
    assert log.head[0] == 3
    log.append("response", {"id": "r3"})
    log.close()
    assert verify_audit_log(directory).ok


def test_one_writer_per_log(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit")
    with pytest.raises(InputError, match="another gateway"):
        AuditLog(tmp_path / "audit")
    log.close()


def test_retention_prunes_old_segments_and_the_rest_still_verifies(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit", records=4)
    segment, _rows = lines(directory)
    segment.rename(directory / "audit-20200101.jsonl")  # pretend these were written long ago
    log = AuditLog(directory)  # nothing newer yet: the old segment is kept as the chain's only link
    log.append("request", {"id": "new"})
    log.close()
    AuditLog(directory, retention_days=183).close()  # opening prunes what is past retention
    assert not (directory / "audit-20200101.jsonl").exists()
    anchor = json.loads((directory / "anchor.json").read_text())
    assert anchor["seq"] == 5 and anchor["pruned"] == ["audit-20200101.jsonl"]
    result = verify_audit_log(directory)
    assert result.ok and result.records == 1


def test_cli_verify_exit_codes(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit")
    runner = CliRunner()
    ok = runner.invoke(app, ["gateway", "audit", "verify", "--dir", str(directory)])
    assert ok.exit_code == 0 and "intact" in ok.output
    segment, rows = lines(directory)
    del rows[1]
    segment.write_text("\n".join(rows) + "\n", encoding="utf-8")
    bad = runner.invoke(app, ["gateway", "audit", "verify", "--dir", str(directory)])
    assert bad.exit_code == 1 and "deleted" in bad.output


def test_hot_records_hash_as_rfc_8785_canonical_json(tmp_path: Path) -> None:
    from tongzhou.attest import canonical_json
    from tongzhou.gateway.audit_log import _fast_canonical

    record = {
        "seq": 7,
        "time": "2026-11-23T00:00:00.000000Z",
        "kind": "request",
        "prev": "sha256:00",
        "data": {
            "id": "r",
            "model": '模型\u2028\x7f\x01\n\t"\\é😀',
            "stream": False,
            "client": None,
            "body": {"sha256": "sha256:ab", "bytes": 12, "text": "line\r\nzwei 二"},
            "us": 1234567,
        },
    }
    assert _fast_canonical(record) == canonical_json(record)
    log = AuditLog(tmp_path / "audit")
    log.append("request", record["data"])
    log.append("alert", {"rate": 0.1, "whole": 1.0})  # floats: the exact (slow) canonicaliser
    log.close()
    assert verify_audit_log(tmp_path / "audit").ok


def head_seq(directory: Path) -> int:
    return int(json.loads((directory / "head.json").read_bytes())["seq"])


def test_the_head_names_the_last_record_as_soon_as_it_reaches_the_os(tmp_path: Path) -> None:
    # It used to be refreshed only when a record came >= 1 s after the last refresh.
    directory = tmp_path / "audit"
    log = AuditLog(directory)
    for expected in range(1, 4):
        log.append("request", {"id": f"r{expected}"})
        assert head_seq(directory) == expected
    log.append("halt", {"order": "o1"})
    assert head_seq(directory) == 4

    async def in_a_loop() -> int:
        log.append("response", {"id": "r1"})  # batched until the end of this loop iteration
        await asyncio.sleep(0)
        return head_seq(directory)

    assert asyncio.run(in_a_loop()) == 5
    log.close()
    assert verify_audit_log(directory).ok


def test_a_tail_cut_off_behind_the_head_is_reported_and_survives_a_restart(tmp_path: Path) -> None:
    directory = tmp_path / "audit"
    log = AuditLog(directory)
    for i in range(6):
        log.append("request", {"id": f"r{i}"})
    # No close: as after SIGKILL, the head is what the last flush left.
    log._lock_handle.close()  # releases the writer lock as the death of the process would
    segment, rows = lines(directory)
    segment.write_text("\n".join(rows[:-3]) + "\n", encoding="utf-8")
    result = verify_audit_log(directory)
    assert [p.kind for p in result.problems] == ["truncated"]
    assert "head names record 6 but the log ends at 3" in result.problems[0].message
    reopened = AuditLog(directory)  # a restarted gateway continues the chain, saying what it found
    reopened.append("request", {"id": "after"})
    reopened.close()
    result = verify_audit_log(directory)
    assert [p.kind for p in result.problems] == ["truncated"]
    assert "found its head at record 6 but the log ending at record 3" in result.problems[0].message
    _segment, rows = lines(directory)
    assert json.loads(rows[3])["kind"] == "head-mismatch"


def test_a_removed_head_is_reported(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit")
    (directory / "head.json").unlink()
    assert kinds(directory) == {"truncated"}
    AuditLog(directory).close()
    assert kinds(directory) == {"truncated"}  # the reopened log says so in a record


def test_a_record_whose_stored_bytes_differ_from_its_hash_input_is_edited(tmp_path: Path) -> None:
    # A duplicate member inserted before the real one: json keeps the last, so the parsed record
    # still hashes right; the bytes on disk are not the bytes the hash covers.
    directory = written_log(tmp_path / "audit")
    segment, rows = lines(directory)
    rows[2] = rows[2].replace('{"data":{', '{"data":{"id":"forged",', 1)
    segment.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = verify_audit_log(directory)
    assert [(p.kind, p.where) for p in result.problems] == [("edited", f"{segment.name}:3")]


def test_a_record_with_nan_is_damaged_not_a_crash(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit")
    segment, rows = lines(directory)
    rows[2] = rows[2].replace('{"data":{', '{"data":{"x":NaN,', 1)
    segment.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert kinds(directory) == {"damaged", "deleted"}  # unreadable, so record 3 counts as missing


def test_a_head_longer_than_its_fixed_width_is_cut_back_when_the_log_is_opened(tmp_path: Path) -> None:
    directory = written_log(tmp_path / "audit", records=2)
    head = directory / "head.json"
    head.write_bytes(head.read_bytes() + b" " * 1000 + b"garbage")
    assert kinds(directory) == {"damaged"}
    AuditLog(directory).close()
    assert len(head.read_bytes()) == 256


def test_records_in_the_first_layout_still_verify(tmp_path: Path) -> None:
    # The first writer stored json.dumps of the record in insertion order (seq, time, kind, data,
    # prev, hash); such a log holds nothing beyond its records and must not read as edited.
    directory = written_log(tmp_path / "audit")
    segment, rows = lines(directory)
    first_layout = []
    for row in rows:
        record = json.loads(row)
        ordered = {k: record[k] for k in ("seq", "time", "kind", "data", "prev", "hash")}
        first_layout.append(json.dumps(ordered, ensure_ascii=False, separators=(",", ":")))
    assert first_layout != rows
    segment.write_text("\n".join(first_layout) + "\n", encoding="utf-8")
    assert verify_audit_log(directory).ok
    first_layout[2] = first_layout[2].replace('"data":{', '"data":{"id":"forged",', 1)
    segment.write_text("\n".join(first_layout) + "\n", encoding="utf-8")
    assert kinds(directory) == {"edited"}
