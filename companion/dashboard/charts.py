"""Charts as SVG, drawn on the server: no script, no chart library, nothing fetched.

Pure functions from numbers and labels to markup. Labels can come from web pages (a store's
name in an imported catalog, say), so every piece of text is escaped here before it joins the
markup; the result is ``Markup`` so the template does not escape it a second time. Colours live
in ``static/dashboard.css`` under the class names used here (the Content-Security-Policy allows
no inline styles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 720
BAR_AREA_HEIGHT = 220
TOP = 16
LEFT = 64
BOTTOM = 40


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str
    values: Sequence[Decimal]


def _number(value: Decimal) -> str:
    """Whole units with thin grouping: 12500 → "12 500"."""
    return f"{value:,.0f}".replace(",", "\u202f")


def _px(value: float) -> str:
    return f"{value:.1f}"


def grouped_bars(
    groups: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    limit: Decimal | None = None,
    limit_label: str = "",
) -> Markup:
    """One cluster of bars per group (a month), one bar per series, and an optional limit line
    (the monthly cap)."""
    values = [v for s in series for v in s.values]
    top = max([*values, limit or Decimal(0), Decimal(1)])
    height = TOP + BAR_AREA_HEIGHT + BOTTOM
    slot = (WIDTH - LEFT - 8) / max(len(groups), 1)
    bar = min(28.0, slot * 0.8 / max(len(series), 1))

    def y(value: Decimal) -> float:
        return TOP + BAR_AREA_HEIGHT * (1 - float(value / top))

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height + 24}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (Decimal(0), Decimal("0.5"), Decimal(1)):
        mark = top * fraction
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - 4}" y1="{_px(y(mark))}" y2="{_px(y(mark))}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{_px(y(mark) + 4)}" text-anchor="end">'
            f"{escape(_number(mark))}</text>"
        )
    for index, group in enumerate(groups):
        left = LEFT + slot * index + (slot - bar * len(series)) / 2
        for number, one in enumerate(series):
            value = one.values[index]
            parts.append(
                f'<rect class="{escape(one.css_class)}" x="{_px(left + bar * number)}" '
                f'y="{_px(y(value))}" width="{_px(bar - 2)}" '
                f'height="{_px(TOP + BAR_AREA_HEIGHT - y(value))}">'
                f"<title>{escape(group)} · {escape(one.label)}: {escape(_number(value))}</title>"
                "</rect>"
            )
        parts.append(
            f'<text class="axis" x="{_px(LEFT + slot * index + slot / 2)}" '
            f'y="{TOP + BAR_AREA_HEIGHT + 16}" text-anchor="middle">{escape(group)}</text>'
        )
    if limit is not None:
        parts.append(
            f'<line class="limit" x1="{LEFT}" x2="{WIDTH - 4}" y1="{_px(y(limit))}" '
            f'y2="{_px(y(limit))}"/><text class="limit-label" x="{WIDTH - 6}" '
            f'y="{_px(y(limit) - 4)}" text-anchor="end">{escape(limit_label)}</text>'
        )
    legend_y = height + 12
    for number, one in enumerate(series):
        x = LEFT + number * 170
        parts.append(
            f'<rect class="{escape(one.css_class)}" x="{x}" y="{legend_y - 9}" width="10" height="10"/>'
            f'<text class="legend" x="{x + 14}" y="{legend_y}">{escape(one.label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every piece of text above is escaped)


def horizontal_bars(
    rows: Sequence[tuple[str, Decimal]], *, title: str, css_class: str = "bar-expected"
) -> Markup:
    """One labelled bar per row (a store, a category), longest first as given."""
    row_height = 22
    label_width = 200
    height = row_height * max(len(rows), 1) + 8
    top = max([value for _, value in rows] + [Decimal(1)])
    span = WIDTH - label_width - 90
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(rows):
        y = 4 + index * row_height
        width = span * float(value / top)
        parts.append(
            f'<text class="axis" x="{label_width - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(label[:32])}</text>"
            f'<rect class="{escape(css_class)}" x="{label_width}" y="{y + 3}" '
            f'width="{_px(width)}" height="{row_height - 6}"/>'
            f'<text class="value" x="{_px(label_width + width + 6)}" y="{y + 15}">'
            f"{escape(_number(value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every piece of text above is escaped)
