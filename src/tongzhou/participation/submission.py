"""What a reporter sends, checked field by field before anything is stored.

Every field is bounded, control characters other than line breaks and tabs are refused (PostgreSQL
cannot store NUL, and no honest report needs them), and text is kept exactly as written otherwise:
escaping is the job of whoever shows it (the portal's templates autoescape; JSON is JSON).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tongzhou.participation.errors import ReportProblem
from tongzhou.participation.evidence import CheckedEvidence, EvidenceFile, check_evidence

MAX_SYSTEM_CHARS = 200
MAX_TEXT_CHARS = 10_000
MAX_CONTACT_CHARS = 200
MAX_LINKS = 5
MAX_LINK_CHARS = 2000
EARLIEST_DAY = dt.date(1950, 1, 1)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SYSTEM_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def harm_types() -> dict[str, dict[str, str]]:
    """The OECD harm types (id → en/zh wording), as ``tongzhou incident`` uses them."""
    from tongzhou.threats.incidents import incident_rules

    types: dict[str, dict[str, str]] = incident_rules()["oecd"]["harm_types"]
    return types


@dataclass(frozen=True, slots=True)
class ReportSubmission:
    """A report, checked: what the store keeps."""

    system_id: str | None
    """A registered system's id, when the reporter picked one."""
    system_text: str
    """The system as the reporter named it (required when no registered system was picked)."""
    what_happened: str
    occurred_on: dt.date
    harm_types: tuple[str, ...]
    links: tuple[str, ...]
    contact: str | None
    evidence: tuple[CheckedEvidence, ...]


def clean_text(value: str | None, field: str, limit: int, *, required: bool) -> str:
    """``value`` stripped; :class:`ReportProblem` 422 when missing, too long or holding control characters."""
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ReportProblem(422, "Fill in the field {field}.", field=field)
    if len(text) > limit:
        raise ReportProblem(
            422, "The field {field} is too long (at most {limit} characters).", field=field, limit=limit
        )
    if _CONTROL.search(text):
        raise ReportProblem(422, "The field {field} holds control characters.", field=field)
    return text


def _day(value: str | None, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise ReportProblem(422, "Give the date it happened as YYYY-MM-DD.") from None
    if not EARLIEST_DAY <= day <= today + dt.timedelta(days=1):
        raise ReportProblem(422, "The date it happened cannot be in the future or before 1950.")
    return day


def _links(values: Sequence[str]) -> tuple[str, ...]:
    links = [v.strip() for v in values if v.strip()]
    if len(links) > MAX_LINKS:
        raise ReportProblem(422, "Give at most {count} links.", count=MAX_LINKS)
    for link in links:
        parts = urlsplit(link)
        if (
            len(link) > MAX_LINK_CHARS
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or re.search(r"[\s\x00-\x1f\x7f]", link)
        ):
            raise ReportProblem(422, "Links must be web addresses starting with http:// or https://.")
    return tuple(links)


def build_submission(
    fields: Mapping[str, str],
    *,
    harms: Sequence[str],
    links: Sequence[str],
    files: list[EvidenceFile],
    today: dt.date | None = None,
) -> ReportSubmission:
    """Check a report's fields (``system_id``, ``system``, ``what_happened``, ``occurred_on``,
    ``contact``), its harm types, links and files; :class:`ReportProblem` for the first thing wrong."""
    system_id = (fields.get("system_id") or "").strip() or None
    if system_id is not None and not SYSTEM_ID.match(system_id):
        raise ReportProblem(422, "Pick the system from the registry, or describe it in your own words.")
    system_text = clean_text(fields.get("system"), "system", MAX_SYSTEM_CHARS, required=system_id is None)
    what = clean_text(fields.get("what_happened"), "what_happened", MAX_TEXT_CHARS, required=True)
    contact = clean_text(fields.get("contact"), "contact", MAX_CONTACT_CHARS, required=False) or None
    known = harm_types()
    chosen = tuple(dict.fromkeys(h.strip() for h in harms if h.strip()))
    if not chosen or any(h not in known for h in chosen):
        raise ReportProblem(422, "Choose at least one kind of harm from the list.")
    return ReportSubmission(
        system_id=system_id,
        system_text=system_text,
        what_happened=what,
        occurred_on=_day(fields.get("occurred_on"), today or dt.datetime.now(dt.UTC).date()),
        harm_types=chosen,
        links=_links(links),
        contact=contact,
        evidence=tuple(check_evidence(files)),
    )
