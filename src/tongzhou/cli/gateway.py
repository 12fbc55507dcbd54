"""`tongzhou gateway`: serve the governance gateway, issue and inspect halt orders, verify the audit log."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console

from tongzhou.atomic_file import write_text_atomic
from tongzhou.errors import InputError

app = typer.Typer(
    help="Governance gateway in front of any OpenAI-compatible endpoint: halt orders, "
    "early warning, labels, audit log. 治理网关。",
    no_args_is_help=False,
)
halt_app = typer.Typer(help="Signed halt orders (PAUSE / TERMINATE / RESUME). 停止令。", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log. 审计日志。", no_args_is_help=True)
app.add_typer(halt_app, name="halt")
app.add_typer(audit_app, name="audit")
console = Console()

UPSTREAM = typer.Option(
    None, "--upstream", help="Upstream OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1"
)
POLICY = typer.Option(None, "--policy", help="gateway.yaml (trust, delivery, audit, labels, early warning).")
HOST = typer.Option("127.0.0.1", "--host", help="Address to listen on.")
PORT = typer.Option(8088, "--port", min=1, max=65535, help="Port to listen on.")
WORKERS = typer.Option(
    1,
    "--workers",
    min=1,
    max=256,
    help="Gateway processes sharing the port (SO_REUSEPORT); above 1 they share one halt through the "
    "halt ledger (halt.ledger.url, default the Tongzhou store). 工作进程数。",
)


def _serve(upstream: str | None, policy: Path | None, host: str, port: int, workers: int = 1) -> None:
    from tongzhou.gateway.policy import load_policy
    from tongzhou.gateway.server import serve

    if not upstream:
        raise InputError("give --upstream URL (the model endpoint's OpenAI base URL, ending in /v1)")
    if not re.match(r"^https?://", upstream):
        raise InputError(f"--upstream {upstream!r} is not an http(s) URL")
    loaded = load_policy(policy)

    def announce(base_url: str) -> None:  # once it listens: a failed start prints no banner
        Console(stderr=True).print(f"tongzhou gateway on {base_url}/v1 → {upstream}", highlight=False)

    if workers > 1:
        from tongzhou.gateway.workers import serve_workers

        serve_workers(upstream, loaded, host, port, workers, announce)
        return
    serve(upstream, loaded, host, port, announce)


@app.callback(invoke_without_command=True)
def gateway(
    ctx: typer.Context,
    upstream: str | None = UPSTREAM,
    policy: Path | None = POLICY,
    host: str = HOST,
    port: int = PORT,
    workers: int = WORKERS,
) -> None:
    """Serve the gateway (same as `gateway serve`) when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        if upstream is None:
            typer.echo(ctx.get_help())
            raise typer.Exit(0)
        _serve(upstream, policy, host, port, workers)


@app.command("serve")
def serve_command(
    upstream: str | None = UPSTREAM,
    policy: Path | None = POLICY,
    host: str = HOST,
    port: int = PORT,
    workers: int = WORKERS,
) -> None:
    """Serve the OpenAI-compatible governed proxy in front of --upstream. 启动治理网关。"""
    _serve(upstream, policy, host, port, workers)


MAX_EXPIRY = timedelta(days=3660)
"""The longest --expires-in accepted: ten years. A PAUSE meant to last longer is a TERMINATE."""


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``2h``, ``7d`` → timedelta, at most :data:`MAX_EXPIRY`."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if not match:
        raise InputError(
            f"duration {text!r}: use a number and s, m, h or d (e.g. 30m) / 时长格式：数字加 s、m、h 或 d"
        )
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if not 0 < seconds <= MAX_EXPIRY.total_seconds():
        raise InputError(
            f"duration {text!r} is out of range: give more than 0 s and at most {MAX_EXPIRY.days} d "
            f"(use TERMINATE for a halt without end) / 时长超出范围"
        )
    return timedelta(seconds=seconds)


@halt_app.command("issue")
def issue(
    action: str = typer.Argument(..., help="PAUSE, TERMINATE or RESUME."),
    key: str = typer.Option(
        ..., "--key", help="Name of the signing key in the key ring ($TONGZHOU_HOME/keys)."
    ),
    issuer: str = typer.Option(..., "--issuer", help="Issuer name (must match the trust policy entry)."),
    reason: str = typer.Option(..., "--reason", help="Why (shown to every refused client)."),
    scope: str = typer.Option("all", "--scope", help="all | system:ID | model:ID | organisation:ID"),
    expires_in: str | None = typer.Option(None, "--expires-in", help="e.g. 30m, 2h (PAUSE lapses then)."),
    lifts: list[str] = typer.Option([], "--lifts", help="RESUME: order id to lift (repeatable)."),
    to: str | None = typer.Option(
        None, "--to", help="Gateway base URL to deliver to (POST /governance/halt-orders)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the signed envelope here (file delivery)."),
) -> None:
    """Sign a halt order; deliver it to a gateway (--to), write it to a file (--out), or print it.
    签发停止令。
    """
    import httpx

    from tongzhou.attest import KeyError_, KeyRing
    from tongzhou.attest.workflow import private_key
    from tongzhou.gateway.halt_order import HaltOrder, HaltOrderError

    try:
        order = HaltOrder.create(
            action.upper(),
            scope,
            issuer,
            reason,
            expires_in=parse_duration(expires_in) if expires_in else None,
            lifts=tuple(lifts),
        )
        # A passphrase ($TONGZHOU_KEY_PASSPHRASE, else asked) only for a key that has one (as attest sign).
        private = private_key(
            KeyRing(), key, prompt=lambda: typer.prompt("Passphrase 口令", hide_input=True)
        )
    except InputError:
        raise
    except (HaltOrderError, KeyError_) as exc:
        raise InputError(str(exc)) from exc
    except ValueError as exc:
        raise InputError(f"action {action!r}: use PAUSE, TERMINATE or RESUME") from exc
    envelope = order.sign(private)
    text = json.dumps(envelope, indent=1)
    if out is not None:
        write_text_atomic(out, text)
        console.print(f"wrote order {order.order_id} to {out}")
    if to is not None:
        try:
            answer = httpx.post(
                to.rstrip("/") + "/governance/halt-orders",
                content=text,
                headers={"Content-Type": "application/json"},
                timeout=10,
            )
        except httpx.HTTPError as exc:
            raise InputError(f"cannot reach the gateway at {to}: {exc}") from exc
        if answer.status_code != 200:
            raise InputError(f"the gateway refused order {order.order_id}: {answer.text}")
        console.print_json(answer.text)
    if out is None and to is None:
        typer.echo(text)


@halt_app.command("status")
def status(
    url: str | None = typer.Option(None, "--url", help="Ask a running gateway (base URL)."),
    policy: Path | None = POLICY,
) -> None:
    """Show the halt orders in force (from a running gateway, or from the persisted state file).
    查看生效的停止令。
    """
    if url:
        import httpx

        try:
            answer = httpx.get(url.rstrip("/") + "/governance/halt-state", timeout=10)
        except httpx.HTTPError as exc:
            raise InputError(f"cannot reach the gateway at {url}: {exc}") from exc
        console.print_json(answer.text)
        return
    from tongzhou.gateway.halt_book import HaltBook
    from tongzhou.gateway.policy import load_policy

    console.print_json(json.dumps(HaltBook(load_policy(policy)).snapshot(), ensure_ascii=False))


@audit_app.command("verify")
def verify(
    directory: Path | None = typer.Option(
        None, "--dir", help="Audit log directory (default: from the policy)."
    ),
    policy: Path | None = POLICY,
) -> None:
    """Verify the hash chain; exit 1 naming every edited, deleted, reordered or truncated record.
    核验审计日志哈希链。
    """
    from tongzhou.gateway.audit_log import verify_audit_log
    from tongzhou.gateway.policy import load_policy

    target = directory or load_policy(policy).audit_dir()
    # `gateway --workers N` writes one chain per worker, in worker-<i>/ under the audit directory.
    chains = sorted(target.glob("worker-*")) if not any(target.glob("audit-*.jsonl")) else []
    damaged = False
    for chain in [c for c in chains if c.is_dir()] or [target]:
        result = verify_audit_log(chain)
        if result.ok:
            console.print(
                f"[green]audit log intact[/]: {result.records} records in {chain} "
                f"(head {result.head[0] if result.head else '-'}) / 审计日志完整"
            )
            continue
        damaged = True
        for problem in result.problems:
            console.print(f"[red]{problem.kind}[/] at {problem.where}: {problem.message}", highlight=False)
        console.print(
            f"[bold red]audit log damaged[/]: {len(result.problems)} problem(s) in {result.records} records "
            f"in {chain} / 审计日志被篡改"
        )
    if damaged:
        raise typer.Exit(1)
