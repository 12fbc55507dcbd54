"""Filing incident reports through the API as a script would (a solved spam check, multipart upload)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient

from tests.portal.conftest import PUBLIC_ID, Portal
from tongzhou.participation import ReportBook
from tongzhou.portal.context import PortalContext
from tongzhou.portal.proof_of_work import ProofOfWork, solve

EASY = 2000
"""The tests' spam-check range (the site's is 300,000): the checks are the same, the solving quicker."""
REPORT = {
    "system_id": PUBLIC_ID,
    "what_happened": "The screening tool rejected every applicant over 50.",
    "occurred_on": "2026-11-20",
    "contact": "reporter@example.org",
    "links": "https://news.example.org/story",
}


@dataclass(frozen=True)
class FiledReport:
    """A stored report: its id, its reporter's token and its first file's id (``""`` without files)."""

    report_id: str
    token: str
    evidence_id: str


def context(portal: Portal) -> PortalContext:
    """The portal's services, with the easier spam check."""
    ctx: PortalContext = portal.app.app.portal.state.portal
    if ctx.proof_of_work.max_number != EASY:
        ctx.proof_of_work = ProofOfWork(ctx.store, ctx.key, max_number=EASY)
    return ctx


def solved(client: TestClient) -> str:
    """A solved spam check from the site's challenge route."""
    return solve(client.get("/api/v1/proof-of-work?purpose=report").json())


def post_report(
    portal: Portal,
    client: TestClient | None = None,
    *,
    fields: dict[str, str] | None = None,
    harms: tuple[str, ...] = ("rights",),
    files: list[tuple[str, bytes, str]] | None = None,
    proof: str | None = None,
) -> Any:
    """POST /api/v1/reports as multipart; the response."""
    context(portal)
    client = client or portal.client()
    data: dict[str, Any] = {**REPORT, **(fields or {}), "harm": list(harms)}
    data["proof_of_work"] = proof if proof is not None else solved(client)
    upload = [("evidence", (name, content, media_type)) for name, content, media_type in files or []]
    return client.post("/api/v1/reports", data=data, files=upload or None)


def file_report(portal: Portal, **kwargs: Any) -> FiledReport:
    """A stored report (its response must be 201)."""
    response = post_report(portal, **kwargs)
    assert response.status_code == 201, response.text
    body = response.json()
    report = ReportBook(portal.store).get(body["id"])
    evidence = str(report.evidence[0].id) if report.evidence else ""
    return FiledReport(body["id"], body["status_token"], evidence)
