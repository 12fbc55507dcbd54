"""`tongzhou oss licence`: the licences of a model's lineage and whether an intended use fits them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tongzhou.errors import InputError

if TYPE_CHECKING:
    from tongzhou.oss.licences import LicenceReport

_FAIL_ON = ("incompatible", "undetermined")


def licence_cmd(
    path: Path = typer.Argument(
        ..., help="A model folder (card, config.json, LICENSE, NOTICE) or a .gguf file."
    ),
    base: list[Path] = typer.Option(
        [], "--base", help="A local copy of a base model the card names (repeatable)."
    ),
    dataset: list[Path] = typer.Option(
        [], "--dataset", help="A local copy of a dataset the card names (repeatable)."
    ),
    use: str = typer.Option("commercial", "--use", help="commercial or non-commercial."),
    mau: int | None = typer.Option(
        None, "--mau", help="Monthly active users of your products (with affiliates)."
    ),
    redistribute: bool = typer.Option(
        False, "--redistribute", help="You distribute the model or a derivative."
    ),
    name: str | None = typer.Option(
        None, "--name", help="The name you distribute it under (default: its card's)."
    ),
    fail_on: str = typer.Option(
        "undetermined", "--fail-on", help="Exit 1 on this verdict or worse: undetermined or incompatible."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Identify the licences of a model, its base models and datasets, and check an intended use.
    识别模型、基础模型和数据集的许可证，并检查预期用途是否相容。

    Exit status: 0 the verdict is better than --fail-on, 1 it is at or worse, 2 bad input.
    """
    from tongzhou.oss.licences import IntendedUse, Verdict, build_lineage, check_lineage

    if use not in ("commercial", "non-commercial"):
        raise InputError.of("--use must be commercial or non-commercial, not {use!r}", use=use)
    if fail_on not in _FAIL_ON:
        raise InputError.of(
            "--fail-on must be undetermined or incompatible, not {fail_on!r}", fail_on=fail_on
        )
    if mau is not None and mau < 0:
        raise InputError.of("--mau must be 0 or more")
    intended = IntendedUse(use == "commercial", mau, redistribute, name)
    report = check_lineage(build_lineage(path, base, dataset), intended)
    failing = report.verdict is Verdict.INCOMPATIBLE or (
        fail_on == "undetermined" and report.verdict is Verdict.UNDETERMINED
    )
    if as_json:
        typer.echo(json.dumps({**report.as_dict(), "fail_on": fail_on}, ensure_ascii=False, indent=2))
    else:
        _print(report)
    if failing:
        raise typer.Exit(1)


_VERDICT_ZH = {"compatible": "相容", "incompatible": "不相容", "undetermined": "无法确定"}


def _print(report: LicenceReport) -> None:
    for subject in report.lineage.subjects():
        status = subject.licence_id or "undetermined 无法确定"
        typer.echo(f"{subject.role.value:10} {subject.name}: {status}")
        for evidence in subject.evidence:
            typer.echo(f"{'':10}   {evidence.where()}  {evidence.text}")
        if not subject.determined:
            typer.echo(f"{'':10}   {subject.reason}")
        for note in subject.notes:
            typer.echo(f"{'':10}   note: {note}")
    for check in report.checks:
        typer.echo(f"{check.verdict.value:12} {check.code}  {check.message}")
        typer.echo(f"{'':12} {check.message_zh}")
        for evidence in check.evidence:
            typer.echo(f"{'':12} evidence: {evidence.where()}  {evidence.text}")
        if check.source:
            typer.echo(f"{'':12} source: {check.source} (confidence {check.confidence})")
    for obligation in report.obligations:
        duty = obligation.duty
        policy = f" (policy: {duty.params['policy']})" if "policy" in duty.params else ""
        typer.echo(f"{'obligation':12} {obligation.licence_id}: {duty.text}{policy}  [{duty.source()}]")
    verdict = report.verdict.value
    typer.echo(f"{report.use.describe()}: {verdict} {_VERDICT_ZH[verdict]}")
