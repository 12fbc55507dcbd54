"""Facts users could not state before issue 19: each maps to a legal category with a source, and loads."""

from __future__ import annotations

import pytest

from tongzhou.errors import InputError
from tongzhou.systems._vocabulary import annex_i_section, vocabulary
from tongzhou.systems.loading import profile_from_data

NEW_TERMS = {
    "settings": ["workplace", "education_institution", "publicly_accessible_space", "health_facility"],
    "school_levels": ["early_childhood", "primary", "secondary", "higher", "vocational", "adult"],
    "functions": [
        "text_generation",
        "image_generation",
        "video_generation",
        "audio_generation",
        "code_generation",
        "spam_filtering",
        "aml_transaction_monitoring",
        "payment_processing",
    ],
    "sectors": ["banking"],
    "product_legislation": ["kr_medical_devices"],
}
BASE = {
    "id": "facts",
    "name": "Facts",
    "purpose": "Test.",
    "registrant": {"name": "X", "role": "provider"},
    "provider": {"name": "X"},
}


@pytest.mark.parametrize(("kind", "term"), [(k, t) for k, terms in NEW_TERMS.items() for t in terms])
def test_every_new_term_maps_to_a_legal_category_with_a_source(kind: str, term: str) -> None:
    entry = vocabulary()[kind][term]
    assert entry["maps_to"], f"{kind}.{term} maps to nothing"
    assert entry["source"].strip(), f"{kind}.{term} has no source"


def test_non_eu_product_legislation_is_never_annex_i() -> None:
    for term in ("kr_medical_devices", "cn_medical_devices", "us_fda_devices", "other_non_eu"):
        assert annex_i_section(term) == "none"
    assert annex_i_section("medical_devices") == "A"
    cites = {k: v.get("cite") for k, v in vocabulary()["product_legislation"].items()}
    assert cites["medical_devices"] == "Annex I Section A point 11"


def test_new_facts_load_and_reach_the_fact_map() -> None:
    profile = profile_from_data(
        BASE
        | {
            "functions": ["image_generation", "spam_filtering"],
            "capabilities": ["emotion_recognition"],
            "settings": ["workplace"],
            "school_levels": ["secondary"],
            "biometrics": {"remote": True, "real_time": False, "publicly_accessible_space": True},
            "research": {"pre_market_only": True, "real_world_testing": True},
        },
        "test",
    )
    facts = profile.facts()
    assert facts["generated_modalities"] == frozenset({"image"})  # generation as a function
    assert facts["capabilities"] == frozenset({"emotion_recognition"})
    assert facts["settings"] == frozenset({"workplace"})
    assert facts["school_levels"] == frozenset({"secondary"})
    assert facts["biometrics.real_time"] is False and facts["biometrics.publicly_accessible_space"] is True
    assert facts["research.pre_market_only"] is True and facts["research.real_world_testing"] is True


def test_generation_inferred_only_from_a_complete_functions_list() -> None:
    def modalities(**extra: object) -> object:
        return profile_from_data(BASE | extra, "test").facts()["generated_modalities"]

    assert modalities() is None  # nothing stated: unknown
    assert modalities(functions=["spam_filtering"]) == frozenset()  # complete list, no generation
    assert modalities(functions=["chat_interaction"]) is None  # a chatbot may or may not generate
    assert modalities(functions=["chat_interaction", "text_generation"]) == frozenset({"text"})
    assert modalities(functions=["audio_generation"], generated_modalities=["image"]) == frozenset(
        {"image", "audio"}
    )


def test_unknown_new_terms_are_refused_with_the_allowed_list() -> None:
    with pytest.raises(InputError, match="unknown settings term"):
        profile_from_data(BASE | {"settings": ["office"]}, "test")
    with pytest.raises(InputError, match="unknown school_levels term"):
        profile_from_data(BASE | {"school_levels": ["university"]}, "test")
    with pytest.raises(InputError, match="biometrics.realtime"):
        profile_from_data(BASE | {"biometrics": {"realtime": True}}, "test")
