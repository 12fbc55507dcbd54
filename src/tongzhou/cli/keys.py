"""`tongzhou keys`: Ed25519 signing keys (generate | list | export). 签名密钥。"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from tongzhou.atomic_file import write_text_atomic
from tongzhou.errors import InputError

PASSPHRASE_ENV = "TONGZHOU_KEY_PASSPHRASE"  # the same as tongzhou.attest.workflow.PASSPHRASE_ENV

app = typer.Typer(help="Ed25519 signing keys for attestations. 签名密钥。", no_args_is_help=True)
console = Console()


@app.command("generate")
def generate(
    name: str = typer.Argument(..., help="Local name of the key, e.g. my-lab."),
    passphrase: bool = typer.Option(
        False,
        "--passphrase",
        help=f"Encrypt the private key with a passphrase (prompted, or from ${PASSPHRASE_ENV}).",
    ),
) -> None:
    """Create a key pair: NAME.key (mode 0600) and NAME.pub in $TONGZHOU_HOME/keys. 生成密钥对。"""
    from tongzhou.attest import KeyRing, SigningKeyError

    secret = None
    if passphrase:
        secret = os.environ.get(PASSPHRASE_ENV) or typer.prompt(
            "Passphrase 口令", hide_input=True, confirmation_prompt="Repeat the passphrase 再次输入口令"
        )
        if not secret:
            raise InputError("an empty passphrase protects nothing; leave out --passphrase instead")
    try:
        info = KeyRing().generate(name, passphrase=secret)
    except SigningKeyError as exc:
        raise InputError(str(exc)) from exc
    console.print(
        f"Generated {info.name} [bold]{info.key_id}[/]{' (passphrase-protected)' if info.encrypted else ''}"
    )
    console.print(f"Share the public key with `tongzhou keys export {info.name}`.")


@app.command("list")
def list_keys() -> None:
    """List the keys in the key ring. 列出密钥。"""
    from tongzhou.attest import KeyRing

    ring = KeyRing()
    table = Table("name 名称", "key id", "passphrase 口令", title=f"Keys in {ring.directory}")
    for info in ring.list():
        table.add_row(info.name, info.key_id, "yes" if info.encrypted else "no")
    console.print(table)


@app.command("export")
def export(
    name: str = typer.Argument(..., help="Key name."),
    out: Path = typer.Option(None, "--out", help="Write to this file instead of standard output."),
    policy_entry: bool = typer.Option(
        False, "--policy-entry", help="Print a trust policy (YAML) that recognises this key."
    ),
    evaluator: str = typer.Option(None, "--evaluator", help="Evaluator name for --policy-entry."),
    profile: str = typer.Option("gbt45654", "--profile", help="Standard profile for --policy-entry."),
    jurisdiction: list[str] = typer.Option(
        ["CN"], "--jurisdiction", help="Jurisdictions for --policy-entry."
    ),
) -> None:
    """Export the public key (PEM), or a ready-to-paste trust-policy entry for it. 导出公钥或信任策略。"""
    import yaml

    from tongzhou.attest import KeyRing, SigningKeyError

    try:
        info = KeyRing().info(name)
    except SigningKeyError as exc:
        raise InputError(str(exc)) from exc
    text = info.public_pem
    if policy_entry:
        entry = {
            "name": evaluator or info.name,
            "key_id": info.key_id,
            "public_key": info.public_pem,
            "recognised_for": [{"profile": profile, "jurisdictions": list(jurisdiction)}],
        }
        policy = {
            "policy": "tongzhou-trust-policy/v1",
            "name": f"recognises {entry['name']}",
            "evaluators": [entry],
        }
        text = (
            "# A trust policy (docs/attest.md) that recognises this key: use it as it is with\n"
            "# `tongzhou attest verify FILE --policy trust.yaml`, or paste the entry under `evaluators:`\n"
            "# of your own policy. 信任策略：可直接使用，或把评估机构条目粘贴到已有策略中。\n"
            + yaml.safe_dump(policy, allow_unicode=True, sort_keys=False)
        )
    if out:
        write_text_atomic(out, text)
        console.print(f"Wrote {out}")
    else:
        typer.echo(text, nl=False)
