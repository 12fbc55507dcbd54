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


def attestation_evidence(
    session: Session, system_ids: list[str]
) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """For each of ``system_ids`` that has any: path of each attestation attached to its items → the
    ``(jurisdiction, obligation_id)`` items it serves (one query for the whole batch)."""
    rows = session.execute(
        select(
            ComplianceItemRow.system_id,
            EvidenceRow.path,
            ComplianceItemRow.jurisdiction,
            ComplianceItemRow.obligation_id,
        )
        .join(ComplianceItemRow, ComplianceItemRow.id == EvidenceRow.item_id)
        .where(ComplianceItemRow.system_id.in_(system_ids), EvidenceRow.kind == "attestation")
        .order_by(EvidenceRow.path, ComplianceItemRow.jurisdiction, ComplianceItemRow.obligation_id)
    ).all()
    out: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for system_id, path, jurisdiction, obligation_id in rows:
        out[system_id][path].append((jurisdiction, obligation_id))
    return {system_id: dict(paths) for system_id, paths in out.items()}
