"""The operational view behind `dti status`: per source entity, how far the loads have got, what
is failing and why, how fresh the data is, and the recent alerts.

Everything is read from the warehouse's own records (``ops.load_audit``, ``ops.alerts``); a
batch's state is that of its latest audit row, so a quarantined day that was reloaded later is no
longer listed as a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

import psycopg

from dti.config import LOCAL_TZ

# Without a freshness block in the dbt sources (a source added without one): one missed night is
# a warning, two an error.
WARN_AFTER = timedelta(hours=36)
ERROR_AFTER = timedelta(hours=72)
_PERIODS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}

_ENTITIES = """
with latest as (
    select distinct on (source, entity, interval_start)
        source, entity, interval_start, interval_end, status, rows, finished_at, error
    from ops.load_audit
    order by source, entity, interval_start, audit_id desc
),
recent as (
    select source, entity, rows,
           row_number() over (partition by source, entity order by interval_start desc) as n
    from latest
    where status = 'loaded'
)
select
    latest.source,
    latest.entity,
    max(latest.interval_end) filter (where latest.status = 'loaded') as loaded_until,
    max(latest.finished_at) filter (where latest.status = 'loaded') as last_success,
    count(*) filter (where latest.status = 'loaded') as intervals_loaded,
    coalesce(sum(latest.rows) filter (where latest.status = 'loaded'), 0) as rows_loaded,
    count(*) filter (where latest.status = 'quarantined') as quarantined,
    count(*) filter (where latest.status = 'failed') as failed,
    (select avg(recent.rows) from recent
     where recent.source = latest.source and recent.entity = latest.entity and recent.n <= 7)
        as rows_per_interval
from latest
group by 1, 2
order by 1, 2
"""

_PROBLEMS = """
select source, entity, interval_start, status, error
from (
    select distinct on (source, entity, interval_start)
        source, entity, interval_start, status, error, audit_id
    from ops.load_audit
    order by source, entity, interval_start, audit_id desc
) as latest
where status <> 'loaded'
order by interval_start desc
limit %s
"""

_ALERTS = """
select raised_at, dag_id, task_id, error, notified
from ops.alerts
order by alert_id desc
limit %s
"""


@dataclass(frozen=True)
class EntityStatus:
    source: str
    entity: str
    loaded_until: datetime | None
    last_success: datetime | None
    intervals_loaded: int
    rows_loaded: int
    quarantined: int
    failed: int
    rows_per_interval: float | None

    def freshness(self, now: datetime) -> str:
        until = _retired_on(self.source, now)
        if until is not None:
            # a system retired (the sources file's until:): no night is expected after it
            end = datetime.combine(until + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
            if self.loaded_until is not None and self.loaded_until >= end:
                return "retired"
            return "retired, gap"  # its last days were never loaded: backfill them
        if self.last_success is None:
            return "never loaded"
        warn_after, error_after = freshness_rule(self.source)
        age = now - self.last_success
        if age <= warn_after:
            return "fresh"
        return "late (warn)" if age <= error_after else "stale (error)"


def freshness_rule(source: str) -> tuple[timedelta, timedelta]:
    """(warn after, error after) for a source or instance: its dbt sources' ``freshness`` block
    (``dbt_project/models/staging/<source>/_<source>__sources.yml``), the one definition dbt's
    ``source freshness`` also uses; monthly files get weeks, nightly systems hours."""
    from dti.sources import get_source

    try:
        kind = get_source(source).contract
    except KeyError:  # loaded once, no longer configured
        kind = source
    return _freshness_rules().get(kind, (WARN_AFTER, ERROR_AFTER))


@cache
def _freshness_rules() -> dict[str, tuple[timedelta, timedelta]]:
    import os
    from pathlib import Path

    import yaml

    from dti.config import PROJECT_ROOT

    models = Path(os.environ.get("DTI_HOME", PROJECT_ROOT)) / "dbt_project" / "models"
    rules: dict[str, tuple[timedelta, timedelta]] = {}
    for path in sorted(models.rglob("*__sources.yml")):
        for source in (yaml.safe_load(path.read_text("utf-8")) or {}).get("sources", []):
            block = (source.get("config") or {}).get("freshness") or source.get("freshness")
            if block:
                rules[source["name"]] = (_span(block["warn_after"]), _span(block["error_after"]))
    return rules


def _span(after: dict) -> timedelta:
    return int(after["count"]) * _PERIODS[after["period"]]


def _retired_on(source: str, now: datetime) -> date | None:
    """A source instance's last day if it is over by ``now`` (local), else None."""
    from dti.sources import get_source

    try:
        until = get_source(source).until
    except KeyError:  # loaded once, no longer configured
        return None
    if until is not None and now.astimezone(LOCAL_TZ).date() > until:
        return until
    return None


@dataclass(frozen=True)
class Problem:
    source: str
    entity: str
    interval_start: datetime
    status: str
    error: str | None


@dataclass
class StatusReport:
    now: datetime
    entities: list[EntityStatus] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    alerts: list[tuple] = field(default_factory=list)
    freshness: list = field(default_factory=list)
    """dbt's source freshness of the last transform (:func:`dti.freshness.latest`)."""


def collect(dsn: str, *, problems: int = 10, alerts: int = 5) -> StatusReport:
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        report = StatusReport(now=datetime.now(UTC))
        report.entities = [EntityStatus(*row) for row in conn.execute(_ENTITIES).fetchall()]
        report.problems = [Problem(*r) for r in conn.execute(_PROBLEMS, (problems,)).fetchall()]
        if conn.execute("select to_regclass('ops.alerts')").fetchone()[0]:
            report.alerts = conn.execute(_ALERTS, (alerts,)).fetchall()
        from dti.freshness import latest

        report.freshness = latest(conn)
    return report


def _local(ts: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return ts.astimezone(LOCAL_TZ).strftime(fmt) if ts else "-"


def format_report(report: StatusReport) -> str:
    lines = [
        f"{'source/entity':24} {'loaded until':16} {'last success':16} {'freshness':13} "
        f"{'intervals':>9} {'rows':>11} {'rows/int.':>9} {'quarant.':>8} {'failed':>6}"
    ]
    for e in report.entities:
        per = f"{e.rows_per_interval:,.0f}" if e.rows_per_interval is not None else "-"
        lines.append(
            f"{e.source + '/' + e.entity:24} {_local(e.loaded_until):16} "
            f"{_local(e.last_success):16} {e.freshness(report.now):13} {e.intervals_loaded:>9} "
            f"{e.rows_loaded:>11,} {per:>9} {e.quarantined:>8} {e.failed:>6}"
        )
    if not report.entities:
        lines.append("nothing loaded yet: `dti run --from ... --to ...`")
    if any(e.freshness(report.now).startswith("retired") for e in report.entities):
        lines.append(
            "  retired: a system that ended (until: in the sources file) is not expected to "
            "load; 'gap': days before its end were never loaded"
        )
    if report.freshness:
        late = [r for r in report.freshness if r.alerting]
        fine = sum(r.status == "pass" for r in report.freshness)
        lines.append("")
        lines.append(
            f"dbt source freshness (after the last transform): {fine} of "
            f"{len(report.freshness)} tables pass" + ("" if late else "; none late")
        )
        lines.extend(f"  {r.describe()}" for r in late)
    if report.problems:
        lines.append("")
        lines.append("intervals not loaded (latest attempt), newest first:")
        for p in report.problems:
            reason = (p.error or "").splitlines()[0][:160] if p.error else ""
            lines.append(
                f"  {p.status:11} {p.source}/{p.entity} {_local(p.interval_start, '%Y-%m-%d')}"
                f"  {reason}"
            )
        lines.append(
            "  fix the source (or the suite), then reload those days: "
            "`dti backfill --from DAY --to DAY --source SOURCE`"
        )
    if report.alerts:
        lines.append("")
        lines.append("recent alerts:")
        for raised, dag_id, task_id, error, notified in report.alerts:
            first = (error or "").splitlines()[0][:140]
            lines.append(
                f"  {_local(raised)} {dag_id}.{task_id}: {first} (sent to {notified or 'ops only'})"
            )
    return "\n".join(lines)
