"""The attestations filed as evidence in a system's compliance workspace (read-only).

The workspace keeps the file path and the items each attestation was attached to; a review checks
those files again, and a failure flags the items that rely on them. Only the workspace's table
definitions are read here (no workspace service), so the two packages stay on the same layer.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongzhou.workspace._tables import ComplianceItemRow, EvidenceRow


def attestation_evidence(session: Session, system_id: str) -> dict[str, list[tuple[str, str]]]:
    """Path of each attestation attached to ``system_id``'s items → the ``(jurisdiction, obligation_id)`` it serves."""
    rows = session.execute(
        select(EvidenceRow.path, ComplianceItemRow.jurisdiction, ComplianceItemRow.obligation_id)
        .join(ComplianceItemRow, ComplianceItemRow.id == EvidenceRow.item_id)
        .where(ComplianceItemRow.system_id == system_id, EvidenceRow.kind == "attestation")
        .order_by(EvidenceRow.path, ComplianceItemRow.jurisdiction, ComplianceItemRow.obligation_id)
    ).all()
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path, jurisdiction, obligation_id in rows:
        out[path].append((jurisdiction, obligation_id))
    return dict(out)
