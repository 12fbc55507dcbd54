"""The TAXII 2.1 object filters of a request (§3.4): ``added_after`` and ``match[…]``."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import false, or_
from sqlalchemy.sql.elements import ColumnElement

from tongzhou.threats._tables import OBJECTS
from tongzhou.threats.timestamps import parse_timestamp_us


@dataclass
class ObjectFilter:
    """The TAXII filters of a request (§3.4): ``added_after`` and ``match[…]``."""

    added_after_us: int | None = None
    ids: list[str] | None = None
    types: list[str] | None = None
    versions: list[str] = field(default_factory=lambda: ["last"])
    spec_versions: list[str] | None = None

    @classmethod
    def from_query(cls, params: dict[str, str]) -> ObjectFilter:
        """Build from query parameters; ValueError (→ 400) when one is malformed."""
        flt = cls()
        if "added_after" in params:
            flt.added_after_us = parse_timestamp_us(params["added_after"])
        for key, attr in (
            ("match[id]", "ids"),
            ("match[type]", "types"),
            ("match[spec_version]", "spec_versions"),
        ):
            if key in params:
                values = [v.strip() for v in params[key].split(",") if v.strip()]
                if not values:
                    raise ValueError(f"{key} is empty")
                setattr(flt, attr, values)
        if "match[version]" in params:
            values = [v.strip() for v in params["match[version]"].split(",") if v.strip()]
            for value in values:
                if value not in ("first", "last", "all"):
                    parse_timestamp_us(value)
            if not values:
                raise ValueError("match[version] is empty")
            flt.versions = values
        return flt

    def digest_params(self) -> dict[str, str]:
        """A canonical view of the filters for binding page tokens."""
        return {
            "added_after": str(self.added_after_us),
            "ids": ",".join(self.ids or []),
            "types": ",".join(self.types or []),
            "versions": ",".join(self.versions),
            "spec_versions": ",".join(self.spec_versions or []),
        }

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions on the object table."""
        conds: list[ColumnElement[bool]] = []
        if self.added_after_us is not None:
            conds.append(OBJECTS.c.date_added_us > self.added_after_us)
        if self.ids:
            conds.append(OBJECTS.c.stix_id.in_(self.ids))
        if self.types:
            conds.append(OBJECTS.c.stix_type.in_(self.types))
        if self.spec_versions:
            conds.append(OBJECTS.c.spec_version.in_(self.spec_versions))
        if "all" not in self.versions:
            alternatives: list[ColumnElement[bool]] = []
            stamps = [parse_timestamp_us(v) for v in self.versions if v not in ("first", "last")]
            if "last" in self.versions:
                alternatives.append(OBJECTS.c.is_last.is_(True))
            if "first" in self.versions:
                alternatives.append(OBJECTS.c.is_first.is_(True))
            if stamps:
                alternatives.append(OBJECTS.c.version_us.in_(stamps))
            conds.append(or_(*alternatives) if alternatives else false())
        return conds
