"""What the report shows, read from the marts in one connection.

Everything is generic over the indicator registry: a source registered later appears in the
summary, the trends, the district ranking (when its indicator has a target or is listed in
`RANKED_FIRST`), the data-quality section and the definitions without a change here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import psycopg

from dti.config import LOCAL_TZ
from dti.indicators import Period, parse_period

log = logging.getLogger(__name__)

# District rankings people ask for first (the half-year report's own order); any other indicator
# with a target is ranked after them.
RANKED_FIRST = (
    "DVC_ONLINE_INTAKE_RATE",
    "CA_CCCD_COVERAGE_RATE",
    "DVC_ON_TIME_RATE",
    "DVC_ONLINE_PAYMENT_RATE",
    "GD_E_RECORD_SCHOOL_RATE",
)
# Trend charts: these first, then every other rate with monthly values.
TRENDS_FIRST = (
    "DVC_ONLINE_INTAKE_RATE",
    "DVC_ON_TIME_RATE",
    "DVC_ONLINE_PAYMENT_RATE",
    "DVC_FULLY_ONLINE_RATE",
    "YT_CASHLESS_TXN_RATE",
    "CA_CCCD_COVERAGE_RATE",
)
MAX_ISSUES = 40
MAX_LATE_UNITS = 25


@dataclass(frozen=True)
class SummaryRow:
    code: str
    pillar: str
    name: str
    unit: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    target: Decimal | None
    meets_target: bool | None
    previous_value: Decimal | None
    published: Decimal | None

    @property
    def missed_target(self) -> bool:
        return self.meets_target is False


@dataclass(frozen=True)
class TrendSeries:
    code: str
    name: str
    unit: str
    target: Decimal | None
    points: list[tuple[date, Decimal]]


@dataclass(frozen=True)
class DistrictBar:
    code: str
    name: str
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None


@dataclass(frozen=True)
class DistrictRanking:
    code: str
    name: str
    unit: str
    target: Decimal | None
    bars: list[DistrictBar]


@dataclass(frozen=True)
class IndexGroup:
    order: int
    name: str
    max_points: Decimal
    points: Decimal | None
    """None: no component of the group has data."""
    scored_max: Decimal
    """The maximum of the group's components that have data."""


@dataclass(frozen=True)
class CompletenessRow:
    source: str
    entity: str
    delivery: str
    expected: int
    received: int
    on_time: int
    completeness_rate: Decimal | None
    timeliness_rate: Decimal | None


@dataclass(frozen=True)
class LateUnit:
    source: str
    entity: str
    unit: str
    missing: int
    late: int


@dataclass(frozen=True)
class Issue:
    issue_type: str
    source: str | None
    entity: str | None
    subject: str
    first_day: date | None
    last_day: date | None
    rule: str | None
    detail: str | None
    is_resolved: bool | None


@dataclass(frozen=True)
class OutlierCount:
    indicator_code: str
    province: int
    district: int
    commune: int


@dataclass(frozen=True)
class Definition:
    code: str
    pillar: str
    name: str
    unit: str
    numerator: str
    denominator: str
    basis: str


@dataclass
class ReportData:
    period: Period
    previous: Period
    lang: str
    province_code: str
    province_name: str
    generated_at: datetime
    data_as_of: date | None
    previous_loaded: bool
    loaded_from: date | None
    closed_at: datetime | None
    revision_count: int
    geography: str = "as_reported"
    """'as_reported', or the first day of the units the figures are restated on."""
    ranked_level: str = "district"
    """The areas ranked: districts before the 2025 reform, communes on its units."""
    summary: list[SummaryRow] = field(default_factory=list)
    without_values: list[str] = field(default_factory=list)
    trends: list[TrendSeries] = field(default_factory=list)
    districts: list[DistrictRanking] = field(default_factory=list)
    index_groups: list[IndexGroup] = field(default_factory=list)
    completeness: list[CompletenessRow] = field(default_factory=list)
    late_units: list[LateUnit] = field(default_factory=list)
    late_units_total: int = 0
    issues: list[Issue] = field(default_factory=list)
    issue_counts: dict[str, int] = field(default_factory=dict)
    issues_listed_total: int = 0
    """Issues that qualify for the list (before MAX_ISSUES)."""
    outliers: list[OutlierCount] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)


def previous_period(p: Period) -> Period:
    """The period a report compares with: Q2 → Q1, Q1 → Q4 of the year before, H1 → H2 of the
    year before, a year → the year before, a month → the month before."""
    y = p.start.year
    if p.period_type == "year":
        return parse_period(str(y - 1))
    if p.period_type == "half_year":
        return parse_period(f"{y - 1}-H2" if p.start.month == 1 else f"{y}-H1")
    if p.period_type == "quarter":
        q = (p.start.month - 1) // 3 + 1
        return parse_period(f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}")
    before = p.start - timedelta(days=1)
    return parse_period(f"{before.year}-{before.month:02d}")


def _name_col(lang: str) -> str:
    return "name_vi" if lang == "vi" else "name_en"


def _exists(conn: psycopg.Connection, relation: str) -> bool:
    row = conn.execute("select to_regclass(%s)", (relation,)).fetchone()
    return row is not None and row[0] is not None


def collect(
    dsn: str,
    period: str,
    lang: str = "vi",
    province_code: str = "24",
    *,
    todays_units: bool = False,
) -> ReportData:
    """Read the report's figures for `period` (2022-Q2, 2022-H1, 2022, 2022-05) and the province:
    on the areas as the sources reported them, or (`todays_units`) restated on today's units.

    Raises LookupError when the marts are missing or have nothing for the period (with what to
    run), ValueError for a period that cannot be parsed."""
    p = parse_period(period)
    prev = previous_period(p)
    try:
        conn = psycopg.connect(dsn, connect_timeout=5)
    except psycopg.OperationalError as err:
        raise LookupError(f"cannot reach the warehouse ({err}); is it up? (`dti up`)") from None
    with conn:
        for relation in ("marts.indicator_values", "reference.indicator_registry"):
            if not _exists(conn, relation):
                raise LookupError(
                    f"{relation} does not exist: load and build the warehouse first "
                    "(`dti run --from ... --to ...`)"
                )
        data = _header(conn, p, prev, lang, province_code, todays_units)
        # Some stocks (the facility registry's) extend past the last load; a period no source
        # has reached yet would report them alone.
        if data.data_as_of is not None and p.start > data.data_as_of:
            raise LookupError(
                f"the warehouse is loaded up to {data.data_as_of}, before {p.label} starts: "
                f"load it first (`dti run --from {p.start} --to {p.end} --skip-loaded`)"
            )
        data.summary, data.without_values = _summary(conn, data)
        if not data.summary:
            raise LookupError(
                f"marts.indicator_values has no values for {p.label} ({p.start}..{p.end}) in "
                f"area {province_code}: load that period first (`dti run --from {p.start} "
                f"--to {p.end} --skip-loaded`)"
            )
        data.trends = _trends(conn, data)
        data.ranked_level = _ranked_level(conn, data)
        data.districts = _districts(conn, data)
        if _exists(conn, "marts.service_index"):
            data.index_groups = _index_groups(conn, data)
        if _exists(conn, "marts.source_completeness"):
            data.completeness, data.late_units, data.late_units_total = _completeness(conn, p)
        if _exists(conn, "marts.data_quality_issues"):
            data.issues, data.issue_counts, data.outliers, data.issues_listed_total = _issues(
                conn, p
            )
        data.definitions = _definitions(conn, lang)
    return data


def _geography(conn: psycopg.Connection, todays_units: bool) -> str:
    if not todays_units:
        return "as_reported"
    row = conn.execute(
        "select max(geography) from marts.indicator_values where geography <> 'as_reported'"
    ).fetchone()
    if row is None or row[0] is None:
        raise LookupError(
            "marts.indicator_values holds no rows on today's units: rebuild the models "
            "(`dti transform`)"
        )
    return row[0]


def _header(
    conn: psycopg.Connection,
    p: Period,
    prev: Period,
    lang: str,
    province_code: str,
    todays_units: bool = False,
) -> ReportData:
    geography = _geography(conn, todays_units)
    # the province's name on the day the figures are drawn on: codes are reused (24 is Bắc
    # Giang until 2025-06-30, Bắc Ninh from 2025-07-01)
    on_day = date.fromisoformat(geography) if todays_units else p.end
    name = (
        conn.execute(
            "select unit_name_with_type from marts.dim_administrative_unit where unit_code = %s "
            "and valid_from <= %s and (valid_to is null or %s < valid_to)",
            (province_code, on_day, on_day),
        ).fetchone()
        if _exists(conn, "marts.dim_administrative_unit")
        else None
    )
    # Per source, the first and the last local day loaded: the report's figures are as of the
    # day every source has reached, and a previous period is only compared when every source
    # was loaded from its start (a portal holding a few 2021 dossiers is not a 2021 baseline).
    spans = (
        conn.execute(
            "select source, min(interval_start), max(interval_end) from ops.load_audit "
            "where status = 'loaded' group by source"
        ).fetchall()
        if _exists(conn, "ops.load_audit")
        else []
    )
    loaded_from = max((s[1].astimezone(LOCAL_TZ).date() for s in spans), default=None)
    data_as_of = min(
        ((s[2].astimezone(LOCAL_TZ) - timedelta(seconds=1)).date() for s in spans), default=None
    )
    closed_at, revisions = None, 0
    if _exists(conn, "marts.period_closures"):
        row = conn.execute(
            "select closure_id, closed_at from marts.period_closures where period_type = %s "
            "and period_start = %s and reopened_at is null",
            (p.period_type, p.start),
        ).fetchone()
        if row:
            closed_at = row[1]
            revisions = conn.execute(
                "select count(distinct (figure, figure_key)) from marts.figure_revisions "
                "where closure_id = %s",
                (row[0],),
            ).fetchone()[0]
    return ReportData(
        period=p,
        previous=prev,
        lang=lang,
        province_code=province_code,
        province_name=name[0] if name else province_code,
        generated_at=datetime.now(LOCAL_TZ),
        data_as_of=data_as_of,
        previous_loaded=loaded_from is not None and loaded_from <= prev.start,
        loaded_from=loaded_from,
        closed_at=closed_at,
        revision_count=revisions,
        geography=geography,
    )


def _summary(conn: psycopg.Connection, data: ReportData) -> tuple[list[SummaryRow], list[str]]:
    p, prev = data.period, data.previous
    rows = conn.execute(
        f"""
        select r.code, r.pillar, r.{_name_col(data.lang)}, r.unit,
               cur.numerator, cur.denominator, cur.value, cur.target, cur.meets_target,
               before.value,
               case when r.reference_period = %(label)s then r.reference_value end
        from marts.indicator_values cur
        join reference.indicator_registry r on r.code = cur.indicator_code
        left join marts.indicator_values before
          on before.indicator_code = cur.indicator_code
         and before.period_type = %(prev_type)s and before.period_start = %(prev_start)s
         and before.area_code = cur.area_code and before.breakdown = 'total'
         and before.breakdown_value = 'total' and before.geography = cur.geography
        where cur.period_type = %(ptype)s and cur.period_start = %(start)s
          and cur.area_code = %(area)s and cur.breakdown = 'total'
          and cur.breakdown_value = 'total' and cur.geography = %(geography)s
        order by r.pillar, r.domain, r.code
        """,
        {
            "label": p.label,
            "ptype": p.period_type,
            "start": p.start,
            "prev_type": prev.period_type,
            "prev_start": prev.start,
            "area": data.province_code,
            "geography": data.geography,
        },
    ).fetchall()
    summary = [
        SummaryRow(
            code=r[0],
            pillar=r[1],
            name=r[2],
            unit=r[3],
            numerator=r[4],
            denominator=r[5],
            value=r[6],
            target=r[7],
            meets_target=r[8],
            previous_value=r[9] if data.previous_loaded else None,
            published=r[10],
        )
        for r in rows
    ]
    shown = {r.code for r in summary}
    registry = [
        c
        for (c,) in conn.execute(
            "select code from reference.indicator_registry order by code"
        ).fetchall()
    ]
    return summary, [c for c in registry if c not in shown]


def _ordered(codes: list[str], first: tuple[str, ...]) -> list[str]:
    return [c for c in first if c in codes] + [c for c in codes if c not in first]


def _trends(conn: psycopg.Connection, data: ReportData) -> list[TrendSeries]:
    """Monthly values of every rate from January of the period's year to its last month."""
    p = data.period
    rows = conn.execute(
        f"""
        select v.indicator_code, r.{_name_col(data.lang)}, r.unit, v.period_start, v.value,
               v.target
        from marts.indicator_values v
        join reference.indicator_registry r on r.code = v.indicator_code
        where v.period_type = 'month' and v.area_code = %(area)s and v.breakdown = 'total'
          and v.breakdown_value = 'total' and r.unit = 'percent' and v.value is not null
          and v.geography = %(geography)s
          and v.period_start between %(first)s and %(last)s
        order by v.indicator_code, v.period_start
        """,
        {
            "area": data.province_code,
            "first": date(p.end.year, 1, 1),
            "last": p.end,
            "geography": data.geography,
        },
    ).fetchall()
    series: dict[str, TrendSeries] = {}
    for code, name, unit, month, value, target in rows:
        s = series.setdefault(code, TrendSeries(code, name, unit, target, []))
        s.points.append((month, value))
    codes = [c for c, s in series.items() if len(s.points) >= 2]
    return [series[c] for c in _ordered(codes, TRENDS_FIRST)]


def _ranked_level(conn: psycopg.Connection, data: ReportData) -> str:
    """Districts where the period's figures have them; communes on units without districts
    (after 2025-07-01, or restated on today's units)."""
    row = conn.execute(
        "select 1 from marts.indicator_values where period_type = %s and period_start = %s "
        "and geography = %s and area_level = 'district' limit 1",
        (data.period.period_type, data.period.start, data.geography),
    ).fetchone()
    return "district" if row else "commune"


def _districts(conn: psycopg.Connection, data: ReportData) -> list[DistrictRanking]:
    p = data.period
    rows = conn.execute(
        f"""
        select v.indicator_code, r.{_name_col(data.lang)}, r.unit, v.target, v.area_code,
               coalesce(u.unit_name_with_type, v.area_code), v.value, v.numerator,
               v.denominator
        from marts.indicator_values v
        join reference.indicator_registry r on r.code = v.indicator_code
        left join marts.dim_administrative_unit u
          on u.unit_code = v.area_code and u.valid_from = v.area_valid_from
        where v.period_type = %(ptype)s and v.period_start = %(start)s
          and v.area_level = %(level)s and v.geography = %(geography)s and v.breakdown = 'total'
          and v.breakdown_value = 'total' and v.value is not null
          and (v.indicator_code = any(%(first)s) or r.target_2022 is not null)
        order by v.indicator_code, v.value desc, v.area_code
        """,
        {
            "ptype": p.period_type,
            "start": p.start,
            "first": list(RANKED_FIRST),
            "level": data.ranked_level,
            "geography": data.geography,
        },
    ).fetchall()
    rankings: dict[str, DistrictRanking] = {}
    for code, name, unit, target, area, area_name, value, num, den in rows:
        ranking = rankings.setdefault(code, DistrictRanking(code, name, unit, target, []))
        ranking.bars.append(DistrictBar(area, area_name, value, num, den))
    codes = [c for c, r in rankings.items() if len(r.bars) >= 2]
    return [rankings[c] for c in _ordered(codes, RANKED_FIRST)]


def _index_groups(conn: psycopg.Connection, data: ReportData) -> list[IndexGroup]:
    p = data.period
    suffix = "vi" if data.lang == "vi" else "en"
    rows = conn.execute(
        f"""
        select group_order, group_name_{suffix}, max(group_max_points),
               sum(points), count(points), sum(max_points) filter (where points is not null)
        from marts.service_index
        where period_type = %s and period_start = %s and unit_type = 'province'
          and unit_code = %s and geography = %s
        group by group_order, group_name_{suffix}
        order by group_order
        """,
        (p.period_type, p.start, data.province_code, data.geography),
    ).fetchall()
    return [
        IndexGroup(
            order=order,
            name=name,
            max_points=max_points,
            points=points if scored else None,
            scored_max=scored_max or Decimal(0),
        )
        for order, name, max_points, points, scored, scored_max in rows
    ]


def _completeness(
    conn: psycopg.Connection, p: Period
) -> tuple[list[CompletenessRow], list[LateUnit], int]:
    params = {"ptype": p.period_type, "start": p.start}
    rows = conn.execute(
        """
        select source, entity, delivery, sum(expected_submissions), sum(received),
               sum(received_on_time),
               round(100.0 * sum(received) / nullif(sum(expected_submissions), 0), 2),
               round(100.0 * sum(received_on_time) / nullif(sum(expected_submissions), 0), 2)
        from marts.source_completeness
        where period_type = %(ptype)s and period_start = %(start)s
        group by source, entity, delivery
        order by source, entity
        """,
        params,
    ).fetchall()
    completeness = [
        CompletenessRow(s, e, d, int(x), int(r), int(o), cr, tr)
        for s, e, d, x, r, o, cr, tr in rows
    ]
    late = conn.execute(
        """
        select source, entity, reporting_unit, expected_submissions - received,
               received - received_on_time, count(*) over ()
        from marts.source_completeness
        where period_type = %(ptype)s and period_start = %(start)s
          and reporting_unit <> 'system' and received_on_time < expected_submissions
        order by expected_submissions - received desc, received - received_on_time desc,
                 source, entity, reporting_unit
        limit %(limit)s
        """,
        {**params, "limit": MAX_LATE_UNITS},
    ).fetchall()
    units = [LateUnit(s, e, u, int(m), int(la)) for s, e, u, m, la, _ in late]
    return completeness, units, (late[0][5] if late else 0)


def _issues(
    conn: psycopg.Connection, p: Period
) -> tuple[list[Issue], dict[str, int], list[OutlierCount], int]:
    params = {"first": p.start, "last": p.end, "limit": MAX_ISSUES}
    # batch issues one by one; outliers one by one at province and district level only (the
    # communes' hundreds are counted per indicator in `outliers_by_indicator`)
    where = "interval_first_day <= %(last)s and interval_last_day >= %(first)s"
    listed = f"{where} and (issue_type <> 'outlier' or area_level <> 'commune')"
    counts = dict(
        conn.execute(
            f"select issue_type, count(*) from marts.data_quality_issues where {where} "
            "group by issue_type order by issue_type",
            params,
        ).fetchall()
    )
    rows = conn.execute(
        f"""
        select issue_type, source, entity,
               coalesce(indicator_code || ' ' || area_level || ' ' || area_code, batch_id::text,
                        ''),
               interval_first_day, interval_last_day, rule,
               case when issue_type = 'outlier'
                    then 'value ' || round(value, 2) || ', median ' || round(median_value, 2)
                         || ', z ' || round(modified_z, 1)
                    else left(sample, 300) end,
               is_resolved, count(*) over ()
        from marts.data_quality_issues
        where {listed}
        order by case issue_type when 'quarantined_batch' then 1 when 'failed_load' then 2
                 when 'rejected_file' then 3 else 4 end,
                 interval_first_day, source, entity
        limit %(limit)s
        """,
        params,
    ).fetchall()
    by_indicator = conn.execute(
        f"""
        select indicator_code,
               count(*) filter (where area_level = 'province'),
               count(*) filter (where area_level = 'district'),
               count(*) filter (where area_level = 'commune')
        from marts.data_quality_issues
        where {where} and issue_type = 'outlier'
        group by indicator_code
        order by count(*) desc, indicator_code
        """,
        params,
    ).fetchall()
    outliers = [OutlierCount(c, int(p_), int(d), int(m)) for c, p_, d, m in by_indicator]
    return [Issue(*r[:9]) for r in rows], counts, outliers, (rows[0][9] if rows else 0)


def _definitions(conn: psycopg.Connection, lang: str) -> list[Definition]:
    rows = conn.execute(
        f"""
        select code, pillar, {_name_col(lang)}, unit, coalesce(numerator, ''),
               coalesce(denominator, ''), coalesce(basis, '')
        from reference.indicator_registry
        order by pillar, domain, code
        """
    ).fetchall()
    return [Definition(*r) for r in rows]
