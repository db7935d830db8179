"""What the `report` DAG does after a quarter closes: which reports are due, whether the
warehouse has the whole quarter yet, and writing them under DATA_DIR/reports/.

A run of the DAG owns one quarter [first day, first day of the next quarter) in local time. The
quarter's last day is loaded by the nightly runs that start when it closes, and the marts are
rebuilt after them, so the run first checks that every source has loaded up to the quarter's
end and that `marts.indicator_values` was built after the last of those loads; until then it
fails with the reason and Airflow retries it later.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import psycopg

from dti.config import LOCAL_TZ, Settings
from dti.indicators import parse_period
from dti.report.labels import LANGS

log = logging.getLogger(__name__)


class DataNotReady(RuntimeError):
    """The period's data is not all loaded or not yet transformed: try again later."""


def due_periods(interval_start: date, interval_end: date) -> list[str]:
    """The reports due when the quarter [interval_start, interval_end) closes: the quarter, the
    half-year it completes (Q2, Q4) and the year (Q4)."""
    if interval_start.day != 1 or interval_start.month not in (1, 4, 7, 10):
        raise ValueError(
            f"the report DAG's interval must start a quarter, got {interval_start}: trigger it "
            "with a logical date at 00:00 local on the first day of a quarter"
        )
    last = interval_end - timedelta(days=1)
    if (last.year, last.month) != (interval_start.year, interval_start.month + 2):
        raise ValueError(f"the interval {interval_start}..{last} is not one quarter")
    year, q = interval_start.year, (interval_start.month - 1) // 3 + 1
    periods = [f"{year}-Q{q}"]
    if q in (2, 4):
        periods.append(f"{year}-H{q // 2}")
    if q == 4:
        periods.append(str(year))
    return periods


def periods_of_run(requested: str | None, start: datetime, end: datetime) -> list[str]:
    """A run's periods: the one asked for in the run's `period` param, else those the run's
    data interval closes."""
    if requested:
        return [parse_period(requested).label]
    return due_periods(start.astimezone(LOCAL_TZ).date(), end.astimezone(LOCAL_TZ).date())


def check_ready(dsn: str, periods: list[str]) -> None:
    """Raise DataNotReady unless every source has loaded up to the last period's end and the
    indicator marts were built after the last successful load."""
    last_day = max(parse_period(p).end for p in periods)
    until = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        behind = conn.execute(
            "select source, max(interval_end) from ops.load_audit where status = 'loaded' "
            "group by source having max(interval_end) < %s order by source",
            (until,),
        ).fetchall()
        if behind:
            lagging = ", ".join(
                f"{s} (loaded until {(e.astimezone(LOCAL_TZ) - timedelta(seconds=1)).date()})"
                for s, e in behind
            )
            raise DataNotReady(
                f"the report of {', '.join(periods)} waits for loads up to {last_day}: "
                f"{lagging}; checked again within the hour (`dti status` shows any failures)"
            )
        # dbt analyses every table it builds (macros/analyze_after_build.sql), so the last
        # analyse time of the mart is when it was last built.
        built, loaded = conn.execute(
            "select (select last_analyze from pg_stat_user_tables "
            "        where schemaname = 'marts' and relname = 'indicator_values'), "
            "       (select max(finished_at) from ops.load_audit where status = 'loaded')"
        ).fetchone()
    if built is None or (loaded is not None and built < loaded):
        raise DataNotReady(
            f"marts.indicator_values was built at {built} , before the last load ({loaded}): "
            "the report waits for the transform DAG (`dti transform`); checked again hourly"
        )


def write_reports(settings: Settings, period: str) -> list[str]:
    """The period's report in every language, under DATA_DIR/reports/; returns the files."""
    from dti.report import generate

    written = []
    for lang in LANGS:
        files = generate(settings, period, lang=lang)
        written.append(str(files.html))
        if files.pdf:
            written.append(str(files.pdf))
        else:
            log.info("no PDF of %s (%s): %s", period, lang, files.pdf_skipped)
    return written
