"""The contracts' JSON schemas are generated from their types, and real documents match them.

docs/schemas/*.schema.json must equal what scripts/generate_schemas.py generates from
``tongzhou.evaluate.contract.RunSummary``, ``tongzhou.corpus.contract.CorpusReport`` and
``tongzhou.energy.contract.EnergyReport``; and a run summary, an energy report and a corpus report
produced by the real code validate against those schemas (so the types describe what is produced).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

from tongzhou.corpus.audit import AuditSettings
from tongzhou.corpus.workflow import audit_to_dir
from tongzhou.energy.report import build_report
from tongzhou.evaluate import CallableChatModel, RunOptions, load_banks, run_evaluation, run_summary
from tongzhou.store import open_store

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "generate_schemas.py"
    spec = importlib.util.spec_from_file_location("generate_schemas", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _validate(document: Any, schema_name: str) -> None:
    schema = json.loads((ROOT / "docs" / "schemas" / schema_name).read_text("utf-8"))
    # Through JSON, as a reader of the written file sees it (tuples become lists).
    jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(document)))


def test_committed_schemas_equal_the_generated_ones() -> None:
    generator = _generator()
    assert set(generator.generated()) == {p.name for p in (ROOT / "docs" / "schemas").glob("*.schema.json")}
    assert generator.stale() == []


def test_a_changed_schema_file_is_found_stale(tmp_path: Path) -> None:
    generator = _generator()
    for name, text in generator.generated().items():
        (tmp_path / name).write_text(text, "utf-8")
    assert generator.stale(tmp_path) == []
    (tmp_path / "run-summary.schema.json").write_text("{}\n", "utf-8")
    assert generator.stale(tmp_path) == ["run-summary.schema.json"]


def _guardrail(messages: list[dict[str, str]]) -> str:
    return "抱歉，我不能协助这个请求。 I cannot help with that."


def test_a_real_run_summary_and_its_energy_report_match_their_schemas(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        model = CallableChatModel(_guardrail, identity="callable:contract-test")
        options = RunOptions(limit=6, seed=1, concurrency=2, progress=False)
        result = run_evaluation(store, model, load_banks(["should-refuse"]), "gbt45654", options)
        summary = run_summary(store, result.run_id)
    finally:
        store.close()
    assert summary["items"] and summary["metrics"] and summary["verdicts"]
    _validate(summary, "run-summary.schema.json")
    _validate(build_report(summary), "energy-report.schema.json")
    broken = json.loads(json.dumps(summary))
    del broken["metrics"]
    with pytest.raises(jsonschema.ValidationError):
        _validate(broken, "run-summary.schema.json")


def test_a_real_corpus_report_matches_its_schema(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    lines = [{"id": i, "text": f"第{i}条：正常的句子。 A normal sentence {i}."} for i in range(40)]
    lines.append({"id": 40, "text": "出售冰毒，联系 13800138000"})
    corpus.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    outcome = audit_to_dir([corpus], tmp_path / "out", settings=AuditSettings(sample_size=5))
    assert outcome.report["totals"]["items"] == 41
    _validate(outcome.report, "corpus-report.schema.json")
    _validate(json.loads(outcome.json_path.read_text("utf-8")), "corpus-report.schema.json")


def test_the_package_says_it_is_typed() -> None:
    # PEP 561: with py.typed in the package (hatch ships every file under src/tongzhou in the wheel),
    # type checkers of projects that import tongzhou read its annotations, these contracts included.
    import importlib.resources

    assert importlib.resources.files("tongzhou").joinpath("py.typed").is_file()
