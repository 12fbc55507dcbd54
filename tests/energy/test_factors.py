"""Conversion factors: sources on every value, user overrides, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongzhou.energy import FactorTable, country_code, footprint
from tongzhou.errors import InputError


def test_every_bundled_factor_has_a_source_and_year() -> None:
    table = FactorTable.load()
    for code in table.countries():
        f = table.carbon_intensity(code)
        assert f.source and f.year and f.value > 0
    assert table.pue().value >= 1.0
    assert table.wue_onsite().source


def test_country_codes() -> None:
    assert country_code("cn") == "CHN"
    assert country_code("USA") == "USA"
    assert country_code("world") == "WORLD"
    for bad in ("ZZ", "12", "France"):
        with pytest.raises(InputError):
            country_code(bad)


def test_default_country_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGZHOU_GRID_COUNTRY", "FR")
    fp = footprint(3.6e6)  # 1 kWh
    assert fp["country"] == "FRA"
    pue = fp["carbon"]["pue"]["value"]
    assert fp["carbon"]["g_co2e"] == pytest.approx(56 * pue)


def test_unknown_country_falls_back_to_world_and_says_so() -> None:
    fp = footprint(3.6e6, "ISL")
    assert fp["carbon"]["grid_intensity_g_per_kwh"]["fallback"] is True
    assert fp["carbon"]["grid_intensity_g_per_kwh"]["key"] == "WORLD"


def test_water_formula_one_kwh() -> None:
    fp = footprint(3.6e6, "CHN", pue=1.25, wue_onsite=0.2)
    assert fp["water"]["litres"] == pytest.approx(0.2 + 1.25 * 6.0)
    assert fp["carbon"]["pue"]["key"] == "override"


def test_user_file_overrides_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "mine.yaml"
    p.write_text(
        "carbon_intensity_g_per_kwh:\n  CHN: {value: 500, year: 2024, source: my utility bill}\n"
        "pue:\n  default: {value: 1.2, year: 2025, source: our facility meter}\n"
    )
    monkeypatch.setenv("TONGZHOU_ENERGY_FACTORS", str(p))
    table = FactorTable.load()
    assert table.carbon_intensity("CHN").value == 500
    assert table.carbon_intensity("USA").value == 369  # untouched entries stay
    assert footprint(3.6e6, "CN")["carbon"]["g_co2e"] == pytest.approx(500 * 1.2)
    assert str(p) in table.origins


@pytest.mark.parametrize(
    "bad",
    [
        "pue:\n  default: {value: 0.8, source: x}\n",
        "carbon_intensity_g_per_kwh:\n  CHN: {value: 1}\n",
        "carbon_intensity_g_per_kwh:\n  CHN: {value: lots, source: x}\n",
        "- just\n- a list\n",
        "{unclosed: [\n",
    ],
)
def test_bad_override_files_are_refused(tmp_path: Path, bad: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(bad)
    with pytest.raises(InputError):
        FactorTable.load(override=p)


def test_missing_override_file_named_in_the_environment_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TONGZHOU_ENERGY_FACTORS", str(tmp_path / "absent.yaml"))
    with pytest.raises(InputError):
        FactorTable.load()


def test_negative_overrides_are_refused() -> None:
    with pytest.raises(InputError):
        footprint(1.0, "CHN", pue=0.5)
    with pytest.raises(InputError):
        footprint(1.0, "CHN", wue_onsite=-1)
