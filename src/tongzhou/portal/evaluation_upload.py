"""Reading an uploaded evaluation: a DSSE envelope (``.dsse.json``) and, optionally, its bundle's
``results.jsonl`` — with a size limit and content-type checks before anything is parsed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.request_body import read_limited

MAX_EVALUATION_BYTES = 4 * 1024 * 1024
"""Largest evaluation upload, envelope and bundle together (a 2,000-item report's envelope is
about 1.3 MB: attest/dsse.py)."""
ENVELOPE_TYPES = frozenset(
    {"application/json", "application/octet-stream", "application/vnd.dsse.envelope.v1+json", ""}
)
"""What a browser or a script may call an envelope file (browsers send ``application/json`` for
``.json``; some send nothing or ``application/octet-stream`` for an unknown extension)."""
BUNDLE_TYPES = frozenset(
    {
        "application/jsonl",
        "application/x-ndjson",
        "application/json",
        "application/octet-stream",
        "text/plain",
        "",
    }
)
"""What a bundle's ``results.jsonl`` may be called."""


@dataclass(frozen=True)
class EvaluationUpload:
    """The envelope as uploaded (text and parsed) and the bundle's per-item results, if sent."""

    envelope_text: str
    envelope: dict[str, Any]
    bundle_results: bytes | None


def _media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def parse_envelope(body: bytes) -> tuple[str, dict[str, Any]]:
    """The envelope's text and object; 422 unless it is a JSON object shaped like a DSSE envelope."""
    try:
        text = body.decode("utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PortalProblem(422, "The envelope is not valid JSON (UTF-8).") from None
    if not isinstance(data, dict) or not {"payload", "payloadType", "signatures"} <= data.keys():
        raise PortalProblem(
            422, "The file is not a DSSE envelope (a JSON object with payload, payloadType and signatures)."
        )
    return text, data


async def read_evaluation_upload(request: Request) -> EvaluationUpload:
    """``application/json`` (the envelope itself) or ``multipart/form-data`` (fields ``envelope``
    and optional ``bundle``); 413 past :data:`MAX_EVALUATION_BYTES`, 415 for any other type."""
    content_type = _media_type(request.headers.get("content-type"))
    if content_type == "application/json":
        text, envelope = parse_envelope(await read_limited(request, MAX_EVALUATION_BYTES))
        return EvaluationUpload(text, envelope, None)
    if content_type != "multipart/form-data":
        raise PortalProblem(
            415,
            "Send the evaluation as application/json (the envelope) or as multipart/form-data (fields envelope and bundle).",  # noqa: E501 (one literal: the catalog test reads it)
        )
    await read_limited(request, MAX_EVALUATION_BYTES)
    form = await request.form(max_files=2, max_fields=8)
    envelope_file = form.get("envelope")
    if not isinstance(envelope_file, UploadFile) or not envelope_file.filename:
        raise PortalProblem(422, "Choose the envelope file (.dsse.json).")
    if _media_type(envelope_file.content_type) not in ENVELOPE_TYPES:
        raise PortalProblem(415, "The envelope must be a JSON file (.dsse.json).")
    text, envelope = parse_envelope(await envelope_file.read())
    bundle = form.get("bundle")
    bundle_results = None
    if isinstance(bundle, UploadFile) and bundle.filename:
        if _media_type(bundle.content_type) not in BUNDLE_TYPES:
            raise PortalProblem(415, "The bundle must be the bundle's results.jsonl file.")
        bundle_results = await bundle.read() or None
    return EvaluationUpload(text, envelope, bundle_results)
