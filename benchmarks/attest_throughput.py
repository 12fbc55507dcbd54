"""Sign and verify throughput of evaluation attestations, for a 2,000-item run.

    python benchmarks/attest_throughput.py [--items 2000] [--seconds 5]

Ours: run summary → canonical report (RFC 8785) → in-toto Statement → DSSE/Ed25519 envelope
(`sign_run`), and `verify_attestation` under a trust policy (signature, statement, JSON Schema of
the report, results digest and subjects, policy), optionally also with the evidence bundle.
Anchor, measured in the same run on the same Statement: securesystemslib's DSSE
(`Envelope.sign` with a `CryptoSigner`, `Envelope.verify`) over `json.dumps` bytes — a plain
DSSE sign/verify with no canonicalisation, report building, schema or policy. The ratio shows
what those checks cost over bare signing.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from securesystemslib.dsse import Envelope  # noqa: E402
from securesystemslib.signer import CryptoSigner, SSlibKey  # noqa: E402
from tests.attest.summaries import make_summary  # noqa: E402

from tongzhou.attest import KeyRing, policy_from_dict, sign_run, verify_attestation  # noqa: E402
from tongzhou.attest.bundle import write_bundle  # noqa: E402
from tongzhou.attest.statement import PAYLOAD_TYPE  # noqa: E402


def rate(fn: Callable[[], object], seconds: float) -> tuple[float, int]:
    """Calls per second of ``fn`` over at least ``seconds`` (after one warm-up call)."""
    fn()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds or count < 3:
        fn()
        count += 1
    return count / elapsed, count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        summary = make_summary(work / "banks", n_items=args.items, fail_every=11)
        ring = KeyRing(work / "keys")
        info = ring.generate("lab")
        key = ring.private_key("lab")
        policy = policy_from_dict(
            {
                "policy": "tongzhou-trust-policy/v1",
                "evaluators": [
                    {
                        "name": "Lab",
                        "public_key": info.public_pem,
                        "recognised_for": [{"profile": "gbt45654", "jurisdictions": ["CN"]}],
                    }
                ],
            }
        )
        envelope = sign_run(summary, key, "Lab")
        bundle = write_bundle(work / "bundle", summary)
        assert verify_attestation(envelope, policy=policy, bundle=bundle).ok

        statement = json.loads(base64.b64decode(envelope["payload"]))
        payload = json.dumps(statement).encode()
        signer = CryptoSigner(key, SSlibKey.from_crypto(key.public_key(), keyid=info.key_id))

        def anchor_sign() -> object:
            env = Envelope(payload, PAYLOAD_TYPE, {})
            return env.sign(signer)

        anchor_env = Envelope(payload, PAYLOAD_TYPE, {})
        anchor_env.sign(signer)
        anchor_keys = [signer.public_key]

        rows = [
            (
                "sign",
                rate(lambda: sign_run(summary, key, "Lab"), args.seconds),
                rate(anchor_sign, args.seconds),
            ),
            (
                "verify (policy)",
                rate(lambda: verify_attestation(envelope, policy=policy), args.seconds),
                rate(lambda: anchor_env.verify(anchor_keys, 1), args.seconds),
            ),
            (
                "verify (policy + bundle)",
                rate(lambda: verify_attestation(envelope, policy=policy, bundle=bundle), args.seconds),
                rate(lambda: anchor_env.verify(anchor_keys, 1), args.seconds),
            ),
        ]
    size = len(json.dumps(envelope))
    print(
        f"attest throughput — {args.items}-item run, envelope {size / 1e6:.2f} MB, "
        f"≥{args.seconds:g} s per figure"
    )
    print(f"{'operation':<26}{'tongzhou reports/s':>20}{'securesystemslib DSSE/s':>26}{'ratio':>9}")
    for name, (ours, _), (anchor, _) in rows:
        print(f"{name:<26}{ours:>20.1f}{anchor:>26.1f}{ours / anchor:>9.3f}")


if __name__ == "__main__":
    main()
