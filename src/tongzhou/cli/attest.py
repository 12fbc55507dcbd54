"""`tongzhou attest`: sign evaluation runs, verify and recognise attestations, render reports. 互认。"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from tongzhou.errors import InputError

if TYPE_CHECKING:
    from tongzhou.attest.verify import Verification

app = typer.Typer(
    help="Signed, verifiable evaluation reports and their mutual recognition. 测评互认。",
    no_args_is_help=True,
)
console = Console()

POLICY = typer.Option(
    None, "--policy", help="Trust policy YAML (docs/attest.md); default: trust the local key ring."
)
BUNDLE = typer.Option(
    None, "--bundle", help="Evidence bundle directory: re-hash per-item results and bank files."
)
JSON_OUT = typer.Option(False, "--json", help="Print JSON instead of tables.")
PUBLIC_KEY = typer.Option(
    None,
    "--public-key",
    help="Trust this Ed25519 public key (PEM; repeatable) instead of a policy or the key ring.",
)


def _print_verification(result: Verification) -> None:
    if result.ok:
        console.print(
            f"[bold green]VERIFIED 已核验[/] run {result.report['run']['run_id'] if result.report else '?'} "
            f"signed by {result.evaluator_name} ({result.signer_key_id}) at {result.signed_at}"
        )
    else:
        console.print("[bold red]NOT RECOGNISED 不予认可[/]")
    for failure in result.failures:
        console.print(f"  [red]✗ {failure.code}[/]: {failure.message}", highlight=False)
    for check in result.checks:
        console.print(f"  [green]✓[/] {check}", highlight=False)
    for note in result.notes:
        console.print(f"  [yellow]•[/] {note}", highlight=False)


@app.command("sign")
def sign(
    run: str = typer.Argument(
        ..., help="Evaluation run id, 'latest', a run-summary JSON file, or an inspect_ai log (.eval/.json)."
    ),
    key: str = typer.Option("evaluator", "--key", help="Key name in the key ring (tongzhou keys list)."),
    evaluator: str = typer.Option(
        None, "--evaluator", help="Evaluator name shown to readers (default: key name)."
    ),
    out: Path = typer.Option(
        None, "--out", help="Attestation file (default: $TONGZHOU_HOME/attestations/RUN.dsse.json)."
    ),
    bundle: Path = typer.Option(
        None, "--bundle", help="Also write the evidence bundle (results + bank files) here."
    ),
    allow_partial: bool = typer.Option(
        False, "--allow-partial", help="Sign a partial run (its report says partial). 允许签名不完整的运行。"
    ),
    bom: list[Path] = typer.Option(
        [], "--bom", help="An AI-BOM of the evaluated model or its data (tongzhou oss bom); repeatable."
    ),
) -> None:
    """Sign a run: canonical report → in-toto Statement v1 → DSSE envelope (Ed25519). 签署测评结果。

    `latest` is the latest complete run; a partial run (failed items, interrupted) is signed only
    with --allow-partial, and a run with no scored items never. Each --bom puts that AI-BOM's digest
    among the Statement's subjects.
    """
    from tongzhou.attest import KeyRing
    from tongzhou.attest.workflow import load_run_summary, private_key, sign_stored_run, summary_from_file
    from tongzhou.home import tongzhou_home
    from tongzhou.oss import read_ai_bom
    from tongzhou.store import open_store

    boms = [read_ai_bom(p) for p in bom]  # read first: a bad BOM costs no passphrase prompt
    ring = KeyRing()
    signing_key = private_key(ring, key, prompt=lambda: typer.prompt("Passphrase 口令", hide_input=True))
    summary: Mapping[str, Any]
    if Path(run).is_file():
        summary = summary_from_file(Path(run))
        if not allow_partial and summary.get("status", "complete") != "complete":
            raise InputError.of("{run} holds a partial run; sign it as partial with --allow-partial", run=run)
    elif Path(run).is_dir():
        raise InputError(f"{run} is a directory; give a run id, 'latest' or a run-summary file")
    else:
        store = open_store()
        try:
            summary = load_run_summary(store, run, allow_partial=allow_partial)
        finally:
            store.close()
    target = out or tongzhou_home() / "attestations" / f"{summary['run_id']}.dsse.json"
    signed = sign_stored_run(summary, signing_key, evaluator or key, target, bundle, boms=boms)
    console.print(
        f"Signed run {signed.run_id} with {ring.info(key).key_id}\nAttestation: {signed.attestation}"
    )
    if signed.bundle:
        console.print(f"Bundle: {signed.bundle}")


@app.command("verify")
def verify(
    file: Path = typer.Argument(..., help="Attestation (DSSE envelope JSON)."),
    policy: Path = POLICY,
    bundle: Path = BUNDLE,
    public_key: list[Path] = PUBLIC_KEY,
    as_json: bool = JSON_OUT,
) -> None:
    """Check the signature, the report, every digest and the trust policy; say exactly why when it fails.
    核验签名与信任策略。

    Exit status: 0 recognised, 1 not recognised, 2 bad input.
    """
    from tongzhou.attest.workflow import verify_file

    result, _ = verify_file(file, policy, bundle, public_keys=public_key)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_verification(result)
    raise typer.Exit(0 if result.ok else 1)


@app.command("recognise")
def recognise(
    file: Path = typer.Argument(..., help="Attestation (DSSE envelope JSON)."),
    policy: Path = POLICY,
    public_key: list[Path] = PUBLIC_KEY,
    as_json: bool = JSON_OUT,
) -> None:
    """List the obligations, jurisdiction by jurisdiction, this attestation can serve as evidence for.
    列出可互认的义务。
    """
    from tongzhou.attest.recognition import recognition_view
    from tongzhou.attest.workflow import verify_file

    result, _ = verify_file(file, policy, public_keys=public_key)
    view = recognition_view(result)
    if as_json:
        typer.echo(json.dumps(view.to_dict(), ensure_ascii=False, indent=2))
        raise typer.Exit(0 if result.ok else 1)
    _print_verification(result)
    if view.unavailable:
        console.print(f"[yellow]{view.unavailable}[/]")
        raise typer.Exit(0 if result.ok else 1)
    for claim in view.claims:
        console.print(f"Evidence artefact [bold]{claim.artefact}[/]: {claim.rationale}", highlight=False)
    for jurisdiction, obligations in view.by_jurisdiction().items():
        table = Table("regime", "requirement", "obligation", "artefact", "rationale", title=jurisdiction)
        for ob in obligations:
            table.add_row(ob.regime, ob.requirement, ob.obligation_id, ob.artefact, ob.rationale)
        recognised = {
            True: "evaluator recognised here by the policy",
            False: "evaluator NOT recognised here by the policy",
            None: "no trust policy applied",
        }[obligations[0].policy_recognises]
        table.caption = recognised
        console.print(table)


@app.command("report")
def report(
    target: str = typer.Argument(..., help="Attestation file, or a run id / 'latest' (rendered unsigned)."),
    fmt: str = typer.Option("html", "--format", help="html, md or pdf."),
    out: Path = typer.Option(
        None, "--out", help="Output file (default: next to the attestation, or in $TONGZHOU_HOME/reports)."
    ),
    policy: Path = POLICY,
    public_key: list[Path] = PUBLIC_KEY,
) -> None:
    """Render the readable report (bilingual; charts; GB/T 45654 self-assessment table). 生成可读报告。"""
    from tongzhou.attest import Evaluator, build_report
    from tongzhou.attest.report_view import view_of_attestation
    from tongzhou.attest.workflow import load_run_summary, verify_file
    from tongzhou.home import tongzhou_home
    from tongzhou.reports import report_view
    from tongzhou.reports.files import FORMATS, write_report

    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}")
    path = Path(target)
    if path.is_file():
        result, _ = verify_file(path, policy, public_keys=public_key)
        view = view_of_attestation(result)
        default = path.with_name(path.name.removesuffix(".json").removesuffix(".dsse") + FORMATS[fmt])
    else:
        from tongzhou.store import open_store

        store = open_store()
        try:
            summary = load_run_summary(store, target)
        finally:
            store.close()
        view = report_view(
            build_report(summary, Evaluator(key_id="ed25519:" + "0" * 32, name="(unsigned)")), None
        )
        default = tongzhou_home() / "reports" / f"{summary['run_id']}.unsigned{FORMATS[fmt]}"
    written = write_report(view, fmt, out or default)
    console.print(f"Wrote {written}")
