"""`tongzhou oss`: open-source compliance; `scan` checks that model files are safe to load, unloaded."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tongzhou.cli.oss_licence import licence_cmd
from tongzhou.errors import InputError

app = typer.Typer(
    help="Open-source compliance: scan model files for code that runs on load. 开源合规：模型文件安全扫描。",
    no_args_is_help=True,
)


@app.callback()
def _group() -> None:
    """Open-source compliance: scan model files for code that runs on load. 开源合规：模型文件安全扫描。"""


app.command("licence")(licence_cmd)


@app.command("scan")
def scan_cmd(
    paths: list[Path] = typer.Argument(..., help="Model files or directories (scanned recursively)."),
    fail_on: str = typer.Option(
        "medium",
        "--fail-on",
        help="Exit 1 when a finding is this severe or worse: info, low, medium, high, critical.",
    ),
    max_depth: int = typer.Option(4, "--max-depth", help="Archives nested deeper than this are not opened."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
) -> None:
    """Scan model files (pickle, PyTorch, NumPy, Keras, ONNX, GGUF, safetensors, archives), unloaded.
    不加载模型，扫描模型文件中的可执行代码。

    Exit status: 0 nothing at or above --fail-on, 1 a finding at or above it, 2 bad input.
    """
    from tongzhou.oss import ScanLimits, Severity, scan_paths

    try:
        threshold = Severity.parse(fail_on)
    except ValueError as exc:
        raise InputError(f"--fail-on: {exc}", zh=f"--fail-on：未知的严重程度 {fail_on!r}") from None
    if max_depth < 0:
        raise InputError("--max-depth must be 0 or more / --max-depth 不能为负")
    report = scan_paths(paths, ScanLimits(max_depth=max_depth))
    failing = report.at_or_above(threshold)
    if as_json:
        payload = {
            "findings": [f.as_dict() for f in report.findings],
            "formats": report.formats,
            "fail_on": threshold.label,
            "verdict": "fail" if failing else "pass",
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for finding in sorted(report.findings, key=lambda f: (-f.severity, f.where())):
            typer.echo(f"{finding.severity.label:8} {finding.code:28} {finding.construct}  {finding.where()}")
            typer.echo(f"{'':8} {finding.message}")
        files = len({key.split("!", 1)[0] for key in report.formats})
        verdict = "FAIL 不安全" if failing else "pass 通过"
        typer.echo(
            f"{files} file(s), {len(report.findings)} finding(s), {len(failing)} at or above "
            f"{threshold.label}: {verdict}"
        )
    if failing:
        raise typer.Exit(1)
