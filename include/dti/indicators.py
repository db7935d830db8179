"""Reading indicator values back from the marts, beside the published figures of the registry.

A published figure (`reference_value` in the indicator registry) is shown when its
`reference_period` is the period asked for: `2022-H1`, `2022`, a date (`2022-06-30`, the period's
end for point-in-time figures) or a range `2022-01-01..2022-06-15`. It is compared at the
precision it was printed with: 33.4 matches 33.44, not 33.36. A figure published for a part of
the period asked for (health's 2022-01-01..2022-06-15 inside 2022-H1, or a date inside it), or for
the months just before it (a stock at 2021-12-31 beside 2022-H1), is computed over its own range
with `marts.indicator_values_between` and shown on a line of its own under the indicator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import psycopg

from dti.config import Settings
from dti.warehouse import warehouse_url

_PERIOD = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?$")


@dataclass(frozen=True)
class Period:
    period_type: str
    start: date
    end: date
    label: str

    @property
    def labels(self) -> set[str]:
        """Every way a published reference period may name this period."""
        return {
            self.label,
            self.end.isoformat(),
            f"{self.start.isoformat()}..{self.end.isoformat()}",
        }


def parse_period(text: str) -> Period:
    """`2022`, `2022-H1`, `2022-Q2`, `2022-05` → the period with its local first and last day."""
    m = _PERIOD.match(text.strip())
    if not m:
        raise ValueError(f"period {text!r}: write 2022, 2022-H1, 2022-Q2 or 2022-05")
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        return Period("year", date(year, 1, 1), date(year, 12, 31), text)
    if part.startswith("H"):
        half = int(part[1])
        start = date(year, 1 if half == 1 else 7, 1)
        end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
        return Period("half_year", start, end, text)
    if part.startswith("Q"):
        q = int(part[1])
        start = date(year, 3 * q - 2, 1)
        return Period("quarter", start, _month_end(date(year, 3 * q, 1)), text)
    month = int(part)
    if not 1 <= month <= 12:
        raise ValueError(f"period {text!r}: month must be 01..12")
    start = date(year, month, 1)
    return Period("month", start, _month_end(start), text)


def _month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    unit: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    target: Decimal | None
    published: str | None
    published_period: str | None
    over: str | None = None
    """Set on a row computed over a published figure's own range inside the period asked for."""
    published_numerator: Decimal | None = None
    published_denominator: Decimal | None = None
    """The counts the reports print with the figure, compared exactly."""

    @property
    def matches_published(self) -> bool | None:
        """The value, rounded as the figure was printed, equals it, and the printed counts equal
        the numerator and denominator (None: nothing to compare)."""
        checks = []
        if self.published not in (None, "") and self.value is not None:
            printed = Decimal(self.published)
            places = Decimal(1).scaleb(printed.as_tuple().exponent)
            checks.append(self.value.quantize(places, rounding=ROUND_HALF_UP) == printed)
        if self.published_numerator is not None:
            checks.append(self.numerator == self.published_numerator)
        if self.published_denominator is not None:
            checks.append(self.denominator == self.published_denominator)
        return all(checks) if checks else None

    @property
    def published_counts(self) -> str:
        if self.published_numerator is None:
            return ""
        counts = f"{int(self.published_numerator):,}"
        if self.published_denominator is not None:
            counts += f"/{int(self.published_denominator):,}"
        return counts


@dataclass(frozen=True)
class IndicatorTable:
    title: str
    area_code: str
    rows: list[IndicatorRow]


_QUERY = """
with v as ({values})
select r.code, r.name_en, r.unit, v.numerator, v.denominator, v.value, v.target,
       r.reference_value, r.reference_period, r.reference_numerator, r.reference_denominator
from v
join reference.indicator_registry r on r.code = v.indicator_code
where v.area_code = %(area)s and v.breakdown = 'total'
  and (v.geography = 'as_reported') = %(as_reported)s {only}
order by r.code
"""

_REFERENCE_PERIODS = """
select code, reference_period from reference.indicator_registry
where reference_period is not null and reference_period <> ''
"""


def reference_range(text: str) -> tuple[date, date] | None:
    """``2022-01-01..2022-06-15`` → its first and last day; ``2022-06-15`` → that day twice."""
    try:
        if ".." in text:
            first, last = text.split("..", 1)
            return date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day, day


def _connect(settings: Settings) -> psycopg.Connection:
    try:
        return psycopg.connect(warehouse_url(settings), connect_timeout=5)
    except psycopg.OperationalError as err:
        raise LookupError(f"cannot reach the warehouse ({err}); is it up? (`dti up`)") from None


def _rows(conn: psycopg.Connection, values: str, params: dict, only: str = "") -> list[tuple]:
    try:
        return conn.execute(_QUERY.format(values=values, only=only), params).fetchall()
    except psycopg.errors.UndefinedTable as err:
        raise LookupError(
            f"the indicator marts are not built yet ({err.diag.message_primary}): run `dti run`"
        ) from None


def _sub_ranges(
    conn: psycopg.Connection, first: date, last: date, labels: set[str]
) -> dict[tuple[date, date], list[str]]:
    """Published figures whose own range is not the period asked for but near it: inside it (a
    bare date then means the period's start up to that date), or ending in the year before it (a
    bare date then means its month: a stock at the end of 2021 beside 2022-H1). Returns
    {(start, end): [codes]}; the caller shows those the loaded data can compute."""
    out: dict[tuple[date, date], list[str]] = {}
    for code, ref_period in conn.execute(_REFERENCE_PERIODS).fetchall():
        if ref_period in labels:
            continue
        span = reference_range(ref_period)
        if span is None:
            continue
        start, end = span
        if first <= start <= end <= last:
            if start == end:
                start = first
        elif first - timedelta(days=366) <= end < first:
            if start == end:
                start = end.replace(day=1)
        else:
            continue
        out.setdefault((start, end), []).append(code)
    return out


def fetch_indicators(
    settings: Settings,
    *,
    period: str | None = None,
    first: date | None = None,
    last: date | None = None,
    area_code: str,
    geography: date | None = None,
) -> IndicatorTable:
    """The indicators of a period (or a range of days) for one area: on the areas as the
    sources reported them, or, with `geography`, restated on the units valid on that date
    (numerators and denominators re-aggregated through marts.admin_unit_crosswalk)."""
    between = "select * from marts.indicator_values_between(%(start)s, %(end)s, %(geo)s)"
    common = {
        "area": area_code,
        "as_reported": geography is None,
        "geo": geography or date.today(),
    }
    if period:
        p = parse_period(period)
        if geography is None:
            values = (
                "select * from marts.indicator_values "
                "where period_type = %(ptype)s and period_start = %(start)s"
            )
        else:
            values = between
        params = {"ptype": p.period_type, "start": p.start, "end": p.end, **common}
        labels, title = p.labels, f"{p.label} ({p.start} .. {p.end})"
        first, last = p.start, p.end
    else:
        if first is None or last is None or last < first:
            raise ValueError("a range needs --from before --to")
        values = between
        params = {"start": first, "end": last, **common}
        labels = {f"{first}..{last}", last.isoformat()}
        title = f"{first} .. {last}"
    with _connect(settings) as conn:
        rows = _rows(conn, values, params)
        if not rows:
            raise LookupError(
                f"no indicator values for {title} in area {area_code}: load that period first "
                f"(`dti run --from ... --to ...`)"
            )
        extra: dict[str, list[tuple]] = {}
        for (start, end), codes in _sub_ranges(conn, first, last, labels).items():
            sub = {"start": start, "end": end, "codes": codes, **common}
            for row in _rows(conn, between, sub, "and v.indicator_code = any(%(codes)s)"):
                extra.setdefault(row[0], []).append((start, end, row))
    out = []
    for code, name, unit, num, den, value, target, ref, ref_period, ref_num, ref_den in rows:
        # The registry seed may type reference values as numbers: compare them as printed.
        here = ref_period in labels
        out.append(
            IndicatorRow(
                code,
                name,
                unit,
                num,
                den,
                value,
                target,
                str(ref) if ref is not None and here else None,
                ref_period if here else None,
                published_numerator=ref_num if here else None,
                published_denominator=ref_den if here else None,
            )
        )
        for start, end, row in extra.get(code, []):
            _, _, _, s_num, s_den, s_value, s_target, s_ref, s_period, s_rnum, s_rden = row
            out.append(
                IndicatorRow(
                    code,
                    name,
                    unit,
                    s_num,
                    s_den,
                    s_value,
                    s_target,
                    str(s_ref) if s_ref is not None else None,
                    s_period,
                    over=f"{start}..{end}",
                    published_numerator=s_rnum,
                    published_denominator=s_rden,
                )
            )
    if geography is not None:
        title += f", restated on the units of {geography}"
    return IndicatorTable(title, area_code, out)


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str | None
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None


_AREAS_QUERY = """
with v as (select * from marts.indicator_values_between(%(start)s, %(end)s, %(geo)s))
select v.area_code, u.unit_name_with_type, v.numerator, v.denominator, v.value
from v
left join marts.dim_administrative_unit u
  on u.unit_code = v.area_code and u.valid_from = v.area_valid_from
where v.indicator_code = %(code)s and v.area_level = %(level)s and v.breakdown = 'total'
  and (v.geography = 'as_reported') = %(as_reported)s
order by v.denominator desc nulls last, v.area_code
"""


def fetch_areas(
    settings: Settings,
    *,
    first: date,
    last: date,
    indicator_code: str = "DVC_ONLINE_INTAKE_RATE",
    level: str = "commune",
    geography: date | None = None,
) -> list[AreaRow]:
    """One indicator for every area of a level over [first, last], the largest denominator
    first: as reported, or restated on the units valid on `geography`."""
    params = {
        "start": first,
        "end": last,
        "geo": geography or date.today(),
        "code": indicator_code,
        "level": level,
        "as_reported": geography is None,
    }
    with _connect(settings) as conn:
        return [AreaRow(*row) for row in conn.execute(_AREAS_QUERY, params).fetchall()]


def format_areas(rows: list[AreaRow], indicator_code: str, heading: str) -> str:
    lines = [
        f"{indicator_code} {heading}",
        f"{'code':7} {'area':34} {'numerator':>12} {'denominator':>12} {'value':>9}",
    ]
    for r in rows:
        lines.append(
            f"{r.code:7} {(r.name or '?')[:34]:34} {_fmt(r.numerator, 0):>12} "
            f"{_fmt(r.denominator, 0):>12} {_fmt(r.value) + '%':>9}"
        )
    return "\n".join(lines)


def _fmt(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "-"
    if value == value.to_integral_value() and places == 0:
        return f"{int(value):,}"
    return f"{value:,.{places}f}"


def format_table(table: IndicatorTable) -> str:
    lines = [
        f"Indicators for {table.title}, area {table.area_code}",
        f"{'indicator':50} {'numerator':>14} {'denominator':>16} {'value':>9} "
        f"{'published':>10} {'published counts':>28}  match",
    ]
    for r in table.rows:
        unit = "%" if r.unit == "percent" else ""
        match = {True: "yes", False: "NO", None: ""}[r.matches_published]
        label = f"  over {r.over}" if r.over else r.code
        lines.append(
            f"{label:50} {_fmt(r.numerator, 0):>14} {_fmt(r.denominator, 0):>16} "
            f"{_fmt(r.value) + unit:>9} {(r.published + unit) if r.published else '':>10} "
            f"{r.published_counts:>28}  {match}"
        )
    compared = [r for r in table.rows if r.matches_published is not None]
    if compared:
        ok = sum(1 for r in compared if r.matches_published)
        lines.append(f"{ok} of {len(compared)} published figures reproduced")
    return "\n".join(lines)
