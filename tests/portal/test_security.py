"""CSRF on every form, escaping of hostile text in pages and API, security headers, body limits, no CDN."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from markupsafe import escape

from tests.portal.conftest import PUBLIC_ID, Portal, csrf_of
from tests.portal.signed_evaluations import make_lab, write_site_policy
from tests.portal.test_permissions import permission_table
from tongzhou.portal.accounts import AccountBook
from tongzhou.portal.oidc_identities import IdentityLinks
from tongzhou.portal.roles import Role

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "tongzhou" / "portal" / "templates"
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "{{ 7*7 }}{% raw %}",
    "javascript:alert(1)",
]


def _no_live_markup(html: str) -> None:
    assert "<script>alert(1)" not in html
    assert "<img src=x onerror" not in html
    assert "<svg onload" not in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_every_field_is_escaped(portal: Portal, payload: str) -> None:
    provider = portal.logged_in(Role.provider)
    token = csrf_of(provider.get("/register").text)
    system_id = "xss-" + str(PAYLOADS.index(payload))
    profile = {
        "id": system_id,
        "name": payload,
        "name_zh": payload,
        "purpose": payload,
        "intended_use": payload,
        "notes": payload,
        "registrant": {"name": payload, "role": "provider"},
        "provider": {"name": payload},
        "markets": ["EU"],
    }
    made = provider.post(
        "/register", data={"profile": json.dumps(profile), "csrf_token": token}, follow_redirects=False
    )
    assert made.status_code == 303, made.text[:300]
    for page in (
        provider.get(f"/systems/{system_id}").text,
        provider.get("/registry", params={"q": payload}).text,
        provider.get("/registry").text,
        provider.get("/registry", params={"provider": payload, "sector": payload, "after": payload}).text,
        provider.get("/login", params={"lang": payload}).text,
    ):
        _no_live_markup(page)
    if "7*7" in payload:  # shown as written, never evaluated as a template
        assert "{{ 7*7 }}" in provider.get(f"/systems/{system_id}").text
    api = provider.get(f"/api/v1/systems/{system_id}").json()
    assert (
        api["profile"]["name"] == payload and api["profile"]["provider"]["name"] == payload
    )  # data kept as is
    listed = provider.get("/api/v1/systems", params={"provider": payload}).json()["systems"]
    assert [s["name"] for s in listed] == [payload]
    # Forms that echo their input back: login name, registration text, admin fields, token label.
    login_page = portal.client()
    echoed = login_page.post(
        "/login",
        data={"name": payload, "password": "x" * 12, "csrf_token": csrf_of(login_page.get("/login").text)},
    )
    _no_live_markup(echoed.text)
    bad_register = provider.post("/register", data={"profile": payload, "csrf_token": token})
    _no_live_markup(bad_register.text)
    tokens = provider.post("/account/tokens", data={"label": payload, "csrf_token": token})
    _no_live_markup(tokens.text)
    admin = portal.logged_in(Role.admin)
    admin_token = csrf_of(admin.get("/admin").text)
    for form in ({"name": payload, "password": payload, "role": payload}, {"id": payload, "name": payload}):
        path = "/admin/accounts" if "role" in form else "/admin/organisations"
        _no_live_markup(admin.post(path, data={**form, "csrf_token": admin_token}).text)
    # Single sign-on links: refused forms echo the identity and provider; a stored link is listed.
    identity_form = {"provider": payload, "identity": payload, "account": payload, "csrf_token": admin_token}
    for path in ("/admin/identities", "/admin/identities/unlink"):
        refused = admin.post(path, data=identity_form)
        assert refused.status_code in (409, 422)
        _no_live_markup(refused.text)
    IdentityLinks(AccountBook(portal.store)).link("prov", payload, payload)
    listed = admin.get("/admin/identities").text
    _no_live_markup(listed)
    assert str(escape(payload)) in listed  # shown as written, escaped


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_inside_a_validly_signed_evaluation_is_escaped(
    portal: Portal, payload: str, tmp_path: Path
) -> None:
    lab = make_lab(portal.store, tmp_path / "banks")
    write_site_policy(lab.key, name=payload, evaluator=payload)  # the site's own policy, too
    verdicts = {k: {**v, "reason": payload} for k, v in lab.summary["verdicts"].items()}
    model = {**lab.summary["model"], "name": payload}
    envelope = lab.envelope(PUBLIC_ID, evaluator=payload, run_id=payload, model=model, verdicts=verdicts)
    client = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.evaluator)}"})
    made = client.post(f"/api/v1/systems/{PUBLIC_ID}/evaluations", json=envelope)
    assert made.status_code == 201, made.text
    evaluation_id = made.json()["id"]
    public = portal.client()
    page = public.get(f"/evaluations/{evaluation_id}").text
    _no_live_markup(page)
    _no_live_markup(public.get(f"/systems/{PUBLIC_ID}").text)
    if "7*7" in payload:
        assert "{{ 7*7 }}" in page
    api = public.get(f"/api/v1/evaluations/{evaluation_id}").json()
    assert api["report"]["run_id"] == payload and api["report"]["model"] == payload  # data kept as is
    assert api["verification"]["policy"] == payload and api["evaluator"] == payload
    # The envelope travels in a data attribute: its quotes are escaped, so it cannot close it.
    attribute = re.search(r'data-envelope="([^"]*)"', page)
    assert attribute and json.loads(html.unescape(attribute.group(1))) == envelope


def test_every_post_route_refuses_a_missing_or_forged_csrf_token(portal: Portal) -> None:
    posts = [path for (method, path) in permission_table() if method == "POST"]
    client = portal.logged_in(Role.admin)
    for path in posts:
        concrete = path.replace("{system_id}", PUBLIC_ID)
        missing = client.post(concrete, data={"name": "x"})
        forged = client.post(concrete, data={"name": "x", "csrf_token": "0" * 64})
        assert missing.status_code == forged.status_code == 403, path
    anonymous = portal.client()
    anonymous.get("/login")
    assert anonymous.post("/login", data={"name": "adm", "password": "x" * 12}).status_code == 403
    # A token minted for another browser does not work in this one.
    other = portal.client()
    stolen = csrf_of(other.get("/login").text)
    assert (
        anonymous.post("/login", data={"name": "adm", "password": "x" * 12, "csrf_token": stolen}).status_code
        == 403
    )


def test_security_headers_on_pages_api_and_taxii(portal: Portal) -> None:
    client = portal.client()
    for path in ("/", "/registry", "/api/v1/systems", "/taxii2/", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in headers, "no HSTS over plain HTTP"


def test_templates_have_no_inline_script_or_style_and_no_remote_assets() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<script>" not in text and "<style" not in text and " style=" not in text, template.name
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name} has an inline event handler"
        assert not re.search(r"""(src|href)=["']https?://""", text), f"{template.name} loads from elsewhere"
        assert "//cdn" not in text


def test_oversized_and_wrongly_typed_bodies(portal: Portal) -> None:
    client = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.provider)}"})
    huge = b'{"id": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    assert (
        client.post("/api/v1/systems", content=huge, headers={"content-type": "application/json"}).status_code
        == 413
    )
    browser = portal.logged_in(Role.provider)
    token = csrf_of(browser.get("/register").text)
    big_form = browser.post("/register", data={"profile": "x" * 100_000, "csrf_token": token})
    assert big_form.status_code == 413
    assert browser.get("/registry").status_code == 200


def test_static_files_are_served_from_the_package(portal: Portal) -> None:
    css = portal.client().get("/static/css/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert portal.client().get("/static/../../../etc/passwd").status_code == 404
