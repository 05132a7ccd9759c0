"""Simple SVG charts drawn on the server, for the printed pack and its PDF.

WeasyPrint runs no JavaScript, so the pack cannot use Chart.js. These charts
use black, greys and fill patterns (solid, hatched, dotted …) rather than
colour, label every bar with its value, and carry a legend, so they read the
same in greyscale print. Presentation attributes only, no `style` attributes,
so the HTML version also passes a strict Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from dashboards.figures import Dashboard

INK = "#1a1a1a"
FONT = "DejaVu Sans, Arial, sans-serif"


@dataclass(frozen=True)
class Fill:
    """A bar fill: a solid grey, or a black-on-white pattern tile of the given size."""

    name: str
    solid: str = ""
    tile: str = ""
    size: int = 6


FILLS = (
    Fill("solid-dark", solid="#404040"),
    Fill(
        "hatch",
        tile='<rect width="6" height="6" fill="#fff"/>'
        '<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="#1a1a1a" stroke-width="1.2"/>',
    ),
    Fill(
        "dots",
        tile='<rect width="5" height="5" fill="#fff"/>'
        '<circle cx="2.5" cy="2.5" r="1.2" fill="#1a1a1a"/>',
        size=5,
    ),
    Fill("solid-light", solid="#b3b3b3"),
    Fill(
        "cross",
        tile='<rect width="6" height="6" fill="#fff"/>'
        '<path d="M0,0 l6,6 M6,0 l-6,6" stroke="#1a1a1a" stroke-width="0.8"/>',
    ),
    Fill(
        "rows",
        tile='<rect width="4" height="4" fill="#e6e6e6"/><path d="M0,2 h4" stroke="#1a1a1a"/>',
        size=4,
    ),
    Fill("blank", solid="#ffffff"),
)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]


def _svg_open(prefix: str, title: str, width: int, height: float) -> str:
    """The root element, titled for screen readers (the HTML pack shows it inline)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pack-chart" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}" role="img" '
        f'aria-labelledby="{prefix}-title" font-family="{FONT}" fill="{INK}">'
        f'<title id="{prefix}-title">{escape(title)}</title>'
    )


def _defs(prefix: str, count: int) -> str:
    tiles = [
        f'<pattern id="{prefix}-{fill.name}" width="{fill.size}" height="{fill.size}" '
        f'patternUnits="userSpaceOnUse">{fill.tile}</pattern>'
        for fill in FILLS[:count]
        if fill.tile
    ]
    return f"<defs>{''.join(tiles)}</defs>"


def _fill(prefix: str, index: int) -> str:
    fill = FILLS[index % len(FILLS)]
    return fill.solid or f"url(#{prefix}-{fill.name})"


def _legend(
    prefix: str, series: Sequence[Series], *, x: float, y: float, width: float
) -> tuple[str, float]:
    """The legend's SVG, and the baseline of its last line."""
    items, cursor_x, cursor_y = [], x, y
    for index, item in enumerate(series):
        text_width = 7 * len(item.label) + 24
        if cursor_x + text_width > x + width and cursor_x > x:
            cursor_x, cursor_y = x, cursor_y + 18
        items.append(
            f'<rect x="{cursor_x:.1f}" y="{cursor_y - 10:.1f}" width="12" height="12" '
            f'fill="{_fill(prefix, index)}" stroke="{INK}" stroke-width="0.8"/>'
            f'<text x="{cursor_x + 17:.1f}" y="{cursor_y:.1f}" font-size="11">'
            f"{escape(item.label)}</text>"
        )
        cursor_x += text_width
    return "".join(items), cursor_y


def bar_chart(
    prefix: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
) -> SafeString:
    """Horizontal grouped bars: one group per category, one bar per series, values at the ends."""
    label_width = 190
    bar_height = 14
    group_gap = 10
    plot_x = label_width + 10
    plot_width = width - plot_x - 50
    top = 30
    legend, legend_bottom = _legend(prefix, series, x=plot_x, y=top, width=plot_width)
    top = legend_bottom + 16
    group_height = bar_height * len(series) + group_gap
    height = top + group_height * len(categories) + 10
    peak = max((value for item in series for value in item.values), default=0) or 1

    parts = [
        _svg_open(prefix, title, width, height),
        _defs(prefix, len(series)),
        f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>',
        legend,
    ]
    for row, category in enumerate(categories):
        y = top + row * group_height
        label = category if len(category) <= 30 else category[:29] + "…"
        parts.append(
            f'<text x="{label_width}" y="{y + group_height / 2 - 2:.1f}" font-size="11" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for index, item in enumerate(series):
            value = item.values[row]
            bar_y = y + index * bar_height
            bar_width = plot_width * value / peak
            parts.append(
                f'<rect x="{plot_x}" y="{bar_y:.1f}" width="{bar_width:.1f}" '
                f'height="{bar_height - 2}" fill="{_fill(prefix, index)}" stroke="{INK}" '
                f'stroke-width="0.8"/>'
                f'<text x="{plot_x + bar_width + 4:.1f}" y="{bar_y + bar_height - 4:.1f}" '
                f'font-size="10">{value:,}</text>'
            )
    parts.append(
        f'<line x1="{plot_x}" y1="{top - 4}" x2="{plot_x}" y2="{height - 10}" stroke="{INK}"/>'
    )
    parts.append("</svg>")
    # Labels escaped above, numbers formatted.
    return mark_safe("".join(parts))  # nosec


def burn_up_chart(
    prefix: str,
    title: str,
    months: Sequence[str],
    opened_total: Sequence[int],
    closed_total: Sequence[int],
    due: Sequence[int],
    *,
    width: int = 640,
    height: int = 300,
) -> SafeString:
    """Running totals: opened (solid, circles), closed (dashed, squares); bars for deadlines."""
    series = [
        Series("Opened (running total)", opened_total),
        Series("Closed (running total)", closed_total),
        Series("Recommendations due that month", due),
    ]
    left, right, top, bottom = 50, 20, 60, 50
    plot_width, plot_height = width - left - right, height - top - bottom
    peak = max([*opened_total, *closed_total, *due, 1])
    step = plot_width / max(len(months), 1)

    def y_of(value: int) -> float:
        return top + plot_height - plot_height * value / peak

    def x_of(index: int) -> float:
        return left + step * index + step / 2

    parts = [
        _svg_open(prefix, title, width, height),
        _defs(prefix, 3),
        f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    # The legend draws lines for the two running totals, a patterned box for deadlines.
    parts.append(
        f'<line x1="{left}" y1="32" x2="{left + 24}" y2="32" stroke="{INK}" stroke-width="2"/>'
        f'<circle cx="{left + 12}" cy="32" r="3" fill="{INK}"/>'
        f'<text x="{left + 30}" y="36" font-size="11">{escape(series[0].label)}</text>'
        f'<line x1="{left + 200}" y1="32" x2="{left + 224}" y2="32" stroke="{INK}" '
        'stroke-width="2" stroke-dasharray="5 3"/>'
        f'<rect x="{left + 209}" y="29" width="6" height="6" fill="#fff" stroke="{INK}"/>'
        f'<text x="{left + 230}" y="36" font-size="11">{escape(series[1].label)}</text>'
        f'<rect x="{left}" y="42" width="12" height="10" fill="{_fill(prefix, 1)}" stroke="{INK}" '
        'stroke-width="0.8"/>'
        f'<text x="{left + 17}" y="51" font-size="11">{escape(series[2].label)}</text>'
    )
    # Axes and a few gridlines with values.
    for fraction in (0, 0.5, 1):
        value = round(peak * fraction)
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#999" '
            'stroke-width="0.5"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{value:,}</text>"
        )
    bar_width = max(step * 0.5, 1)
    for index, value in enumerate(due):
        if value:
            y = y_of(value)
            parts.append(
                f'<rect x="{x_of(index) - bar_width / 2:.1f}" y="{y:.1f}" width="{bar_width:.1f}" '
                f'height="{top + plot_height - y:.1f}" fill="{_fill(prefix, 1)}" stroke="{INK}" '
                'stroke-width="0.6"/>'
            )
    for values, dash, marker in ((opened_total, "", "circle"), (closed_total, "5 3", "square")):
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{INK}" stroke-width="2"'
            f"{dash_attribute}/>"
        )
        for i, v in enumerate(values):
            if marker == "circle":
                parts.append(
                    f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="2.5" fill="{INK}"/>'
                )
            else:
                parts.append(
                    f'<rect x="{x_of(i) - 2.5:.1f}" y="{y_of(v) - 2.5:.1f}" width="5" height="5" '
                    f'fill="#fff" stroke="{INK}"/>'
                )
    if opened_total:
        # The latest running totals, written at the right-hand end.
        parts.append(
            f'<text x="{x_of(len(months) - 1):.1f}" y="{y_of(opened_total[-1]) - 6:.1f}" '
            f'font-size="10" text-anchor="end">{opened_total[-1]:,}</text>'
            f'<text x="{x_of(len(months) - 1):.1f}" y="{y_of(closed_total[-1]) + 14:.1f}" '
            f'font-size="10" text-anchor="end">{closed_total[-1]:,}</text>'
        )
    label_every = max(1, len(months) // 8)
    for index, month in enumerate(months):
        if index % label_every == 0:
            parts.append(
                f'<text x="{x_of(index):.1f}" y="{top + plot_height + 16}" font-size="10" '
                f'text-anchor="middle">{escape(month)}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" '
        f'y2="{top + plot_height}" stroke="{INK}"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" stroke="{INK}"/>'
    )
    parts.append("</svg>")
    # Labels escaped above, numbers formatted.
    return mark_safe("".join(parts))  # nosec


def pack_charts(board: Dashboard) -> dict[str, SafeString]:
    """The pack's charts, from the same figures as the dashboard's."""
    kinds = [row.kind.label for row in board.matrix]
    statuses = [cell.label for cell in board.matrix[0].cells]
    themes = board.breakdowns.themes
    return {
        "kind_status": bar_chart(
            "chart-kind-status",
            "Findings by status and kind",
            statuses,
            [
                Series(kind, [cell.value for cell in row.cells])
                for kind, row in zip(kinds, board.matrix, strict=True)
            ],
        ),
        "rag": bar_chart(
            "chart-rag",
            "Open findings by the force's RAG and the OPCC's rating",
            [figure.label for figure in board.rag],
            [
                Series("Force's RAG", [figure.value for figure in board.rag]),
                Series("OPCC's rating", [figure.value for figure in board.opcc_rag]),
            ],
        ),
        "themes": bar_chart(
            "chart-themes",
            "Open and overdue findings by theme",
            [row.label for row in themes],
            [
                Series("Open", [row.open.value for row in themes]),
                Series("Overdue", [row.overdue.value for row in themes]),
            ],
        ),
        "burn_up": burn_up_chart(
            "chart-burn-up",
            "Findings opened and closed, running totals, with HMICFRS deadlines",
            [f"{month.month:%b %y}" for month in board.burn_up],
            [month.opened_total for month in board.burn_up],
            [month.closed_total for month in board.burn_up],
            [month.due.value for month in board.burn_up],
        ),
    }
