"""Self-contained HTML: inline CSS and SVG, no script, no external resource."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from tongzhou.reports.charts import rate_chart
from tongzhou.reports.view import ReportView, corrected_text, pct

_ENV = Environment(
    loader=PackageLoader("tongzhou.reports", "templates"),
    autoescape=select_autoescape(["j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(view: ReportView) -> str:
    """The report as one HTML document."""
    charts = {
        m.id: Markup(rate_chart(f"{m.name_zh} / {m.name_en}", m.metric, m.threshold, m.verdict))
        for m in view.metrics
    }
    return _ENV.get_template("report.html.j2").render(
        v=view, r=view.report, charts=charts, pct=pct, corrected_text=corrected_text
    )
