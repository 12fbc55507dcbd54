"""The duty catalogue: ids valid for SPDX/ScanCode, every duty sourced, the thresholds the licences state."""

from __future__ import annotations

from license_expression import get_license_index, get_spdx_licensing

from tongzhou.oss.licences import DutyKind, by_id, by_name, catalogue
from tongzhou.oss.licences.spdx_ids import is_valid_licence_ref, resolve


def test_ids_are_spdx_scancode_or_own_licence_refs() -> None:
    licensing = get_spdx_licensing()
    index = {entry["license_key"]: entry for entry in get_license_index()}
    known_spdx = {entry["spdx_license_key"] for entry in index.values() if entry.get("spdx_license_key")}
    for licence in catalogue():
        if licence.scancode_key is not None:
            # The ScanCode key exists, is current, and its SPDX id is the id we use.
            entry = index[licence.scancode_key]
            assert not entry["is_deprecated"], licence.id
            assert entry["spdx_license_key"] == licence.id
            info = licensing.validate(licence.id)
            assert not info.errors and not info.invalid_symbols, (licence.id, info.errors)
        else:
            # Neither SPDX nor ScanCode has it: our own LicenseRef, which must not shadow a known id.
            assert licence.id.startswith("LicenseRef-tongzhou-"), licence.id
            assert is_valid_licence_ref(licence.id)
            assert licence.id not in known_spdx


def test_every_duty_has_a_source_and_a_confidence() -> None:
    for licence in catalogue():
        assert licence.url.startswith("https://"), licence.id
        assert licence.duties or licence.id == "CC0-1.0", licence.id  # CC0 waives rights and asks nothing
        for duty in licence.duties:
            assert duty.section and duty.text, (licence.id, duty.kind)
            assert duty.confidence in {"high", "medium", "low"}
            assert duty.source().startswith("https://")


def test_aliases_are_unique_and_resolve() -> None:
    seen: dict[str, str] = {}
    for licence in catalogue():
        for alias in licence.aliases:
            assert alias not in seen, f"{alias} is both {seen[alias]} and {licence.id}"
            seen[alias] = licence.id
            assert by_name(alias.upper()) is licence
    assert by_name("llama3.1") is by_id("LicenseRef-scancode-llama-3.1-license-2024")


def test_thresholds_stated_by_the_licences() -> None:
    for licence in catalogue():
        for duty in licence.duties_of(DutyKind.MAU_THRESHOLD):
            if licence.family == "llama":
                assert duty.params == {"threshold": 700_000_000, "commercial_only": False}
            else:
                assert licence.family == "qwen"
                assert duty.params == {"threshold": 100_000_000, "commercial_only": True}
    llama_3_on = [lic for lic in catalogue() if lic.family == "llama" and "Llama 2" not in lic.name]
    assert len(llama_3_on) == 5
    for licence in llama_3_on:
        kinds = {d.kind for d in licence.duties}
        assert {
            DutyKind.DISPLAY,
            DutyKind.NAME_PREFIX,
            DutyKind.NOTICE_FILE,
            DutyKind.ACCEPTABLE_USE,
        } <= kinds
    for licence in catalogue():
        if licence.family in ("openrail", "gemma", "deepseek"):
            assert licence.duties_of(DutyKind.PASS_ON_RESTRICTIONS), licence.id


def test_resolve_uses_license_expression() -> None:
    assert resolve("apache-2.0").expression == "Apache-2.0"
    assert resolve("llama-3.1-license-2024").expression == "LicenseRef-scancode-llama-3.1-license-2024"
    compound = resolve("MIT OR Apache-2.0")
    assert compound.expression == "MIT OR Apache-2.0" and not compound.single
    unknown = resolve("my-own-licence")
    assert unknown.expression is None and "my-own-licence" in str(unknown.problem)


def test_docs_table_lists_every_catalogued_licence() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[3] / "docs" / "licences.md").read_text("utf-8")
    for licence in catalogue():
        assert f"`{licence.id}`" in page, licence.id
        assert licence.url in page, licence.url
