"""Reading an incident report from a request: the public form (``multipart/form-data`` with files, or
``application/x-www-form-urlencoded``) or the API (``application/json``, or multipart like the form).

The body is read with its limit before it is parsed (413 past it), and the fields become the plain
values :func:`tongzhou.participation.build_submission` checks. Form field names: ``system_id``,
``system``, ``what_happened``, ``occurred_on``, ``harm`` (repeated), ``links`` (one per line),
``contact``, ``evidence`` (files, repeated), ``proof_of_work``. JSON uses the same names with
``harm_types`` and ``links`` as lists (no files: send multipart to attach them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import UploadFile
from starlette.requests import Request

from tongzhou.participation.evidence import MAX_FILES, MAX_TOTAL_BYTES, EvidenceFile
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.request_body import MAX_FORM_BYTES, read_limited

MAX_REPORT_BYTES = MAX_TOTAL_BYTES + MAX_FORM_BYTES
"""A report's files (4 MiB together) and its fields."""
TEXT_FIELDS = ("system_id", "system", "what_happened", "occurred_on", "contact", "proof_of_work")


@dataclass
class ReportUpload:
    """A report's raw fields as sent."""

    fields: dict[str, str] = field(default_factory=dict)
    harms: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    files: list[EvidenceFile] = field(default_factory=list)

    @property
    def proof_of_work(self) -> str:
        """The spam-check answer sent with the report."""
        return self.fields.get("proof_of_work", "")


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


async def read_report_upload(request: Request, *, allow_json: bool) -> ReportUpload:
    """The report in ``request``; 413 past :data:`MAX_REPORT_BYTES`, 415 for another content type."""
    media_type = _media_type(request)
    if media_type == "application/json" and allow_json:
        return _from_json(await read_limited(request, MAX_FORM_BYTES))
    if media_type == "application/x-www-form-urlencoded":
        body = await read_limited(request, MAX_FORM_BYTES)
        try:
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=60)
        except (UnicodeDecodeError, ValueError):
            raise PortalProblem(400, "The form could not be read.") from None
        return ReportUpload(
            {name: parsed.get(name, [""])[0] for name in TEXT_FIELDS},
            parsed.get("harm", []),
            _lines(parsed.get("links", [""])[0]),
        )
    if media_type != "multipart/form-data":
        raise PortalProblem(415, "Send the report as application/json, multipart/form-data or a form.")
    await read_limited(request, MAX_REPORT_BYTES)
    form = await request.form(max_files=MAX_FILES + 1, max_fields=60)
    upload = ReportUpload()
    for name in TEXT_FIELDS:
        value = form.get(name)
        upload.fields[name] = value if isinstance(value, str) else ""
    upload.harms = [h for h in form.getlist("harm") if isinstance(h, str)]
    links = form.get("links")
    upload.links = _lines(links) if isinstance(links, str) else []
    for item in form.getlist("evidence"):
        if isinstance(item, UploadFile) and item.filename:
            upload.files.append(EvidenceFile(item.filename, item.content_type or "", await item.read()))
    return upload


def _from_json(body: bytes) -> ReportUpload:
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise PortalProblem(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise PortalProblem(422, "The report must be a JSON object.")
    fields = {name: data.get(name) for name in TEXT_FIELDS}
    harms, links = data.get("harm_types", []), data.get("links", [])
    if (
        not all(v is None or isinstance(v, str) for v in fields.values())
        or not isinstance(harms, list)
        or not isinstance(links, list)
        or not all(isinstance(v, str) for v in [*harms, *links])
    ):
        raise PortalProblem(422, "Text fields must be strings, harm_types and links lists of strings.")
    return ReportUpload({k: v or "" for k, v in fields.items()}, harms, links)
