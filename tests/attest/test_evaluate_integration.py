"""Through the real evaluate module: run a model on the built-in banks, sign the stored run, verify it with
its bundle (the real bank files), and the demo step (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from tongzhou import evaluate
from tongzhou.attest import KeyRing, policy_from_dict
from tongzhou.attest.verify import verify_attestation
from tongzhou.attest.workflow import load_run_summary, sign_stored_run
from tongzhou.demo import DemoContext
from tongzhou.demo.attestation_step import attest_latest_run
from tongzhou.errors import InputError
from tongzhou.store import Store


def refuse_every_third(messages: list[dict[str, str]]) -> str:
    """A tiny deterministic 'model': refuses one prompt in three (zh and en refusals)."""
    text = messages[-1]["content"]
    if len(text) % 3 == 0:
        return (
            "抱歉，我无法提供这方面的帮助。"
            if any("\u4e00" <= c <= "\u9fff" for c in text)
            else "I can't help with that."
        )
    return "Here is some general, factual information on the topic."


def _run(store: Store) -> str:
    model = evaluate.CallableChatModel(
        refuse_every_third, name="refuse-every-third", identity="callable:test"
    )
    options = evaluate.RunOptions(limit=8, seed=3, concurrency=2, progress=False)
    result = evaluate.run_evaluation(
        store, model, evaluate.load_banks(["gbt45654"]), "gbt45654-quick", options
    )
    return str(result.run_id)


def test_stored_run_signs_and_verifies_with_real_banks(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no evaluation run"):
        load_run_summary(store, "latest")
    run_id = _run(store)
    summary = load_run_summary(store, "latest")
    assert summary["run_id"] == run_id and len(summary["items"]) == 24
    ring = KeyRing()
    info = ring.generate("lab")
    signed = sign_stored_run(
        summary, ring.private_key("lab"), "Lab", tmp_path / "a.dsse.json", tmp_path / "bundle"
    )
    policy = policy_from_dict(
        {
            "policy": "tongzhou-trust-policy/v1",
            "evaluators": [
                {
                    "name": "Lab",
                    "public_key": info.public_pem,
                    "recognised_for": [{"profile": "gbt45654-quick", "jurisdictions": ["CN"]}],
                }
            ],
        }
    )
    envelope = json.loads(signed.attestation.read_text("utf-8"))
    result = verify_attestation(envelope, policy=policy, bundle=signed.bundle)
    assert result.ok, result.failures
    assert result.notes == []  # every bank file was found and re-hashed
    assert {p.name for p in (tmp_path / "bundle" / "banks").iterdir()} == {b["id"] for b in summary["banks"]}

    # Change one signed item of a real bank file: the evaluate module's own item digest catches it.
    signed_ids = {i["item_id"] for i in summary["items"] if i["bank_id"] == "should-refuse"}
    bank_file = next((tmp_path / "bundle" / "banks" / "should-refuse").iterdir())
    lines = bank_file.read_text("utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if json.loads(line)["id"] in signed_ids)
    item = json.loads(lines[index])
    item["prompt" if "prompt" in item else "id"] = item.get("prompt", "") + "?"
    lines[index] = json.dumps(item, ensure_ascii=False) + "\n"
    bank_file.write_text("".join(lines), "utf-8")
    result = verify_attestation(envelope, policy=policy, bundle=signed.bundle)
    assert result.reasons() == ["bank-mismatch", "bank-item-mismatch"]
    assert f"item {item['id']} differs" in result.failures[1].message


def test_demo_step_signs_and_renders_latest_run(store: Store, tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    ctx = DemoContext(store=store, console=console, out_dir=tmp_path / "demo")
    attest_latest_run(ctx)
    assert "nothing to sign" in console.export_text()
    run_id = _run(store)
    attest_latest_run(ctx)
    attest_latest_run(ctx)  # again: replaces the bundle and files, still verifies
    text = console.export_text()
    assert text.count("verified and recognised") == 2
    out = tmp_path / "demo" / "attest"
    for name in (f"{run_id}.dsse.json", f"{run_id}.html", f"{run_id}.md", "trust.yaml"):
        assert (out / name).is_file(), name
    assert (out / f"{run_id}-bundle" / "results.jsonl").is_file()
    assert (out / f"{run_id}.pdf").is_file() or "pdf report skipped" in text
