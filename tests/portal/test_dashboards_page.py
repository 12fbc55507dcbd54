"""The dashboards page and its JSON: figures from the workspace's SQL, tables served without any
script, charts as inline SVG (one bar per table row), and Art. 49(4) systems counted for regulators
only."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.portal.conftest import RESTRICTED_ID, Portal
from tongzhou.portal.dashboard_data import fit_label
from tongzhou.portal.roles import Role
from tongzhou.systems.bundled import example_profiles
from tongzhou.workspace.service import ComplianceWorkspace

AS_OF = dt.date(2026, 1, 15)
_ROW = re.compile(r"<tr><td>")
_BAR = re.compile(r'<g class="bar">')


@pytest.fixture
def planned(portal: Portal) -> Portal:
    """Every example system and the non-public one planned in the workspace."""
    workspace = ComplianceWorkspace(portal.store)
    for system_id in [p.id for p in example_profiles()] + [RESTRICTED_ID]:
        workspace.plan(system_id, as_of=AS_OF)
    return portal


def _eu_total(rows: list[dict[str, object]]) -> int:
    return sum(int(str(r["systems"])) for r in rows if r["jurisdiction"] == "eu")


def test_non_public_systems_are_counted_for_regulators_only(planned: Portal) -> None:
    examples = len(example_profiles())
    for role in (Role.public, Role.provider, Role.evaluator, Role.admin):
        client = planned.logged_in(role)
        tiers = client.get("/api/v1/dashboards/systems-by-tier").json()["rows"]
        assert _eu_total(tiers) == examples, role
        dates = client.get(f"/api/v1/dashboards/upcoming-dates?as_of={AS_OF}").json()["rows"]
        assert dates and all(RESTRICTED_ID not in r["systems"] for r in dates), role
        page = client.get(f"/dashboards?as_of={AS_OF}").text
        assert RESTRICTED_ID not in page
    regulator = planned.logged_in(Role.regulator)
    tiers = regulator.get("/api/v1/dashboards/systems-by-tier").json()["rows"]
    assert _eu_total(tiers) == examples + 1
    dates = regulator.get(f"/api/v1/dashboards/upcoming-dates?as_of={AS_OF}").json()["rows"]
    assert any(RESTRICTED_ID in r["systems"] for r in dates)
    assert RESTRICTED_ID in regulator.get(f"/dashboards?as_of={AS_OF}").text


def test_the_page_has_a_table_and_a_bar_per_row_without_script(planned: Portal) -> None:
    client = planned.client()
    page = client.get(f"/dashboards?as_of={AS_OF}")
    assert page.status_code == 200
    assert "<script" not in page.text  # tables and charts are server-rendered
    for name in ("systems-by-tier", "upcoming-dates"):
        rows = client.get(f"/api/v1/dashboards/{name}?as_of={AS_OF}").json()["rows"]
        section = page.text.split(f'<section class="dashboard" id="{name}"')[1].split("</section>")[0]
        assert len(_ROW.findall(section)) == len(rows) > 0
        assert len(_BAR.findall(section)) == len(rows)
    for name in ("evaluations-by-verdict", "incidents-by-harm"):  # nothing recorded in this store
        assert client.get(f"/api/v1/dashboards/{name}").json()["rows"] == []
        section = page.text.split(f'<section class="dashboard" id="{name}"')[1].split("</section>")[0]
        assert "No data yet." in section and "<svg" not in section


def test_the_figures_match_the_workspace_counted_in_python(planned: Portal) -> None:
    items = ComplianceWorkspace(planned.store).items()
    rows = planned.client().get(f"/api/v1/dashboards/upcoming-dates?as_of={AS_OF}").json()["rows"]
    expected = {
        (i.due_date.isoformat(), i.jurisdiction, i.obligation_id)
        for i in items
        if i.due_date is not None and i.due_date >= AS_OF and i.system_id != RESTRICTED_ID
    }
    assert {(r["date"], r["jurisdiction"], r["obligation_id"]) for r in rows} == expected


def test_the_page_speaks_chinese_and_escapes(planned: Portal) -> None:
    page = planned.client().get(f"/dashboards?lang=zh&as_of={AS_OF}").text
    assert "各法域按级别统计的系统" in page and "即将到来的法定日期" in page
    assert planned.client().get("/dashboards?as_of=2026-13-01").status_code == 400
    bad = planned.client().get("/dashboards?as_of=<script>")
    assert bad.status_code == 400 and "<script>" not in bad.text


def test_long_bar_labels_are_cut_to_fit_and_keep_the_full_text_as_the_tooltip(planned: Portal) -> None:
    assert fit_label("eu · high-risk", 40) == "eu · high-risk"
    cut = fit_label("cn · generative AI service: security assessment and filing required", 40)
    assert cut.endswith("…") and len(cut) <= 40
    assert "cn · generative AI service: security assessment and filing required".startswith(cut[:-1])
    wide = fit_label("中国 · 生成式人工智能服务：需进行安全评估并备案的服务类型", 40)
    assert wide.endswith("…") and sum(2 if ord(c) > 0x2E80 else 1 for c in wide[:-1]) <= 39
    page = planned.client().get(f"/dashboards?as_of={AS_OF}").text
    for label in re.findall(r'<text x="254"[^>]*>([^<]*)</text>', page):
        assert len(label) <= 40, label
    titles = re.findall(r"<title>([^<]*)</title>", page)
    assert titles and any(len(t) > 40 for t in titles), "no long label kept whole in a tooltip"
