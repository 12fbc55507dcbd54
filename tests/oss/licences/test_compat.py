"""The compatibility check over model ← base models ← datasets, on fixture folders mimicking real releases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oss.licences import lineage_fixtures as fx
from tongzhou.oss.licences import Check, IntendedUse, LicenceReport, Verdict, build_lineage, check_lineage

SELL = IntendedUse(commercial=True, monthly_active_users=2_000_000, redistribute=True)


def _codes(report: LicenceReport, verdict: Verdict) -> set[str]:
    return {c.code for c in report.checks if c.verdict is verdict}


def _only(report: LicenceReport, code: str) -> Check:
    (check,) = [c for c in report.checks if c.code == code]
    return check


def _llama(tmp_path: Path, **kwargs: object) -> tuple[Path, Path, Path]:
    model = fx.llama_derivative(tmp_path, **kwargs)  # type: ignore[arg-type]
    base = fx.llama_base(tmp_path / "bases")
    data = fx.dataset(tmp_path / "data", "support-chats", "cc-by-4.0", fx.CC_BY)
    return model, base, data


def test_complete_llama_derivative_is_compatible(tmp_path: Path) -> None:
    model, base, data = _llama(tmp_path)
    report = check_lineage(build_lineage(model, [base], [data]), SELL)
    assert report.verdict is Verdict.COMPATIBLE, [c.message for c in report.checks]
    assert [s.licence_id for s in report.lineage.subjects()] == [
        "LicenseRef-scancode-llama-3.1-license-2024",
        "LicenseRef-scancode-llama-3.1-license-2024",
        "CC-BY-4.0",
    ]
    assert {
        "duty.name-prefix",
        "duty.notice-file",
        "duty.licence-copy",
        "duty.display",
        "duty.mau-threshold",
    } <= _codes(report, Verdict.COMPATIBLE)
    display = _only(report, "duty.display")
    assert (
        display.evidence[-1].file == model / "README.md" and display.evidence[-1].text == "Built with Llama"
    )
    kinds = {o.duty.kind.value for o in report.obligations}
    assert {"acceptable-use", "attribution"} <= kinds  # the AUP and CC BY credit cannot be shown by files
    assert all(o.duty.source().startswith("https://") for o in report.obligations)


def test_derivative_name_without_llama_prefix_is_incompatible(tmp_path: Path) -> None:
    model, base, data = _llama(tmp_path, name="Acme-Chat-8B")
    report = check_lineage(build_lineage(model, [base], [data]), SELL)
    assert report.verdict is Verdict.INCOMPATIBLE
    check = _only(report, "duty.name-prefix")
    assert check.verdict is Verdict.INCOMPATIBLE
    assert "'Acme-Chat-8B' does not begin with 'Llama'" in check.message
    assert "未以 'Llama' 开头" in check.message_zh
    assert check.evidence[-1].file == model / "README.md" and check.evidence[-1].line == 5  # model_name line
    assert check.source == "https://www.llama.com/llama3_1/license/ §1.b.i.B"
    renamed = check_lineage(
        build_lineage(model, [base], [data]), IntendedUse(True, 2_000_000, True, "Llama-Acme-8B")
    )
    assert _only(renamed, "duty.name-prefix").verdict is Verdict.COMPATIBLE


def test_missing_notice_file_and_licence_copy_are_incompatible(tmp_path: Path) -> None:
    model, base, data = _llama(tmp_path, notice=False, licence_text=False)
    report = check_lineage(build_lineage(model, [base], [data]), SELL)
    assert {"duty.notice-file", "duty.licence-copy"} <= _codes(report, Verdict.INCOMPATIBLE)
    assert (
        "Llama 3.1 is licensed under the Llama 3.1 Community License"
        in _only(report, "duty.notice-file").message
    )
    # Using it without distributing it does not call for the notice or the copy.
    kept = check_lineage(build_lineage(model, [base], [data]), IntendedUse(True, 2_000_000, False))
    assert kept.verdict is Verdict.COMPATIBLE


def test_monthly_active_users_threshold(tmp_path: Path) -> None:
    model, base, data = _llama(tmp_path)
    lineage = build_lineage(model, [base], [data])
    above = check_lineage(lineage, IntendedUse(True, 800_000_000, True))
    check = _only(above, "duty.mau-threshold")
    assert (
        check.verdict is Verdict.INCOMPATIBLE
        and "800,000,000" in check.message
        and "700,000,000" in check.message
    )
    # Llama's threshold binds the licensee whatever the use: non-commercial does not lift it.
    assert (
        _only(check_lineage(lineage, IntendedUse(False, 800_000_000)), "duty.mau-threshold").verdict
        is Verdict.INCOMPATIBLE
    )
    unknown = check_lineage(lineage, IntendedUse(True, None, True))
    assert _only(unknown, "duty.mau-threshold").verdict is Verdict.UNDETERMINED
    assert unknown.verdict is Verdict.UNDETERMINED


def test_non_commercial_dataset_in_a_commercial_model(tmp_path: Path) -> None:
    model = fx.llama_derivative(tmp_path)
    base = fx.llama_base(tmp_path / "bases")
    data = fx.dataset(tmp_path / "data", "support-chats", "cc-by-nc-4.0", fx.CC_BY_NC)
    lineage = build_lineage(model, [base], [data])
    report = check_lineage(lineage, SELL)
    check = _only(report, "duty.non-commercial")
    assert check.verdict is Verdict.INCOMPATIBLE and check.subject == "acme/support-chats"
    assert "CC-BY-NC-4.0" in check.message and "commercial" in check.message
    assert check.evidence[0].file == data / "README.md" and check.evidence[0].line == 2
    research = check_lineage(lineage, IntendedUse(False, 2_000_000, True))
    assert _only(research, "duty.non-commercial").verdict is Verdict.COMPATIBLE
    assert research.verdict is Verdict.COMPATIBLE


def test_named_base_without_local_copy_is_undetermined(tmp_path: Path) -> None:
    model = fx.llama_derivative(tmp_path, datasets=())
    report = check_lineage(build_lineage(model), SELL)
    assert report.verdict is Verdict.UNDETERMINED
    check = _only(report, "licence.undetermined")
    assert check.subject == "meta-llama/Llama-3.1-8B" and "--base" in check.message
    assert check.evidence[0].line == 4  # the base_model item in the card


def test_qwen_threshold_is_for_commercial_use_only(tmp_path: Path) -> None:
    model, base = fx.qwen_model(tmp_path), fx.qwen_base(tmp_path / "bases")
    lineage = build_lineage(model, [base])
    assert lineage.model.licence_id == "LicenseRef-tongzhou-qwen"
    assert lineage.model.evidence[0].text == "license_name: qwen" and lineage.model.evidence[0].line == 3
    big = check_lineage(lineage, IntendedUse(True, 150_000_000, False))
    assert _only(big, "duty.mau-threshold").verdict is Verdict.INCOMPATIBLE
    research = check_lineage(lineage, IntendedUse(False, 150_000_000, False))
    assert _only(research, "duty.mau-threshold").verdict is Verdict.COMPATIBLE
    shared = check_lineage(lineage, IntendedUse(True, 1_000, True))
    assert _only(shared, "duty.display").verdict is Verdict.UNDETERMINED  # may be shown on a website instead
    assert _only(shared, "duty.notice-file").verdict is Verdict.COMPATIBLE
    shown = check_lineage(
        build_lineage(fx.qwen_model(tmp_path / "b", display=True), [base]), IntendedUse(True, 1_000, True)
    )
    assert shown.verdict is Verdict.COMPATIBLE


def test_gemma_use_restrictions_passed_on(tmp_path: Path) -> None:
    base = fx.gemma_base(tmp_path / "bases")
    report = check_lineage(build_lineage(fx.gemma_derivative(tmp_path), [base]), SELL)
    assert report.verdict is Verdict.COMPATIBLE, [c.message for c in report.checks]
    assert _only(report, "duty.pass-on-restrictions").verdict is Verdict.COMPATIBLE
    policy = [o for o in report.obligations if o.duty.kind.value == "acceptable-use"]
    assert policy and policy[0].duty.params["policy"] == "https://ai.google.dev/gemma/prohibited_use_policy"
    bare = check_lineage(
        build_lineage(fx.gemma_derivative(tmp_path / "bare", terms=False, notice=False), [base]), SELL
    )
    assert {"duty.pass-on-restrictions", "duty.notice-file", "duty.licence-copy"} <= _codes(
        bare, Verdict.INCOMPATIBLE
    )


def test_gemma_derivative_relabelled_apache_is_incompatible(tmp_path: Path) -> None:
    model = fx.gemma_derivative(tmp_path, declared="apache-2.0", terms=False)
    report = check_lineage(build_lineage(model, [fx.gemma_base(tmp_path / "bases")]), IntendedUse(True, 10))
    check = _only(report, "licence.relabelled")
    assert check.verdict is Verdict.INCOMPATIBLE
    assert "Apache-2.0" in check.message and "Gemma Terms of Use" in check.message
    assert "约束衍生模型" in check.message_zh


@pytest.mark.parametrize(
    ("attachment", "verdict"), [(True, Verdict.COMPATIBLE), (False, Verdict.INCOMPATIBLE)]
)
def test_openrail_restrictions_must_travel(tmp_path: Path, attachment: bool, verdict: Verdict) -> None:
    report = check_lineage(build_lineage(fx.openrail_model(tmp_path, attachment=attachment)), SELL)
    assert report.lineage.model.licence_id == "LicenseRef-scancode-bigscience-open-rail-m"
    check = _only(report, "duty.pass-on-restrictions")
    assert check.verdict is verdict
    if not attachment:
        assert "carries no use restrictions" in check.message and "enforceable" in check.message


def test_bundled_smollm2_gguf_is_apache(tmp_path: Path) -> None:
    from tongzhou.bundled_model import bundled_model_path

    gguf = bundled_model_path()
    lineage = build_lineage(gguf)
    assert lineage.model.licence_id == "Apache-2.0"
    assert "general.license = 'apache-2.0'" in lineage.model.evidence[0].text
    assert lineage.bases == () and lineage.datasets == ()
    # general.architecture is "llama": an architecture is not a licence, so no Llama duty appears.
    assert check_lineage(lineage, IntendedUse(True, None, False)).verdict is Verdict.COMPATIBLE
    shared = check_lineage(lineage, IntendedUse(True, None, True))
    assert shared.verdict is Verdict.UNDETERMINED
    assert "single file" in _only(shared, "duty.licence-copy").message
    folder = tmp_path / "smollm2"
    folder.mkdir()
    (folder / gguf.name).symlink_to(gguf)
    (folder / "LICENSE").write_text(fx.APACHE, encoding="utf-8")
    in_folder = check_lineage(build_lineage(folder), IntendedUse(True, None, True))
    assert in_folder.verdict is Verdict.COMPATIBLE
    assert {e.file.name for e in in_folder.lineage.model.evidence} == {gguf.name, "LICENSE"}


@pytest.mark.parametrize(
    ("licence", "verdict"),
    [
        ("cc0-1.0", Verdict.COMPATIBLE),
        ("odc-by", Verdict.COMPATIBLE),
        ("cc-by-sa-4.0", Verdict.UNDETERMINED),  # is a trained model Adapted Material? unsettled
        ("cc-by-nc-sa-4.0", Verdict.INCOMPATIBLE),
    ],
)
def test_dataset_licences_in_a_commercial_distributed_model(
    tmp_path: Path, licence: str, verdict: Verdict
) -> None:
    model = fx.folder(
        tmp_path,
        "m",
        {"README.md": fx.card({"license": "apache-2.0", "datasets": ["acme/corpus"]}), "LICENSE": fx.APACHE},
    )
    data = fx.folder(tmp_path / "data", "corpus", {"README.md": fx.card({"license": licence})})
    report = check_lineage(build_lineage(model, datasets=[data]), IntendedUse(True, None, True))
    assert report.verdict is verdict, [c.message for c in report.checks]
