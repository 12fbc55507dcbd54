"""The compatibility check: does an intended use of a model fit the licences of its whole lineage?

Each licence of the model, of its base models and of its datasets contributes its duties
(``catalog.yaml``). Duties that files or the intended use can decide get a verdict — *compatible*,
*incompatible* or *undetermined* — with the reason and the evidence; the others (acceptable-use
policies, attribution, notices in modified files) are listed as obligations. Terms of a base model
travel to the model when the base licence binds derivatives (Llama, Gemma, Qwen, DeepSeek, Open RAIL);
a dataset's non-commercial term binds any commercial use of a model trained on it. An undetermined
licence anywhere makes the lineage undetermined: nothing is assumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tongzhou.oss.licences.catalog import Licence
from tongzhou.oss.licences.duties import CHECKED_DUTIES, DutyKind
from tongzhou.oss.licences.duty_checks import check_duty
from tongzhou.oss.licences.identify import Role, SubjectLicence
from tongzhou.oss.licences.lineage import Lineage
from tongzhou.oss.licences.outcomes import ORDER, Check, IntendedUse, Obligation, Verdict

__all__ = ["Check", "IntendedUse", "LicenceReport", "Obligation", "Verdict", "check_lineage"]


@dataclass
class LicenceReport:
    """The lineage, the intended use, the checks and the obligations."""

    lineage: Lineage
    """What was identified."""
    use: IntendedUse
    """What was checked against."""
    checks: list[Check] = field(default_factory=list)
    """Verdicts with reasons."""
    obligations: list[Obligation] = field(default_factory=list)
    """Duties to keep."""

    @property
    def verdict(self) -> Verdict:
        """The worst verdict; compatible when there is nothing to check against."""
        return max((c.verdict for c in self.checks), key=ORDER.__getitem__, default=Verdict.COMPATIBLE)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "verdict": self.verdict.value,
            "use": {
                "commercial": self.use.commercial,
                "monthly_active_users": self.use.monthly_active_users,
                "redistribute": self.use.redistribute,
                "name": self.use.name,
            },
            "subjects": [s.as_dict() for s in self.lineage.subjects()],
            "checks": [c.as_dict() for c in self.checks],
            "obligations": [o.as_dict() for o in self.obligations],
        }


def check_lineage(lineage: Lineage, use: IntendedUse) -> LicenceReport:
    """Check every licence of the lineage against ``use``."""
    report = LicenceReport(lineage, use)
    model = lineage.model
    done: set[tuple[str, DutyKind]] = set()
    for subject in lineage.subjects():
        if not subject.determined:
            report.checks.append(
                Check(
                    Verdict.UNDETERMINED,
                    "licence.undetermined",
                    subject.name,
                    None,
                    f"{subject.role.value} {subject.name}: licence undetermined: {subject.reason}",
                    f"{subject.name}：许可证无法确定：{subject.reason_zh}",
                    tuple(subject.evidence),
                )
            )
            continue
        if subject.licence is None:
            report.checks.append(
                Check(
                    Verdict.UNDETERMINED,
                    "licence.no-duties",
                    subject.name,
                    subject.licence_id,
                    f"{subject.name} is under {subject.licence_id}, whose duties are not catalogued; read it",
                    f"{subject.name} 采用 {subject.licence_id}，其义务不在目录中，请人工阅读",
                    tuple(subject.evidence),
                )
            )
            continue
        licence = subject.licence
        if subject.role is Role.BASE_MODEL and licence.binds_derivatives:
            _relabel(report, model, subject, licence)
        for duty in licence.duties:
            # A model and its base under the same licence owe each duty once.
            if (licence.id, duty.kind) in done:
                continue
            done.add((licence.id, duty.kind))
            unchecked = subject.role is Role.BASE_MODEL and not licence.binds_derivatives
            if unchecked or duty.kind not in CHECKED_DUTIES:
                report.obligations.append(Obligation(subject.name, licence.id, duty))
                continue
            check = check_duty(duty, licence, subject, model, use)
            if check is not None:
                report.checks.append(check)
    return report


def _relabel(report: LicenceReport, model: SubjectLicence, base: SubjectLicence, licence: Licence) -> None:
    if not model.determined or model.licence_id == licence.id:
        return
    report.checks.append(
        Check(
            Verdict.INCOMPATIBLE,
            "licence.relabelled",
            model.name,
            model.licence_id,
            f"{model.name} declares {model.licence_id}, but its base model {base.name} is under "
            f"{licence.name}, "
            "whose terms bind derivative models; distribute it under the base model's terms",
            f"{model.name} 声明 {model.licence_id}，但其基础模型 {base.name} 采用 {licence.name}，"
            "该许可证约束衍生模型，应按基础模型的条款分发",
            (*model.evidence[:1], *base.evidence[:1]),
            licence.url,
            "high",
        )
    )
