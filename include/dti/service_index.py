"""The Decision 766 service index of one unit and period, as a table (`dti index`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import psycopg

from dti.indicators import parse_period


@dataclass(frozen=True)
class IndexLine:
    group_order: int
    group: str
    component: str
    numerator: Decimal | None
    denominator: Decimal | None
    rate: Decimal | None
    full_at_rate: Decimal
    points: Decimal | None
    max_points: Decimal
    null_reason: str | None


def fetch_index(
    dsn: str,
    period: str,
    unit_type: str = "province",
    unit_code: str = "24",
    todays_units: bool = False,
) -> list[IndexLine]:
    """Component lines of the index of `unit_type`/`unit_code` for a calendar period (2022,
    2022-H1, 2022-Q2, 2022-05): on the units as reported, or (`todays_units`) on today's units
    (the province and the communes restated through the crosswalk)."""
    p = parse_period(period)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "select group_order, group_name_en, component_name_en, numerator, denominator, "
            "rate, full_at_rate, points, max_points, null_reason from marts.service_index "
            "where period_type = %s and period_start = %s and unit_type = %s and unit_code = %s "
            "and (geography = 'as_reported') = %s "
            "order by group_order, component_order",
            (p.period_type, p.start, unit_type, unit_code, not todays_units),
        ).fetchall()
    if not rows:
        where = "on today's units (province and communes only) " if todays_units else ""
        raise LookupError(
            f"marts.service_index has no rows for {unit_type} {unit_code} in {p.label} {where}"
            "- load and transform the period (`dti run --from ... --to ...`)"
        )
    return [IndexLine(*row) for row in rows]


def _num(value: Decimal | None, places: int = 2) -> str:
    return "-" if value is None else f"{value:,.{places}f}"


def format_index(lines: list[IndexLine]) -> str:
    """A plain-text table: one line per component, a subtotal per group, the total scored over
    the components that have data."""
    out = [
        f"{'group / component':58} {'numerator':>10} {'denom.':>10} {'rate %':>8} "
        f"{'full at':>7} {'points':>7} {'max':>5}"
    ]
    total = Decimal(0)
    total_max_scored = Decimal(0)
    groups: dict[str, list[IndexLine]] = {}
    for line in lines:
        groups.setdefault(line.group, []).append(line)
    for group, members in groups.items():
        scored = [m for m in members if m.points is not None]
        points = sum((m.points for m in scored), Decimal(0))
        gmax = sum((m.max_points for m in members), Decimal(0))
        out.append(
            f"{group:58} {'':>10} {'':>10} {'':>8} {'':>7} "
            f"{_num(points) if scored else '-':>7} {gmax:>5.0f}"
        )
        for m in members:
            out.append(
                f"  {m.component[:56]:56} {_num(m.numerator, 0):>10} {_num(m.denominator, 0):>10}"
                f" {_num(m.rate):>8} {m.full_at_rate:>7.0f} {_num(m.points):>7} "
                f"{m.max_points:>5.0f}"
            )
            if m.null_reason:
                out.append(f"      null: {m.null_reason}")
        total += points
        total_max_scored += sum((m.max_points for m in scored), Decimal(0))
    out.append(
        f"{'total (components with data)':58} {'':>10} {'':>10} {'':>8} {'':>7} "
        f"{_num(total):>7} {total_max_scored:>5.0f}"
    )
    out.append(f"{'maximum of the index':58} {'':>10} {'':>10} {'':>8} {'':>7} {'':>7} {100:>5}")
    return "\n".join(out)
