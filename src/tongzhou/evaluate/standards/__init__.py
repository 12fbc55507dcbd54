"""Standard profiles as data: thresholds, sample sizes, bank coverage rules and the risk taxonomy.

The profiles are the YAML files of this folder; :mod:`tongzhou.evaluate.standards.profile` loads them.
"""

from tongzhou.evaluate.standards.profile import (
    STANDARDS_DIR,
    StandardProfile,
    Threshold,
    builtin_profiles,
    load_profile,
    risk_taxonomy,
)

__all__ = [
    "STANDARDS_DIR",
    "StandardProfile",
    "Threshold",
    "builtin_profiles",
    "load_profile",
    "risk_taxonomy",
]
