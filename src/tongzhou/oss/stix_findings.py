"""Scan findings as a STIX 2.1 bundle of ``vulnerability`` objects, for a TAXII collection.

Plain STIX JSON (the ``oss`` feature does not know ``threats``): ``tongzhou oss scan --stix FILE``
writes the bundle and ``tongzhou threats push FILE --url …`` sends it to any TAXII 2.1 server, ours
included. One object per finding at or above the chosen severity (STIX 2.1 §4.19 ``vulnerability``:
``name`` required; common properties §3.2; external references §2.5):

- ``id``: ``vulnerability--`` UUIDv5 of the file's SHA-256, the finding code, the construct and where it
  sits, so the same finding in the same file is the same object however often it is published;
- ``name``: ``<code>: <construct>`` (``pickle.global.dangerous: os.system``);
- ``description``: the severity, the location (file name, archive members, offset) and the message;
- ``labels``: ``model-file``, ``severity-<level>`` and the code;
- ``external_references``: ``source_name: tongzhou-oss-scan``, ``external_id`` the code, and the
  scanned file's ``SHA-256`` as the reference's ``hashes``; the local path is not published, only the
  file name.
- ``created``/``modified``: the scan time (injectable), millisecond precision as STIX requires.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tongzhou.oss.findings import Finding, ScanReport, Severity

STIX_NAMESPACE = uuid.UUID("8c3e9b1e-2f64-5b0e-a8f1-3d7c5e9a0b12")
"""UUIDv5 namespace of Tongzhou model-file vulnerability ids."""


def _file_sha256(path: str, cache: dict[str, str | None]) -> str | None:
    if path not in cache:
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            cache[path] = digest.hexdigest()
        except OSError:
            cache[path] = None
    return cache[path]


def stix_timestamp(moment: datetime | None = None) -> str:
    """``YYYY-MM-DDTHH:MM:SS.sssZ`` (STIX 2.1 §3.2: UTC, ``Z``, millisecond precision here)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _where(finding: Finding) -> str:
    text = Path(finding.file).name + (f"!{finding.member}" if finding.member else "")
    return text + (f" at byte {finding.offset}" if finding.offset is not None else "")


def finding_vulnerability(finding: Finding, file_sha256: str | None, stamp: str) -> dict[str, Any]:
    """One finding as a STIX 2.1 ``vulnerability`` object."""
    identity = "|".join(
        [
            file_sha256 or Path(finding.file).name,
            finding.code,
            finding.construct,
            finding.member,
            str(finding.offset),
        ]
    )
    reference: dict[str, Any] = {
        "source_name": "tongzhou-oss-scan",
        "external_id": finding.code,
        "description": f"model file {_where(finding)}",
    }
    if file_sha256:
        reference["hashes"] = {"SHA-256": file_sha256}
    return {
        "type": "vulnerability",
        "spec_version": "2.1",
        "id": f"vulnerability--{uuid.uuid5(STIX_NAMESPACE, identity)}",
        "created": stamp,
        "modified": stamp,
        "name": f"{finding.code}: {finding.construct}"[:250],
        "description": f"{finding.severity.label} finding in model file {_where(finding)}: {finding.message}",
        "labels": ["model-file", f"severity-{finding.severity.label}", finding.code],
        "external_references": [reference],
    }


def findings_bundle(
    report: ScanReport, threshold: Severity = Severity.MEDIUM, created: datetime | None = None
) -> dict[str, Any]:
    """A STIX 2.1 bundle of the findings at or above ``threshold`` (objects sorted by id)."""
    stamp = stix_timestamp(created)
    hashes: dict[str, str | None] = {}
    objects = {
        obj["id"]: obj
        for obj in (
            finding_vulnerability(f, _file_sha256(f.file, hashes), stamp)
            for f in report.at_or_above(threshold)
        )
    }
    listed = [objects[key] for key in sorted(objects)]
    bundle_key = "|".join(obj["id"] for obj in listed) or "empty"
    return {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid5(STIX_NAMESPACE, bundle_key)}",
        "objects": listed,
    }
