"""The portal's main pages, in English and Chinese, have no serious or critical WCAG 2.1 A/AA
violation found by axe-core (vendored in tests/portal/vendor/axe-core, checked against its recorded
sha256) running in Debian's headless Chromium."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.portal.conftest import ACCOUNTS, PASSWORD, PUBLIC_ID, Portal
from tests.system_tools import need_chromium
from tests.threats.conftest import ThreadedServer
from tongzhou.portal.listing_index import set_organisation
from tongzhou.portal.roles import Role
from tongzhou.reports.browser import chromium_page

pytestmark = pytest.mark.slow

AXE_DIR = Path(__file__).parent / "vendor" / "axe-core"
AXE = AXE_DIR / "axe.min.js"
# The WCAG 2.1 level A and AA rule sets of axe-core (its "tags"); best-practice rules are left out.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def recorded_sha256() -> str:
    match = re.search(r"sha256 of axe\.min\.js: ([0-9a-f]{64})", (AXE_DIR / "NOTICE.md").read_text())
    assert match, "NOTICE.md must record the sha256 of axe.min.js"
    return match.group(1)


def test_the_vendored_axe_is_the_recorded_file() -> None:
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == recorded_sha256()
    notice = (AXE_DIR / "NOTICE.md").read_text()
    assert "MPL-2.0" in notice and "Mozilla Public License" in (AXE_DIR / "LICENSE").read_text()
    version = re.search(r"version: (\S+)", notice)
    assert version and AXE.read_text().startswith(f"/*! axe v{version.group(1)}\n")


@pytest.fixture
def furnished(portal: Portal, tmp_path: Path) -> Portal:
    """The seeded portal plus a planned workspace (owned by the provider's organisation) and one
    signed evaluation, so every main page has content to check."""
    from tests.portal.signed_evaluations import make_lab
    from tongzhou.workspace.service import ComplianceWorkspace

    set_organisation(portal.store, PUBLIC_ID, "acme")
    ComplianceWorkspace(portal.store).plan(PUBLIC_ID)
    lab = make_lab(portal.store, tmp_path / "banks")
    evaluator = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.evaluator)}"})
    made = evaluator.post(f"/api/v1/systems/{PUBLIC_ID}/evaluations", json=lab.envelope(PUBLIC_ID))
    assert made.status_code == 201, made.text
    portal.evaluation_id = made.json()["id"]  # type: ignore[attr-defined]
    return portal


@pytest.fixture
def live(furnished: Portal) -> Iterator[str]:
    need_chromium()
    port = free_port()
    server = ThreadedServer(furnished.app, port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    """Injects axe into the page as served (under the portal's own CSP) and runs the WCAG 2.1 AA rules.

    ``page.add_script_tag(content=...)`` is refused by the portal's CSP (``script-src 'self'``, no
    inline script), as it should be; Playwright's ``evaluate`` goes through the DevTools protocol,
    which the page's CSP does not govern, so axe runs without weakening the headers under test."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {source}\n}}")
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    assert result["passes"], "axe ran no rule: the page or the injection is broken"
    return list(result["violations"])


def describe(url: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"]][:8]
        lines.append(
            f"{url}: {v['id']} ({v['impact']}) {v['help']} -> {json.dumps(targets, ensure_ascii=False)}"
        )
        lines.extend(f"    {n['failureSummary']}" for n in v["nodes"][:3])
    return "\n".join(lines)


def _login_as_provider(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=name]", ACCOUNTS[Role.provider])
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_main_pages_have_no_serious_wcag_violation(live: str, furnished: Portal, lang: str) -> None:
    source = AXE.read_text()
    assert hashlib.sha256(source.encode()).hexdigest() == recorded_sha256()
    evaluation = furnished.evaluation_id  # type: ignore[attr-defined]
    public = [
        "/",
        "/registry",
        f"/systems/{PUBLIC_ID}",
        "/login",
        "/dashboards",
        "/verify",
        f"/evaluations/{evaluation}",
        "/report",
    ]
    signed_in = [
        f"/systems/{PUBLIC_ID}/workspace",
        "/dashboards",
        "/register",
        "/account",
        "/provider/incidents",
        "/",
    ]
    failures: list[str] = []
    checked: list[str] = []
    with chromium_page() as page:
        page.set_default_timeout(20_000)
        page.goto(f"{live}/?lang={lang}")  # the choice is remembered in a cookie
        for path in public:
            page.goto(f"{live}{path}")
            checked.append(path)
            assert page.evaluate("document.documentElement.lang").startswith(lang)
            blocking = [v for v in axe_violations(page, source) if v["impact"] in BLOCKING]
            if blocking:
                failures.append(describe(path, blocking))
        _login_as_provider(page, live)
        for path in signed_in:
            page.goto(f"{live}{path}")
            checked.append(path + " (provider)")
            assert "Sign in" not in page.title()
            blocking = [v for v in axe_violations(page, source) if v["impact"] in BLOCKING]
            if blocking:
                failures.append(describe(path, blocking))
    assert len(checked) == len(public) + len(signed_in)
    assert not failures, "\n".join(failures)


def test_the_check_finds_a_broken_page(live: str) -> None:
    """The same check fails a page with an unlabelled field and an image without a text alternative
    (so a clean result above means something)."""
    with chromium_page() as page:
        page.goto(f"{live}/registry")
        page.evaluate(
            """() => {
                const main = document.querySelector('main');
                main.append(Object.assign(document.createElement('input'), {type: 'text', name: 'x'}));
                main.append(Object.assign(document.createElement('img'), {src: '/static/favicon.svg'}));
            }"""
        )
        found = {v["id"]: v["impact"] for v in axe_violations(page, AXE.read_text())}
    assert found.get("label") in BLOCKING and found.get("image-alt") in BLOCKING, found


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_chart_bars_have_non_text_contrast_against_the_page() -> None:
    """axe cannot judge the SVG charts (it reports their text as "needs review"); the bars are checked
    here against WCAG 2.1 SC 1.4.11 (graphical objects at least 3:1 against adjacent colours; the
    page is white). The chart text uses SVG's default black fill on white, 21:1."""
    from tongzhou.portal.dashboard_data import PALETTE

    white = 1.0
    for colour in PALETTE:
        ratio = (white + 0.05) / (_relative_luminance(colour) + 0.05)
        assert ratio >= 3.0, (colour, round(ratio, 2))
