"""A system's compliance workspace in the portal: open to its provider organisation, regulators and
admins only; the page, the JSON and the downloads all show the workspace's own plan."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.portal.conftest import PUBLIC_ID, RESTRICTED_ID, Portal
from tongzhou.portal.accounts import AccountBook
from tongzhou.portal.listing_index import set_organisation
from tongzhou.portal.roles import Role
from tongzhou.workspace.service import ComplianceWorkspace

AS_OF = dt.date(2026, 1, 15)


@pytest.fixture
def planned(portal: Portal) -> Portal:
    """cv-screening belongs to the provider's organisation (acme) and is planned; so is the
    non-public entry."""
    set_organisation(portal.store, PUBLIC_ID, "acme")
    workspace = ComplianceWorkspace(portal.store)
    workspace.plan(PUBLIC_ID, as_of=AS_OF)
    workspace.plan(RESTRICTED_ID, as_of=AS_OF)
    item = next(i for i in workspace.items(PUBLIC_ID) if i.due_date is not None)
    workspace.assign(item.id, "compliance-lead")
    return portal


def test_the_owner_sees_every_item_of_the_plan(planned: Portal) -> None:
    items = ComplianceWorkspace(planned.store).items(PUBLIC_ID)
    client = planned.logged_in(Role.provider)
    doc = client.get(f"/api/v1/systems/{PUBLIC_ID}/workspace").json()["compliance_file"]
    shown = {(j["jurisdiction"], i["obligation_id"]) for j in doc["jurisdictions"] for i in j["items"]}
    assert shown == {(i.jurisdiction, i.obligation_id) for i in items}
    page = client.get(f"/systems/{PUBLIC_ID}/workspace")
    assert page.status_code == 200
    assert page.text.count('<tr class="ws-item') == len(items)
    assert "compliance-lead" in page.text and items[0].legal_basis in page.text
    assert "合规工作台" in client.get(f"/systems/{PUBLIC_ID}/workspace?lang=zh").text


def test_who_may_open_it(planned: Portal) -> None:
    book = AccountBook(planned.store)
    book.add_organisation("other", "Other AI")
    url = f"/api/v1/systems/{PUBLIC_ID}/workspace"
    assert planned.client().get(url).status_code == 401
    assert planned.logged_in(Role.evaluator).get(url).status_code == 403
    assert planned.logged_in(Role.regulator).get(url).status_code == 200
    assert planned.logged_in(Role.admin).get(url).status_code == 200
    set_organisation(planned.store, PUBLIC_ID, "other")  # now another organisation's system
    assert planned.logged_in(Role.provider).get(url).status_code == 403
    restricted = f"/api/v1/systems/{RESTRICTED_ID}/workspace"
    assert planned.logged_in(Role.admin).get(restricted).status_code == 404  # Art. 49(4)
    assert planned.logged_in(Role.regulator).get(restricted).json()["compliance_file"] is not None
    assert planned.logged_in(Role.admin).get("/api/v1/systems/no-such/workspace").status_code == 404


def test_downloads_are_the_workspace_export(planned: Portal) -> None:
    from tongzhou.workspace.export import compliance_file, render_markdown

    client = planned.logged_in(Role.provider)
    md = client.get(f"/systems/{PUBLIC_ID}/workspace/export?format=md")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "attachment" in md.headers["content-disposition"]
    expected = compliance_file(ComplianceWorkspace(planned.store), PUBLIC_ID)
    assert md.text == render_markdown(expected)
    as_json = client.get(f"/systems/{PUBLIC_ID}/workspace/export?format=json")
    assert json.loads(as_json.text)["summary"] == expected["summary"]
    assert client.get(f"/systems/{PUBLIC_ID}/workspace/export?format=pdf").status_code == 400
    assert planned.client().get(f"/systems/{PUBLIC_ID}/workspace/export").status_code == 401


def test_a_system_without_a_plan_says_so(portal: Portal) -> None:
    client = portal.logged_in(Role.regulator)
    assert client.get(f"/api/v1/systems/{PUBLIC_ID}/workspace").json()["compliance_file"] is None
    assert "no compliance plan yet" in client.get(f"/systems/{PUBLIC_ID}/workspace").text
    assert client.get(f"/systems/{PUBLIC_ID}/workspace/export").status_code == 409


def test_the_system_page_links_the_workspace_for_those_who_may_open_it(planned: Portal) -> None:
    link = f'href="/systems/{PUBLIC_ID}/workspace"'
    assert link in planned.logged_in(Role.regulator).get(f"/systems/{PUBLIC_ID}").text
    assert link not in planned.client().get(f"/systems/{PUBLIC_ID}").text


def test_the_provider_assigns_and_sets_status_through_csrf_forms(planned: Portal) -> None:
    from tests.portal.conftest import csrf_of

    workspace = ComplianceWorkspace(planned.store)
    item = workspace.items(PUBLIC_ID)[0]
    client = planned.logged_in(Role.provider)
    url = f"/systems/{PUBLIC_ID}/workspace"
    token = csrf_of(client.get(url).text)
    form = {"csrf_token": token, "item_id": str(item.id), "owner": "Li Wei", "status": "in-progress"}
    answer = client.post(url, data=form, follow_redirects=False)
    assert answer.status_code == 303
    changed = workspace.item(item.id)
    assert (changed.owner, changed.status) == ("Li Wei", "in-progress")
    # done needs evidence on file: refused, nothing changed
    refused = client.post(url, data={**form, "status": "done"}, follow_redirects=False)
    assert refused.status_code == 422 and workspace.item(item.id).status == "in-progress"
    # no CSRF token, another system's item, a regulator: refused, nothing changed
    assert client.post(url, data={**form, "csrf_token": "0" * 64, "owner": "X"}).status_code == 403
    other = ComplianceWorkspace(planned.store).items(RESTRICTED_ID)[0]
    assert client.post(url, data={**form, "item_id": str(other.id)}).status_code == 404
    regulator = planned.logged_in(Role.regulator)
    reg_form = {**form, "csrf_token": csrf_of(regulator.get("/login").text), "owner": "X"}
    assert regulator.post(url, data=reg_form).status_code == 403
    assert workspace.item(item.id).owner == "Li Wei" and workspace.item(other.id).owner is None
    assert '<form method="post" action="/systems/' not in regulator.get(url).text
