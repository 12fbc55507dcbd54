"""The registry service: add, list, show, remove and export registered AI systems."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from tongzhou.atomic_file import write_text_atomic
from tongzhou.errors import InputError
from tongzhou.store import Store
from tongzhou.systems._tables import SystemRecord

if TYPE_CHECKING:
    from tongzhou.systems.profile import SystemProfile


@dataclass(frozen=True)
class SystemSummary:
    """One line of ``tongzhou systems list``."""

    id: str
    name: str
    version: str
    registrant_role: str
    sha256: str
    updated_at: dt.datetime


def profile_digest(profile: SystemProfile) -> tuple[str, str]:
    """The canonical JSON of a profile and its ``sha256:<hex>``."""
    # Imported here: `tongzhou.attest` loads cryptography and the policy stack (~0.1 s), which
    # listing the registry does not need.
    from tongzhou.canonical_json import canonical_json

    data = canonical_json(profile.model_dump(mode="json", exclude_none=True))
    return data.decode("utf-8"), "sha256:" + hashlib.sha256(data).hexdigest()


class SystemRegistry:
    """Registered systems in the store (every write is one transaction)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, profile: SystemProfile, *, replace: bool = False, source: str | None = None) -> str:
        """Register ``profile``. Returns ``"added"``, ``"updated"`` or ``"unchanged"``.

        An existing id is refused unless ``replace`` (then updated when its content differs).
        """
        text, digest = profile_digest(profile)
        now = dt.datetime.now(dt.UTC)
        with self.store.transaction() as session:
            row = session.get(SystemRecord, profile.id)
            if row is not None:
                if row.sha256 == digest:
                    return "unchanged"
                if not replace:
                    raise InputError(
                        f"system {profile.id!r} is already registered with different content; "
                        "use --replace to update it"
                    )
                row.name, row.version = profile.name, profile.version
                row.registrant_role, row.profile_json, row.sha256 = (
                    profile.registrant.role.value,
                    text,
                    digest,
                )
                row.source, row.updated_at = source, now
                return "updated"
            session.add(
                SystemRecord(
                    id=profile.id,
                    name=profile.name,
                    version=profile.version,
                    registrant_role=profile.registrant.role.value,
                    profile_json=text,
                    sha256=digest,
                    source=source,
                    created_at=now,
                    updated_at=now,
                )
            )
            return "added"

    def list(self) -> list[SystemSummary]:
        """Every registered system, by id."""
        with self.store.transaction() as session:
            rows = session.scalars(select(SystemRecord).order_by(SystemRecord.id)).all()
            return [
                SystemSummary(r.id, r.name, r.version, r.registrant_role, r.sha256, r.updated_at)
                for r in rows
            ]

    def get(self, system_id: str) -> SystemProfile:
        """The registered profile; an unknown id raises :class:`InputError`."""
        with self.store.transaction() as session:
            row = session.get(SystemRecord, system_id)
            if row is None:
                raise InputError(f"no registered system {system_id!r} (see `tongzhou systems list`)")
            from tongzhou.systems.profile import SystemProfile

            return SystemProfile.model_validate(json.loads(row.profile_json))

    def exists(self, system_id: str) -> bool:
        """Whether ``system_id`` is registered."""
        with self.store.transaction() as session:
            return session.get(SystemRecord, system_id) is not None

    def remove(self, system_id: str) -> None:
        """Delete a registered system; an unknown id raises :class:`InputError`."""
        with self.store.transaction() as session:
            row = session.get(SystemRecord, system_id)
            if row is None:
                raise InputError(f"no registered system {system_id!r} (see `tongzhou systems list`)")
            session.delete(row)

    def export(self, system_id: str, fmt: str = "yaml", out: Path | None = None) -> str:
        """The profile as YAML or JSON; written atomically to ``out`` when given."""
        from tongzhou.systems.loading import dump_profile

        text = dump_profile(self.get(system_id), fmt)
        if out is not None:
            write_text_atomic(out, text)
        return text
