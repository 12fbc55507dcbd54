"""Which registry entries the public may see.

EU AI Act Art. 49(4): high-risk systems in the areas of law enforcement, and of migration, asylum
and border control management (Annex III points 1, 6 and 7) are registered in a secure, non-public
section of the EU database, open only to the Commission and the national authorities concerned.
The portal follows the same line: an entry whose sectors include ``law_enforcement`` or
``migration_border`` (the vocabulary's terms for those areas) is shown to regulators only; to
everyone else it does not exist (404, absent from lists and counts).
"""

from __future__ import annotations

from collections.abc import Iterable

from tongzhou.portal.roles import Role

NON_PUBLIC_SECTORS = frozenset({"law_enforcement", "migration_border"})
"""Sectors whose entries Art. 49(4) keeps out of public view."""
ROLES_SEEING_RESTRICTED = frozenset({Role.regulator})
"""Who sees them: the competent authorities."""


def is_restricted(sectors: Iterable[str] | None) -> bool:
    """Whether an entry with these sectors is kept from public view."""
    return bool(NON_PUBLIC_SECTORS.intersection(sectors or ()))


def sees_restricted(role: Role) -> bool:
    """Whether ``role`` may see restricted entries."""
    return role in ROLES_SEEING_RESTRICTED
