"""The gateway's own layer contract (pyproject.toml, id ``gateway-layers``): the doors (proxy,
governance API, order channels) sit over the governor and never know each other, so the old loop
(proxy ↔ governance_api / order_delivery / sse_relay through a ``Gateway`` that called back,
hidden behind ``TYPE_CHECKING``) cannot return. import-linter runs on a copy of the package."""

from __future__ import annotations

from pathlib import Path

from tests.test_layers import _copy_package, _run

GATEWAY_CONTRACT = "The gateway: doors over the governor"


def _append(module: Path, text: str) -> None:
    module.write_text(module.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_real_gateway_keeps_its_layers(tmp_path: Path) -> None:
    result = _run(_copy_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert GATEWAY_CONTRACT in result.stdout and "BROKEN" not in result.stdout


def test_the_old_loop_breaks_the_gateway_contract_even_behind_type_checking(tmp_path: Path) -> None:
    gateway = _copy_package(tmp_path) / "src" / "tongzhou" / "gateway"
    # The governor calling back up into a door, as the old Gateway did, hidden the old way.
    _append(
        gateway / "governor.py",
        "\nfrom typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n    from tongzhou.gateway.proxy import Proxy\n",
    )
    # One door knowing another.
    _append(gateway / "governance_api.py", "\nimport tongzhou.gateway.order_delivery\n")
    result = _run(gateway.parents[2])
    assert result.returncode != 0, result.stdout
    out = " ".join(result.stdout.split())  # import-linter wraps long lines
    assert f"{GATEWAY_CONTRACT}" in out and "BROKEN" in out
    assert "tongzhou.gateway.governor is not allowed to import tongzhou.gateway.proxy" in out
    assert "tongzhou.gateway.governor -> tongzhou.gateway.proxy" in out
    assert "tongzhou.gateway.governance_api is not allowed to import tongzhou.gateway.order_delivery" in out
    assert "Tongzhou layers: imports point down only KEPT" in out  # the top contract is not what failed
