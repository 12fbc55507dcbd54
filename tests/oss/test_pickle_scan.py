"""The opcode walk: allow-list decisions, memo tracking, protocols, and that nothing is executed."""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import pytest

from tests.oss import pickle_asm as asm
from tongzhou.oss import Severity, scan_paths
from tongzhou.oss.safe_globals import is_known_dangerous, is_safe


def _codes(path: Path) -> list[tuple[str, str]]:
    return [(f.code, f.construct) for f in scan_paths([path]).findings]


def test_nothing_is_executed(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "executed"
    payload = asm.proto(2) + asm.call1(asm.glob("builtins", "exec"), f"open({str(marker)!r}, 'w')") + b"."
    path = write("payload.pkl", payload)
    report = scan_paths([path])
    assert not marker.exists()
    assert [f.construct for f in report.findings] == ["builtins.exec"]
    pickle.loads(payload)  # the same bytes do run when unpickled: the sample is real
    assert marker.exists()


@pytest.mark.parametrize("protocol", range(6))
def test_a_class_outside_the_allow_list_is_found_in_every_protocol(write, protocol: int) -> None:  # type: ignore[no-untyped-def]
    path = write("x.pkl", pickle.dumps(Path("/tmp"), protocol))
    codes = _codes(path)
    assert len(codes) == 1
    assert codes[0][0] == "pickle.global.dangerous"
    assert codes[0][1].startswith("pathlib.")


def test_an_allowed_global_reached_through_the_memo_is_still_checked_when_called(write) -> None:  # type: ignore[no-untyped-def]
    body = asm.proto(4) + asm.stack_global("collections", "OrderedDict") + b"\x94" + b"0" + b"h\x00)R."
    assert _codes(write("x.pkl", body)) == []


def test_memo_read_before_store_is_malformed_and_earlier_imports_still_count(write) -> None:  # type: ignore[no-untyped-def]
    body = asm.proto(2) + asm.glob("os", "system") + b"h\x05."
    assert _codes(write("x.pkl", body)) == [
        ("pickle.global.dangerous", "os.system"),
        ("pickle.malformed", "pickle"),
    ]


def test_python2_module_names_are_mapped_like_the_unpickler(write) -> None:  # type: ignore[no-untyped-def]
    assert _codes(write("a.pkl", asm.proto(2) + asm.glob("__builtin__", "set") + b")R.")) == []
    assert _codes(write("b.pkl", asm.proto(2) + asm.glob("copy_reg", "_reconstructor") + b"0N.")) == []
    assert _codes(write("c.pkl", asm.proto(2) + asm.glob("__builtin__", "getattr") + b"0N.")) == [
        ("pickle.global.dangerous", "builtins.getattr")
    ]


def test_persistent_ids_are_low_outside_torch_and_silent_inside(write, corpus) -> None:  # type: ignore[no-untyped-def]
    findings = scan_paths([write("p.pkl", asm.proto(2) + b"X\x01\x00\x00\x00aQ.")]).findings
    assert [(f.severity, f.code) for f in findings] == [(Severity.LOW, "pickle.persistent-id")]
    state = next(s for s in corpus if s.path.name == "state_dict.pt")
    assert scan_paths([state.path]).findings == []


def test_allow_list_is_exact_and_danger_only_sets_severity() -> None:
    assert is_safe("torch._utils", "_rebuild_tensor_v2")
    assert not is_safe("torch._utils", "_rebuild_tensor_v2.__globals__")
    assert not is_safe("torch", "load")
    assert is_known_dangerous("asyncio.unix_events", "x")
    assert is_known_dangerous("collections", "OrderedDict.__init__")
    assert not is_known_dangerous("evil_pkg", "payload")


def test_a_pickle_over_64_mib_is_read_in_place_and_its_strings_still_decode(write) -> None:  # type: ignore[no-untyped-def]
    blob = b"\x00" * (65 << 20)  # BINBYTES8 over the copy limit: handed on as a view of the mapped file
    text = b"a" * (70 << 10)  # BINSTRING that long: a str opcode, so its bytes are copied and decoded
    body = (
        asm.proto(4)
        + b"\x8e"
        + struct.pack("<Q", len(blob))
        + blob
        + b"0B"
        + struct.pack("<I", len(text))
        + text
        + b"0T"
        + struct.pack("<i", len(text))
        + text
        + b"0"
        + asm.call1(asm.glob("os", "system"), "id")
        + b"."
    )
    assert _codes(write("big.pkl", body)) == [("pickle.global.dangerous", "os.system")]
