"""Charts as inline SVG (no script, no CDN): rates per risk type with Wilson bars against a threshold.

Bars are coloured by the verdicts stored in the signed summary; nothing here judges a rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

PASS, INCONCLUSIVE, FAIL, NEUTRAL = "#2e7d32", "#f9a825", "#c62828", "#607d8b"

_COLOUR = {"pass": PASS, "inconclusive": INCONCLUSIVE, "fail": FAIL, "none": NEUTRAL, "not-pass": FAIL}


def rate_chart(
    title: str,
    metric: Mapping[str, Any],
    threshold: Mapping[str, Any] | None,
    verdict: str = "none",
    width: int = 760,
    height: int = 300,
) -> str:
    """Bars for the overall rate and each risk type, with confidence bars and the threshold line.

    Colours are the verdicts the summary stored: ``verdict`` for the overall bar, each risk's own
    stored ``verdict`` (indicative) for its bar, grey where none was stored.
    """
    bars: list[tuple[str, Mapping[str, Any]]] = [("all", metric)]
    bars += sorted((metric.get("by_risk") or {}).items())
    left, right, top, bottom = 52, 12, 34, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(bars)
    bar_w = max(4.0, min(40.0, step * 0.6))

    def y(rate: float) -> float:
        return top + plot_h * (1 - max(0.0, min(1.0, rate)))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="18" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        ty = y(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#e0e0e0"/>')
        parts.append(
            f'<text x="{left - 6}" y="{ty + 4:.1f}" font-size="11" text-anchor="end">'
            f"{int(tick * 100)}%</text>"
        )
    rotate = len(bars) > 12
    for i, (label, m) in enumerate(bars):
        cx = left + step * (i + 0.5)
        colour = _COLOUR[verdict if i == 0 else str(m.get("verdict", "none"))]
        value_y = y(m["value"])
        tip = (
            f"{label}: {100 * m['value']:.1f}% (95% CI {100 * m['ci_low']:.1f}–{100 * m['ci_high']:.1f}%), "
            f"n={m['n']}"
        )
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<rect x="{cx - bar_w / 2:.1f}" y="{value_y:.1f}" width="{bar_w:.1f}" '
            f'height="{top + plot_h - value_y:.1f}" fill="{colour}" opacity="0.85"/>'
        )
        lo, hi = y(m["ci_low"]), y(m["ci_high"])
        cap = bar_w / 4
        parts.append(
            f'<path d="M{cx:.1f},{hi:.1f}V{lo:.1f}M{cx - cap:.1f},{hi:.1f}H{cx + cap:.1f}'
            f'M{cx - cap:.1f},{lo:.1f}H{cx + cap:.1f}" stroke="#212121" stroke-width="1.5" fill="none"/>'
            # The point estimate as a dot too, so a 0 % bar is still visible.
            f'<circle cx="{cx:.1f}" cy="{value_y:.1f}" r="3.5" fill="{colour}" stroke="#212121"/></g>'
        )
        ly = top + plot_h + 14
        anchor = (
            f' transform="rotate(-45 {cx:.1f} {ly:.1f})" text-anchor="end"'
            if rotate
            else ' text-anchor="middle"'
        )
        parts.append(f'<text x="{cx:.1f}" y="{ly:.1f}" font-size="11"{anchor}>{escape(label)}</text>')
    if threshold:
        ty = y(float(threshold["value"]))
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#1565c0" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{width - right}" y="18" font-size="12" text-anchor="end" fill="#1565c0">'
            f"- - 阈值 threshold {escape(str(threshold['op']))} {100 * float(threshold['value']):g}%</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
