"""Who may open a system's compliance workspace in the portal, and the workspace's document.

The plan says what the provider still has to do for each jurisdiction and which evidence it holds:
internal working data, so it is open to the provider organisation that registered the system and
to regulators and admins, and to nobody else (401 for the public, 403 for other accounts). An
Art. 49(4) non-public system stays invisible (404) to everyone but regulators, as on its page.
"""

from __future__ import annotations

from typing import Any

from tongzhou.portal._tables import ListingRow
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.roles import Role
from tongzhou.portal.viewer import Viewer
from tongzhou.portal.visibility import sees_restricted
from tongzhou.store import Store


def require_workspace_access(store: Store, viewer: Viewer, system_id: str) -> None:
    """Raise the right refusal unless ``viewer`` may open the workspace of ``system_id``."""
    with store.transaction() as session:
        listing = session.get(ListingRow, system_id)
        owner = None if listing is None else listing.organisation_id
        restricted = listing is not None and listing.restricted
    if listing is None or (restricted and not sees_restricted(viewer.role)):
        raise PortalProblem(404, "Not found.")
    if viewer.role in (Role.regulator, Role.admin):
        return
    if viewer.role is Role.public:
        raise PortalProblem(401, "Log in to do this.")
    account = viewer.account
    if viewer.role is Role.provider and account and owner and account.organisation_id == owner:
        return
    raise PortalProblem(403, "Only the system's provider, regulators and admins see its workspace.")


def workspace_document(store: Store, system_id: str) -> dict[str, Any] | None:
    """The compliance file of ``system_id`` (workspace/export.py), or None when it has no plan yet."""
    from sqlalchemy import select

    from tongzhou.workspace._tables import CompliancePlanRow
    from tongzhou.workspace.export import compliance_file
    from tongzhou.workspace.service import ComplianceWorkspace

    with store.transaction() as session:
        planned = session.scalar(
            select(CompliancePlanRow.system_id).where(CompliancePlanRow.system_id == system_id)
        )
    if planned is None:
        return None
    return compliance_file(ComplianceWorkspace(store), system_id)


def change_item(store: Store, system_id: str, item_id: str, owner: str | None, status: str | None) -> None:
    """Set the owner and the status of one item of ``system_id`` (422 when the workspace refuses)."""
    from tongzhou.errors import TongzhouError
    from tongzhou.workspace.service import ComplianceWorkspace

    if not item_id.isdigit() or len(item_id) > 18:
        raise PortalProblem(400, "A parameter of the request is not valid.")
    workspace = ComplianceWorkspace(store)
    try:
        item = workspace.item(int(item_id))
    except TongzhouError:
        raise PortalProblem(404, "Not found.") from None
    if item.system_id != system_id:
        raise PortalProblem(404, "Not found.")
    try:
        if owner is not None and (owner.strip() or None) != item.owner:
            workspace.assign(item.id, owner)
        if status and status != item.status:
            workspace.set_status(item.id, status)
    except TongzhouError as refused:
        raise PortalProblem(422, "The workspace refused the change: {reason}", reason=refused) from None
