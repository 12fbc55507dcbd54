"""The RAPL reader against a directory tree laid out like /sys/class/powercap."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongzhou.energy import measure
from tongzhou.energy.rapl import RaplMeter, discover, wrap_delta

MAX = 262_143_328_850  # a real max_energy_range_uj (Intel, 2^32 × 61 µJ)


def zone(root: Path, zone_name: str, name: str, energy_uj: int, max_uj: int = MAX) -> Path:
    d = root / zone_name
    d.mkdir(parents=True)
    (d / "name").write_text(name + "\n")
    (d / "energy_uj").write_text(f"{energy_uj}\n")
    (d / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return d


def set_uj(d: Path, value: int) -> None:
    (d / "energy_uj").write_text(f"{value}\n")


@pytest.fixture
def server_tree(tmp_path: Path) -> dict[str, Path]:
    """Two packages with core/uncore/dram subzones, plus the MMIO copy of package 0."""
    root = tmp_path / "powercap"
    (root / "intel-rapl").mkdir(parents=True)  # the control-type directory
    zones = {
        "pkg0": zone(root, "intel-rapl:0", "package-0", 1_000_000),
        "core0": zone(root, "intel-rapl:0:0", "core", 500_000),
        "uncore0": zone(root, "intel-rapl:0:1", "uncore", 100_000),
        "dram0": zone(root, "intel-rapl:0:2", "dram", 300_000),
        "pkg1": zone(root, "intel-rapl:1", "package-1", 2_000_000),
        "core1": zone(root, "intel-rapl:1:0", "core", 700_000),
        "mmio": zone(root, "intel-rapl-mmio:0", "package-0", 1_000_000),
    }
    zones["root"] = root
    return zones


def test_nested_domains_are_not_double_counted(server_tree: dict[str, Path]) -> None:
    found = discover(server_tree["root"])
    assert sorted(d.zone for d in found.counted) == ["intel-rapl:0", "intel-rapl:0:2", "intel-rapl:1"]
    skipped = dict(found.skipped)
    assert "part of intel-rapl:0" in skipped["intel-rapl:0:0"]
    assert "part of intel-rapl:0" in skipped["intel-rapl:0:1"]
    assert "part of intel-rapl:1" in skipped["intel-rapl:1:0"]
    assert "MMIO" in skipped["intel-rapl-mmio:0"]
    assert found.covers == ("cpu", "dram")


def test_window_sums_packages_and_dram_but_not_their_cores(server_tree: dict[str, Path]) -> None:
    meter = RaplMeter(server_tree["root"])
    with measure("nested", meters=[meter]) as window:
        set_uj(server_tree["pkg0"], 1_000_000 + 10_000_000)  # +10 J
        set_uj(server_tree["core0"], 500_000 + 8_000_000)  # inside the package: ignored
        set_uj(server_tree["uncore0"], 100_000 + 1_000_000)  # inside the package: ignored
        set_uj(server_tree["dram0"], 300_000 + 2_000_000)  # +2 J, separate plane
        set_uj(server_tree["pkg1"], 2_000_000 + 5_000_000)  # +5 J
        set_uj(server_tree["mmio"], 1_000_000 + 10_000_000)  # copy of pkg0: ignored
    assert window.joules == pytest.approx(17.0)
    assert window.method == "measured"
    assert window.meter == "rapl"
    by_zone = {d["zone"]: d["joules"] for d in window.to_dict()["components"][0]["details"]["domains"]}
    assert by_zone == {
        "intel-rapl:0": pytest.approx(10.0),
        "intel-rapl:0:2": pytest.approx(2.0),
        "intel-rapl:1": pytest.approx(5.0),
    }


def test_psys_is_counted_alone(tmp_path: Path) -> None:
    root = tmp_path / "powercap"
    psys = zone(root, "intel-rapl:1", "psys", 0)
    pkg = zone(root, "intel-rapl:0", "package-0", 0)
    zone(root, "intel-rapl:0:0", "core", 0)
    found = discover(root)
    assert [d.name for d in found.counted] == ["psys"]
    assert dict(found.skipped)["intel-rapl:0"] == "contained in psys"
    with measure("psys", meters=[RaplMeter(root)]) as window:
        set_uj(psys, 30_000_000)
        set_uj(pkg, 20_000_000)
    assert window.joules == pytest.approx(30.0)


def test_counter_wraparound(tmp_path: Path) -> None:
    root = tmp_path / "powercap"
    pkg = zone(root, "intel-rapl:0", "package-0", MAX - 4_000_000)
    with measure("wrap", meters=[RaplMeter(root)]) as window:
        set_uj(pkg, 6_000_000)  # 4 J to the top, wrap, then 6 J
    assert window.joules == pytest.approx(10.0)


def test_several_wraps_in_one_window_are_caught_by_polling(tmp_path: Path) -> None:
    small = 100_000_000  # 100 J range, so the counter wraps often
    root = tmp_path / "powercap"
    pkg = zone(root, "intel-rapl:0", "package-0", 90_000_000, max_uj=small)
    meter = RaplMeter(root)
    probe = meter.open()
    try:
        set_uj(pkg, 50_000_000)  # +60 J (wrapped once)
        probe._inner.poll()  # what the background poller does every POLL_SECONDS
        set_uj(pkg, 10_000_000)  # +60 J (wrapped again)
        assert probe.read() == pytest.approx(120.0)
    finally:
        probe.close()


def test_wrap_delta() -> None:
    assert wrap_delta(10, 25, 100) == 15
    assert wrap_delta(90, 5, 100) == 15
    assert wrap_delta(7, 7, 100) == 0


def test_missing_or_garbled_tree_is_reported_not_guessed(tmp_path: Path) -> None:
    assert discover(tmp_path / "absent").counted == ()
    root = tmp_path / "powercap"
    bad = zone(root, "intel-rapl:0", "package-0", 0)
    (bad / "energy_uj").write_text("not a number\n")
    found = discover(root)
    assert found.counted == ()
    assert "unreadable" in dict(found.skipped)["intel-rapl:0"]
    assert not RaplMeter(root).available
