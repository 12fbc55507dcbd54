"""docs/portal.md's permission table is the contract: every route has a row, and every route called as
every role answers as the table says (allowed: not 401/403/404; refused: 401, 403 or 404)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount
from starlette.testclient import TestClient

from tests.portal.conftest import ACCOUNTS, PUBLIC_ID, RESTRICTED_ID, Portal, SeededTemplates, csrf_of, seed
from tests.portal.signed_evaluations import make_lab
from tongzhou.home import tongzhou_home
from tongzhou.portal.roles import Role
from tongzhou.portal.service import create_service
from tongzhou.portal.sessions import COOKIE, SessionBook
from tongzhou.store import Store

DOCS = Path(__file__).resolve().parents[2] / "docs" / "portal.md"
ROLES = [Role.public, Role.provider, Role.evaluator, Role.regulator, Role.admin]
REFUSED = {401, 403, 404}
_ROW = re.compile(r"^\| `(GET|POST) ([^`]+)` \|(.*)\|$")


@pytest.fixture
def portal(sqlite_store: Store, seeded_templates: SeededTemplates, monkeypatch: pytest.MonkeyPatch) -> Portal:
    """conftest's portal plus one single sign-on provider, so its routes exist to be called (the
    provider is not running: starting a sign-on answers 502, a callback without a sign-on 400;
    tests/portal/test_oidc_login.py runs the routes against a live provider)."""
    monkeypatch.setenv("TZ_MATRIX_OIDC_SECRET", "secret")
    config = tongzhou_home() / "portal" / "oidc.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "providers:\n  - {id: campus, name: Campus, issuer: 'http://127.0.0.1:9', client_id: tz,\n"
        "     client_secret_env: TZ_MATRIX_OIDC_SECRET}\n",
        encoding="utf-8",
    )
    seeded_templates.restore(sqlite_store, seed)
    return Portal(sqlite_store, create_service(sqlite_store))


def permission_table() -> dict[tuple[str, str], dict[Role, bool]]:
    """(method, path) → role → allowed, read from docs/portal.md."""
    table: dict[tuple[str, str], dict[Role, bool]] = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        found = _ROW.match(line.strip())
        if not found:
            continue
        cells = [c.strip() for c in found.group(3).split("|")]
        assert len(cells) == len(ROLES) and set(cells) <= {"yes", "no"}, line
        table[(found.group(1), found.group(2))] = {r: c == "yes" for r, c in zip(ROLES, cells, strict=True)}
    assert len(table) > 10, "docs/portal.md lost its permission table"
    return table


def app_routes(portal: Portal) -> set[tuple[str, str]]:
    """(method, path template) of every portal route (TAXII keeps its own grants)."""
    portal_app = portal.app.app.portal  # SecurityHeadersMiddleware → TaxiiBesidePortal → portal
    found: set[tuple[str, str]] = {("GET", "/api/v1/openapi.json")}

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.update((m, prefix + route.path) for m in route.methods if m != "HEAD")
            elif isinstance(route, Mount):
                found.add(("GET", f"{prefix}{route.path}/{{path}}"))
            elif hasattr(route, "original_router"):  # FastAPI ≥ 0.16x keeps included routers whole
                walk(route.original_router.routes, prefix + route.include_context.prefix)

    walk(portal_app.routes, "")
    return found


def test_every_route_has_a_row_and_every_row_a_route(portal: Portal) -> None:
    documented = {(m, p.replace("{restricted_id}", "{system_id}")) for m, p in permission_table()}
    assert app_routes(portal) == documented


NEW_PROFILE = {
    "name": "Matrix test system",
    "purpose": "Answers questions.",
    "registrant": {"name": "ACME AI", "role": "provider"},
    "provider": {"name": "ACME AI"},
}


@pytest.fixture
def evaluation_id(portal: Portal, tmp_path: Path) -> str:
    """A signed evaluation of the public entry, uploaded by the evaluator (the site policy trusts it)."""
    lab = make_lab(portal.store, tmp_path / "banks")
    client = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.evaluator)}"})
    made = client.post(f"/api/v1/systems/{PUBLIC_ID}/evaluations", json=lab.envelope(PUBLIC_ID))
    assert made.status_code == 201, made.text
    found: str = made.json()["id"]
    return found


CONSULTATION_ID = "matrix-draft"


@pytest.fixture(autouse=True)
def consultation(portal: Portal) -> str:
    """An open consultation with one comment (id 1), for the ``{consultation_id}`` routes."""
    from tests.consultation.drafts import open_text_draft

    return open_text_draft(portal.store, CONSULTATION_ID, with_comment=True)


@pytest.fixture
def report(portal: Portal) -> dict[str, str]:
    """An incident report waiting for moderation, with one file: its id, status token and file id."""
    from tests.portal.reporting import file_report

    filed = file_report(portal, files=[("note.txt", b"what I saw", "text/plain")])
    return {"{report_id}": filed.report_id, "{report_token}": filed.token, "{evidence_id}": filed.evidence_id}


def _call(
    portal: Portal,
    client: TestClient,
    role: Role,
    method: str,
    path: str,
    n: int,
    evaluation_id: str,
    report: dict[str, str],
) -> int:
    concrete = (
        path.replace("{consultation_id}", CONSULTATION_ID)
        .replace("{comment_id}", "1")
        .replace("{system_id}", PUBLIC_ID)
        .replace("{evaluation_id}", evaluation_id)
        .replace("{restricted_id}", RESTRICTED_ID)
        .replace("{path}", "css/portal.css")
        .replace("{provider_id}", "campus")
    )
    for placeholder, value in report.items():
        concrete = concrete.replace(placeholder, value)
    if method == "GET":
        return client.get(concrete, follow_redirects=False).status_code
    if concrete in ("/login", "/logout"):
        client = _fresh_session(portal, role)  # these end the session they are sent with
    token = csrf_of(client.get("/login").text)
    profile = {**NEW_PROFILE, "id": f"matrix-{role.value}-{n}"}
    if concrete == "/api/v1/systems":
        return client.post(concrete, json=profile, headers={"X-CSRF-Token": token}).status_code
    form = {"csrf_token": token}
    if concrete == "/register":
        form["profile"] = json.dumps(profile)
    if concrete.startswith("/admin/identities"):  # link, then unlink, the same identity
        form |= {"provider": "campus", "identity": f"matrix-{role.value}", "account": ACCOUNTS[Role.provider]}
    if concrete == "/login":
        form |= {"name": "nobody-here", "password": "x" * 12}
        status = client.post(concrete, data=form, follow_redirects=False).status_code
        return 200 if status == 401 else status  # the form answered: a wrong password is not a refusal
    return client.post(concrete, data=form, follow_redirects=False).status_code


def _fresh_session(portal: Portal, role: Role) -> TestClient:
    client = portal.client()
    if role is not Role.public:
        client.cookies.set(COOKIE, SessionBook(portal.store).open(ACCOUNTS[role], second_factor_done=True))
    return client


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_route_as_every_role_answers_as_the_table_says(
    portal: Portal, role: Role, evaluation_id: str, report: dict[str, str]
) -> None:
    client = portal.logged_in(role)
    wrong = []
    for n, ((method, path), allowed) in enumerate(sorted(permission_table().items())):
        status = _call(portal, client, role, method, path, n, evaluation_id, report)
        if allowed[role] == (status in REFUSED):
            wrong.append(f"{method} {path}: {status}, table says {'yes' if allowed[role] else 'no'}")
    assert not wrong, f"as {role.value}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES[1:], ids=[r.value for r in ROLES[1:]])
def test_api_routes_with_a_token_answer_as_the_table_says(
    portal: Portal, role: Role, evaluation_id: str
) -> None:
    client = portal.client(headers={"Authorization": f"Bearer {portal.token(role)}"})
    wrong = []
    for (method, path), allowed in sorted(permission_table().items()):
        if not path.startswith(("/api/v1/systems", "/api/v1/evaluations")) and path != "/api/v1/me":
            continue
        concrete = (
            path.replace("{system_id}", PUBLIC_ID)
            .replace("{restricted_id}", RESTRICTED_ID)
            .replace("{evaluation_id}", evaluation_id)
        )
        if method == "GET":
            status = client.get(concrete).status_code
        else:  # no CSRF token: a token-only request is not a browser's
            status = client.post(concrete, json={**NEW_PROFILE, "id": f"token-{role.value}"}).status_code
        if allowed[role] == (status in REFUSED):
            wrong.append(f"{method} {path}: {status}")
    assert not wrong, f"token of {role.value}:\n" + "\n".join(wrong)


def test_a_wrong_token_is_401_not_public(portal: Portal) -> None:
    client = portal.client(headers={"Authorization": "Bearer tzk_0123456789abcdef_nope"})
    response = client.get("/api/v1/systems")
    assert response.status_code == 401
    assert response.json()["error"]["messages"]["zh"] == "接口令牌错误、已过期或已撤销。"
