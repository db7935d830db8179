"""Closing a period: published figures must not move silently.

`close_period` snapshots the rows of `marts.indicator_values` and `marts.service_index` whose
period lies inside the closed period (closing 2022-Q2 freezes the quarter and its three months;
closing 2022-H1 the half-year, both quarters and six months) into
`marts.indicator_values_history` / `marts.service_index_history`, stamped with the close time.
Those are the published figures.

Every later dbt build compares the closed figures with the rebuilt marts: `service_index` has a
post-hook calling `ops.record_figure_revisions()` (it runs after `indicator_values`, which
`service_index` depends on, so both marts are fresh). A figure that now differs from its latest
known value (the published one, or its latest revision) gets a row in `marts.figure_revisions`
beside the published one, which stays untouched. `dti status` lists the revisions.
`reopen_period` is the explicit way out: the period's closure ends (its history rows are kept,
marked reopened); closing it again publishes the figures of that day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import psycopg

from dti.indicators import parse_period

log = logging.getLogger(__name__)

DDL = """
create schema if not exists marts;
create schema if not exists ops;

create table if not exists marts.period_closures (
    closure_id bigserial primary key,
    period_label text not null,
    period_type text not null,
    period_start date not null,
    period_end date not null,
    closed_at timestamptz not null default now(),
    reopened_at timestamptz,
    indicator_rows bigint not null default 0,
    service_index_rows bigint not null default 0
);
-- at most one open closure per period
create unique index if not exists period_closures_open
    on marts.period_closures (period_type, period_start) where reopened_at is null;

create table if not exists marts.indicator_values_history (
    closure_id bigint not null references marts.period_closures,
    closed_at timestamptz not null,
    indicator_code text not null,
    period_type text not null,
    period_start date not null,
    period_end date not null,
    area_level text not null,
    area_code text not null,
    breakdown text not null,
    breakdown_value text not null,
    numerator numeric,
    denominator numeric,
    value numeric,
    target numeric,
    meets_target boolean
);
create index if not exists indicator_values_history_closure
    on marts.indicator_values_history (closure_id);

create table if not exists marts.service_index_history (
    closure_id bigint not null references marts.period_closures,
    closed_at timestamptz not null,
    period_type text not null,
    period_start date not null,
    period_end date not null,
    unit_type text not null,
    unit_code text not null,
    unit_name text,
    group_code text not null,
    component_code text not null,
    numerator numeric,
    denominator numeric,
    rate numeric,
    max_points numeric,
    points numeric,
    null_reason text
);
create index if not exists service_index_history_closure
    on marts.service_index_history (closure_id);

create table if not exists marts.figure_revisions (
    revision_id bigserial primary key,
    closure_id bigint not null references marts.period_closures,
    figure text not null,
    figure_key text not null,
    period_type text not null,
    period_start date not null,
    code text not null,
    unit_level text not null,
    unit_code text not null,
    published_numerator numeric,
    published_denominator numeric,
    published_value numeric,
    revised_numerator numeric,
    revised_denominator numeric,
    revised_value numeric,
    detected_at timestamptz not null default now()
);
create index if not exists figure_revisions_key
    on marts.figure_revisions (closure_id, figure, figure_key, revision_id);

-- Called by the post-hook of marts.service_index after every build (and by
-- dti.periods.record_revisions): one revision row per closed figure whose current value differs
-- from its latest known value; a figure that disappeared from the marts is a revision to null.
create or replace function ops.record_figure_revisions() returns bigint
language plpgsql as $fn$
declare
    inserted bigint := 0;
    n bigint;
begin
    -- the history may have been dropped with the marts schema (a rebuild from scratch)
    if to_regclass('marts.figure_revisions') is null
        or to_regclass('marts.indicator_values_history') is null
        or to_regclass('marts.service_index_history') is null then
        return 0;
    end if;
    if to_regclass('marts.indicator_values') is not null then
        with published as (
            select
                concat_ws('|', h.indicator_code, h.period_type, h.period_start, h.area_level,
                          h.area_code, h.breakdown, h.breakdown_value) as figure_key,
                h.*
            from marts.indicator_values_history h
            join marts.period_closures c
                on c.closure_id = h.closure_id and c.reopened_at is null
        ),
        known as (
            select distinct on (r.closure_id, r.figure_key)
                r.closure_id, r.figure_key, r.revised_numerator, r.revised_denominator,
                r.revised_value
            from marts.figure_revisions r
            where r.figure = 'indicator_values'
            order by r.closure_id, r.figure_key, r.revision_id desc
        ),
        compared as (
            select
                p.*,
                cur.numerator as cur_numerator,
                cur.denominator as cur_denominator,
                cur.value as cur_value,
                coalesce(k.figure_key is not null, false) as has_revision,
                k.revised_numerator, k.revised_denominator, k.revised_value
            from published p
            left join marts.indicator_values cur
                on cur.indicator_code = p.indicator_code
                and cur.period_type = p.period_type
                and cur.period_start = p.period_start
                and cur.period_end = p.period_end
                and cur.area_level = p.area_level
                and cur.area_code = p.area_code
                and cur.breakdown = p.breakdown
                and cur.breakdown_value = p.breakdown_value
                and cur.geography = 'as_reported'
            left join known k
                on k.closure_id = p.closure_id and k.figure_key = p.figure_key
        )
        insert into marts.figure_revisions (
            closure_id, figure, figure_key, period_type, period_start, code, unit_level,
            unit_code, published_numerator, published_denominator, published_value,
            revised_numerator, revised_denominator, revised_value
        )
        select
            closure_id, 'indicator_values', figure_key, period_type, period_start,
            indicator_code, area_level, area_code, numerator, denominator, value,
            cur_numerator, cur_denominator, cur_value
        from compared
        where (cur_numerator, cur_denominator, cur_value) is distinct from (
            case when has_revision then revised_numerator else numerator end,
            case when has_revision then revised_denominator else denominator end,
            case when has_revision then revised_value else value end
        );
        get diagnostics n = row_count;
        inserted := inserted + n;
    end if;

    if to_regclass('marts.service_index') is not null then
        with published as (
            select
                concat_ws('|', h.component_code, h.period_type, h.period_start, h.unit_type,
                          h.unit_code) as figure_key,
                h.*
            from marts.service_index_history h
            join marts.period_closures c
                on c.closure_id = h.closure_id and c.reopened_at is null
        ),
        known as (
            select distinct on (r.closure_id, r.figure_key)
                r.closure_id, r.figure_key, r.revised_numerator, r.revised_denominator,
                r.revised_value
            from marts.figure_revisions r
            where r.figure = 'service_index'
            order by r.closure_id, r.figure_key, r.revision_id desc
        ),
        compared as (
            select
                p.*,
                cur.numerator as cur_numerator,
                cur.denominator as cur_denominator,
                cur.points as cur_points,
                coalesce(k.figure_key is not null, false) as has_revision,
                k.revised_numerator, k.revised_denominator, k.revised_value
            from published p
            left join marts.service_index cur
                on cur.geography = 'as_reported'
                and cur.period_type = p.period_type
                and cur.period_start = p.period_start
                and cur.unit_type = p.unit_type
                and cur.unit_code = p.unit_code
                and cur.component_code = p.component_code
            left join known k
                on k.closure_id = p.closure_id and k.figure_key = p.figure_key
        )
        insert into marts.figure_revisions (
            closure_id, figure, figure_key, period_type, period_start, code, unit_level,
            unit_code, published_numerator, published_denominator, published_value,
            revised_numerator, revised_denominator, revised_value
        )
        select
            closure_id, 'service_index', figure_key, period_type, period_start,
            component_code, unit_type, unit_code, numerator, denominator, points,
            cur_numerator, cur_denominator, cur_points
        from compared
        where (cur_numerator, cur_denominator, cur_points) is distinct from (
            case when has_revision then revised_numerator else numerator end,
            case when has_revision then revised_denominator else denominator end,
            case when has_revision then revised_value else points end
        );
        get diagnostics n = row_count;
        inserted := inserted + n;
    end if;
    return inserted;
end
$fn$;
"""

_SNAPSHOT_INDICATORS = """
insert into marts.indicator_values_history (
    closure_id, closed_at, indicator_code, period_type, period_start, period_end, area_level,
    area_code, breakdown, breakdown_value, numerator, denominator, value, target, meets_target
)
select
    %(closure_id)s, %(closed_at)s, indicator_code, period_type, period_start, period_end,
    area_level, area_code, breakdown, breakdown_value, numerator, denominator, value, target,
    meets_target
from marts.indicator_values
where period_type in ('month', 'quarter', 'half_year', 'year')
    and geography = 'as_reported'
    and period_start >= %(start)s and period_end <= %(end)s
"""

_SNAPSHOT_SERVICE_INDEX = """
insert into marts.service_index_history (
    closure_id, closed_at, period_type, period_start, period_end, unit_type, unit_code,
    unit_name, group_code, component_code, numerator, denominator, rate, max_points, points,
    null_reason
)
select
    %(closure_id)s, %(closed_at)s, period_type, period_start, period_end, unit_type, unit_code,
    unit_name, group_code, component_code, numerator, denominator, rate, max_points, points,
    null_reason
from marts.service_index
where period_start >= %(start)s and period_end <= %(end)s
    and geography = 'as_reported'
"""


@dataclass(frozen=True)
class Closure:
    closure_id: int
    period: str
    period_type: str
    start: date
    end: date
    closed_at: datetime
    reopened_at: datetime | None
    indicator_rows: int
    service_index_rows: int


@dataclass(frozen=True)
class Revision:
    period: str
    figure: str
    code: str
    unit_level: str
    unit_code: str
    period_type: str
    period_start: date
    published_value: Decimal | None
    revised_value: Decimal | None
    published_numerator: Decimal | None
    revised_numerator: Decimal | None
    published_denominator: Decimal | None
    revised_denominator: Decimal | None
    detected_at: datetime


def ensure_tables(conn: psycopg.Connection) -> None:
    """The history tables and the revision function (idempotent)."""
    conn.execute(DDL)


def close_period(dsn: str, period: str) -> Closure:
    """Publish `period` (2022, 2022-H1, 2022-Q2, 2022-05): snapshot its figures with the close
    time. A period already closed is refused (reopen it first)."""
    p = parse_period(period)
    with psycopg.connect(dsn) as conn, conn.transaction():
        ensure_tables(conn)
        for mart in ("marts.indicator_values", "marts.service_index"):
            exists = conn.execute("select to_regclass(%s)", (mart,)).fetchone()
            if exists is None or exists[0] is None:
                raise LookupError(
                    f"{mart} does not exist: build the models (`dti transform`) before closing "
                    f"{p.label}"
                )
        already = conn.execute(
            "select closed_at from marts.period_closures "
            "where period_type = %s and period_start = %s and reopened_at is null",
            (p.period_type, p.start),
        ).fetchone()
        if already:
            raise ValueError(
                f"{p.label} is already closed (since {already[0]:%Y-%m-%d %H:%M}); "
                f"`dti reopen --period {p.label}` first to publish it again"
            )
        closure_id, closed_at = conn.execute(
            "insert into marts.period_closures (period_label, period_type, period_start, "
            "period_end) values (%s, %s, %s, %s) returning closure_id, closed_at",
            (p.label, p.period_type, p.start, p.end),
        ).fetchone()
        params = {"closure_id": closure_id, "closed_at": closed_at, "start": p.start, "end": p.end}
        indicator_rows = conn.execute(_SNAPSHOT_INDICATORS, params).rowcount
        service_rows = conn.execute(_SNAPSHOT_SERVICE_INDEX, params).rowcount
        if indicator_rows == 0 and service_rows == 0:
            raise LookupError(
                f"no figures for {p.label} in marts.indicator_values or marts.service_index: "
                "load and transform the period before closing it"
            )
        conn.execute(
            "update marts.period_closures set indicator_rows = %s, service_index_rows = %s "
            "where closure_id = %s",
            (indicator_rows, service_rows, closure_id),
        )
    log.info(
        "closed %s: %d indicator rows, %d service-index rows published",
        p.label,
        indicator_rows,
        service_rows,
    )
    return _closure(dsn, closure_id)


def reopen_period(dsn: str, period: str) -> Closure:
    """End the closure of `period`: later builds no longer record revisions for it."""
    p = parse_period(period)
    with psycopg.connect(dsn) as conn, conn.transaction():
        ensure_tables(conn)
        row = conn.execute(
            "update marts.period_closures set reopened_at = now() "
            "where period_type = %s and period_start = %s and reopened_at is null "
            "returning closure_id",
            (p.period_type, p.start),
        ).fetchone()
    if row is None:
        raise LookupError(f"{p.label} is not closed; nothing to reopen")
    log.info("reopened %s", p.label)
    return _closure(dsn, row[0])


def record_revisions(dsn: str) -> int:
    """Compare the closed figures with the current marts; returns the revisions recorded now.
    (The service_index post-hook does the same after every dbt build.)"""
    with psycopg.connect(dsn) as conn, conn.transaction():
        ensure_tables(conn)
        return conn.execute("select ops.record_figure_revisions()").fetchone()[0]


def closures(dsn: str) -> list[Closure]:
    with psycopg.connect(dsn) as conn:
        if not _has_tables(conn):
            return []
        rows = conn.execute(
            "select closure_id from marts.period_closures order by closure_id"
        ).fetchall()
    return [_closure(dsn, r[0]) for r in rows]


def revisions(dsn: str, *, only_open: bool = True, limit: int | None = None) -> list[Revision]:
    """Revisions of closed figures, newest first: the latest revision per figure."""
    with psycopg.connect(dsn) as conn:
        if not _has_tables(conn):
            return []
        rows = conn.execute(
            """
            select * from (
                select distinct on (r.closure_id, r.figure, r.figure_key)
                    c.period_label, r.figure, r.code, r.unit_level, r.unit_code, r.period_type,
                    r.period_start, r.published_value, r.revised_value, r.published_numerator,
                    r.revised_numerator, r.published_denominator, r.revised_denominator,
                    r.detected_at, r.revision_id
                from marts.figure_revisions r
                join marts.period_closures c on c.closure_id = r.closure_id
                where not %(only_open)s or c.reopened_at is null
                order by r.closure_id, r.figure, r.figure_key, r.revision_id desc
            ) latest
            order by revision_id desc
            limit %(limit)s
            """,
            {"only_open": only_open, "limit": limit},
        ).fetchall()
    return [Revision(*row[:14]) for row in rows]


def _has_tables(conn: psycopg.Connection) -> bool:
    found = conn.execute("select to_regclass('marts.figure_revisions')").fetchone()
    return found is not None and found[0] is not None


def _closure(dsn: str, closure_id: int) -> Closure:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "select closure_id, period_label, period_type, period_start, period_end, closed_at, "
            "reopened_at, indicator_rows, service_index_rows from marts.period_closures "
            "where closure_id = %s",
            (closure_id,),
        ).fetchone()
    return Closure(*row)
