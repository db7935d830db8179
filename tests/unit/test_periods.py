"""Closing a period on a real PostgreSQL: close -> a rebuild changes a closed figure -> the
revision is recorded beside the published figure, which stays untouched; reopening is explicit."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from dti.periods import close_period, closures, record_revisions, reopen_period, revisions

MARTS = """
create schema if not exists marts;
drop table if exists marts.indicator_values;
drop table if exists marts.service_index;
create table marts.indicator_values (
    indicator_code text, period_type text, period_start date, period_end date, area_level text,
    area_code text, breakdown text, breakdown_value text, numerator numeric,
    denominator numeric, value numeric, target numeric, meets_target boolean,
    geography text, area_valid_from date
);
create table marts.service_index (
    period_type text, period_start date, period_end date, unit_type text, unit_code text,
    unit_name text, group_code text, component_code text, numerator numeric,
    denominator numeric, rate numeric, max_points numeric, points numeric, null_reason text,
    geography text
);
"""


def _build(dsn: str, on_time_april: int) -> None:
    """What a dbt build leaves: the marts dropped and rebuilt from the data of the day."""
    with psycopg.connect(dsn) as conn:
        conn.execute(MARTS)
        quarter_on_time = on_time_april + 150
        rows = [
            ("DVC_ON_TIME_RATE", "month", "2022-04-01", "2022-04-30", on_time_april, 100),
            ("DVC_ON_TIME_RATE", "month", "2022-05-01", "2022-05-31", 70, 100),
            ("DVC_ON_TIME_RATE", "month", "2022-06-01", "2022-06-30", 80, 100),
            ("DVC_ON_TIME_RATE", "quarter", "2022-04-01", "2022-06-30", quarter_on_time, 300),
            ("DVC_ON_TIME_RATE", "half_year", "2022-01-01", "2022-06-30", quarter_on_time, 600),
            ("DVC_ON_TIME_RATE", "month", "2022-03-01", "2022-03-31", 50, 100),
        ]
        for code, ptype, start, end, num, den in rows:
            conn.execute(
                "insert into marts.indicator_values values "
                "(%s, %s, %s, %s, 'province', '24', 'total', 'total', %s, %s, "
                "round(100.0 * %s / %s, 4), null, null, 'as_reported', '2020-01-01')",
                (code, ptype, start, end, num, den, num, den),
            )
            conn.execute(
                "insert into marts.service_index values (%s, %s, %s, 'province', '24', "
                "'Bắc Giang', 'progress', 'ON_TIME', %s, %s, round(100.0 * %s / %s, 4), 20, "
                "round(20.0 * %s / %s, 2), null, 'as_reported')",
                (ptype, start, end, num, den, num, den, num, den),
            )


def _published(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "select period_type, period_start, numerator, value from "
            "marts.indicator_values_history order by 1, 2"
        ).fetchall()


def test_close_change_revision_reopen(dsn: str) -> None:
    _build(dsn, on_time_april=60)
    closure = close_period(dsn, "2022-Q2")
    # the quarter and its three months; not March, not the half-year (it is not inside Q2)
    assert (closure.indicator_rows, closure.service_index_rows) == (4, 4)
    published = _published(dsn)
    assert [r[0] for r in published] == ["month", "month", "month", "quarter"]
    assert record_revisions(dsn) == 0, "an unchanged build revises nothing"

    # a late supplement fix: April now has 65 dossiers on time
    _build(dsn, on_time_april=65)
    recorded = record_revisions(dsn)
    # April and Q2 change, in indicator_values and in service_index
    assert recorded == 4
    assert _published(dsn) == published, "the published figures must not move"
    revised = {(r.figure, r.period_type, r.period_start.isoformat()): r for r in revisions(dsn)}
    april = revised[("indicator_values", "month", "2022-04-01")]
    assert (april.published_numerator, april.revised_numerator) == (60, 65)
    assert (april.published_value, april.revised_value) == (Decimal("60.0000"), Decimal("65.0000"))
    quarter = revised[("service_index", "quarter", "2022-04-01")]
    assert (quarter.published_numerator, quarter.revised_numerator) == (210, 215)
    assert ("indicator_values", "month", "2022-03-01") not in revised, "March is not closed"

    # the same build again records nothing new; a further change records one more revision
    assert record_revisions(dsn) == 0
    _build(dsn, on_time_april=66)
    assert record_revisions(dsn) == 4
    latest = {(r.figure, r.period_type, r.period_start.isoformat()): r for r in revisions(dsn)}
    assert latest[("indicator_values", "month", "2022-04-01")].revised_numerator == 66

    with pytest.raises(ValueError, match="already closed"):
        close_period(dsn, "2022-Q2")

    reopen_period(dsn, "2022-Q2")
    _build(dsn, on_time_april=70)
    assert record_revisions(dsn) == 0, "a reopened period is no longer watched"
    assert revisions(dsn) == [], "and its revisions are no longer listed as open"
    assert _published(dsn) == published, "the history of a reopened period is kept"
    with pytest.raises(LookupError, match="not closed"):
        reopen_period(dsn, "2022-Q2")

    # closing again publishes the figures of the day
    again = close_period(dsn, "2022-Q2")
    assert again.closure_id != closure.closure_id
    assert [c.reopened_at is None for c in closures(dsn)] == [False, True]


def test_close_needs_figures(dsn: str) -> None:
    _build(dsn, on_time_april=60)
    with pytest.raises(LookupError, match="no figures for 2023-Q1"):
        close_period(dsn, "2023-Q1")
    with pytest.raises(ValueError, match="write 2022, 2022-H1"):
        close_period(dsn, "Q2-2022")
