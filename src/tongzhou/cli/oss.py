"""`tongzhou oss`: open-source compliance; `scan` checks that model files are safe to load, unloaded;
`bom` writes an AI bill of materials; `licence` identifies licences and checks an intended use."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tongzhou.cli.oss_licence import licence_cmd
from tongzhou.errors import InputError

_HELP = (
    "Open-source compliance: scan model files without loading them, write AI-BOMs (CycloneDX, SPDX), "
    "identify model and dataset licences and check their duties. "
    "开源合规：模型文件安全扫描、AI物料清单、许可证识别与义务检查。"
)

app = typer.Typer(
    help=_HELP,
    no_args_is_help=True,
)


@app.callback()
def _group() -> None:
    """Open-source compliance: model file scans, AI-BOMs, model licences. 开源合规。"""


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
    stix: Path | None = typer.Option(
        None,
        "--stix",
        help="Also write the findings at or above --fail-on as a STIX 2.1 bundle of vulnerability objects "
        "(for `tongzhou threats push`).",
    ),
) -> None:
    """Scan model files (pickle, PyTorch, NumPy, Keras, ONNX, GGUF, safetensors, archives), unloaded.
    不加载模型，扫描模型文件中的可执行代码。

    Exit status: 0 nothing at or above --fail-on, 1 a finding at or above it, 2 bad input.
    """
    from tongzhou.oss import ScanLimits, Severity, scan_paths

    try:
        threshold = Severity.parse(fail_on)
    except ValueError as exc:
        raise InputError.of("--fail-on: {reason}", reason=exc) from None
    if max_depth < 0:
        raise InputError.of("--max-depth must be 0 or more")
    report = scan_paths(paths, ScanLimits(max_depth=max_depth))
    failing = report.at_or_above(threshold)
    if stix is not None:
        from tongzhou.atomic_file import write_json_atomic
        from tongzhou.oss.stix_findings import findings_bundle

        bundle = findings_bundle(report, threshold)
        write_json_atomic(stix, bundle)
        typer.echo(f"{stix}: STIX 2.1 bundle of {len(bundle['objects'])} vulnerability object(s)", err=True)
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


_BOM_PATH_HELP = (
    "A model file or folder (GGUF, safetensors, ONNX, PyTorch, a Hugging Face folder) or a dataset folder."
)


@app.command("bom")
def bom_cmd(
    path: Path = typer.Argument(..., help=_BOM_PATH_HELP),
    fmt: str = typer.Option(
        "cyclonedx", "--format", help="cyclonedx (CycloneDX 1.6 ML-BOM) or spdx (SPDX 3.0.1 JSON-LD)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write the BOM to this file (atomically), not stdout."
    ),
    datasets: list[Path] = typer.Option([], "--dataset", help="A training-data folder or file (repeatable)."),
    energy: Path | None = typer.Option(
        None, "--energy", help="A `tongzhou energy report --json` file: its energy goes into the BOM."
    ),
    created: str | None = typer.Option(
        None, "--created", help="Creation time (ISO 8601 with a zone); default SOURCE_DATE_EPOCH, else now."
    ),
    kind: str = typer.Option(
        "auto", "--kind", help="model, dataset, or auto (weights or config.json: model)."
    ),
    licence_check: str | None = typer.Option(
        None,
        "--licence-check",
        metavar="USE",
        help="Check the licences for USE (commercial or non-commercial), as `oss licence` does, and "
        "record the verdict in the BOM.",
    ),
    mau: int | None = typer.Option(
        None, "--mau", help="With --licence-check: monthly active users of your products."
    ),
    redistribute: bool = typer.Option(
        False, "--redistribute", help="With --licence-check: you distribute the model or a derivative."
    ),
) -> None:
    """Write an AI bill of materials: files with SHA-256, model card, datasets, base models, licence, energy.
    生成AI物料清单（CycloneDX 1.6 / SPDX 3.0.1）。

    With --licence-check the licence check's verdict is recorded in the BOM (the exit status does not
    follow it; `oss licence --fail-on` gates).

    Exit status: 0 written, 2 bad input (nothing written).
    """
    from tongzhou.oss import BOM_FORMATS, build_ai_bom
    from tongzhou.oss.licences import IntendedUse

    if fmt not in BOM_FORMATS:
        raise InputError.of("--format must be cyclonedx or spdx, not {fmt!r}", fmt=fmt)
    if kind not in ("auto", "model", "dataset"):
        raise InputError.of("--kind must be auto, model or dataset, not {kind!r}", kind=kind)
    if licence_check not in (None, "commercial", "non-commercial"):
        raise InputError.of(
            "--licence-check must be commercial or non-commercial, not {use!r}", use=licence_check
        )
    if licence_check is None and (mau is not None or redistribute):
        raise InputError.of("--mau and --redistribute go with --licence-check")
    if mau is not None and mau < 0:
        raise InputError.of("--mau must be 0 or more")
    use = None if licence_check is None else IntendedUse(licence_check == "commercial", mau, redistribute)
    bom = build_ai_bom(
        path,
        fmt=fmt,
        datasets=datasets,
        energy_report=energy,
        created=created,
        kind=kind,  # type: ignore[arg-type]
        licence_use=use,
    )
    if out is None:
        typer.echo(bom.text, nl=False)
        return
    bom.write(out)
    files = len(bom.subject.primary.files)
    typer.echo(f"{out}: {bom.format} AI-BOM of {files} file(s), {bom.digest}", err=True)


app.command("licence")(licence_cmd)  # after scan and bom, so the help lists them in that order
