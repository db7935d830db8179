"""The stages put together for one source over a day or a range of days.

What the DAG tasks call. A range is cut into chunks (a month by default) so that a long backfill
costs a handful of Airflow task instances, not one DAG run per day; inside a chunk every local day
is still extracted, landed, validated and loaded as its own interval, exactly as the nightly run
would do it, so a backfill leaves the warehouse as the nightly runs would have.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from dti import stages
from dti.config import LOCAL_TZ, Settings
from dti.records import Interval
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


def loaded_intervals(dsn: str, source: str, entity: str, span) -> set[datetime]:
    """Starts of the intervals starting in ``span`` whose latest audit row says 'loaded'."""
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
            (source, entity, span.start, span.end),
        ).fetchall()
    return {start.astimezone(LOCAL_TZ) for start, status in rows if status == "loaded"}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), LOCAL_TZ)


def _land_interval(
    settings: Settings, source: str, entity: str, start: str, end: str
) -> tuple[str, dict | str]:
    """Worker: extract and land one interval; returns (start, batch dict) or (start, error)."""
    try:
        return start, stages.land_interval(settings, source, entity, start, end)
    except Exception as exc:  # reported and audited by the parent
        return start, f"{type(exc).__name__}: {exc}"


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes kept for the life of this process: the chunks of one range run in one
    process (dag.test) and should not start new workers for every month."""
    if workers not in _POOLS:
        # spawn, not fork: the parent is an Airflow task process with threads and connections.
        ctx = multiprocessing.get_context("spawn")
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    return _POOLS[workers]


STEP_ROWS = 40_000


def _land_intervals(
    settings: Settings,
    source: str,
    entity: str,
    intervals: list,
    workers: int,
    step_rows: int = STEP_ROWS,
) -> Iterator[tuple[list[dict], dict[str, str]]]:
    """Extract and land intervals in worker processes (parsing and hashing are CPU-bound).

    Every interval is handed to the workers at once; the results come back in interval order, a
    step at a time: as soon as the landed intervals not yet handed back hold `step_rows` rows (and
    once at the end), their batch dicts and {interval name: error} for the others. The workers
    land the next step while the caller validates and loads one, so both cores stay busy; a step
    is one GX run, whose fixed cost is why a step is not a day (a month of the portal's dossiers
    comes back in three or four steps, a month of the police's small days in one).
    """
    names = {i.start.isoformat(): i.name for i in intervals}

    def steps(results: Iterator[tuple[str, dict | str]]):
        landed: list[dict] = []
        errors: dict[str, str] = {}
        for start, outcome in results:
            if isinstance(outcome, dict):
                landed.append(outcome)
            else:
                errors[names[start]] = outcome
            if sum(b["rows"] for b in landed) >= step_rows:
                yield landed, errors
                landed, errors = [], {}
        if landed or errors:
            yield landed, errors

    def args(i) -> tuple:
        return settings, source, entity, i.start.isoformat(), i.end.isoformat()

    if workers <= 1 or len(intervals) <= 1 or multiprocessing.current_process().daemon:
        # a daemonic process (a Celery prefork worker's child) cannot start workers: in-process
        yield from steps(_land_interval(*args(i)) for i in intervals)
        return
    pool = _pool(workers)
    futures: list[Future] = []
    try:
        futures = [pool.submit(_land_interval, *args(i)) for i in intervals]
        yield from steps(f.result() for f in futures)
    except BrokenProcessPool:
        _POOLS.pop(workers, None)  # a worker died (out of memory?): start afresh next time
        raise
    finally:
        for f in futures:
            f.cancel()  # the caller stopped early (an error): land nothing more


class SourceIntervalsFailed(Exception):
    """Some days could not be extracted (the source failed after retries); retrying may help."""

    def __init__(self, source: str, entity: str, errors: dict[str, str]) -> None:
        self.errors = errors
        details = "\n".join(f"{day}: {msg}" for day, msg in sorted(errors.items()))
        super().__init__(
            f"{source}/{entity}: {len(errors)} day(s) could not be extracted; the other days "
            f"are loaded. Run the range again (days already loaded are kept with "
            f"--skip-loaded).\n{details}"
        )


def _land_validate_load(
    settings: Settings,
    dsn: str,
    entity,
    todo: list[Interval],
    summary: ChunkSummary,
    quarantined: dict[str, str],
    unavailable: dict[str, str],
    span: str,
) -> None:
    """One entity's intervals of a chunk, in steps (see :func:`_land_intervals`): the worker
    processes land every interval while this process validates each step in one GX run and COPYs
    its passing intervals in order; failures are audited and collected, not raised.

    The progress lines give each stage's own seconds: landing from the chunk's start to the last
    interval landed, validation and load summed over the steps (they overlap with landing)."""
    from dti.load import load_batch, record_interval_failure
    from dti.records import LandedBatch
    from dti.validate import validate_batches

    source = entity.source
    by_name = {i.name: i for i in todo}
    t0 = time.monotonic()
    land_s = validate_s = load_s = 0.0
    n_landed = n_passed = rows = 0
    for landed, errors in _land_intervals(
        settings, source, entity.name, todo, settings.load_workers
    ):
        land_s = time.monotonic() - t0
        for name, error in errors.items():
            record_interval_failure(
                dsn, source, entity.name, by_name[name], f"extract failed: {error}"
            )
            unavailable[f"{name} {entity.name}"] = error
        n_landed += len(landed)
        rows += sum(b["rows"] for b in landed)
        t1 = time.monotonic()
        passed, failed = validate_batches(settings, landed)
        for label, err in failed.items():
            stages.audit_quarantine(settings, dsn, err)
            quarantined[label] = str(err)
            summary.quarantined.append(label)
            progress.info("%s: quarantined (validation failed)", label)
        t2 = time.monotonic()
        for batch in landed:
            outcome = passed.get(batch["batch_id"])
            if outcome is None:
                continue
            result = load_batch(dsn, LandedBatch.from_dict(batch), outcome)
            summary.rows[entity.name] = summary.rows.get(entity.name, 0) + result.rows
        n_passed += len(passed)
        validate_s += t2 - t1
        load_s += time.monotonic() - t2
    progress.info(
        "%s/%s: %d intervals extracted and landed (%d rows) in %.0fs",
        span,
        entity.name,
        n_landed,
        rows,
        land_s,
    )
    progress.info("%s/%s: %d intervals validated in %.0fs", span, entity.name, n_passed, validate_s)
    progress.info("%s/%s: %d intervals loaded in %.0fs", span, entity.name, n_passed, load_s)


def load_chunk(
    settings: Settings,
    source: str,
    first_day: str | date,
    last_day: str | date,
    *,
    skip_loaded: bool = False,
) -> ChunkSummary:
    """Every entity of a source over [first_day, last_day], each local day its own interval.

    Snapshot entities (catalogues) are taken once, as of the chunk's last day: a nightly run takes
    them daily, but staging only ever reads the latest snapshot, so the result is the same.
    Incremental entities go in three steps: extract and land every day (in
    `settings.load_workers` processes), validate the days together in one GX run (a day that
    fails is checked alone, quarantined and audited), then COPY each passing day in order.
    With `skip_loaded`, days whose last load succeeded are left as they are (a resumed demo, a
    retried task); a backfill never skips. Bad days do not stop the others: at the end
    :class:`IntervalsQuarantined` (bad data) or :class:`SourceIntervalsFailed` (the source failed)
    names every such day.
    """
    from dti.extract.files import pending_periods, periods_to_land
    from dti.locks import interval_locks

    first, last = parse_day(first_day), parse_day(last_day)
    src = get_source(source)
    summary = ChunkSummary(source, first.isoformat(), last.isoformat())
    started = time.monotonic()
    dsn = warehouse_url(settings)
    snapshots = [e for e in src.entities.values() if e.mode is EntityMode.SNAPSHOT]
    incrementals = [e for e in src.entities.values() if e.mode is not EntityMode.SNAPSHOT]
    days = days_between(first, last)
    chunk = Interval(_local_midnight(first), _local_midnight(last + timedelta(days=1)))
    span = f"{source} {first}..{last}"
    for entity in snapshots:
        if skip_loaded and last in loaded_days(dsn, source, entity.name, last, last):
            continue
        with interval_locks(dsn, source, entity.name, [Interval.day(last)]):
            result = load_entity_day(settings, source, entity.name, last)
        summary.rows[entity.name] = summary.rows.get(entity.name, 0) + int(result["rows"])
    quarantined: dict[str, str] = {}
    unavailable: dict[str, str] = {}
    for entity in incrementals:
        if entity.mode is EntityMode.FILES:
            # the chunk's periods, and earlier ones late files arrived for (never skipped)
            targets = periods_to_land(settings, entity, chunk)
            late = set(pending_periods(settings, entity, chunk.end))
        else:
            targets, late = [Interval.day(d) for d in days], set()
        if skip_loaded:
            done = loaded_intervals(dsn, source, entity.name, chunk)
            todo = [i for i in targets if i in late or i.start not in done]
            summary.skipped += len(targets) - len(todo)
        else:
            todo = targets
        if not todo:
            continue
        with interval_locks(dsn, source, entity.name, todo):
            _land_validate_load(
                settings, dsn, entity, todo, summary, quarantined, unavailable, span
            )
    summary.days = len(days)
    summary.seconds = round(time.monotonic() - started, 2)
    log.info("%s: %d days, rows %s, %.1fs", span, summary.days, summary.rows, summary.seconds)
    if quarantined:
        raise IntervalsQuarantined(source, quarantined)
    if unavailable:
        raise SourceIntervalsFailed(source, ",".join(e.name for e in incrementals), unavailable)
    return summary
