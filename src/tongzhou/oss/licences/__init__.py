"""Model and data licences: which licence a model, its base models and datasets are under, the duties
each carries (``catalog.yaml``, with sources), and whether an intended use fits the whole lineage.

Use::

    from tongzhou.oss.licences import IntendedUse, build_lineage, check_lineage

    lineage = build_lineage(Path("my-model"), bases=[Path("base-model")], datasets=[Path("corpus")])
    report = check_lineage(lineage, IntendedUse(commercial=True, redistribute=True))
    report.verdict, [(c.verdict, c.message, c.evidence) for c in report.checks]

docs/licences.md has the duties table and its sources.
"""

from tongzhou.oss.licences.catalog import Duty, Licence, by_id, by_name, catalogue
from tongzhou.oss.licences.compat import Check, IntendedUse, LicenceReport, Obligation, Verdict, check_lineage
from tongzhou.oss.licences.duties import DutyKind
from tongzhou.oss.licences.evidence import Evidence
from tongzhou.oss.licences.identify import Role, SubjectLicence, identify
from tongzhou.oss.licences.lineage import Lineage, build_lineage

__all__ = [
    "Check",
    "Duty",
    "DutyKind",
    "Evidence",
    "IntendedUse",
    "Licence",
    "LicenceReport",
    "Lineage",
    "Obligation",
    "Role",
    "SubjectLicence",
    "Verdict",
    "build_lineage",
    "by_id",
    "by_name",
    "catalogue",
    "check_lineage",
    "identify",
]
