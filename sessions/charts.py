"""Small server-rendered SVG charts: columns over time and bars per member.

The SVG places things horizontally in percent and vertically in pixels, with no
viewBox: a chart fills its column at any width while its text keeps the page's
size and font (a scaled viewBox would shrink labels to specks on a phone). Every
label goes through format_html, so a member named <script> is just text. Colours
come from CSS classes (.series-<key>, static/css/stats.css); each chart's numbers
are also given as a table (templates/peer/stats/_chart.html) and a CSV download.
"""

import math
from dataclasses import dataclass
from functools import cached_property

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

# Vertical layout of column charts, in pixels.
HEIGHT = 230
TOP = 14  # room for the top tick label
BOTTOM = 26  # room for the category labels
# Horizontal layout, in percent of the chart's width.
LEFT = 8.5  # the value axis labels
RIGHT = 1.0
MAX_CATEGORY_LABELS = 6  # what fits under the columns on a 390 px phone
MAX_COLUMN = 9.0  # percent: a chart of two weeks gets columns, not walls
# Bar rows (one per member).
ROW_LABEL = 20  # the name above each bar
BAR = 14  # a stacked bar's thickness
GROUPED_BAR = 10  # each bar's thickness when a row has one bar per series
BAR_GAP = 3
ROW_GAP = 12
BAR_SPAN = 86.0  # percent of the width the longest bar takes; the rest holds its value
MAX_NAME = 24  # characters of a name shown in the chart (the table has it in full)


@dataclass(frozen=True)
class Series:
    key: str  # the CSS class .series-<key> gives its colour
    label: str


@dataclass(frozen=True)
class Point:
    label: str  # short, for the axis ("3/4")
    title: str  # full, for tooltips and the table ("2024-03-04 · Day 1")
    values: tuple[int, ...]  # one per series
    url: str = ""  # the table links the row here when set

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass
class Chart:
    """One chart: its data, and the SVG drawn from it on first use."""

    id: str  # unique on the page; also names the title and description elements
    title: str
    description: str
    category: str  # what a point is, for the table's first column ("Day", "Week", "Member")
    series: tuple[Series, ...]
    points: list[Point]
    layout: str = "columns"  # or "bars": one horizontal row per point
    stacked: bool = False
    csv_url: str = ""
    table_total: bool = False  # add a Total column to the table

    @property
    def is_empty(self) -> bool:
        return not any(p.total for p in self.points)

    @property
    def table_rows(self) -> list[tuple[Point, tuple[int, ...]]]:
        return [(p, (*p.values, p.total) if self.table_total else p.values) for p in self.points]

    @property
    def table_headers(self) -> list[str]:
        headers = [s.label for s in self.series]
        return [*headers, gettext("Total")] if self.table_total else headers

    @cached_property
    def svg(self) -> SafeString:
        draw = _columns if self.layout == "columns" else _bars
        return draw(self)


def ticks(top: int, most: int = 5) -> list[int]:
    """Round tick values from 0 to at least `top`: steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0, 1]
    raw = top / (most - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, round(step))
    return [i * step for i in range(math.ceil(top / step) + 1)]


def _pct(value: float) -> str:
    return f"{value:.3f}%"


def _px(value: float) -> str:
    return f"{value:.1f}"


def _short(text: str) -> str:
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


def _frame(chart: Chart, height: float, body: SafeString) -> SafeString:
    # aria-details: the chart's numbers, as a table under it (stats/_chart.html).
    return format_html(
        '<svg class="chart-svg chart-{}" width="100%" height="{}" role="img" '
        'aria-labelledby="{}-title {}-desc" aria-details="{}-data" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        chart.layout,
        _px(height),
        chart.id,
        chart.id,
        chart.id,
        chart.id,
        chart.title,
        chart.id,
        chart.description,
        body,
    )


def _rect(x: float, width: float, y: float, height: float, key: str, title: str) -> SafeString:
    return format_html(
        '<rect class="series-{}" x="{}" width="{}" y="{}" height="{}"><title>{}</title></rect>',
        key,
        _pct(x),
        _pct(width),
        _px(y),
        _px(max(height, 0)),
        title,
    )


def _columns(chart: Chart) -> SafeString:
    """Vertical columns per point (stacked, or side by side per series) over a value axis."""
    n = len(chart.points)
    top = max((p.total if chart.stacked else max(p.values, default=0)) for p in chart.points)
    scale = ticks(top)
    plot = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot * (1 - value / scale[-1])

    parts = []
    for tick in scale:
        parts.append(
            format_html(
                '<line class="{}" x1="{}" x2="100%" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end" dy="0.35em">{}</text>',
                "axis" if tick == 0 else "grid",
                _pct(LEFT),
                _px(y(tick)),
                _px(y(tick)),
                _pct(LEFT - 1.5),
                _px(y(tick)),
                tick,
            )
        )
    band = (100 - LEFT - RIGHT) / n
    every = math.ceil(n / MAX_CATEGORY_LABELS)
    for i, point in enumerate(chart.points):
        left = LEFT + i * band
        if chart.stacked:
            width = min(band * 0.72, MAX_COLUMN)
            x, base = left + (band - width) / 2, 0
            for series, value in zip(chart.series, point.values, strict=True):
                if value:
                    parts.append(
                        _rect(
                            x,
                            width,
                            y(base + value),
                            y(base) - y(base + value),
                            series.key,
                            f"{point.title} · {series.label}: {value}",
                        )
                    )
                base += value
        else:
            width = min(band * 0.8, MAX_COLUMN * 1.5) / len(chart.series)
            x = left + (band - width * len(chart.series)) / 2
            for j, (series, value) in enumerate(zip(chart.series, point.values, strict=True)):
                if value:
                    parts.append(
                        _rect(
                            x + j * width,
                            width * 0.92,
                            y(value),
                            y(0) - y(value),
                            series.key,
                            f"{point.title} · {series.label}: {value}",
                        )
                    )
        # Label every so many points, counting from the last (the most recent matters most).
        if (n - 1 - i) % every == 0:
            parts.append(
                format_html(
                    '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _pct(left + band / 2),
                    _px(HEIGHT - 6),
                    point.label,
                )
            )
    return _frame(chart, HEIGHT, format_html_join("", "{}", ((p,) for p in parts)))


def _bars(chart: Chart) -> SafeString:
    """One row per point: its name, then a bar (stacked) or a bar per series, with values."""
    top = max((p.total if chart.stacked else max(p.values, default=0)) for p in chart.points)
    top = max(top, 1)
    bars_per_row = 1 if chart.stacked else len(chart.series)
    thickness = BAR if chart.stacked else GROUPED_BAR
    bars_height = bars_per_row * thickness + (bars_per_row - 1) * BAR_GAP
    row = ROW_LABEL + bars_height + ROW_GAP

    def width(value: int) -> float:
        return BAR_SPAN * value / top

    parts = []
    for i, point in enumerate(chart.points):
        row_top = i * row
        parts.append(
            format_html(
                '<text class="row-label" x="0" y="{}">{}</text>',
                _px(row_top + ROW_LABEL - 6),
                _short(point.title),
            )
        )
        bar_top = row_top + ROW_LABEL
        if chart.stacked:
            x = 0.0
            for series, value in zip(chart.series, point.values, strict=True):
                if value:
                    parts.append(
                        _rect(
                            x,
                            width(value),
                            bar_top,
                            thickness,
                            series.key,
                            f"{point.title} · {series.label}: {value}",
                        )
                    )
                x += width(value)
            ends = [(x, point.total)]
        else:
            ends = []
            for j, (series, value) in enumerate(zip(chart.series, point.values, strict=True)):
                y = bar_top + j * (thickness + BAR_GAP)
                if value:
                    parts.append(
                        _rect(
                            0,
                            width(value),
                            y,
                            thickness,
                            series.key,
                            f"{point.title} · {series.label}: {value}",
                        )
                    )
                ends.append((width(value), value))
        for j, (x, value) in enumerate(ends):
            parts.append(
                format_html(
                    '<text class="value" x="{}" y="{}" dy="0.35em">{}</text>',
                    _pct(x + 1),
                    _px(bar_top + j * (thickness + BAR_GAP) + thickness / 2),
                    value,
                )
            )
    height = len(chart.points) * row - ROW_GAP + 2
    return _frame(chart, height, format_html_join("", "{}", ((p,) for p in parts)))
