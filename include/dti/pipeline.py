"""The stages put together for one source over a day or a range of days.

What the DAG tasks call. A range is cut into chunks (a month by default) so that a long backfill
costs a handful of Airflow task instances, not one DAG run per day; inside a chunk every local day
is still extracted, landed, validated and loaded as its own interval, exactly as the nightly run
would do it, so a backfill leaves the warehouse as the nightly runs would have.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from dti import stages
from dti.config import Settings
from dti.sources import EntityMode, get_source
from dti.warehouse import warehouse_url

log = logging.getLogger(__name__)


@dataclass
class ChunkSummary:
    source: str
    first_day: str
    last_day: str
    days: int = 0
    rows: dict[str, int] = field(default_factory=dict)
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


def load_chunk(
    settings: Settings,
    source: str,
    first_day: str | date,
    last_day: str | date,
    progress: Callable[[str], None] | None = None,
) -> ChunkSummary:
    """Every entity of a source over [first_day, last_day], day by day.

    Snapshot entities (catalogues) are taken once, as of the chunk's last day: a nightly run takes
    them daily, but staging only ever reads the latest snapshot, so the result is the same.
    """
    first, last = parse_day(first_day), parse_day(last_day)
    src = get_source(source)
    summary = ChunkSummary(source, first.isoformat(), last.isoformat())
    started = time.monotonic()
    snapshots = [e for e in src.entities.values() if e.mode is EntityMode.SNAPSHOT]
    incrementals = [e for e in src.entities.values() if e.mode is EntityMode.INCREMENTAL]
    for entity in snapshots:
        result = load_entity_day(settings, source, entity.name, last)
        summary.rows[entity.name] = summary.rows.get(entity.name, 0) + int(result["rows"])
    for day in days_between(first, last):
        for entity in incrementals:
            result = load_entity_day(settings, source, entity.name, day)
            summary.rows[entity.name] = summary.rows.get(entity.name, 0) + int(result["rows"])
        summary.days += 1
        if progress:
            progress(f"{source} {day}: {summary.days}/{len(days_between(first, last))} days")
    summary.seconds = round(time.monotonic() - started, 2)
    log.info(
        "%s %s..%s: %d days loaded, rows %s, %.1fs",
        source, first, last, summary.days, summary.rows, summary.seconds,
    )
    return summary
