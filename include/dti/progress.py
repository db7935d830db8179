"""Progress of a range load, read from the warehouse's audit while the run goes on.

`dti run/backfill` start a :class:`RangeProgress` beside the Airflow run: every few seconds it
counts the source's intervals of the range whose latest load succeeded since the run started,
and prints intervals done, rows, elapsed time and an estimate of the time left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

import psycopg

from dti.config import LOCAL_TZ
from dti.sources import EntityMode, get_source

_DONE = """
select count(*), coalesce(sum(rows), 0) from (
    select distinct on (entity, interval_start) status, rows, finished_at
    from ops.load_audit
    where source = %s and interval_start >= %s and interval_start < %s
    order by entity, interval_start, audit_id desc
) as latest
where status = 'loaded' and finished_at >= %s
"""


def expected_intervals(source: str, first: date, last: date, chunk: str = "month") -> int:
    """How many intervals a range run of [first, last] in chunks of ``chunk`` loads for
    ``source``."""
    from dti.pipeline import chunks

    days = (last - first).days + 1
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    total = 0
    for entity in get_source(source).entities.values():
        if entity.mode is EntityMode.SNAPSHOT:
            total += len(chunks(first, last, chunk))  # once per chunk, on its last day
        elif entity.mode is EntityMode.FILES and entity.files and entity.files.period == "month":
            total += months
        else:
            total += days
    return total


def _fmt(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s"


class RangeProgress:
    """Prints progress lines (through ``say``) while a range of one source loads."""

    def __init__(
        self,
        dsn: str,
        source: str,
        first: date,
        last: date,
        say: Callable[[str], None],
        every: float = 5.0,
        skip_loaded: bool = False,
        chunk: str = "month",
    ) -> None:
        self.dsn, self.source, self.say, self.every = dsn, source, say, every
        self.start = datetime.combine(first, datetime.min.time(), LOCAL_TZ)
        self.end = datetime.combine(last + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
        self.total = expected_intervals(source, first, last, chunk)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="range-progress", daemon=True)
        self._t0 = time.monotonic()
        self._since = datetime.now(LOCAL_TZ)
        self._last: tuple[int, int] | None = None
        self.skip_loaded = skip_loaded

    def line(self, done: int, rows: int) -> str:
        elapsed = time.monotonic() - self._t0
        share = min(done / self.total, 1.0) if self.total else 1.0
        left = f", about {_fmt(elapsed / share - elapsed)} left" if 0 < share < 1 else ""
        return (
            f"{self.source}: {done}/{self.total} intervals ({share:.0%}), {rows:,} rows, "
            f"{_fmt(elapsed)} elapsed{left}"
        )

    def _poll(self) -> None:
        with psycopg.connect(self.dsn, connect_timeout=5) as conn:
            done, rows = conn.execute(
                _DONE, (self.source, self.start, self.end, self._since)
            ).fetchone()
        if (done, rows) != self._last and done:
            self._last = (done, rows)
            self.say(self.line(done, int(rows)))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self._poll()
            except psycopg.Error:
                pass  # the audit table may not exist yet; progress is best effort

    def __enter__(self) -> RangeProgress:
        if self.skip_loaded:  # a resumed run only does what is left
            try:
                with psycopg.connect(self.dsn, connect_timeout=5) as conn:
                    before, _ = conn.execute(
                        _DONE,
                        (self.source, self.start, self.end, datetime.min.replace(tzinfo=LOCAL_TZ)),
                    ).fetchone()
                self.total = max(self.total - before, 0)
            except psycopg.Error:
                pass
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            self._poll()  # the last word: what the run loaded in all
        except psycopg.Error:
            pass
