"""Charts as inline SVG, drawn on the server (no script, works offline).

Each chart is an ``<svg role="img">`` with a title and a description for screen readers;
the pages show the same figures in a table next to it. Data marks carry ``data-value``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 520, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40


@dataclass(frozen=True)
class Series:
    """A named row of values (None: no data) drawn in one colour (CSS class ``s1``..)."""

    name: str
    values: Sequence[float | None]
    css: str = "s1"


def _nice_max(value: float) -> float:
    """A round upper bound for an axis."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _frame(chart_id: str, title: str, description: str, body: list[str],
           legend: Sequence[Series] = (), height: int = HEIGHT, width: int = WIDTH) -> Markup:
    keys = "".join(
        f'<g class="legend-item"><rect x="{LEFT + i * 150}" y="{height - 14}" width="10" '
        f'height="10" class="{s.css}"/><text x="{LEFT + i * 150 + 14}" y="{height - 5}">'
        f"{escape(s.name)}</text></g>" for i, s in enumerate(legend))
    return Markup(
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>{"".join(body)}{keys}</svg>')


def _axis(top: float, fmt: Callable[[float], str], plot_bottom: int, width: int) -> list[str]:
    lines = []
    for i in range(5):
        value = top * i / 4
        y = plot_bottom - (plot_bottom - TOP) * i / 4
        lines.append(f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/><text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{escape(fmt(value))}</text>')
    return lines


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def column_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series],
                 *, fmt: Callable[[float], str] = _number, every: int = 1,
                 width: int = WIDTH) -> Markup:
    """Vertical grouped columns: one group per label, one column per series."""
    plot_bottom = HEIGHT - BOTTOM
    known = [v for s in series for v in s.values if v is not None]
    top = _nice_max(max(known, default=0))
    body = _axis(top, fmt, plot_bottom, width)
    slot = (width - LEFT - RIGHT) / max(1, len(labels))
    bar = max(1.0, slot * 0.8 / max(1, len(series)))
    for i, text in enumerate(labels):
        x0 = LEFT + slot * i + slot * 0.1
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            h = (plot_bottom - TOP) * value / top
            body.append(
                f'<rect class="bar {s.css}" x="{x0 + j * bar:.1f}" y="{plot_bottom - h:.1f}" '
                f'width="{bar - 1:.1f}" height="{h:.1f}" data-value="{value:g}">'
                f"<title>{escape(s.name)}, {escape(text)}: {escape(fmt(value))}</title></rect>")
        if i % every == 0:
            body.append(f'<text class="tick" x="{LEFT + slot * (i + 0.5):.1f}" '
                        f'y="{plot_bottom + 14}" text-anchor="middle">{escape(text)}</text>')
    description = "; ".join(
        f"{s.name}: " + ", ".join(f"{label} {fmt(v) if v is not None else 'no data'}"
                                  for label, v in zip(labels, s.values, strict=True))
        for s in series)
    return _frame(chart_id, title, description, body, series, width=width)


def bar_list(chart_id: str, title: str, rows: Sequence[tuple[str, Sequence[float | None]]],
             series_names: Sequence[str]) -> Markup:
    """Horizontal bars of shares (0..1), one row per label, one bar per series."""
    row_height = 14 * len(series_names) + 10
    height = TOP + row_height * max(1, len(rows)) + 30
    label_width, plot_width = 170, WIDTH - 170 - 60
    body = []
    for i, (text, shares) in enumerate(rows):
        y0 = TOP + row_height * i
        body.append(f'<text class="tick" x="{label_width - 8}" y="{y0 + row_height / 2 + 3:.1f}"'
                    f' text-anchor="end">{escape(text[:26])}</text>')
        for j, share in enumerate(shares):
            y = y0 + 14 * j
            css = f"s{j + 1}"
            if share is None:
                body.append(f'<text class="na" x="{label_width + 4}" y="{y + 10}">no data'
                            f"</text>")
                continue
            w = plot_width * share
            body.append(
                f'<rect class="bar {css}" x="{label_width}" y="{y}" width="{w:.1f}" height="11" '
                f'data-value="{share:.3f}"><title>{escape(text)}, {escape(series_names[j])}: '
                f"{share * 100:.0f} %</title></rect>"
                f'<text class="value" x="{label_width + w + 4:.1f}" y="{y + 10}">'
                f"{share * 100:.0f} %</text>")
    legend = [Series(name, (), f"s{j + 1}") for j, name in enumerate(series_names)]
    description = "; ".join(
        f"{text}: " + ", ".join(f"{name} {'no data' if v is None else f'{v * 100:.0f} %'}"
                                for name, v in zip(series_names, shares, strict=True))
        for text, shares in rows)
    return _frame(chart_id, title, description or "no data", body, legend, height)
