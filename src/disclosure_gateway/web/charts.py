"""Server-side SVG charts: bars, a histogram and the model's waterfall. No script, no CDN.

Every label goes through `markupsafe.escape`; colours come from classes in `app.css`
(presentation attributes only: the pages' CSP forbids inline styles). The charts print.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT = 22
BAR_GAP = 6
LABEL_WIDTH = 210
PLOT_WIDTH = 360
VALUE_WIDTH = 70


def _svg(width: int, height: int, title: str, body: str) -> Markup:
    label = escape(title)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{label}"><title>{label}</title>{body}</svg>'
    )


def bar_chart(title: str, items: Sequence[tuple[str, int]], css: str = "bar") -> Markup:
    """Horizontal bars, one per (label, count), scaled to the largest count."""
    if not items:
        return Markup('<p class="muted">Nothing to chart.</p>')
    top = max((count for _, count in items), default=0) or 1
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    height = len(items) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    parts: list[str] = []
    for i, (label, count) in enumerate(items):
        y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP)
        w = round(PLOT_WIDTH * count / top, 1)
        text_y = y + BAR_HEIGHT - 6
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{text_y}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect class="{escape(css)} {escape(_slug(label))}" x="{LABEL_WIDTH}" y="{y}" '
            f'width="{w}" height="{BAR_HEIGHT}"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + w + 6}" y="{text_y}">{count}</text>'
        )
    return _svg(width, height, title, "".join(parts))


def _slug(label: str) -> str:
    return "k-" + "".join(ch if ch.isalnum() else "-" for ch in label.lower())


def histogram_counts(values: Sequence[float], bins: int = 10) -> list[int]:
    """How many values fall in each of `bins` equal bins over [0, 1] (1.0 in the last)."""
    counts = [0] * bins
    for v in values:
        if math.isnan(v):
            continue
        index = min(max(int(v * bins), 0), bins - 1)
        counts[index] += 1
    return counts


def histogram(title: str, values: Sequence[float], bins: int = 10) -> Markup:
    """Vertical bars of match probabilities over [0, 1], with the bin edges on the axis."""
    if not values:
        return Markup('<p class="muted">No model scores in this batch.</p>')
    counts = histogram_counts(values, bins)
    top = max(counts) or 1
    plot_h, bar_w, left, top_gap, bottom = 160, 42, 40, 20, 30
    base = top_gap + plot_h
    width, height = left + bins * bar_w + 10, base + bottom
    parts = [f'<line class="axis" x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}"/>']
    for i, count in enumerate(counts):
        h = round(plot_h * count / top, 1)
        x, y = left + i * bar_w, base - h
        parts.append(
            f'<rect class="bar hist" x="{x + 3}" y="{y}" width="{bar_w - 6}" height="{h}"/>'
            f'<text class="chart-value" x="{x + bar_w / 2}" y="{y - 5}" '
            f'text-anchor="middle">{count}</text>'
            f'<text class="chart-label" x="{x}" y="{base + 16}" '
            f'text-anchor="middle">{i / bins:.1f}</text>'
        )
    parts.append(
        f'<text class="chart-label" x="{left + bins * bar_w}" y="{base + 16}" '
        f'text-anchor="middle">1.0</text>'
    )
    return _svg(width, height, title, "".join(parts))


def waterfall(title: str, weights: Sequence[tuple[str, str, float]]) -> Markup:
    """The model's match weights, prior first, each bar starting where the last one ended.

    The bars add up to the match weight the decision used (Splink's waterfall), so the
    picture can never disagree with the score.
    """
    if not weights:
        return Markup('<p class="muted">No model weights for this candidate.</p>')
    totals = [0.0]
    for _, _, w in weights:
        totals.append(totals[-1] + w)
    lo, hi = min(*totals, 0.0), max(*totals, 0.0)
    span = (hi - lo) or 1.0
    scale = PLOT_WIDTH / span

    def x_of(v: float) -> float:
        return round(LABEL_WIDTH + (v - lo) * scale, 1)

    rows = len(weights) + 1
    height = rows * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    zero = x_of(0.0)
    parts = [f'<line class="axis" x1="{zero}" y1="0" x2="{zero}" y2="{height}"/>']
    for i, (comparison, level, w) in enumerate(weights):
        y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP)
        a, b = sorted((x_of(totals[i]), x_of(totals[i + 1])))
        sign = "pos" if w >= 0 else "neg"
        label = f"{comparison}: {level}" if level else comparison
        parts.append(_waterfall_row(label, y, a, b, sign, f"{w:+.2f}"))
    y = BAR_GAP + len(weights) * (BAR_HEIGHT + BAR_GAP)
    total = totals[-1]
    a, b = sorted((zero, x_of(total)))
    parts.append(_waterfall_row("match weight", y, a, b, "total", f"{total:+.2f}"))
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    return _svg(width, height, title, "".join(parts))


def _waterfall_row(label: str, y: int, a: float, b: float, css: str, value: str) -> str:
    text_y = y + BAR_HEIGHT - 6
    return (
        f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{text_y}" '
        f'text-anchor="end">{escape(label)}</text>'
        f'<rect class="wf {css}" x="{a}" y="{y}" width="{max(round(b - a, 1), 1.0)}" '
        f'height="{BAR_HEIGHT}"/>'
        f'<text class="chart-value" x="{b + 6}" y="{text_y}">{escape(value)}</text>'
    )


def probability(total_weight: float) -> float:
    """The match probability a total match weight (in bits) stands for."""
    return 1.0 / (1.0 + math.pow(2.0, -total_weight))
