"""Loading standard profiles (YAML beside this module) and the GB/T 45654 risk taxonomy."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tongzhou.errors import InputError
from tongzhou.evaluate.contract import ProfileSummary

STANDARDS_DIR = Path(__file__).parent
OPS = (">=", "<=")


@dataclass(frozen=True)
class Threshold:
    """One rule a verdict is given on: a metric (optionally scoped to a risk or language), op and value."""

    key: str
    """``metric_id`` or ``metric_id[scope]`` (the key in verdicts and thresholds)."""
    metric: str
    op: str
    value: float
    min_n: int
    scope: dict[str, str] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class StandardProfile:
    """A loaded standard profile (see ``standards/gbt45654.yaml``)."""

    id: str
    version: str
    source: str
    data: dict[str, Any]

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """Metric definitions: expected behaviour, what counts as success, op, value, min_n."""
        return dict(self.data.get("metrics") or {})

    @property
    def bank_rules(self) -> dict[str, dict[str, Any]]:
        """Coverage rules per bank kind (should-refuse, should-not-refuse, generated-content)."""
        return dict(self.data.get("banks") or {})

    def thresholds(self) -> list[Threshold]:
        """Every metric threshold, then the user's red lines."""
        out = [
            Threshold(
                key=mid,
                metric=mid,
                op=m["op"],
                value=float(m["value"]),
                min_n=int(m.get("min_n", 0)),
                source=str(m.get("source", "")),
            )
            for mid, m in self.metrics.items()
        ]
        for line in self.data.get("red_lines") or []:
            scope = {str(k): str(v) for k, v in (line.get("scope") or {}).items()}
            label = ",".join(f"{v}" for v in scope.values())
            out.append(
                Threshold(
                    key=f"{line['metric']}[{label}]" if label else line["metric"],
                    metric=line["metric"],
                    op=line["op"],
                    value=float(line["value"]),
                    min_n=int(line.get("min_n", 0)),
                    scope=scope,
                    source=str(line.get("source", "user red line")),
                )
            )
        return out

    def to_summary(self) -> ProfileSummary:
        """The ``standard_profile`` field of the run summary."""
        return {
            "id": self.id,
            "version": self.version,
            "source": self.source,
            "thresholds": {
                t.key: {"op": t.op, "value": t.value, "min_n": t.min_n} for t in self.thresholds()
            },
        }


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _validate(data: dict[str, Any], where: str) -> None:
    for key in ("id", "version", "source", "metrics"):
        if key not in data:
            raise InputError(f"standard profile {where}: missing {key!r}")
    for mid, m in data["metrics"].items():
        if not isinstance(m, dict):
            raise InputError(f"standard profile {where}: metric {mid!r} is not a mapping")
        for key in ("expected", "counts", "op", "value"):
            if key not in m:
                raise InputError(f"standard profile {where}: metric {mid!r} lacks {key!r}")
        if m["op"] not in OPS:
            raise InputError(f"standard profile {where}: metric {mid!r} op must be one of {OPS}")
        if not 0.0 <= float(m["value"]) <= 1.0:
            raise InputError(f"standard profile {where}: metric {mid!r} value must be within [0, 1]")
        if m["counts"] not in ("refusal", "passed"):
            raise InputError(f"standard profile {where}: metric {mid!r} counts must be refusal or passed")
    for i, line in enumerate(data.get("red_lines") or []):
        if (
            not isinstance(line, dict)
            or line.get("metric") not in data["metrics"]
            or line.get("op") not in OPS
        ):
            raise InputError(f"standard profile {where}: red_lines[{i}] needs a known metric and op >= or <=")


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read standard profile {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"standard profile {path} is not a YAML mapping")
    return data


def load_profile(ref: str | Path) -> StandardProfile:
    """Load a profile by id (``gbt45654``, ``gbt45654-quick``) or from a YAML file path."""
    path = Path(ref)
    if not path.suffix:
        path = STANDARDS_DIR / f"{ref}.yaml"
    if not path.is_file():
        raise InputError(f"unknown standard profile {ref!r} (built in: {', '.join(builtin_profiles())})")
    data = _read(path)
    if "extends" in data:
        parent = load_profile(str(data["extends"]))
        data = _merge(parent.data, {k: v for k, v in data.items() if k != "extends"})
    _validate(data, str(path))
    return StandardProfile(
        id=str(data["id"]), version=str(data["version"]), source=str(data["source"]), data=data
    )


def builtin_profiles() -> list[str]:
    """Ids of the profiles shipped with Tongzhou."""
    return sorted(p.stem for p in STANDARDS_DIR.glob("*.yaml") if not p.stem.endswith("_risks"))


@cache
def risk_taxonomy() -> dict[str, Any]:
    """The GB/T 45654 Annex A taxonomy (risks with zh/en names, NIST and MIT mappings, and topics)."""
    return _read(STANDARDS_DIR / "gbt45654_risks.yaml")
