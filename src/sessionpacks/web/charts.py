"""Small server-drawn SVG charts: a bar chart and a line chart, as markup to put in a page.

Framework-neutral (nothing here imports Flask), so any integration can draw the same charts.
The SVG carries no script, no style element and no style attribute, only presentation
attributes, so a strict Content-Security-Policy holds. Every chart has a ``<title>`` and a
``<desc>`` and is labelled for screen readers; bars carry their value as text and lines differ
by dash pattern and marker shape as well as colour, so no chart relies on colour alone. Every
text is escaped.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

import attrs

from sessionpacks.web.i18n import gettext

# Colours that read on white and apart from each other; dashes and markers tell lines apart
# without them.
_COLOURS = ("#2452c7", "#b3261e", "#17703a", "#8a5a00")
_DASHES = ("", "8 4", "2 3", "10 3 2 3")
_MARKERS = ("circle", "square", "triangle", "diamond")
_ids = itertools.count(1)


@attrs.frozen
class Bar:
    """One bar: its label, its value (drawn to scale) and the value as people read it."""

    label: str
    value: float
    shown: str


@attrs.frozen
class Series:
    """One line: its name and a value per x label (None where it has none)."""

    name: str
    values: tuple[float | None, ...]


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _frame(width: int, height: int, title: str, description: str, body: list[str]) -> str:
    n = next(_ids)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="sp-chart" role="img"'
            f' viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
            f' aria-labelledby="sp-chart-title-{n} sp-chart-desc-{n}">',
            f'<title id="sp-chart-title-{n}">{_text(title)}</title>',
            f'<desc id="sp-chart-desc-{n}">{_text(description)}</desc>',
            *body,
            "</svg>",
        ]
    )


def bar_chart(title: str, description: str, bars: Sequence[Bar], *, width: int = 560) -> str:
    """Horizontal bars, one a row, the label left of the bar and the value at its end."""
    label_width, value_width, row, top = 180, 90, 28, 8
    height = top * 2 + row * max(len(bars), 1)
    span = width - label_width - value_width
    largest = max((bar.value for bar in bars), default=0) or 1
    body = [
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - top}"'
        ' stroke="#5b6577" stroke-width="1"/>'
    ]
    if not bars:
        body.append(
            f'<text x="{label_width + 8}" y="{top + 18}" fill="#5b6577">{_no_data()}</text>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row
        length = max(bar.value, 0) / largest * span
        middle = y + row / 2 + 5
        body += [
            f'<text x="{label_width - 8}" y="{_number(middle)}" text-anchor="end"'
            f' fill="#1d2433">{_text(_shorten(bar.label, 28))}</text>',
            f'<rect x="{label_width}" y="{y + 4}" width="{_number(length)}" height="{row - 8}"'
            f' fill="{_COLOURS[0]}"><title>{_text(bar.label)}: {_text(bar.shown)}</title></rect>',
            f'<text x="{_number(label_width + length + 6)}" y="{_number(middle)}"'
            f' fill="#1d2433">{_text(bar.shown)}</text>',
        ]
    return _frame(width, height, title, description, body)


def line_chart(
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 560,
    height: int = 300,
) -> str:
    """Lines over shared x labels, each with its own dash and marker, named at its last point."""
    left, right, top, bottom = 70, 110, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1

    def x(i: int) -> float:
        return left + (plot_w * i / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h - (value - low) / (high - low) * plot_h

    body = [
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#5b6577"/>',
        f'<line x1="{left}" y1="{_number(y(0))}" x2="{left + plot_w}" y2="{_number(y(0))}"'
        ' stroke="#5b6577"/>',
    ]
    for value in (low, (low + high) / 2, high):
        body.append(
            f'<text x="{left - 6}" y="{_number(y(value) + 4)}" text-anchor="end"'
            f' font-size="12" fill="#5b6577">{_text(_number(value))}</text>'
        )
    # As many x labels as fit side by side (about 80 units each), so they never overlap.
    fit = max(1, plot_w // 80)
    every = -(-len(labels) // fit)
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(
                f'<text x="{_number(x(i))}" y="{height - bottom + 18}" text-anchor="middle"'
                f' font-size="12" fill="#5b6577">{_text(label)}</text>'
            )
    if not values:
        body.append(f'<text x="{left + 8}" y="{top + 20}" fill="#5b6577">{_no_data()}</text>')
    for n, line in enumerate(series):
        colour, dash, marker = (
            _COLOURS[n % len(_COLOURS)],
            _DASHES[n % len(_DASHES)],
            _MARKERS[n % len(_MARKERS)],
        )
        points = [
            (x(i), y(v), f"{labels[i]}: {_number(v)}")
            for i, v in enumerate(line.values)
            if v is not None
        ]
        if not points:
            continue
        path = " ".join(f"{_number(px)},{_number(py)}" for px, py, _ in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashed}>'
            f"<title>{_text(line.name)}</title></polyline>"
        )
        for px, py, point in points:
            body.append(_marker(marker, px, py, colour, f"{line.name}, {point}"))
        last_x, last_y, _ = points[-1]
        body.append(
            f'<text x="{_number(last_x + 10)}" y="{_number(last_y + 4 + 14 * n)}"'
            f' font-size="12" fill="{colour}">{_text(_shorten(line.name, 20))}</text>'
        )
    return _frame(width, height, title, description, body)


def _marker(shape: str, x: float, y: float, colour: str, label: str) -> str:
    tip = f"<title>{_text(label)}</title>"
    if shape == "circle":
        return f'<circle cx="{_number(x)}" cy="{_number(y)}" r="4" fill="{colour}">{tip}</circle>'
    if shape == "square":
        return (
            f'<rect x="{_number(x - 4)}" y="{_number(y - 4)}" width="8" height="8"'
            f' fill="{colour}">{tip}</rect>'
        )
    corners = (
        [(x, y - 5), (x + 5, y + 4), (x - 5, y + 4)]
        if shape == "triangle"
        else [(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)]
    )
    points = " ".join(f"{_number(a)},{_number(b)}" for a, b in corners)
    return f'<polygon points="{points}" fill="{colour}">{tip}</polygon>'


def _no_data() -> str:
    return _text(gettext("No data"))


def _shorten(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
