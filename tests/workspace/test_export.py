"""The compliance file: JSON, Markdown, HTML and PDF carry the same content."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest

from tests.system_tools import need_chromium
from tests.workspace.conftest import AS_OF
from tongzhou.errors import InputError
from tongzhou.workspace.export import SCHEMA_ID, compliance_file, render_html, render_markdown, write_export
from tongzhou.workspace.service import ComplianceWorkspace


@pytest.fixture
def filed(
    workspace: ComplianceWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ComplianceWorkspace:
    """cv-screening planned for the EU and Korea, one item owned, evidenced and in progress."""
    monkeypatch.chdir(tmp_path)
    Path("rmf.pdf").write_bytes(b"%PDF risk file")
    workspace.plan("cv-screening", as_of=AS_OF, jurisdictions="eu,kr")
    art9 = next(i.id for i in workspace.items("cv-screening") if i.obligation_id == "eu.art9")
    workspace.assign(art9, "Ana <Risk> | Team")
    workspace.attach(art9, Path("rmf.pdf"), "file", artefact="risk-management-file")
    workspace.set_status(art9, "in-progress")
    return workspace


def test_json_file_has_items_evidence_and_coverage(filed: ComplianceWorkspace) -> None:
    doc = compliance_file(filed, "cv-screening", dt.date(2026, 12, 6))
    assert doc["schema"] == SCHEMA_ID and doc["system"]["plan_is_current"]
    assert [j["jurisdiction"] for j in doc["jurisdictions"]] == ["eu", "kr"]
    eu = doc["jurisdictions"][0]
    # The headline is classify's: nothing applies yet in the EU, high-risk from 2 Dec 2027.
    assert eu["headline_tier"] is None and "from 2027-12-02: high-risk" in eu["headline_text"]
    assert doc["jurisdictions"][1]["headline_status"] == "applies"
    art9 = next(i for i in eu["items"] if i["obligation_id"] == "eu.art9")
    assert art9["owner"] == "Ana <Risk> | Team" and art9["status"] == "in-progress"
    assert art9["covered"] and art9["evidence_on_file"][0]["name"] == "rmf.pdf"
    assert "risk-management-file" in art9["accepted_artefacts"]
    art4 = next(i for i in eu["items"] if i["obligation_id"] == "eu.art4")
    assert art4["overdue"] and not art4["covered"]
    assert eu["coverage"]["items"] == len(eu["items"])
    # Korea's Art. 34 is served by the same risk management file (the crosswalk).
    kr34 = next(i for i in doc["jurisdictions"][1]["items"] if i["obligation_id"] == "kr.art34")
    assert kr34["covered"] and kr34["reused_from"] == [art9["id"]]
    assert doc["summary"]["items"] == sum(len(j["items"]) for j in doc["jurisdictions"])
    assert doc["summary"]["overdue"] >= 1
    json.dumps(doc)  # JSON-ready


def test_markdown_and_html_say_the_same_and_escape_user_text(filed: ComplianceWorkspace) -> None:
    doc = compliance_file(filed, "cv-screening", AS_OF)
    md = render_markdown(doc)
    assert "# Compliance file / 合规档案" in md
    assert (
        "from 2027-12-02: high-risk AI system" in md
        and "from 2027-12-02: high-risk AI system" in render_html(doc)
    )
    assert "Ana <Risk> \\| Team" in md  # the pipe cannot break the table
    assert "rmf.pdf (risk-management-file" in md and "**missing / 缺失**" in md
    html = render_html(doc)
    assert "Ana &lt;Risk&gt; | Team" in html and "<Risk>" not in html
    assert html.count("<tr>") > len(doc["jurisdictions"][0]["items"])
    assert "built-in method" not in html  # a Jinja "x.items" reads dict.items, not the count
    eu = doc["jurisdictions"][0]["coverage"]
    assert f"evidence on file for {eu['covered']} of {eu['items']} item(s)" in html
    assert f"<td>{doc['summary']['items']}; evidence on file {doc['summary']['covered']};" in html
    for j in doc["jurisdictions"]:
        for item in j["items"]:
            assert item["legal_basis"] in md


def test_export_writes_atomically_and_refuses_bad_formats(filed: ComplianceWorkspace, tmp_path: Path) -> None:
    doc = compliance_file(filed, "cv-screening", AS_OF)
    out = tmp_path / "out" / "file.json"
    assert write_export(doc, "json", out) is None
    assert json.loads(out.read_text("utf-8")) == json.loads(json.dumps(doc))
    with pytest.raises(InputError, match="not one of"):
        write_export(doc, "docx", None)
    with pytest.raises(InputError, match="needs --out"):
        write_export(doc, "pdf", None)
    with pytest.raises(InputError, match="has no plan yet"):
        compliance_file(filed, "credit-scoring")


def test_pdf_is_printed_by_chromium(filed: ComplianceWorkspace, tmp_path: Path) -> None:
    from pypdf import PdfReader

    need_chromium()
    doc = compliance_file(filed, "cv-screening", AS_OF)
    out = tmp_path / "file.pdf"
    write_export(doc, "pdf", out)
    # NFKC: the PDF's text carries the font's ligatures (ﬁ),
    # and table cells wrap, so whitespace is collapsed before searching.
    text = unicodedata.normalize("NFKC", "".join(page.extract_text() for page in PdfReader(out).pages))
    text = " ".join(text.split())
    assert "Compliance file" in text and "rmf.pdf" in text and "Art. 9" in text
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
