"""dbt's source freshness after each transform: the freshness blocks of the dbt sources
(``dbt_project/models/staging/*/_*__sources.yml``) are the one definition of how late a source may
be; ``dbt source freshness`` judges every source table by them (the newest ``_loaded_at``), the
result is kept in ``ops.source_freshness`` for ``dti status``, and a warning or an error is raised
as an alert (``ops.alerts``, the webhook, the mail: :mod:`dti.alerts`).

A table that was never loaded (no row) is reported as such, not alerted: a warehouse that does
not load a source is not late on it. Instances of a source (the sources file) have raw tables of
their own that are no dbt sources; ``dti status`` judges them by their source's block
(:func:`dti.status.freshness_rule`).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import psycopg

from dti.config import Settings

log = logging.getLogger(__name__)

NEVER_LOADED = "never loaded"
_SAVE = """
insert into ops.source_freshness
    (checked_at, source, table_name, status, max_loaded_at, age_seconds, warn_after_seconds,
     error_after_seconds)
values (%s, %s, %s, %s, %s, %s, %s, %s)
"""


@dataclass(frozen=True)
class Freshness:
    source: str
    table: str
    status: str  # pass, warn, error, runtime error, never loaded
    max_loaded_at: datetime | None
    age: timedelta | None
    warn_after: timedelta | None
    error_after: timedelta | None

    @property
    def alerting(self) -> bool:
        return self.status in ("warn", "error", "runtime error")

    def describe(self) -> str:
        if self.status == NEVER_LOADED:
            return f"{self.source}.{self.table}: never loaded"
        if self.status == "runtime error":
            return f"{self.source}.{self.table}: dbt could not check it"
        limits = ", ".join(
            f"{name} after {_span(value)}"
            for name, value in (("warn", self.warn_after), ("error", self.error_after))
            if value is not None
        )
        return f"{self.source}.{self.table}: {self.status}, last loaded {_span(self.age)} ago" + (
            f" ({limits})" if limits else ""
        )


def check(settings: Settings, *, alert: bool = True) -> list[Freshness]:
    """Run ``dbt source freshness``, record its results and alert on warnings and errors."""
    results = run_dbt_freshness(settings)
    checked_at = datetime.now().astimezone()
    with psycopg.connect(_dsn(settings), autocommit=True) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                _SAVE,
                [
                    (
                        checked_at,
                        r.source,
                        r.table,
                        r.status,
                        r.max_loaded_at,
                        r.age.total_seconds() if r.age is not None else None,
                        r.warn_after.total_seconds() if r.warn_after else None,
                        r.error_after.total_seconds() if r.error_after else None,
                    )
                    for r in results
                ],
            )
    late = [r for r in results if r.alerting]
    if late and alert:
        from dti.alerts import Alert, raise_alert

        raise_alert(
            settings,
            Alert(
                dag_id="transform",
                task_id="source_freshness",
                run_id=None,
                logical_date=checked_at,
                try_number=None,
                error="dbt source freshness: " + "; ".join(r.describe() for r in late),
            ),
            dsn=_dsn(settings),
        )
    for r in results:
        log.log(logging.WARNING if r.alerting else logging.INFO, "%s", r.describe())
    return results


def run_dbt_freshness(settings: Settings) -> list[Freshness]:
    """``dbt source freshness`` (dbt's own process), in a target folder of its own: the project's
    ``target/manifest.json`` is what the transform DAG renders from, and stays as it is."""
    from dti.warehouse import dbt_env

    project = settings.dbt_project_dir
    env = {**os.environ, **dbt_env(settings), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    with tempfile.TemporaryDirectory(prefix="dti-freshness-") as target:
        output = Path(target) / "sources.json"
        done = subprocess.run(
            [
                dbt_executable(),
                "source",
                "freshness",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                "--target-path",
                target,
                "--output",
                str(output),
            ],
            env=env,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=900,
        )
        # dbt exits 1 when a source is late: its results are still written
        if not output.exists():
            raise RuntimeError(
                f"dbt source freshness failed in {project} (exit {done.returncode}):\n"
                + (done.stdout + done.stderr)[-3000:]
            )
        results = json.loads(output.read_text("utf-8"))["results"]
    return [_result(r) for r in results]


def dbt_executable() -> str:
    """The dbt of this environment (the venv's, or the image's), else the first on PATH."""
    here = Path(sys.executable).with_name("dbt")
    return str(here) if here.exists() else shutil.which("dbt") or "dbt"


def _result(r: dict) -> Freshness:
    # unique_id: source.<project>.<source>.<table>
    _kind, _project, source, table = r["unique_id"].split(".", 3)
    criteria = r.get("criteria") or {}
    status = r["status"]
    loaded = r.get("max_loaded_at")
    max_loaded_at = datetime.fromisoformat(loaded) if loaded else None
    age = r.get("max_loaded_at_time_ago_in_s")
    if max_loaded_at is None or max_loaded_at.year < 2000:
        # an empty table: dbt finds no _loaded_at (and reports it as very late, or fails)
        status, max_loaded_at, age = NEVER_LOADED, None, None
    return Freshness(
        source=source,
        table=table,
        status=status,
        max_loaded_at=max_loaded_at,
        age=timedelta(seconds=age) if age is not None else None,
        warn_after=_after(criteria.get("warn_after")),
        error_after=_after(criteria.get("error_after")),
    )


def _after(after: dict | None) -> timedelta | None:
    if not after or after.get("count") is None or after.get("period") is None:
        return None
    return timedelta(**{f"{after['period']}s": after["count"]})


def _span(value: timedelta | None) -> str:
    if value is None:
        return "?"
    hours = value.total_seconds() / 3600
    return f"{hours / 24:.0f} days" if hours >= 72 else f"{hours:.0f} h"


def latest(conn: psycopg.Connection) -> list[Freshness]:
    """The last check's results (none before the first transform)."""
    if conn.execute("select to_regclass('ops.source_freshness')").fetchone()[0] is None:
        return []
    rows = conn.execute(
        "select source, table_name, status, max_loaded_at, age_seconds, warn_after_seconds, "
        "error_after_seconds from ops.source_freshness "
        "where checked_at = (select max(checked_at) from ops.source_freshness) "
        "order by source, table_name"
    ).fetchall()
    return [
        Freshness(
            s,
            t,
            status,
            loaded,
            *(timedelta(seconds=v) if v is not None else None for v in (age, warn, error)),
        )
        for s, t, status, loaded, age, warn, error in rows
    ]


def _dsn(settings: Settings) -> str:
    from dti.warehouse import warehouse_url

    return warehouse_url(settings)
