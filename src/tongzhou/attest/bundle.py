"""Evidence bundles: the per-item results (with responses) and the bank files a report binds.

Layout of a bundle directory::

    results.jsonl            one run-summary item per line (with its response), canonical order
    banks/<bank id>/<file>   a copy of each bank file the run used (when the run knew its path)

:func:`check_bundle` re-hashes them against a signed report and says which item or bank differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

import tongzhou
from tongzhou.attest.findings import Finding
from tongzhou.attest.report import RESULT_FIELDS, result_record
from tongzhou.digests import file_sha256
from tongzhou.errors import InputError

RESULTS_FILE = "results.jsonl"
BANKS_DIR = "banks"


def _safe_name(bank_id: str) -> str:
    if not bank_id or bank_id.startswith(".") or any(c in bank_id for c in "/\\\0"):
        raise InputError(f"bank id {bank_id!r} cannot name a directory in a bundle")
    return bank_id


def write_bundle(directory: Path, summary: Mapping[str, Any]) -> Path:
    """Write the bundle for a run summary into ``directory`` (built aside, then renamed into place)."""
    if directory.exists() and any(directory.iterdir()):
        raise InputError(f"bundle directory {directory} exists and is not empty")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        items = sorted(summary["items"], key=lambda i: (str(i["bank_id"]), str(i["item_id"])))
        with (staging / RESULTS_FILE).open("w", encoding="utf-8") as handle:
            for item in items:
                handle.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
        for bank in summary["banks"]:
            path = bank_file(bank.get("path"))
            if path is not None:
                target = staging / BANKS_DIR / _safe_name(str(bank["id"]))
                target.mkdir(parents=True)
                shutil.copyfile(path, target / Path(path).name)
        if directory.exists():
            directory.rmdir()
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def _bank_items(path: Path) -> list[Mapping[str, Any]] | None:
    """The items of a bank file (JSONL, JSON or YAML; a list or ``{items: [...]}``), or None."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            data: Any = [json.loads(line) for line in text.splitlines() if line.strip()]
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError):
        return None
    if isinstance(data, Mapping):
        data = data.get("items")
    if not isinstance(data, list) or not all(isinstance(i, Mapping) for i in data):
        return None
    return data


def bank_item_sha256(item: Mapping[str, Any]) -> str:
    """An item's digest as the evaluate module binds it: sha256 of its JSON line with sorted keys,
    compact separators, UTF-8 (``tongzhou/evaluate/bank.py``, ``BankItem.sha256``)."""
    line = json.dumps(dict(item), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(line.encode("utf-8")).hexdigest()


def bank_file(path_text: str | None) -> Path | None:
    """A run's bank path as a file: absolute, relative to the working directory, or (as the
    evaluate module records built-in banks) relative to the directory holding the package."""
    if not path_text:
        return None
    path = Path(path_text)
    for candidate in (path, Path(tongzhou.__file__).resolve().parents[1] / path):
        if candidate.is_file():
            return candidate
    return None


def _check_bank(bank: Mapping[str, Any], path: Path, signed_items: dict[str, str]) -> list[Finding]:
    actual = file_sha256(path)
    if actual == bank["sha256"]:
        return []
    findings = [
        Finding(
            "bank-mismatch",
            f"bank {bank['id']}: {path.name} hashes to {actual}, the report signed {bank['sha256']}",
        )
    ]
    items = _bank_items(path)
    for item in items or []:
        item_id = str(item.get("id", item.get("item_id", "")))
        if item_id in signed_items and bank_item_sha256(item) != signed_items[item_id]:
            findings.append(
                Finding(
                    "bank-item-mismatch",
                    f"bank {bank['id']}: item {item_id} differs from the signed item digest",
                )
            )
    return findings


def check_bundle(directory: Path, report: Mapping[str, Any]) -> tuple[list[Finding], list[str]]:
    """Re-hash a bundle against a (signature-checked) report: ``(failures, notes)``."""
    if not directory.is_dir():
        return [Finding("bundle-invalid", f"bundle {directory} is not a directory")], []
    failures: list[Finding] = []
    notes: list[str] = []
    signed = {(r["bank_id"], r["item_id"]): r for r in report["results"]["items"]}
    results_path = directory / RESULTS_FILE
    if results_path.is_file():
        seen: set[tuple[str, str]] = set()
        with results_path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = result_record(json.loads(line), f"{RESULTS_FILE} line {number}")
                except (json.JSONDecodeError, InputError) as exc:
                    failures.append(Finding("bundle-invalid", f"{RESULTS_FILE} line {number}: {exc}"))
                    continue
                key = (record["bank_id"], record["item_id"])
                seen.add(key)
                expected = signed.get(key)
                if expected is None:
                    failures.append(
                        Finding("result-extra", f"item {key[0]}/{key[1]} was not in the signed results")
                    )
                    continue
                if record == expected:  # one C-level comparison for the usual, unchanged record
                    continue
                changed = [f for f in RESULT_FIELDS if record[f] != expected[f]]
                if changed:
                    failures.append(
                        Finding(
                            "result-mismatch",
                            f"item {key[0]}/{key[1]}: {', '.join(changed)} differ from the signed result",
                        )
                    )
        failures += [
            Finding("result-missing", f"item {b}/{i} was signed but is not in {RESULTS_FILE}")
            for (b, i) in sorted(set(signed) - seen)
        ]
    else:
        notes.append(f"no {RESULTS_FILE} in the bundle: per-item results not re-hashed")
    by_bank: dict[str, dict[str, str]] = {}
    for record in report["results"]["items"]:
        by_bank.setdefault(record["bank_id"], {})[record["item_id"]] = record["item_sha256"]
    for bank in report["banks"]:
        folder = directory / BANKS_DIR / _safe_name(bank["id"])
        files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        if len(files) != 1:
            notes.append(f"bank {bank['id']}: no single bank file in the bundle, not re-hashed")
            continue
        failures += _check_bank(bank, files[0], by_bank.get(bank["id"], {}))
    return failures, notes
