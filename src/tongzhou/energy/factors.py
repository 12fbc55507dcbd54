"""Conversion factors as data: grid carbon intensity, off-site water intensity, PUE, on-site WUE.

Carbon = E × I_grid × PUE; Water = E × (WUE_on-site + PUE × EWIF_off-site)
(Li, Yang, Islam, Ren, "Making AI Less Thirsty"; docs/standards/energy.md), with E the
IT energy of the window. Values and their sources live in ``data/factors.yaml``; a user file
of the same shape ($TONGZHOU_ENERGY_FACTORS, or $TONGZHOU_HOME/energy-factors.yaml) overrides
entries one by one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tongzhou.energy.contract import FactorEntry, Footprint
from tongzhou.errors import InputError
from tongzhou.home import HOME_ENV

COUNTRY_ENV = "TONGZHOU_GRID_COUNTRY"
FACTORS_ENV = "TONGZHOU_ENERGY_FACTORS"
DEFAULT_COUNTRY = "CN"
TABLES = ("carbon_intensity_g_per_kwh", "water_intensity_l_per_kwh", "pue", "wue_onsite_l_per_kwh")

# ISO 3166-1 alpha-2 → alpha-3 for the codes people type most; alpha-3 passes through.
_ALPHA2 = {
    "CN": "CHN",
    "US": "USA",
    "FR": "FRA",
    "DE": "DEU",
    "GB": "GBR",
    "UK": "GBR",
    "JP": "JPN",
    "KR": "KOR",
    "IN": "IND",
    "CA": "CAN",
    "BR": "BRA",
    "AU": "AUS",
    "IT": "ITA",
    "ES": "ESP",
    "NL": "NLD",
    "SE": "SWE",
    "NO": "NOR",
    "PL": "POL",
    "SG": "SGP",
    "ZA": "ZAF",
    "RU": "RUS",
    "ID": "IDN",
    "MX": "MEX",
    "SA": "SAU",
    "AE": "ARE",
    "TR": "TUR",
    "CH": "CHE",
    "FI": "FIN",
    "IE": "IRL",
    "DK": "DNK",
    "AT": "AUT",
    "BE": "BEL",
    "HK": "HKG",
    "TW": "TWN",
    "VN": "VNM",
    "TH": "THA",
    "MY": "MYS",
    "EG": "EGY",
    "NG": "NGA",
    "KE": "KEN",
    "AR": "ARG",
    "CL": "CHL",
}


@dataclass(frozen=True)
class Factor:
    """One value with where it comes from."""

    value: float
    source: str
    year: int | None
    key: str
    """The table key used (a country code, ``WORLD``, ``default``...)."""
    fallback: bool = False
    """True when the asked-for key had no entry and ``WORLD``/``default`` was used."""

    def to_dict(self) -> FactorEntry:
        """JSON-ready form."""
        return {
            "value": self.value,
            "source": self.source,
            "year": self.year,
            "key": self.key,
            "fallback": self.fallback,
        }


def country_code(country: str | None = None) -> str:
    """Normalise a country (argument, else $TONGZHOU_GRID_COUNTRY, else CN) to ISO alpha-3."""
    raw = (country or os.environ.get(COUNTRY_ENV) or DEFAULT_COUNTRY).strip().upper()
    if raw == "WORLD":
        return raw
    if len(raw) == 2:
        if raw not in _ALPHA2:
            raise InputError(f"unknown country code {raw!r}: use ISO 3166-1 alpha-3 (e.g. CHN, USA) or WORLD")
        return _ALPHA2[raw]
    if len(raw) != 3 or not raw.isalpha():
        raise InputError(f"country must be an ISO 3166-1 code (e.g. CN, CHN, USA) or WORLD, not {raw!r}")
    return raw


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read energy factors file {path}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"energy factors file {path}: top level must be a mapping")
    return data


def _validate(data: dict[str, Any], origin: str) -> None:
    for table in TABLES:
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            raise InputError(f"{origin}: {table} must be a mapping of key -> {{value, source, year}}")
        for key, entry in entries.items():
            where = f"{origin}: {table}.{key}"
            if not isinstance(entry, dict) or "value" not in entry or "source" not in entry:
                raise InputError(f"{where} needs 'value' and 'source'")
            value = entry["value"]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InputError(f"{where}.value must be a non-negative number, not {value!r}")
            if table == "pue" and value < 1:
                raise InputError(f"{where}.value: a PUE is at least 1.0, not {value!r}")


class FactorTable:
    """The bundled factors merged with the user's overrides."""

    def __init__(self, data: dict[str, Any], origins: list[str]) -> None:
        self._data = data
        self.origins = origins
        """Files the values came from, bundled first."""

    @classmethod
    def load(cls, override: Path | None = None) -> FactorTable:
        """Bundled factors, then $TONGZHOU_HOME/energy-factors.yaml, $TONGZHOU_ENERGY_FACTORS, ``override``.

        A file named by the environment variable or ``override`` must exist; the home file is optional.
        """
        text = resources.files("tongzhou.energy").joinpath("data/factors.yaml").read_text(encoding="utf-8")
        data: dict[str, Any] = yaml.safe_load(text)
        origins = ["tongzhou/energy/data/factors.yaml"]
        candidates: list[Path] = []
        home = os.environ.get(HOME_ENV)
        if home:
            candidates.append(Path(home).expanduser() / "energy-factors.yaml")
        if os.environ.get(FACTORS_ENV):
            candidates.append(Path(os.environ[FACTORS_ENV]).expanduser())
        if override is not None:
            candidates.append(override)
        for path in candidates:
            if path is override or path.exists() or str(path) == os.environ.get(FACTORS_ENV):
                user = _read_yaml(path)
                _validate(user, str(path))
                for table in TABLES:
                    data.setdefault(table, {}).update(user.get(table, {}) or {})
                origins.append(str(path))
        _validate(data, "energy factors")
        return cls(data, origins)

    def _get(self, table: str, key: str, fallback_key: str) -> Factor:
        entries = self._data.get(table, {})
        fell_back = key not in entries
        use = fallback_key if fell_back else key
        if use not in entries:
            raise InputError(f"energy factors: no {table} entry for {key!r} and no {fallback_key!r} fallback")
        e = entries[use]
        return Factor(float(e["value"]), str(e["source"]), e.get("year"), use, fell_back)

    def carbon_intensity(self, country: str) -> Factor:
        """Grid carbon intensity (g CO2e/kWh) for an alpha-3 country, else WORLD."""
        return self._get("carbon_intensity_g_per_kwh", country, "WORLD")

    def water_intensity(self, country: str) -> Factor:
        """Off-site electricity water intensity EWIF (L/kWh) for an alpha-3 country, else WORLD."""
        return self._get("water_intensity_l_per_kwh", country, "WORLD")

    def pue(self, profile: str = "default") -> Factor:
        """Power usage effectiveness for a named profile (``default``, ``local-machine``...)."""
        return self._get("pue", profile, "default")

    def wue_onsite(self, profile: str = "default") -> Factor:
        """On-site water usage effectiveness (L/kWh) for a named profile."""
        return self._get("wue_onsite_l_per_kwh", profile, "default")

    def countries(self) -> list[str]:
        """Country keys with a carbon intensity."""
        return sorted(self._data.get("carbon_intensity_g_per_kwh", {}))


def footprint(
    joules: float,
    country: str | None = None,
    *,
    site: str = "default",
    pue: float | None = None,
    wue_onsite: float | None = None,
    table: FactorTable | None = None,
) -> Footprint:
    """Carbon (g CO2e) and water (L) for ``joules`` of IT energy, with every factor and its source.

    ``site`` names the PUE/WUE profile; ``pue`` and ``wue_onsite`` override its values.
    """
    table = table or FactorTable.load()
    code = country_code(country)
    kwh = joules / 3.6e6
    intensity = table.carbon_intensity(code)
    ewif = table.water_intensity(code)
    pue_f = table.pue(site)
    wue_f = table.wue_onsite(site)
    if pue is not None:
        if pue < 1:
            raise InputError(f"PUE must be at least 1.0, not {pue}")
        pue_f = Factor(pue, "user override", None, "override")
    if wue_onsite is not None:
        if wue_onsite < 0:
            raise InputError(f"on-site WUE must be non-negative, not {wue_onsite}")
        wue_f = Factor(wue_onsite, "user override", None, "override")
    return {
        "country": code,
        "site": site,
        "carbon": {
            "g_co2e": kwh * intensity.value * pue_f.value,
            "formula": "E_kWh x grid_intensity x PUE",
            "grid_intensity_g_per_kwh": intensity.to_dict(),
            "pue": pue_f.to_dict(),
        },
        "water": {
            "litres": kwh * (wue_f.value + pue_f.value * ewif.value),
            "formula": "E_kWh x (WUE_onsite + PUE x EWIF_offsite)",
            "wue_onsite_l_per_kwh": wue_f.to_dict(),
            "ewif_offsite_l_per_kwh": ewif.to_dict(),
            "pue": pue_f.to_dict(),
        },
    }
