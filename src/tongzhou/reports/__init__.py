"""Readable reports of signed evaluations: self-contained HTML (inline SVG charts), Markdown and PDF,
with bilingual headings and a GB/T 45654-style self-assessment table."""

from tongzhou.reports.html import render_html
from tongzhou.reports.markdown import render_markdown
from tongzhou.reports.pdf import html_to_pdf
from tongzhou.reports.self_assessment import AssessmentRow, self_assessment
from tongzhou.reports.view import ReportView, SignatureInfo, report_view

__all__ = [
    "AssessmentRow",
    "ReportView",
    "SignatureInfo",
    "html_to_pdf",
    "render_html",
    "render_markdown",
    "report_view",
    "self_assessment",
]
