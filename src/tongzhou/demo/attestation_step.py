"""Demo step (`make run`): sign the latest evaluation run, verify it under a trust policy, render reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

from tongzhou.attest.keys import KeyRing
from tongzhou.attest.recognition import recognition_view
from tongzhou.attest.workflow import load_run_summary, private_key, sign_stored_run, verify_file
from tongzhou.errors import InputError

if TYPE_CHECKING:
    from tongzhou.demo import DemoContext

DEMO_KEY = "demo-evaluator"
DEMO_EVALUATOR = "Tongzhou demo evaluator (演示评估机构)"


def attest_latest_run(ctx: DemoContext) -> None:
    """Sign the latest run with a local demo key, verify it under a policy and bundle, write HTML/MD/PDF."""
    console = ctx.console
    try:
        summary = load_run_summary(ctx.store, "latest", allow_partial=False)
    except InputError as exc:
        console.print(f"[yellow]attest: nothing to sign — {exc}. 没有可签名的评测运行。[/]")
        return
    ring = KeyRing()
    if not any(k.name == DEMO_KEY for k in ring.list()):
        info = ring.generate(DEMO_KEY)
        console.print(
            f"Generated demo signing key {info.key_id} in {ring.directory} (no passphrase: demo only)"
        )
    key = private_key(ring, DEMO_KEY)
    out = ctx.out_dir / "attest"
    run_id = summary["run_id"]
    signed = sign_stored_run(
        summary, key, DEMO_EVALUATOR, out / f"{run_id}.dsse.json", out / f"{run_id}-bundle"
    )
    info = ring.info(DEMO_KEY)
    policy = {
        "policy": "tongzhou-trust-policy/v1",
        "name": "demo relying party",
        "evaluators": [
            {
                "name": DEMO_EVALUATOR,
                "key_id": info.key_id,
                "public_key": info.public_pem,
                "recognised_for": [{"profile": summary["standard_profile"]["id"], "jurisdictions": ["CN"]}],
            }
        ],
        "require": {"complete_run": False},
    }
    policy_path = out / "trust.yaml"
    policy_path.write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result, _ = verify_file(signed.attestation, policy_path, signed.bundle)
    status = (
        "[green]verified and recognised[/]"
        if result.ok
        else "[red]NOT recognised: " + ", ".join(result.reasons()) + "[/]"
    )
    console.print(f"Signed run {run_id} ({summary['status']}, {len(summary['items'])} items): {status}")
    console.print(
        f"  attestation {signed.attestation}\n  bundle      {signed.bundle}\n  policy      {policy_path}"
    )
    view = recognition_view(result)
    if view.unavailable:
        console.print(f"  recognition: {view.unavailable}")
    else:
        for jurisdiction, obligations in view.by_jurisdiction().items():
            console.print(
                f"  evidence in {jurisdiction}: "
                + "; ".join(f"{o.regime} {o.requirement}" for o in obligations)
            )
    from tongzhou.attest.report_view import view_of_attestation
    from tongzhou.reports.files import write_report

    report = view_of_attestation(result)
    for fmt, suffix in (("html", ".html"), ("md", ".md"), ("pdf", ".pdf")):
        try:
            path = write_report(report, fmt, out / f"{run_id}{suffix}")
        except InputError as exc:  # Chromium missing: say so, keep the other formats
            console.print(f"  [yellow]{fmt} report skipped: {exc}[/]")
            continue
        console.print(f"  report ({fmt}) {path}")
