"""Charts drawn on the server as inline SVG: no script, nothing to load.

Each chart is one `<svg role="img">` named by its `<title>` and summed up by
its `<desc>`, so assistive technology announces it as one picture; the page
follows it with a table of the same figures, its text alternative, which is
also where the links to the records are.

A chart printed in black and white still reads: every value is written on
or beside its bar, every series is named in a legend, and the lines differ
by dash and marker as well as by colour. Colours come from the site's
palette through classes (`chart-tone--…` in site.css), never from a `style`
attribute: the Content-Security-Policy forbids inline styles, and the palette
stays in one place.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from markupsafe import Markup, escape

WIDTH = 640
FONT_SIZE = 12
SMALL_FONT_SIZE = 11
# Bar charts
ROW_HEIGHT = 26
BAR_HEIGHT = 18
MAX_LABEL_WIDTH = 260
VALUE_WIDTH = 44
# Column and line charts
PLOT_HEIGHT = 200
AXIS_WIDTH = 40
TOP_MARGIN = 18
MONTH_LABEL_HEIGHT = 40
LEGEND_ROW_HEIGHT = 20
SWATCH = 12
# The smallest segment of a stacked column whose value fits inside it.
LABELLED_SEGMENT = 14
LINE_DASHES = ("", "7 4", "2 3")
MARKERS = ("circle", "square", "diamond")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    tone: str  # a palette name: green, yellow, red, none, …


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per column."""

    name: str
    tone: str
    values: tuple[int, ...]


def bar_chart(
    chart_id: str, title: str, description: str, bars: Sequence[Bar]
) -> Markup:
    """Horizontal bars, one per row, the label on the left and the value at the
    end of the bar: for counts of a few to a few dozen things."""
    label_width = min(
        MAX_LABEL_WIDTH,
        max((_text_width(bar.label, FONT_SIZE) for bar in bars), default=0) + 8,
    )
    largest = max((bar.value for bar in bars), default=0)
    scale = (WIDTH - label_width - VALUE_WIDTH) / largest if largest else 0
    height = max(len(bars), 1) * ROW_HEIGHT + 8

    parts = []
    for row, bar in enumerate(bars):
        top = 4 + row * ROW_HEIGHT
        middle = top + ROW_HEIGHT / 2
        length = bar.value * scale if scale else 0
        label = _fitted(bar.label, label_width - 8, FONT_SIZE)
        parts.append(_text(label_width - 8, middle, label, anchor="end"))
        if length:
            parts.append(
                _rect(
                    label_width,
                    middle - BAR_HEIGHT / 2,
                    length,
                    BAR_HEIGHT,
                    f"chart-bar chart-tone--{bar.tone}",
                )
            )
        parts.append(
            _text(label_width + length + 6, middle, str(bar.value), css="chart-value")
        )
    parts.append(_line(label_width, 0, label_width, height, "chart-axis"))
    return _svg(chart_id, title, description, height, parts)


def stacked_column_chart(
    chart_id: str,
    title: str,
    description: str,
    columns: Sequence[str],
    series: Sequence[Series],
) -> Markup:
    """One column per period, stacked by series from the first (at the bottom)
    to the last, each segment's value inside it when it fits and the total
    on top. A column's label may hold a second line after a newline."""
    totals = [sum(s.values[index] for s in series) for index in range(len(columns))]
    axis = _Axis(max(totals, default=0))
    slot = (WIDTH - AXIS_WIDTH - 8) / max(len(columns), 1)
    bar_width = slot * 0.62

    parts = _grid(axis)
    for index, label in enumerate(columns):
        left = AXIS_WIDTH + index * slot + (slot - bar_width) / 2
        centre = left + bar_width / 2
        base = TOP_MARGIN + PLOT_HEIGHT
        # A column of one segment has its value on top already.
        divided = sum(1 for one in series if one.values[index]) > 1
        for one in series:
            value = one.values[index]
            if not value:
                continue
            height = axis.height(value)
            base -= height
            css = f"chart-bar chart-tone--{one.tone}"
            parts.append(_rect(left, base, bar_width, height, css))
            if divided and height >= LABELLED_SEGMENT:
                middle = base + height / 2
                parts.append(
                    _text(
                        centre, middle, str(value), anchor="middle", css="chart-inside"
                    )
                )
        parts.append(
            _text(
                centre, base - 7, str(totals[index]), anchor="middle", css="chart-value"
            )
        )
        parts.append(_column_label(centre, label))

    legend, legend_height = _legend(
        series, TOP_MARGIN + PLOT_HEIGHT + MONTH_LABEL_HEIGHT
    )
    parts += legend
    height = TOP_MARGIN + PLOT_HEIGHT + MONTH_LABEL_HEIGHT + legend_height
    return _svg(chart_id, title, description, height, parts)


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    columns: Sequence[str],
    series: Sequence[Series],
) -> Markup:
    """One line per series across the periods, each with its own dash and
    marker, its latest value written at its end."""
    axis = _Axis(max((max(s.values, default=0) for s in series), default=0))
    right_margin = 36
    slot = (WIDTH - AXIS_WIDTH - right_margin) / max(len(columns), 1)

    def x(index: int) -> float:
        return AXIS_WIDTH + slot * (index + 0.5)

    parts = _grid(axis)
    for index, label in enumerate(columns):
        parts.append(_column_label(x(index), label))
    ends = []
    for number, one in enumerate(series):
        points = [(x(i), axis.y(value)) for i, value in enumerate(one.values)]
        parts.append(_polyline(points, one.tone, LINE_DASHES[number % 3]))
        parts += [_marker(px, py, one.tone, MARKERS[number % 3]) for px, py in points]
        if points:
            ends.append([points[-1][1], one.values[-1]])
    for y, value in _spread(ends):
        parts.append(_text(x(len(columns) - 1) + 10, y, str(value), css="chart-value"))

    legend, legend_height = _legend(
        series, TOP_MARGIN + PLOT_HEIGHT + MONTH_LABEL_HEIGHT, lines=True
    )
    parts += legend
    height = TOP_MARGIN + PLOT_HEIGHT + MONTH_LABEL_HEIGHT + legend_height
    return _svg(chart_id, title, description, height, parts)


# --- the axis of column and line charts ---------------------------------------


class _Axis:
    """A vertical axis from 0 to a round number at or above the largest value,
    with four or five whole-number steps."""

    def __init__(self, largest: int) -> None:
        self.step = _round_step(max(largest, 1) / 4)
        self.top = max(self.step, -(-max(largest, 1) // self.step) * self.step)

    def height(self, value: int) -> float:
        return value / self.top * PLOT_HEIGHT

    def y(self, value: int) -> float:
        return TOP_MARGIN + PLOT_HEIGHT - self.height(value)

    def ticks(self) -> range:
        return range(0, self.top + 1, self.step)


def _round_step(rough: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 … at least `rough`."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if magnitude * factor >= rough:
                return magnitude * factor
        magnitude *= 10


def _grid(axis: _Axis) -> list[str]:
    parts = []
    for tick in axis.ticks():
        y = axis.y(tick)
        css = "chart-axis" if tick == 0 else "chart-grid"
        parts.append(_line(AXIS_WIDTH, y, WIDTH - 4, y, css))
        parts.append(
            _text(AXIS_WIDTH - 6, y, str(tick), anchor="end", size=SMALL_FONT_SIZE)
        )
    return parts


def _column_label(centre: float, label: str) -> str:
    lines = label.split("\n")
    top = TOP_MARGIN + PLOT_HEIGHT + 14
    spans = "".join(
        f'<tspan x="{_n(centre)}" y="{_n(top + 13 * number)}">{escape(line)}</tspan>'
        for number, line in enumerate(lines)
    )
    return (
        f'<text text-anchor="middle" dominant-baseline="middle" '
        f'font-size="{SMALL_FONT_SIZE}">{spans}</text>'
    )


def _spread(ends: list[list[float]]) -> list[list[float]]:
    """Labels at the lines' ends moved apart so that none covers another."""
    ends = sorted(ends)
    for previous, current in pairwise(ends):
        current[0] = max(current[0], previous[0] + FONT_SIZE + 1)
    return ends


# --- the legend ---------------------------------------------------------------


def _legend(
    series: Sequence[Series], top: float, lines: bool = False
) -> tuple[list[str], float]:
    """Each series' swatch (or line sample) and name, in rows that wrap."""
    parts: list[str] = []
    x, row = AXIS_WIDTH, 0
    for number, one in enumerate(series):
        width = SWATCH + 6 + _text_width(one.name, SMALL_FONT_SIZE) + 16
        if lines:
            width += 12
        if x + width > WIDTH and x > AXIS_WIDTH:
            x, row = AXIS_WIDTH, row + 1
        middle = top + row * LEGEND_ROW_HEIGHT + LEGEND_ROW_HEIGHT / 2
        if lines:
            sample = [(x, middle), (x + SWATCH + 12, middle)]
            parts.append(_polyline(sample, one.tone, LINE_DASHES[number % 3]))
            parts.append(
                _marker(x + (SWATCH + 12) / 2, middle, one.tone, MARKERS[number % 3])
            )
            label_x = x + SWATCH + 18
        else:
            css = f"chart-bar chart-tone--{one.tone}"
            parts.append(_rect(x, middle - SWATCH / 2, SWATCH, SWATCH, css))
            label_x = x + SWATCH + 6
        parts.append(_text(label_x, middle, one.name, size=SMALL_FONT_SIZE))
        x += width
    rows = row + 1 if series else 0
    return parts, rows * LEGEND_ROW_HEIGHT + 4


# --- SVG elements -------------------------------------------------------------


def _svg(
    chart_id: str, title: str, description: str, height: float, parts: list[str]
) -> Markup:
    chart_id = escape(chart_id)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f"{''.join(parts)}</svg>"
    )


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    css: str = "",
    size: int | None = None,
) -> str:
    classes = f' class="{css}"' if css else ""
    font = f' font-size="{size}"' if size else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" '
        f'dominant-baseline="middle"{classes}{font}>{escape(content)}</text>'
    )


def _rect(x: float, y: float, width: float, height: float, css: str) -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" '
        f'class="{css}"/>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" class="{css}"/>'
    )


def _polyline(points: list[tuple[float, float]], tone: str, dash: str) -> str:
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    coordinates = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    return (
        f'<polyline points="{coordinates}" class="chart-line chart-tone--{tone}"'
        f"{dashes}/>"
    )


def _marker(x: float, y: float, tone: str, shape: str) -> str:
    css = f"chart-marker chart-tone--{tone}"
    if shape == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" class="{css}"/>'
    if shape == "square":
        return _rect(x - 4, y - 4, 8, 8, css)
    corners = ((x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y))
    diamond = " ".join(f"{_n(cx)},{_n(cy)}" for cx, cy in corners)
    return f'<polygon points="{diamond}" class="{css}"/>'


# --- text measures ------------------------------------------------------------


def _text_width(text: str, size: int) -> float:
    """About how wide `text` is drawn: a Chinese character takes a whole em,
    a Latin letter or digit a little over half of one."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.6 for c in text)


def _fitted(text: str, width: float, size: int) -> str:
    """`text` cut short with an ellipsis to fit `width`; the table beside the
    chart gives it whole."""
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _n(number: float) -> str:
    """A coordinate, to a tenth of a unit: enough on any screen or paper."""
    return f"{number:.1f}".rstrip("0").rstrip(".")
