"""`tongzhou gateway`: serve the governance gateway, issue and inspect halt orders, verify the audit log."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

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
        raise InputError.of("duration {text!r}: use a number and s, m, h or d (e.g. 30m)", text=text)
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if not 0 < seconds <= MAX_EXPIRY.total_seconds():
        raise InputError.of(
            "duration {text!r} is out of range: give more than 0 s and at most {days} d "
            "(use TERMINATE for a halt without end)",
            text=text,
            days=MAX_EXPIRY.days,
        )
    return timedelta(seconds=seconds)


MAX_ORDER_FILE_BYTES = 64 * 1024
"""An order file larger than this is refused (the gateway's own limit for a delivered order)."""


def _read_order_file(path: Path) -> dict[str, Any]:
    """The DSSE envelope of a halt order in ``path``, checked enough to show what is co-signed."""
    from tongzhou.gateway.halt_order import PAYLOAD_TYPE, HaltOrderError, parse_payload

    try:
        if path.stat().st_size > MAX_ORDER_FILE_BYTES:
            raise InputError.of("{path} is larger than {limit} bytes", path=path, limit=MAX_ORDER_FILE_BYTES)
        envelope = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.of("cannot read order file {path}: {reason}", path=path, reason=exc) from exc
    except json.JSONDecodeError as exc:
        raise InputError.of("order file {path} is not JSON: {reason}", path=path, reason=exc) from exc
    if not isinstance(envelope, dict) or envelope.get("payloadType") != PAYLOAD_TYPE:
        raise InputError.of(
            "{path} is not a signed halt order (a DSSE envelope of type {payload_type})",
            path=path,
            payload_type=PAYLOAD_TYPE,
        )
    try:
        parse_payload(base64.b64decode(str(envelope.get("payload")), validate=True))
    except (HaltOrderError, binascii.Error, ValueError) as exc:
        raise InputError.of("{path}: the order inside is not valid: {reason}", path=path, reason=exc) from exc
    return envelope


def _co_sign(path: Path, key: str) -> tuple[str, dict[str, Any]]:
    """Add the signature of ``key`` to the order in ``path``: ``(order id, envelope)``."""
    from tongzhou.attest import EnvelopeError, KeyError_, KeyRing, add_signature
    from tongzhou.attest.workflow import private_key
    from tongzhou.gateway.halt_order import parse_payload

    envelope = _read_order_file(path)
    order = parse_payload(base64.b64decode(envelope["payload"]))
    # Say what is being signed before asking for a passphrase: a co-signer vouches for the payload.
    Console(stderr=True).print(f"co-signing 会签: {order.describe()}", highlight=False)
    try:
        private = private_key(KeyRing(), key, prompt=lambda: typer.prompt("Passphrase 口令", hide_input=True))
        return order.order_id, add_signature(envelope, private)
    except (KeyError_, EnvelopeError) as exc:
        raise InputError.of("cannot co-sign {path}: {reason}", path=path, reason=exc) from exc


def _new_order(
    action: str | None,
    key: str,
    issuer: str | None,
    reason: str | None,
    scope: str,
    expires_in: str | None,
    lifts: list[str],
) -> tuple[str, dict[str, Any]]:
    """Create and sign a new order: ``(order id, envelope)``."""
    from tongzhou.attest import KeyError_, KeyRing
    from tongzhou.attest.workflow import private_key
    from tongzhou.gateway.halt_order import HaltOrder, HaltOrderError

    needed = (("ACTION", action), ("--issuer", issuer), ("--reason", reason))
    missing = [name for name, value in needed if not value]
    if missing:
        raise InputError.of(
            "give {missing} to issue an order (or --co-sign ORDER_FILE to sign an existing one)",
            missing=", ".join(missing),
        )
    assert action is not None and issuer is not None and reason is not None
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
        private = private_key(KeyRing(), key, prompt=lambda: typer.prompt("Passphrase 口令", hide_input=True))
    except InputError:
        raise
    except (HaltOrderError, KeyError_) as exc:
        raise InputError(str(exc)) from exc
    except ValueError as exc:
        raise InputError(f"action {action!r}: use PAUSE, TERMINATE or RESUME") from exc
    return order.order_id, order.sign(private)


@halt_app.command("issue")
def issue(
    action: str | None = typer.Argument(None, help="PAUSE, TERMINATE or RESUME (not with --co-sign)."),
    key: str = typer.Option(
        ..., "--key", help="Name of the signing key in the key ring ($TONGZHOU_HOME/keys)."
    ),
    issuer: str | None = typer.Option(
        None, "--issuer", help="Issuer name (must match the trust policy entry)."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why (shown to every refused client)."),
    scope: str = typer.Option("all", "--scope", help="all | system:ID | model:ID | organisation:ID"),
    expires_in: str | None = typer.Option(None, "--expires-in", help="e.g. 30m, 2h (PAUSE lapses then)."),
    lifts: list[str] = typer.Option([], "--lifts", help="RESUME: order id to lift (repeatable)."),
    co_sign: Path | None = typer.Option(
        None,
        "--co-sign",
        help="Add this key's signature to the signed order in this file (quorum) instead of issuing one.",
    ),
    to: str | None = typer.Option(
        None, "--to", help="Gateway base URL to deliver to (POST /governance/halt-orders)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the signed envelope here (file delivery)."),
) -> None:
    """Sign a halt order; deliver it to a gateway (--to), write it to a file (--out), or print it.
    With --co-sign, add a signature to an existing order instead (orders that need a quorum).
    签发或会签停止令。
    """
    import httpx

    if co_sign is not None:
        given = [n for n, v in (("ACTION", action), ("--issuer", issuer), ("--reason", reason)) if v]
        given += ["--lifts"] if lifts else []
        given += ["--expires-in"] if expires_in else []
        if given:
            raise InputError.of(
                "--co-sign signs the order as it is: do not give {given}", given=", ".join(given)
            )
        order_id, envelope = _co_sign(co_sign, key)
    else:
        order_id, envelope = _new_order(action, key, issuer, reason, scope, expires_in, lifts)
    text = json.dumps(envelope, indent=1)
    if out is not None:
        write_text_atomic(out, text)
        console.print(f"wrote order {order_id} ({len(envelope['signatures'])} signature(s)) to {out}")
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
        if answer.status_code == 202:
            console.print(f"order {order_id} counted; its quorum is not yet met (pending) / 已计入，待会签")
        elif answer.status_code != 200:
            raise InputError(f"the gateway refused order {order_id}: {answer.text}")
        console.print_json(answer.text)
    if out is None and to is None:
        typer.echo(text)


@halt_app.command("status")
def status(
    url: str | None = typer.Option(None, "--url", help="Ask a running gateway (base URL)."),
    policy: Path | None = POLICY,
) -> None:
    """Show the halt orders in force and the orders waiting for a quorum (from a running gateway,
    or from the persisted state file). 查看生效及待会签的停止令。
    """
    if url:
        import httpx

        try:
            answer = httpx.get(url.rstrip("/") + "/governance/halt-state", timeout=10)
        except httpx.HTTPError as exc:
            raise InputError(f"cannot reach the gateway at {url}: {exc}") from exc
        console.print_json(answer.text)
        with contextlib.suppress(ValueError):
            _say_pending(answer.json())
        return
    from tongzhou.gateway.halt_book import HaltBook
    from tongzhou.gateway.policy import load_policy

    snapshot = HaltBook(load_policy(policy)).snapshot()
    console.print_json(json.dumps(snapshot, ensure_ascii=False))
    _say_pending(snapshot)


def _say_pending(snapshot: object) -> None:
    """One line per partial quorum on stderr: pending orders are not in force, say so plainly."""
    pending = snapshot.get("pending") if isinstance(snapshot, dict) else None
    for item in pending if isinstance(pending, list) else []:
        order = item.get("order", {})
        scope = order.get("scope", {})
        where = scope.get("kind") if scope.get("kind") == "all" else f"{scope.get('kind')}:{scope.get('id')}"
        Console(stderr=True).print(
            f"pending, not in force 待会签、未生效: {order.get('action')} of {where} "
            f"(order {order.get('order_id')}): {item.get('signed')} of {item.get('required')} issuers "
            f"({', '.join(item.get('issuers', []))}) until {item.get('window_ends')}",
            highlight=False,
        )


@audit_app.command("verify")
def verify(
    directory: Path | None = typer.Option(
        None, "--dir", help="Audit log directory (default: from the policy)."
    ),
    policy: Path | None = POLICY,
    public_keys: list[Path] = typer.Option(
        [],
        "--public-key",
        help="PEM of the gateway's audit key (repeatable, e.g. before and after a rotation); "
        "default: the policy's audit.head_key from the key ring. Enough to verify offline.",
    ),
) -> None:
    """Verify every worker's hash chain and the signed heads over them; exit 1 naming every edited,
    deleted, reordered or truncated record, missing worker log, and missing or forged head.
    核验审计日志哈希链与签名链头。
    """
    from tongzhou.gateway.audit_head_signer import DEFAULT_HEAD_KEY
    from tongzhou.gateway.audit_verify import verify_audit_log
    from tongzhou.gateway.policy import load_policy

    loaded = load_policy(policy) if directory is None or policy is not None else None
    target = directory or (loaded.audit_dir() if loaded else Path("."))
    trusted = _audit_keys(public_keys, loaded.audit.head_key if loaded else DEFAULT_HEAD_KEY)
    result = verify_audit_log(target, trusted)
    if result.signed_heads and trusted is None:
        raise InputError.of(
            "{target} has signed heads but no public key was found to check them: give --public-key "
            "FILE (the gateway's audit key, `tongzhou keys export gateway-audit`)",
            target=target,
        )
    chains = ", ".join(f"{worker} {count}" for worker, count in result.chains.items()) or "none"
    last = result.last_signed_head
    anchored = (
        f"{result.signed_heads} signed head(s), the last #{last.seq} at {last.time} by {last.key_id}"
        if last
        else "no signed heads"
    )
    for gap in result.unanchored:
        after = f"after signed head {gap.after_head}" if gap.after_head else "no signed head yet"
        console.print(
            f"[yellow]not yet anchored[/]: worker {gap.worker} records {gap.first}..{gap.last} "
            f"({gap.count}; {after}) / 尚未被签名链头覆盖",
            highlight=False,
        )
    if result.ok:
        console.print(
            f"[green]audit log intact[/]: {result.records} records in {target} "
            f"(head {result.head[0] if result.head else '-'}; chains: {chains}; {anchored}) / 审计日志完整",
            highlight=False,
        )
        return
    for problem in result.problems:
        console.print(f"[red]{problem.kind}[/] at {problem.where}: {problem.message}", highlight=False)
    console.print(
        f"[bold red]audit log damaged[/]: {len(result.problems)} problem(s) in {result.records} records "
        f"(chains: {chains}; {anchored}) / 审计日志被篡改",
        highlight=False,
    )
    raise typer.Exit(1)


def _audit_keys(files: list[Path], key_name: str | None) -> dict[str, Any] | None:
    """key id → public key: from ``files`` (PEM) when given, else the ring's ``key_name`` if present."""
    from tongzhou.attest import KeyRing, SigningKeyError, key_id
    from tongzhou.attest.keys import load_public_key_pem

    keys: dict[str, Any] = {}
    for path in files:
        try:
            key = load_public_key_pem(path.read_bytes())
        except OSError as exc:
            raise InputError(f"cannot read --public-key {path}: {exc}") from exc
        except SigningKeyError as exc:
            raise InputError(f"--public-key {path}: {exc}") from exc
        keys[key_id(key)] = key
    if files:
        return keys
    if not key_name:
        return None
    try:
        key = KeyRing().public_key(key_name)
    except (SigningKeyError, OSError):
        return None
    return {key_id(key): key}
