"""The report's charts as inline SVG, drawn here in Python: nothing to load or run when the
report is opened (no JavaScript, no fonts or scripts fetched), and the same picture in a browser
and in a PDF.

Every chart is an `<svg class="chart">` whose data marks (lines, points, bars) carry the class
`mark`; the headless-browser test checks that each chart drew some.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from dti.report.data import DistrictRanking, IndexGroup, TrendSeries
from dti.report.labels import Labels

BLUE = "#1f5fa8"
RED = "#c0392b"
GREY = "#8a8f98"
LIGHT = "#e6e9ee"
PERIOD_BAND = "#fff4d6"


def _nice_max(value: float) -> float:
    """The axis maximum: 1, 2, 2.5 or 5 times a power of ten above `value` (100 for a rate
    that comes near it)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10**exponent
        if top >= value * 1.05:
            return float(top)
    return float(10 ** (exponent + 1))


def _f(x: float) -> str:
    return f"{x:.1f}"


def _svg(width: int, height: int, title: str, body: list[str], code: str, kind: str) -> Markup:
    return Markup(
        f'<svg class="chart chart-{kind}" data-chart="{escape(code)}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def trend_chart(
    series: TrendSeries, labels: Labels, period_start: date, period_end: date
) -> Markup:
    """A line of the monthly values, the period's months shaded, the target dashed."""
    width, height = 330, 180
    left, right, top, bottom = 40, 10, 12, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v) for _, v in series.points]
    highest = max(values + ([float(series.target)] if series.target is not None else []))
    y_max = 100.0 if highest > 80 else _nice_max(highest)
    n = len(series.points)
    step = plot_w / max(n - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h - (v / y_max) * plot_h

    body: list[str] = []
    in_period = [i for i, (m, _) in enumerate(series.points) if period_start <= m <= period_end]
    if in_period:
        x0 = max(left, x(in_period[0]) - step / 2)
        x1 = min(left + plot_w, x(in_period[-1]) + step / 2)
        body.append(
            f'<rect x="{_f(x0)}" y="{top}" width="{_f(x1 - x0)}" height="{plot_h}" '
            f'fill="{PERIOD_BAND}"/>'
        )
    for frac in (0, 0.5, 1):
        gy = y(y_max * frac)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_f(gy)}" y2="{_f(gy)}" '
            f'stroke="{LIGHT}"/>'
            f'<text x="{left - 4}" y="{_f(gy + 3)}" text-anchor="end" class="axis">'
            f"{escape(labels.number(y_max * frac, 0 if (y_max * frac).is_integer() else 1))}</text>"
        )
    for i, (month, _) in enumerate(series.points):
        body.append(
            f'<text x="{_f(x(i))}" y="{height - 8}" text-anchor="middle" class="axis">'
            f"{escape(labels.month_short(month.month))}</text>"
        )
    if series.target is not None:
        ty = y(float(series.target))
        body.append(
            f'<line class="target" x1="{left}" x2="{left + plot_w}" y1="{_f(ty)}" '
            f'y2="{_f(ty)}" stroke="{RED}" stroke-dasharray="4 3"/>'
        )
    points = " ".join(f"{_f(x(i))},{_f(y(v))}" for i, v in enumerate(values))
    body.append(
        f'<polyline class="mark line" points="{points}" fill="none" stroke="{BLUE}" '
        'stroke-width="2"/>'
    )
    for i, ((month, value), v) in enumerate(zip(series.points, values, strict=True)):
        missed = series.target is not None and value < series.target
        body.append(
            f'<circle class="mark point" cx="{_f(x(i))}" cy="{_f(y(v))}" r="3" '
            f'fill="{RED if missed else BLUE}"><title>{escape(labels.month_short(month.month))}'
            f" {month.year}: {escape(labels.value(value, series.unit))}</title></circle>"
        )
    return _svg(width, height, series.name, body, series.code, "trend")


def district_chart(ranking: DistrictRanking, labels: Labels) -> Markup:
    """Horizontal bars, highest first; a bar below the target red, the target dashed."""
    row_h, name_w, value_w = 20, 170, 62
    width = 640
    plot_w = width - name_w - value_w
    height = row_h * len(ranking.bars) + 20
    highest = max([float(b.value) for b in ranking.bars] + [float(ranking.target or 0)])
    x_max = 100.0 if ranking.unit == "percent" and highest > 80 else _nice_max(highest)
    body: list[str] = []
    for i, bar in enumerate(ranking.bars):
        top = 4 + i * row_h
        w = max(float(bar.value) / x_max * plot_w, 1.0)
        below = ranking.target is not None and bar.value < ranking.target
        body.append(
            f'<text x="{name_w - 6}" y="{top + 13}" text-anchor="end" class="label">'
            f"{escape(bar.name)}</text>"
            f'<rect class="mark bar{" below" if below else ""}" x="{name_w}" y="{top + 2}" '
            f'width="{_f(w)}" height="{row_h - 6}" fill="{RED if below else BLUE}">'
            f"<title>{escape(bar.name)}: {escape(labels.value(bar.value, ranking.unit))}"
            f"</title></rect>"
            f'<text x="{_f(name_w + w + 4)}" y="{top + 13}" class="value">'
            f"{escape(labels.value(bar.value, ranking.unit))}</text>"
        )
    if ranking.target is not None:
        tx = name_w + float(ranking.target) / x_max * plot_w
        body.append(
            f'<line class="target" x1="{_f(tx)}" x2="{_f(tx)}" y1="0" y2="{height - 14}" '
            f'stroke="{RED}" stroke-dasharray="4 3"/>'
            f'<text x="{_f(tx)}" y="{height - 3}" text-anchor="middle" class="axis">'
            f"{escape(labels['target'])} {escape(labels.value(ranking.target, ranking.unit))}"
            "</text>"
        )
    return _svg(width, height, ranking.name, body, ranking.code, "districts")


def index_chart(groups: list[IndexGroup], labels: Labels) -> Markup:
    """Per group of the Decision 766 index: its maximum as a pale bar, its points over it; a
    group no source can score is hatched."""
    row_h, name_w, value_w = 26, 220, 120
    width = 680
    plot_w = width - name_w - value_w
    height = row_h * len(groups) + 8
    scale = plot_w / float(max((g.max_points for g in groups), default=Decimal(1)) or 1)
    body = [
        '<defs><pattern id="nodata" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{GREY}" '
        'stroke-width="2"/></pattern></defs>'
    ]
    for i, group in enumerate(groups):
        top = 4 + i * row_h
        full = float(group.max_points) * scale
        body.append(
            f'<text x="{name_w - 6}" y="{top + 15}" text-anchor="end" class="label">'
            f"{group.order}. {escape(group.name)}</text>"
            f'<rect x="{name_w}" y="{top + 3}" width="{_f(full)}" height="{row_h - 8}" '
            f'fill="{LIGHT}"/>'
        )
        if group.points is None:
            text = f"{labels['no_data']} / {labels.number(group.max_points)}"
            body.append(
                f'<rect class="mark bar nodata" x="{name_w}" y="{top + 3}" width="{_f(full)}" '
                f'height="{row_h - 8}" fill="url(#nodata)" opacity="0.6"><title>'
                f"{escape(group.name)}: {escape(labels['no_data'])}</title></rect>"
            )
        else:
            w = max(float(group.points) * scale, 1.0)
            text = f"{labels.number(group.points, 2)} / {labels.number(group.max_points)}"
            body.append(
                f'<rect class="mark bar" x="{name_w}" y="{top + 3}" width="{_f(w)}" '
                f'height="{row_h - 8}" fill="{BLUE}"><title>{escape(group.name)}: '
                f"{escape(text)}</title></rect>"
            )
        body.append(
            f'<text x="{_f(name_w + full + 6)}" y="{top + 15}" class="value">{escape(text)}</text>'
        )
    return _svg(width, height, labels["service_index"], body, "SERVICE_INDEX", "index")
