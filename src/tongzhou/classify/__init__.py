"""Classification and grading (分类分级): which rules apply to an AI system, where, as of which date.

Rules are YAML data per regime (``rules/*.yaml``), compiled once; the engine returns per
jurisdiction the headline (the tier applying on the as-of date, "unless ..." where a stricter
rule waits on a fact), the tiers, the obligations with the dates they bite, the presumptions,
refusals and notes, undetermined rules with the facts they need, and a trace. The crosswalk maps
evidence artefacts to requirements.
"""

from tongzhou.classify.crosswalk import Recognition, recognition_for
from tongzhou.classify.engine import Classifier, classify
from tongzhou.classify.findings import Classification, JurisdictionResult
from tongzhou.classify.headline import Headline
from tongzhou.classify.qualifiers import ConditionalTier, NoteFinding, PresumptionFinding, RefusalFinding
from tongzhou.classify.ruleset import RuleSet, default_ruleset, load_ruleset

__all__ = [
    "Classification",
    "Classifier",
    "ConditionalTier",
    "Headline",
    "JurisdictionResult",
    "NoteFinding",
    "PresumptionFinding",
    "Recognition",
    "RefusalFinding",
    "RuleSet",
    "classify",
    "default_ruleset",
    "load_ruleset",
    "recognition_for",
]
