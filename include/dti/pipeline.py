"""The stages put together for one source over a day or a range of days.

What the DAG tasks call. A range is cut into chunks (a month by default) so that a long backfill
costs a handful of Airflow task instances, not one DAG run per day; inside a chunk every local day
is still extracted, landed, validated and loaded as its own interval, exactly as the nightly run
would do it, so a backfill leaves the warehouse as the nightly runs would have.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from dti import stages
from dti.config import LOCAL_TZ, Settings
from dti.sources import EntityMode, get_source
from dti.warehouse import warehouse_url

log = logging.getLogger(__name__)
progress = logging.getLogger("dti.progress")


class IntervalsQuarantined(Exception):
    """Some days of a range failed validation and are quarantined; the other days are loaded."""

    def __init__(self, source: str, failures: dict[str, str]) -> None:
        self.failures = failures
        days = ", ".join(sorted(failures))
        details = "\n\n".join(f"{day}: {msg}" for day, msg in sorted(failures.items()))
        super().__init__(
            f"{source}: {len(failures)} day(s) failed validation and were not loaded ({days}); "
            f"every other day of the range is loaded.\n\n{details}"
        )


@dataclass
class ChunkSummary:
    source: str
    first_day: str
    last_day: str
    days: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    quarantined: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def parse_day(value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date: write it as YYYY-MM-DD") from None


def days_between(first: date, last: date) -> list[date]:
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def chunks(first: str | date, last: str | date, size: str = "month") -> list[dict[str, str]]:
    """Cut [first, last] (inclusive local dates) into calendar chunks: month, week or day."""
    first, last = parse_day(first), parse_day(last)
    out: list[dict[str, str]] = []
    start = first
    while start <= last:
        if size == "month":
            nxt = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        elif size == "week":
            nxt = start + timedelta(days=7 - start.weekday())
        elif size == "day":
            nxt = start + timedelta(days=1)
        else:
            raise ValueError(f"unknown chunk size {size!r}: use month, week or day")
        end = min(nxt - timedelta(days=1), last)
        out.append({"first_day": start.isoformat(), "last_day": end.isoformat()})
        start = end + timedelta(days=1)
    if not out:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    return out


def load_entity_day(settings: Settings, source: str, entity: str, day: str | date) -> dict:
    """Extract, land, validate and load one entity for one local day; returns the load result."""
    return stages.run_interval(settings, warehouse_url(settings), source, entity, parse_day(day))


def loaded_days(dsn: str, source: str, entity: str, first: date, last: date) -> set[date]:
    """Local days of [first, last] whose latest audit row for this entity says 'loaded'."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            """
            select distinct on (interval_start) interval_start, status
            from ops.load_audit
            where source = %s and entity = %s
              and interval_start >= %s and interval_start < %s
            order by interval_start, audit_id desc
            """,
            (source, entity, _local_midnight(first), _local_midnight(last + timedelta(days=1))),
        ).fetchall()
    return {start.astimezone(LOCAL_TZ).date() for start, status in rows if status == "loaded"}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), LOCAL_TZ)


def load_chunk(
    settings: Settings,
    source: str,
    first_day: str | date,
    last_day: str | date,
    *,
    skip_loaded: bool = False,
) -> ChunkSummary:
    """Every entity of a source over [first_day, last_day], day by day.

    Snapshot entities (catalogues) are taken once, as of the chunk's last day: a nightly run takes
    them daily, but staging only ever reads the latest snapshot, so the result is the same.
    With `skip_loaded`, days whose last load succeeded are left as they are (a resumed demo, a
    retried task); a backfill never skips. A day that fails validation is quarantined and the
    range goes on; :class:`IntervalsQuarantined` is raised at the end, naming every such day.
    """
    from dti.validate import ValidationFailed

    first, last = parse_day(first_day), parse_day(last_day)
    src = get_source(source)
    summary = ChunkSummary(source, first.isoformat(), last.isoformat())
    started = time.monotonic()
    dsn = warehouse_url(settings)
    snapshots = [e for e in src.entities.values() if e.mode is EntityMode.SNAPSHOT]
    incrementals = [e for e in src.entities.values() if e.mode is EntityMode.INCREMENTAL]
    days = days_between(first, last)
    for entity in snapshots:
        if skip_loaded and last in loaded_days(dsn, source, entity.name, last, last):
            continue
        result = load_entity_day(settings, source, entity.name, last)
        summary.rows[entity.name] = summary.rows.get(entity.name, 0) + int(result["rows"])
    done = {
        e.name: (loaded_days(dsn, source, e.name, first, last) if skip_loaded else set())
        for e in incrementals
    }
    failures: dict[str, str] = {}
    for day in days:
        for entity in incrementals:
            if day in done[entity.name]:
                summary.skipped += 1
                continue
            try:
                result = load_entity_day(settings, source, entity.name, day)
            except ValidationFailed as failed:
                failures[f"{day} {entity.name}"] = str(failed)
                summary.quarantined.append(f"{entity.name}/{day}")
                progress.info("%s/%s %s: quarantined (validation failed)", source, entity.name, day)
                continue
            summary.rows[entity.name] = summary.rows.get(entity.name, 0) + int(result["rows"])
        summary.days += 1
        if summary.days % 5 == 0 or day == last:
            progress.info(
                "%s %s..%s: %d/%d days, rows %s, %.0fs",
                source,
                first,
                last,
                summary.days,
                len(days),
                summary.rows,
                time.monotonic() - started,
            )
    summary.seconds = round(time.monotonic() - started, 2)
    log.info(
        "%s %s..%s: %d days loaded, rows %s, %.1fs",
        source,
        first,
        last,
        summary.days,
        summary.rows,
        summary.seconds,
    )
    if failures:
        raise IntervalsQuarantined(source, failures)
    return summary
