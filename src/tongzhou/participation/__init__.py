"""Public participation: AI incident reports from anyone, moderated, shared over TAXII.

Anyone reports an incident (no account; the portal guards the form with a proof-of-work check and
a per-address limit); the reporter follows it with a private status link; a moderator accepts it
(a new incident, published as STIX in a public TAXII collection), merges it into incidents already
recorded, asks for more, or rejects it with a reason the reporter reads. The provider of a
registered system named in an accepted report gets a notice and, where the EU AI Act's Art. 73
applies, the serious-incident report draft with its deadline. docs/participation.md has the rest.
"""

from tongzhou.participation.errors import ReportProblem
from tongzhou.participation.evidence import CheckedEvidence, EvidenceFile, check_evidence
from tongzhou.participation.moderation import Moderation, Seriousness
from tongzhou.participation.provider_notices import (
    Art73Status,
    ProviderNotice,
    art73_status,
    notices_for,
)
from tongzhou.participation.publication import PUBLIC_COLLECTION, public_collection, publish_incident
from tongzhou.participation.report_book import (
    Action,
    Decision,
    Receipt,
    Report,
    ReportBook,
    ReportState,
)
from tongzhou.participation.submission import ReportSubmission, build_submission, harm_types

__all__ = [
    "PUBLIC_COLLECTION",
    "Action",
    "Art73Status",
    "CheckedEvidence",
    "Decision",
    "EvidenceFile",
    "Moderation",
    "ProviderNotice",
    "Receipt",
    "Report",
    "ReportBook",
    "ReportProblem",
    "ReportState",
    "ReportSubmission",
    "Seriousness",
    "art73_status",
    "build_submission",
    "check_evidence",
    "harm_types",
    "notices_for",
    "public_collection",
    "publish_incident",
]
