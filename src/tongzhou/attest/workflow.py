"""The attest use cases shared by the CLI, the demo and the API: sign a stored run, verify a file,
render the readable report of an attestation."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tongzhou.atomic_file import write_json_atomic
from tongzhou.attest.ai_bom_subjects import BomReference
from tongzhou.attest.bundle import write_bundle
from tongzhou.attest.keys import KeyRing, SigningKeyError, key_id, load_public_key_pem
from tongzhou.attest.policy import TrustPolicy, load_policy
from tongzhou.attest.signing import read_attestation, sign_run
from tongzhou.attest.verify import Verification, verify_attestation
from tongzhou.errors import InputError
from tongzhou.store import Store

if TYPE_CHECKING:
    from tongzhou.evaluate.contract import RunSummary

PASSPHRASE_ENV = "TONGZHOU_KEY_PASSPHRASE"
"""Environment variable read for a key's passphrase when none is given."""


def load_run_summary(store: Store, run: str, *, allow_partial: bool = True) -> RunSummary:
    """The run summary of ``run`` (an id, or ``latest``) from the evaluate module.

    Without ``allow_partial``, ``latest`` is the latest *complete* run and a partial run named by id
    is refused: a run whose items failed must not be signed by accident.
    """
    try:
        from tongzhou.evaluate import latest_run_id, run_summary
    except ImportError as exc:
        raise InputError(f"the evaluate module is not available: {exc}") from exc
    newest = latest_run_id(store)
    if newest is None:
        raise InputError.of("there is no evaluation run in the store yet: run `tongzhou eval run` first")
    run_id = run
    if run == "latest":
        run_id = newest if allow_partial else latest_run_id(store, complete_only=True) or newest
    summary = run_summary(store, run_id)
    if not allow_partial and summary["status"] != "complete":
        raise InputError.of(
            "run {run_id} is partial (some items failed or it was interrupted), and no complete run is "
            "newer. Resume it with `tongzhou eval run --resume {run_id}`, or sign it as partial with "
            "--allow-partial",
            run_id=run_id,
        )
    return summary


def summary_from_file(path: Path) -> dict[str, Any]:
    """A run summary from a file: a run-summary JSON document, or an inspect_ai log (``.eval``/``.json``)."""
    from tongzhou.attest.inspect_import import summary_from_inspect_log

    if path.suffix == ".eval":
        return summary_from_inspect_log(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is neither a run summary nor an inspect log: {exc}") from exc
    if isinstance(data, dict) and "run_id" in data and "items" in data:
        return data
    if isinstance(data, dict) and "eval" in data and "samples" in data:
        return summary_from_inspect_log(path)
    raise InputError(f"{path} is neither a run summary (run_id, items) nor an inspect_ai log (eval, samples)")


def private_key(
    ring: KeyRing, name: str, passphrase: str | None = None, prompt: Callable[[], str] | None = None
) -> Ed25519PrivateKey:
    """Load a signing key; the passphrase comes from the argument, $TONGZHOU_KEY_PASSPHRASE or ``prompt``."""
    try:
        info = ring.info(name)
    except SigningKeyError as exc:
        raise InputError(f"{exc}; create one with `tongzhou keys generate {name}`") from exc
    if info.encrypted and not passphrase:
        passphrase = os.environ.get(PASSPHRASE_ENV) or (prompt() if prompt else None)
    try:
        return ring.private_key(name, passphrase)
    except SigningKeyError as exc:
        raise InputError(str(exc)) from exc


@dataclass(frozen=True)
class SignedRun:
    """Where a signed run was written."""

    run_id: str
    attestation: Path
    bundle: Path | None
    envelope: dict[str, Any]


def replace_dir(target: Path, build: Callable[[Path], Any]) -> Path:
    """Build a directory beside ``target`` and swap it in, so a reader sees the old or the new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new.", dir=target.parent)) / target.name
    try:
        build(staging)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    finally:
        shutil.rmtree(staging.parent, ignore_errors=True)
    return target


def sign_stored_run(
    summary: Mapping[str, Any],
    key: Ed25519PrivateKey,
    evaluator: str,
    out: Path,
    bundle: Path | None = None,
    boms: Sequence[BomReference] = (),
) -> SignedRun:
    """Sign a run summary, write the envelope to ``out`` and (optionally) its evidence bundle.

    A run with no scored items is refused: there would be nothing behind the signature. ``boms`` are
    AI-BOMs (:func:`tongzhou.oss.read_ai_bom`) whose digests the Statement names as subjects.
    """
    if not summary.get("items"):
        raise InputError.of(
            "run {run_id} has no scored items, so there is nothing to sign: look at `tongzhou eval show "
            "{run_id}` for why",
            run_id=summary.get("run_id"),
        )
    envelope = sign_run(summary, key, evaluator, boms=boms)
    if bundle is not None:
        replace_dir(bundle, lambda d: write_bundle(d, summary))
    write_json_atomic(out, envelope)
    return SignedRun(run_id=str(summary["run_id"]), attestation=out, bundle=bundle, envelope=envelope)


def public_keys_from_files(paths: list[Path]) -> dict[str, Ed25519PublicKey]:
    """Ed25519 public keys from PEM files, by key id."""
    keys: dict[str, Ed25519PublicKey] = {}
    for p in paths:
        try:
            key = load_public_key_pem(p.read_bytes())
        except OSError as exc:
            raise InputError(f"cannot read public key {p}: {exc.strerror}") from exc
        except SigningKeyError as exc:
            raise InputError(f"{p}: {exc}") from exc
        keys[key_id(key)] = key
    return keys


def verify_file(
    path: Path,
    policy_path: Path | None = None,
    bundle: Path | None = None,
    ring: KeyRing | None = None,
    public_keys: list[Path] | None = None,
) -> tuple[Verification, TrustPolicy | None]:
    """Verify an attestation file against a policy file or, without one, the given public key files
    (else the local key ring)."""
    envelope = read_attestation(path)
    policy = load_policy(policy_path) if policy_path else None
    if policy is not None and public_keys:
        raise InputError("give either a trust policy or public keys, not both (the policy lists the keys)")
    keys = None
    if policy is None and public_keys:
        keys = public_keys_from_files(public_keys)
    elif policy is None:
        ring = ring or KeyRing()
        keys = {info.key_id: ring.public_key(info.name) for info in ring.list()}
    if bundle is not None and not bundle.is_dir():
        raise InputError(f"bundle {bundle} is not a directory")
    return verify_attestation(envelope, policy=policy, trusted_keys=keys, bundle=bundle), policy
