"""Charts drawn on the server as SVG: nothing is loaded from anywhere else.

The Content-Security-Policy forbids inline styles, so every visual choice is a class
(styled in admin.css); only geometry goes into SVG presentation attributes. Each chart
carries a <title> and a <desc> and writes its numbers as text, so it reads without
the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 18
ROW_HEIGHT = 30
LABEL_WIDTH = 230
VALUE_WIDTH = 210
PLOT_WIDTH = 340
PAD = 8


@dataclass(frozen=True, slots=True)
class Bar:
    """One horizontal bar: a label, its value as an exact decimal string (None when
    there is nothing to draw) and the text written beside it."""

    label: str
    value: str | None
    text: str
    muted: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    count: int


def _decimal(value: str | None) -> Decimal:
    if value is None:
        return Decimal(0)
    try:
        return Decimal(value)
    except InvalidOperation:
        return Decimal(0)


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _length(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def _open(chart_id: str, kind: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart {kind}" id="{_attr(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{_attr(chart_id)}-title {_attr(chart_id)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_attr(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{_attr(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def horizontal_bars(
    bars: Sequence[Bar], *, chart_id: str, title: str, desc: str, scale_max: str | None = None
) -> Markup:
    """One bar per item, longest for the largest value (or for `scale_max`)."""
    values = [_decimal(bar.value) for bar in bars]
    top = max([_decimal(scale_max), *values, Decimal(0)])
    if top <= 0:
        top = Decimal(1)
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    height = PAD * 2 + ROW_HEIGHT * max(len(bars), 1)
    parts = _open(chart_id, "bars", width, height, title, desc)
    parts.append(
        f'<line class="axis" x1="{LABEL_WIDTH}" y1="{PAD}" x2="{LABEL_WIDTH}" y2="{height - PAD}"/>'
    )
    for index, (bar, value) in enumerate(zip(bars, values, strict=True)):
        y = PAD + index * ROW_HEIGHT
        length = max(value, Decimal(0)) / top * PLOT_WIDTH
        middle = y + ROW_HEIGHT // 2 + 4
        classes = "bar muted" if bar.muted else "bar"
        data = "" if bar.value is None else f' data-value="{_attr(bar.value)}"'
        parts.append(f'<g class="row" data-index="{index + 1}">')
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{middle}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect class="{classes}"{data} x="{LABEL_WIDTH}" '
            f'y="{y + (ROW_HEIGHT - BAR_HEIGHT) // 2}" width="{_length(length)}" '
            f'height="{BAR_HEIGHT}"><title>{escape(bar.label)}: {escape(bar.text)}</title></rect>'
        )
        parts.append(
            f'<text class="value" x="{_length(LABEL_WIDTH + length + 6)}" '
            f'y="{middle}">{escape(bar.text)}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(columns: Sequence[Column], *, chart_id: str, title: str, desc: str) -> Markup:
    """Vertical columns, one per category (e.g. a band), with the count above each."""
    column_width = 56
    gap = 24
    plot_height = 150
    left = 16
    width = max(left * 2 + len(columns) * (column_width + gap), 240)
    height = plot_height + 60
    baseline = plot_height + 24
    top = max([c.count for c in columns] + [1])
    parts = _open(chart_id, "histogram", width, height, title, desc)
    parts.append(
        f'<line class="axis" x1="{left}" y1="{baseline}" x2="{width - left}" y2="{baseline}"/>'
    )
    for index, column in enumerate(columns):
        x = left + gap // 2 + index * (column_width + gap)
        tall = Decimal(column.count) / Decimal(top) * plot_height
        y = Decimal(baseline) - tall
        centre = x + column_width // 2
        parts.append(f'<g class="column" data-label="{_attr(column.label)}">')
        parts.append(
            f'<rect class="bar" data-count="{column.count}" x="{x}" y="{_length(y)}" '
            f'width="{column_width}" height="{_length(tall)}">'
            f"<title>{escape(column.label)}: {column.count}</title></rect>"
        )
        parts.append(
            f'<text class="value" x="{centre}" y="{_length(y - 6)}" '
            f'text-anchor="middle">{column.count}</text>'
        )
        parts.append(
            f'<text class="label" x="{centre}" y="{baseline + 18}" '
            f'text-anchor="middle">{escape(column.label)}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def gap_bars(
    bars: Sequence[Bar], *, chart_id: str, title: str, desc: str, reference: str | None = None
) -> Markup:
    """Signed values around a zero line: negative bars to the left, positive to the right
    (e.g. reviewers' calibration gaps), with an optional dashed reference line (e.g. the
    organisation's gap). Scaled to the largest magnitude shown."""
    values = [_decimal(bar.value) for bar in bars]
    top = max([abs(v) for v in values] + [abs(_decimal(reference)), Decimal(0)])
    if top <= 0:
        top = Decimal(1)
    half = Decimal(PLOT_WIDTH) / 2
    zero = LABEL_WIDTH + half
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    height = PAD * 2 + ROW_HEIGHT * max(len(bars), 1)
    parts = _open(chart_id, "gaps", width, height, title, desc)
    parts.append(
        f'<line class="axis" x1="{_length(zero)}" y1="{PAD}" '
        f'x2="{_length(zero)}" y2="{height - PAD}"/>'
    )
    if reference is not None:
        x = zero + _decimal(reference) / top * half
        parts.append(
            f'<line class="reference" data-value="{_attr(reference)}" x1="{_length(x)}" '
            f'y1="{PAD}" x2="{_length(x)}" y2="{height - PAD}" stroke-dasharray="4 3"/>'
        )
    for index, (bar, value) in enumerate(zip(bars, values, strict=True)):
        y = PAD + index * ROW_HEIGHT
        length = abs(value) / top * half
        left = zero - length if value < 0 else zero
        middle = y + ROW_HEIGHT // 2 + 4
        classes = ["bar"]
        if value < 0:
            classes.append("negative")
        if bar.muted:
            classes.append("muted")
        data = "" if bar.value is None else f' data-value="{_attr(bar.value)}"'
        parts.append(f'<g class="row" data-index="{index + 1}">')
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{middle}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect class="{" ".join(classes)}"{data} x="{_length(left)}" '
            f'y="{y + (ROW_HEIGHT - BAR_HEIGHT) // 2}" width="{_length(length)}" '
            f'height="{BAR_HEIGHT}"><title>{escape(bar.label)}: {escape(bar.text)}</title></rect>'
        )
        parts.append(
            f'<text class="value" x="{LABEL_WIDTH + PLOT_WIDTH + 6}" '
            f'y="{middle}">{escape(bar.text)}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def shift_matrix(
    categories: Sequence[str],
    counts: dict[tuple[str, str], int],
    *,
    chart_id: str,
    title: str,
    desc: str,
    row_axis: str,
    column_axis: str,
) -> Markup:
    """A grid of counts from one category (rows) to another (columns), e.g. live band to
    shadow band: darker for more people, the diagonal (nobody moves) outlined; every
    count is written in its cell."""
    cell = 44
    left = 120
    top = 64
    width = left + cell * len(categories) + PAD * 2
    height = top + cell * len(categories) + PAD * 2
    largest = max([*counts.values(), 1])
    parts = _open(chart_id, "matrix", width, height, title, desc)
    parts.append(
        f'<text class="axis-title" x="{left}" y="16">{escape(column_axis)} →</text>'
        f'<text class="axis-title" x="{PAD}" y="{top - 8}">{escape(row_axis)} ↓</text>'
    )
    for index, code in enumerate(categories):
        x = left + index * cell + cell // 2
        parts.append(
            f'<text class="label" x="{x}" y="{top - 10}" text-anchor="middle">{escape(code)}</text>'
        )
        y = top + index * cell + cell // 2 + 4
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y}" text-anchor="end">{escape(code)}</text>'
        )
    for row, live in enumerate(categories):
        for column, shadow in enumerate(categories):
            count = counts.get((live, shadow), 0)
            # Five shades, by the share of the largest cell; empty cells stay blank.
            level = 0 if count == 0 else 1 + min(3, (count * 4 - 1) // largest)
            classes = f"cell level-{level}" + (" same" if live == shadow else "")
            x = left + column * cell
            y = top + row * cell
            parts.append(
                f'<g data-from="{_attr(live)}" data-to="{_attr(shadow)}" data-count="{count}">'
                f'<rect class="{classes}" x="{x}" y="{y}" width="{cell}" height="{cell}">'
                f"<title>{escape(live)} → {escape(shadow)}: {count}</title></rect>"
            )
            if count:
                parts.append(
                    f'<text class="value" x="{x + cell // 2}" y="{y + cell // 2 + 4}" '
                    f'text-anchor="middle">{count}</text>'
                )
            parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class LinePoint:
    """One point of a line chart: its label on the x axis, its value as an exact decimal
    string (None: no value there, the line breaks) and the text written by it."""

    label: str
    value: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A dashed horizontal line across the plot, e.g. a band's floor."""

    label: str
    value: str


def line_chart(
    points: Sequence[LinePoint],
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_title: str,
    y_title: str,
    references: Sequence[Reference] = (),
    scale_max: str = "100",
) -> Markup:
    """Values over time, left to right, joined by a line (broken where a value is
    missing), each point marked and its value written above it; the axes carry their
    titles and the references (band floors) their labels."""
    left, right, top, bottom = 56, 40, 16, 56
    plot_width = max(120 * max(len(points) - 1, 1), 240)
    plot_height = 180
    width = left + plot_width + right
    height = top + plot_height + bottom
    values = [None if p.value is None else _decimal(p.value) for p in points]
    most = max([_decimal(scale_max)] + [v for v in values if v is not None])
    ceiling = Decimal(int((most + 9) // 10 * 10)) or Decimal(1)
    base = Decimal(top + plot_height)

    def y_of(value: Decimal) -> Decimal:
        return base - max(value, Decimal(0)) / ceiling * plot_height

    def x_of(index: int) -> Decimal:
        if len(points) == 1:
            return Decimal(left + plot_width // 2)
        return Decimal(left) + Decimal(plot_width) * index / (len(points) - 1)

    parts = _open(chart_id, "trend", width, height, title, desc)
    parts.append(
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}"/>'
        f'<line class="axis" x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" '
        f'y2="{top + plot_height}"/>'
    )
    for tick in (Decimal(0), ceiling / 2, ceiling):
        y = _length(y_of(tick))
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{_length(tick).removesuffix(".00")}</text>'
        )
    for reference in references:
        y = _length(y_of(_decimal(reference.value)))
        parts.append(
            f'<g class="reference" data-label="{_attr(reference.label)}">'
            f'<line class="reference" x1="{left}" y1="{y}" x2="{left + plot_width}" y2="{y}" '
            f'stroke-dasharray="4 3"/><text class="label" x="{left + plot_width + 4}" y="{y}" '
            f'dominant-baseline="middle">{escape(reference.label)}</text></g>'
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, value in enumerate(values):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{_length(x_of(index))},{_length(y_of(value))}")
    if segment:
        segments.append(segment)
    for run in segments:
        if len(run) > 1:
            parts.append(f'<polyline class="series" fill="none" points="{" ".join(run)}"/>')
    for index, (point, value) in enumerate(zip(points, values, strict=True)):
        x = _length(x_of(index))
        parts.append(f'<g class="point" data-label="{_attr(point.label)}">')
        if value is not None:
            at = y_of(value)
            parts.append(
                f'<circle class="dot" data-value="{_attr(point.value)}" cx="{x}" '
                f'cy="{_length(at)}" r="4"><title>{escape(point.label)}: {escape(point.text)}'
                f"</title></circle>"
                f'<text class="value" x="{x}" y="{_length(at - 9)}" '
                f'text-anchor="middle">{escape(point.text)}</text>'
            )
        parts.append(
            f'<text class="label" x="{x}" y="{top + plot_height + 18}" '
            f'text-anchor="middle">{escape(point.label)}</text></g>'
        )
    parts.append(
        f'<text class="axis-title" x="{left + plot_width // 2}" y="{height - 8}" '
        f'text-anchor="middle">{escape(x_title)}</text>'
        f'<text class="axis-title" x="14" y="{top + plot_height // 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_height // 2})">{escape(y_title)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
