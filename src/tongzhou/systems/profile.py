"""The SystemProfile: the facts about an AI system that classification needs.

Every fact that may be unknown is ``None`` by default; the engine then answers
"undetermined: needs fact X" instead of guessing. Lists (markets, sectors,
functions, generated_modalities) are ``None`` when unknown and ``[]`` when known
to be empty; a given list is taken as complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tongzhou.systems._vocabulary import terms


def _in_vocabulary(kind: str) -> Callable[[list[str] | None], list[str] | None]:
    def check(values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        allowed = terms(kind)
        unknown = [v for v in values if v not in allowed]
        if unknown:
            named = ", ".join(map(repr, unknown))
            raise ValueError(f"unknown {kind} term(s) {named}; allowed: {', '.join(sorted(allowed))}")
        return list(dict.fromkeys(values))  # keep order, drop duplicates

    return check


def _legislation_term(value: str | None) -> str | None:
    if value is not None and value not in terms("product_legislation"):
        allowed = ", ".join(sorted(terms("product_legislation")))
        raise ValueError(f"unknown product legislation {value!r}; allowed: {allowed}")
    return value


Markets = Annotated[list[str] | None, AfterValidator(_in_vocabulary("markets"))]
Sectors = Annotated[list[str] | None, AfterValidator(_in_vocabulary("sectors"))]
Functions = Annotated[list[str] | None, AfterValidator(_in_vocabulary("functions"))]
Modalities = Annotated[list[str] | None, AfterValidator(_in_vocabulary("modalities"))]
Settings = Annotated[list[str] | None, AfterValidator(_in_vocabulary("settings"))]
SchoolLevels = Annotated[list[str] | None, AfterValidator(_in_vocabulary("school_levels"))]
Legislation = Annotated[str | None, AfterValidator(_legislation_term)]


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(StrEnum):
    """The role of the party registering the system (EU Art. 3(3)/(4); CO developer/deployer)."""

    provider = "provider"
    deployer = "deployer"
    provider_and_deployer = "provider_and_deployer"


class Audience(StrEnum):
    """Who uses the system."""

    public = "public"
    """Offered to the general public (CN: services to the public within the PRC)."""
    business = "business"
    """Offered to organisations (B2B, API customers)."""
    internal = "internal"
    """Used only inside the provider's own organisation (incl. internal R&D)."""


class DerogationTask(StrEnum):
    """EU AI Act Art. 6(3)(a)–(d): the only tasks for which the derogation is available."""

    narrow_procedural = "narrow_procedural"
    improves_completed_human_activity = "improves_completed_human_activity"
    detects_decision_patterns = "detects_decision_patterns"
    preparatory = "preparatory"
    none = "none"
    """None of the four (the derogation is not available)."""


class RbiException(StrEnum):
    """EU AI Act Art. 5(1)(h)(i)–(iii): objectives for which real-time RBI may be authorised."""

    victim_search = "victim_search"
    imminent_threat = "imminent_threat"
    serious_crime_suspect = "serious_crime_suspect"
    none = "none"


class Party(_Facts):
    """A legal person in the value chain."""

    name: str = Field(min_length=1)
    """Legal name."""
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    """ISO 3166-1 alpha-2 country of establishment (KR Art. 36 domestic agent, EU Art. 22/54)."""


class Deployer(Party):
    """The organisation using the system under its authority."""

    public_body: bool | None = None
    """A public authority (EU Art. 27(1), Art. 49(3); KR public-authority decisions)."""
    provides_public_service: bool | None = None
    """A private entity providing public services (EU Art. 27(1))."""


class Registrant(_Facts):
    """Who registers this profile, and in which role."""

    name: str = Field(min_length=1)
    role: Role
    """provider, deployer, or provider_and_deployer."""


class Users(_Facts):
    """Who uses the system, and how many."""

    audience: Audience | None = None
    monthly_active_users: int | None = Field(default=None, ge=0)
    """Monthly active users (CN Art. 23 user scale; platform thresholds)."""
    minors: bool | None = None
    """Minors are among the users."""


class Decisions(_Facts):
    """Decisions about natural persons that the system makes or feeds."""

    about_natural_persons: bool | None = None
    """The output is used in decisions about natural persons."""
    materially_influences: bool | None = None
    """The output materially influences the outcome (EU Art. 6(3); CO SB 26-189)."""
    fully_automated: bool | None = None
    """No human reviews the decision before it takes effect."""


class Derogation(_Facts):
    """Facts for the EU AI Act Art. 6(3) derogation."""

    significant_risk: bool | None = None
    """Poses a significant risk of harm to health, safety or fundamental rights."""
    task: DerogationTask | None = None
    """Which of Art. 6(3)(a)–(d) the system is limited to (``none`` if not limited to one)."""


class SafetyComponent(_Facts):
    """EU AI Act Art. 6(1) + Annex I: safety component of a regulated product (or the product itself)."""

    is_safety_component: bool | None = None
    """The system is a safety component of a product, or is itself such a product."""
    product_legislation: Legislation = None
    """The Annex I Union harmonisation legislation covering the product (vocabulary term)."""
    third_party_conformity_assessment: bool | None = None
    """The product must undergo third-party conformity assessment under that legislation."""
    assistance_only: bool | None = None
    """Used only for assistance, optimisation or convenience (Art. 6(1a), 2026/1744)."""
    failure_endangers_health_safety: bool | None = None
    """Its failure or malfunction would endanger health and safety (Art. 6(1a))."""


class Biometrics(_Facts):
    """How a biometric identification system is used: three facts (EU Art. 3(41)-(44), Art. 5(1)(h))."""

    remote: bool | None = None
    """Identifies people at a distance without their active involvement (Art. 3(41))."""
    real_time: bool | None = None
    """Capture, comparison and identification happen without significant delay (Art. 3(42))."""
    publicly_accessible_space: bool | None = None
    """Used in a space accessible to an undetermined number of people (Art. 3(44))."""


class Research(_Facts):
    """Research-only use: the EU AI Act's exclusions of Art. 2(6) and Art. 2(8)."""

    sole_purpose_scientific: bool | None = None
    """Specifically developed and put into service for the sole purpose of scientific research
    and development (EU Art. 2(6)); its output is not used for anything else."""
    pre_market_only: bool | None = None
    """Only research, testing or development before placing on the market or putting into service
    (EU Art. 2(8)); not offered to anyone yet."""
    real_world_testing: bool | None = None
    """Tested in real-world conditions, which Art. 2(8) does not exclude (Arts 57-61 apply)."""


class ModelFacts(_Facts):
    """Facts about the model inside the system."""

    name: str | None = None
    general_purpose: bool | None = None
    """Displays significant generality and performs a wide range of distinct tasks (EU Art. 3(63))."""
    own_model: bool | None = None
    """The registering party develops the model and places it on the market (GPAI provider duties)."""
    training_compute_flop: float | None = Field(default=None, ge=0)
    """Cumulative training compute in FLOP (EU Art. 51(2) 1e25; KR Art. 32 1e26)."""
    parameters: int | None = Field(default=None, ge=0)
    open_weights: bool | None = None
    """Parameters incl. weights are publicly available."""
    free_open_source_licence: bool | None = None
    """Released under a free and open-source licence allowing access, use, modification, distribution."""
    designated_systemic_risk: bool | None = None
    """Designated by the Commission as a GPAI model with systemic risk (Art. 51(1)(b))."""
    placed_on_market: dt.date | None = None
    """When the model was first placed on the EU market (Art. 111(3) transition)."""


class ArtefactLink(_Facts):
    """A model or dataset the system is built from: where it lies, and/or the AI-BOM that describes it.

    ``bom_digest`` is the ``sha256:`` digest ``tongzhou oss bom`` prints (of the BOM's RFC 8785
    canonical JSON); ``attest sign --bom`` puts the same digest among a statement's subjects, so a
    signed evaluation can be matched to the model it tested.
    """

    name: str = Field(min_length=1)
    """What the provider calls it (``SmolLM2-135M-Instruct``, a Hub id, a dataset name)."""
    path: str | None = Field(default=None, min_length=1)
    """A file or folder, as the registrant gives it (not checked at registration: it may be elsewhere)."""
    bom_digest: str | None = Field(default=None, pattern=r"^sha256:[0-9a-f]{64}$")
    """``sha256:<hex>`` of the artefact's AI-BOM."""
    role: str | None = Field(default=None, pattern=r"^(training|evaluation|fine-tuning|retrieval|other)$")
    """For a dataset: what it is used for."""

    @model_validator(mode="after")
    def _located(self) -> Self:
        if self.path is None and self.bom_digest is None:
            raise ValueError(f"{self.name!r}: give a path, a bom_digest, or both")
        return self


class Modifications(_Facts):
    """EU AI Act Art. 25(1): changes that turn a deployer or distributor into a provider."""

    own_name_or_trademark: bool | None = None
    substantial_modification: bool | None = None
    changed_intended_purpose: bool | None = None


class SystemProfile(_Facts):
    """Everything Tongzhou knows about one AI system. Unknown facts are ``None``."""

    schema_version: int = Field(default=1, ge=1, le=1)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    """Registry id: lowercase letters, digits, '.', '_' or '-' (≤ 64 characters)."""
    name: str = Field(min_length=1)
    name_zh: str | None = None
    version: str = "1"
    purpose: str = Field(min_length=1)
    """What the system is for, in the provider's words."""
    intended_use: str | None = None
    registrant: Registrant
    provider: Party
    deployer: Deployer | None = None
    markets: Markets = None
    sectors: Sectors = None
    functions: Functions = None
    generated_modalities: Modalities = None
    """Content it generates; ``[]`` when it generates none. Generation functions
    (``text_generation`` ...) add their modality to this list."""
    capabilities: Functions = None
    """What the system *can* do beyond its intended purpose (same terms as ``functions``). The
    EU AI Act classifies by intended purpose (Art. 3(12)), so capabilities give no tier; they are
    shown so a change of purpose (Art. 25(1)(c)) is visible."""
    settings: Settings = None
    """Where it is used, independent of the sector (a workplace exists in every sector:
    EU Art. 5(1)(f) "in the areas of workplace and education institutions")."""
    school_levels: SchoolLevels = None
    """For education uses: the school levels of the students (KR Art. 2(4)(j) covers
    early-childhood, primary and secondary education only)."""
    profiles_natural_persons: bool | None = None
    """Performs profiling of natural persons (GDPR Art. 4(4)); EU Art. 6(3) override."""
    medical_or_safety_purpose: bool | None = None
    """Emotion recognition is intended for medical or safety reasons (Art. 5(1)(f) exception)."""
    rbi_exception: RbiException | None = None
    """For real-time RBI by law enforcement: the Art. 5(1)(h) objective relied on (``none`` if none)."""
    public_opinion_or_mobilisation: bool | None = None
    """CN: has public-opinion attributes or social-mobilisation capability (舆论属性或社会动员能力)."""
    users: Users = Users()
    decisions: Decisions = Decisions()
    derogation: Derogation = Derogation()
    safety_component: SafetyComponent = SafetyComponent()
    model: ModelFacts = ModelFacts()
    biometrics: Biometrics = Biometrics()
    research: Research = Research()
    modifications: Modifications = Modifications()
    models: list[ArtefactLink] | None = None
    """The models the system runs, each by path and/or AI-BOM digest (docs/oss.md); not a fact any
    rule reads."""
    datasets: list[ArtefactLink] | None = None
    """The datasets it was trained, tuned or evaluated on, likewise."""
    placed_on_market: dt.date | None = None
    """When the system was first placed on the market or put into service."""
    notes: str | None = None

    def facts(self) -> dict[str, Any]:
        """The flat fact map the rules read: dotted path → value (lists as frozensets)."""
        return profile_facts(self)


def _set(values: list[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def _modalities(p: SystemProfile) -> frozenset[str] | None:
    """Stated modalities plus those implied by generation functions.

    Generation is a function (``text_generation`` ...), and a given ``functions`` list is complete:
    so with ``generated_modalities`` unstated, a functions list naming no generation and no function
    that may generate (a chatbot, deep fakes) means the system generates nothing. Otherwise an
    unstated list stays unknown.
    """
    functions = p.functions
    if functions is None:
        return _set(p.generated_modalities)
    implied = {_IMPLIED_MODALITIES[f] for f in functions if f in _IMPLIED_MODALITIES}
    if p.generated_modalities is not None:
        return frozenset(p.generated_modalities) | implied
    if implied or _MAY_GENERATE.isdisjoint(functions):
        return frozenset(implied)
    return None


_IMPLIED_MODALITIES: dict[str, str] = {
    "text_generation": "text",
    "image_generation": "image",
    "video_generation": "video",
    "audio_generation": "audio",
    "code_generation": "code",
}
"""Generation named as a function implies the modality (EU Art. 50(2): audio, image, video, text)."""

_MAY_GENERATE = frozenset(
    {"chat_interaction", "deepfake_generation", "face_voice_editing", "public_interest_text_generation"}
)
"""Functions whose output may or may not be generated content: they leave unstated modalities unknown."""


def profile_facts(p: SystemProfile) -> dict[str, Any]:
    """Flatten a profile into the fact map (hand-written: this is on the hot path)."""
    d = p.deployer
    u, dec, der, sc, m, mod = p.users, p.decisions, p.derogation, p.safety_component, p.model, p.modifications
    bio, res = p.biometrics, p.research
    return {
        "registrant.role": p.registrant.role.value,
        "provider.country": p.provider.country,
        "deployer.public_body": None if d is None else d.public_body,
        "deployer.provides_public_service": None if d is None else d.provides_public_service,
        "markets": _set(p.markets),
        "sectors": _set(p.sectors),
        "functions": _set(p.functions),
        "generated_modalities": _modalities(p),
        "capabilities": _set(p.capabilities),
        "settings": _set(p.settings),
        "school_levels": _set(p.school_levels),
        "biometrics.remote": bio.remote,
        "biometrics.real_time": bio.real_time,
        "biometrics.publicly_accessible_space": bio.publicly_accessible_space,
        "research.sole_purpose_scientific": res.sole_purpose_scientific,
        "research.pre_market_only": res.pre_market_only,
        "research.real_world_testing": res.real_world_testing,
        "profiles_natural_persons": p.profiles_natural_persons,
        "medical_or_safety_purpose": p.medical_or_safety_purpose,
        "rbi_exception": None if p.rbi_exception is None else p.rbi_exception.value,
        "public_opinion_or_mobilisation": p.public_opinion_or_mobilisation,
        "users.audience": None if u.audience is None else u.audience.value,
        "users.monthly_active_users": u.monthly_active_users,
        "users.minors": u.minors,
        "decisions.about_natural_persons": dec.about_natural_persons,
        "decisions.materially_influences": dec.materially_influences,
        "decisions.fully_automated": dec.fully_automated,
        "derogation.significant_risk": der.significant_risk,
        "derogation.task": None if der.task is None else der.task.value,
        "safety_component.is_safety_component": sc.is_safety_component,
        "safety_component.product_legislation": sc.product_legislation,
        "safety_component.third_party_conformity_assessment": sc.third_party_conformity_assessment,
        "safety_component.assistance_only": sc.assistance_only,
        "safety_component.failure_endangers_health_safety": sc.failure_endangers_health_safety,
        "model.general_purpose": m.general_purpose,
        "model.own_model": m.own_model,
        "model.training_compute_flop": m.training_compute_flop,
        "model.parameters": m.parameters,
        "model.open_weights": m.open_weights,
        "model.free_open_source_licence": m.free_open_source_licence,
        "model.designated_systemic_risk": m.designated_systemic_risk,
        "model.placed_on_market": m.placed_on_market,
        "modifications.own_name_or_trademark": mod.own_name_or_trademark,
        "modifications.substantial_modification": mod.substantial_modification,
        "modifications.changed_intended_purpose": mod.changed_intended_purpose,
        "placed_on_market": p.placed_on_market,
    }


FACT_NAMES: frozenset[str] = frozenset(
    profile_facts(
        SystemProfile(
            id="x",
            name="x",
            purpose="x",
            registrant=Registrant(name="x", role=Role.provider),
            provider=Party(name="x"),
        )
    )
)
"""Every fact path a rule may test."""
