"""Server-drawn SVG charts (follow-up indicators, back-office statistics): inline, role="img" with a
<title> and <desc>, presentation attributes only (the CSP forbids style attributes). Every chart is
shown next to a table of its values, which screen readers and keyboards read instead."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import format_decimal
from markupsafe import Markup, escape

# Drawn for a phone (a 420-unit viewBox shown about 340 px wide: 14-unit labels read at ~11 px) and
# scaled up by the CSS on wide screens, where it fills its column.
CHART_FONT = 14
MAX_X_LABELS = 6
INK, AXIS, LINE, TARGET = "#333", "#555", "#1d4f91", "#8a5a00"


def number_fr(value: float) -> str:
    """One decimal at most, in the reader's locale ("2,5" in French, "2.5" in English)."""
    return format_decimal(value, format="0" if float(value).is_integer() else "0.0")


@dataclass
class Chart:
    svg: Markup
    points: list[tuple[date, float]]


def _open(uid: str, width: int, height: int, title: str, desc: str) -> list[str]:
    # Named by its title; every value is in its description (a long name would be read first).
    return [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{uid}-title" aria-describedby="{uid}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-title">{escape(title)}</title><desc id="{uid}-desc">{escape(desc)}</desc>',
    ]


def line_chart(
    uid: str,
    title: str,
    points: Sequence[tuple[date, float]],
    *,
    describe: Callable[[date, float], str],
    empty: str,
    target: float | None = None,
    x_format: str = "%m/%y",
    radius: float = 4,
    width: int = 420,
    height: int = 210,
) -> Chart:
    """Values over time as a line with its points; ``target`` draws a dashed line."""
    points = list(points)
    pad_l, pad_r, pad_t, pad_b = 52, 16, 14, 34
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max([v for _d, v in points] + [target or 0, 1])
    n = len(points)
    font = f'font-size="{CHART_FONT}" fill="{INK}"'

    def x(i: int) -> float:
        return pad_l + (inner_w / 2 if n == 1 else inner_w * i / (n - 1))

    def y(v: float) -> float:
        return pad_t + inner_h - inner_h * v / top

    desc = "; ".join(describe(d, v) for d, v in points) or empty
    parts = _open(uid, width, height, title, desc) + [
        f'<line x1="{pad_l}" y1="{pad_t + inner_h}" x2="{width - pad_r}" '
        f'y2="{pad_t + inner_h}" stroke="{AXIS}" stroke-width="1"/>',
        f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + inner_h}" stroke="{AXIS}" stroke-width="1"/>',
        f'<text x="{pad_l - 6}" y="{pad_t + 5}" text-anchor="end" {font}>{escape(number_fr(top))}</text>',
        f'<text x="{pad_l - 6}" y="{pad_t + inner_h}" text-anchor="end" {font}>0</text>',
    ]
    if target:
        parts.append(
            f'<line x1="{pad_l}" y1="{y(target):.1f}" x2="{width - pad_r}" y2="{y(target):.1f}" '
            f'stroke="{TARGET}" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    if n:
        coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_d, v) in enumerate(points))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="2.5"/>')
        # At most MAX_X_LABELS dates, evenly spaced back from the last one (never two that overlap);
        # the table beside the chart has them all.
        labelled = set(range(n - 1, -1, -math.ceil(n / MAX_X_LABELS)))
        for i, (d, v) in enumerate(points):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{radius}" fill="{LINE}"/>')
            if i in labelled:
                # The last date ends at the right edge, so it is never cut off.
                anchor = "end" if i == n - 1 and n > 1 else "middle"
                label = d.strftime(x_format)
                parts.append(f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="{anchor}" {font}>{label}</text>')
    parts.append("</svg>")
    return Chart(svg=Markup("".join(parts)), points=points)


def bar_chart(uid: str, title: str, bars: Sequence[tuple[str, float]], *, empty: str, unit: str = "") -> Markup:
    """Horizontal bars, each label written above its bar (long names fit on a phone)."""
    width, pad_l, pad_r = 420, 4, 70
    row = 2 * CHART_FONT + 14
    height = max(len(bars), 1) * row + 8
    top = max([v for _label, v in bars] + [1])
    font = f'font-size="{CHART_FONT}" fill="{INK}"'
    suffix = f" {unit}" if unit else ""
    desc = "; ".join(f"{label} : {number_fr(v)}{suffix}" for label, v in bars) or empty
    parts = _open(uid, width, height, title, desc)
    for i, (label, value) in enumerate(bars):
        y0 = 4 + i * row
        length = (width - pad_l - pad_r) * value / top
        parts.append(f'<text x="{pad_l}" y="{y0 + CHART_FONT}" {font}>{escape(label)}</text>')
        parts.append(
            f'<rect x="{pad_l}" y="{y0 + CHART_FONT + 4}" width="{max(length, 1):.1f}" height="{CHART_FONT}" '
            f'fill="{LINE}"/>'
        )
        parts.append(
            f'<text x="{pad_l + max(length, 1) + 6:.1f}" y="{y0 + 2 * CHART_FONT + 2}" {font}>'
            f"{escape(number_fr(value))}{escape(suffix)}</text>"
        )
    if not bars:
        parts.append(f'<text x="{pad_l}" y="{CHART_FONT + 4}" {font}>{escape(empty)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
