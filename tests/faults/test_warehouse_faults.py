"""The pipeline's own process and the warehouse fail: a run killed during COPY or between landing
and load, the warehouse stopped for a while, two runs of one interval at once. Each ends with the
day in raw exactly as the fault-free run left it, and an audit that agrees with the table."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from dti.locks import IntervalBusy
from dti.records import Interval
from dti.warehouse import EmbeddedWarehouse, warehouse_url

from .conftest import DAY, DOSSIERS, PAGE_SIZE
from .helpers import assert_as_fault_free, latest_audit, raw_state, run_day

pytestmark = pytest.mark.slow

CHILD = """
import os, signal, sys
from dti import pipeline, stages
from dti.config import load_settings
settings = load_settings()
if sys.argv[1] == "land-then-die":
    stages.land(settings, "portal", "dossiers", sys.argv[2])
    os.kill(os.getpid(), signal.SIGKILL)  # killed between landing and load
pipeline.load_chunk(settings, "portal", sys.argv[2], sys.argv[2])
"""


def _child(faults, mode: str) -> subprocess.Popen:
    env = faults.stack.env | {"DTI_HTTP_PAGE_SIZE": str(PAGE_SIZE)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, DAY],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _loaded_audits(faults) -> list[int]:
    return [
        rows
        for (rows,) in faults.stack.query(
            "select rows from ops.load_audit where source = 'portal' and entity = 'dossiers' "
            "and interval_start = %s and status = 'loaded'",
            (Interval.day(DAY).start,),
        )
    ]


def _audit_consistent(faults, loaded_before: list[int]) -> None:
    """One more `loaded` audit row (the rerun's), with the rows the table holds; the killed run
    left none."""
    after = _loaded_audits(faults)
    assert len(after) == len(loaded_before) + 1
    assert after[-1] == raw_state(faults)[0] == faults.baseline_rows


def test_killed_during_copy_then_rerun_loads_exactly_once(faults):
    dsn = warehouse_url(faults.settings)
    # Each COPY into the dossier table sleeps on its first row: the test sees the child inside
    # COPY (pg_stat_activity) and SIGKILLs it there.
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("create sequence if not exists public.fault_copy_rows")
        conn.execute(
            """
            create or replace function public.fault_slow_copy() returns trigger
            language plpgsql as $$
            begin
                if nextval('public.fault_copy_rows') = 1 then perform pg_sleep(4); end if;
                return new;
            end $$
            """
        )
        conn.execute(
            "create trigger fault_slow_copy before insert on raw.portal__dossiers "
            "for each row execute function public.fault_slow_copy()"
        )
    loaded_before = _loaded_audits(faults)
    child = _child(faults, "run")
    try:
        in_copy = False
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and child.poll() is None:
            in_copy = bool(
                faults.stack.scalar(
                    "select count(*) from pg_stat_activity where query ilike 'copy%%dossiers%%'"
                    " and wait_event = 'PgSleep'"
                )
            )
            if in_copy:
                break
            time.sleep(0.2)
        assert in_copy, f"the child never reached COPY: {child.stderr.read()[-2000:]}"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        # the server notices the client is gone when COPY next reads: its transaction aborts
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and faults.stack.scalar(
            "select count(*) from pg_stat_activity where query ilike 'copy%%dossiers%%'"
        ):
            time.sleep(0.2)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("drop trigger if exists fault_slow_copy on raw.portal__dossiers")
            conn.execute("drop function if exists public.fault_slow_copy()")
            conn.execute("drop sequence if exists public.fault_copy_rows")
    assert raw_state(faults)[1] == faults.baseline["digest"]  # rolled back: the earlier rows
    assert _loaded_audits(faults) == loaded_before
    _, error = run_day(faults.settings)
    assert error is None
    _audit_consistent(faults, loaded_before)
    assert_as_fault_free(
        faults,
        "crash mid-load (the process killed during COPY or between landing and load)",
        "test_killed_during_copy_then_rerun_loads_exactly_once",
        faults_injected=1,
        runs=2,
        runs_survived=1,
    )


def test_killed_between_landing_and_load_then_rerun_loads_exactly_once(faults):
    with psycopg.connect(warehouse_url(faults.settings), autocommit=True) as conn:
        # the day not loaded yet, as on the night of the crash
        conn.execute(
            "delete from raw.portal__dossiers where _interval_start = %s",
            (Interval.day(DAY).start,),
        )
    loaded_before = _loaded_audits(faults)
    child = _child(faults, "land-then-die")
    child.wait(300)
    assert child.returncode == -signal.SIGKILL, child.stderr.read()[-2000:]
    assert raw_state(faults)[0] == 0 and _loaded_audits(faults) == loaded_before
    _, error = run_day(faults.settings)
    assert error is None
    _audit_consistent(faults, loaded_before)
    assert_as_fault_free(
        faults,
        "crash mid-load (the process killed during COPY or between landing and load)",
        "test_killed_between_landing_and_load_then_rerun_loads_exactly_once",
        faults_injected=1,
        runs=2,
        runs_survived=1,
    )


def test_warehouse_unavailable_for_a_while_then_the_run_resumes(faults):
    """The warehouse goes down while the day is being extracted (the source is slow on page 2):
    the run fails naming the warehouse; the task's retry (Airflow retries every task twice, 5
    minutes apart: dti.dags.DEFAULT_ARGS) finds it back and loads the day."""
    warehouse = EmbeddedWarehouse(faults.settings)
    faults.fault(timeout_seconds=4, fail_first=1, page=2, paths=[DOSSIERS], day=DAY)
    stopper = threading.Timer(1.0, warehouse.stop)
    stopper.start()
    try:
        _, error = run_day(faults.settings)
    finally:
        stopper.join()
        faults.clear()
        warehouse.start()
    assert error is not None and isinstance(error, psycopg.OperationalError), error
    assert latest_audit(faults)[0] == "loaded"  # the earlier load stands
    _, error = run_day(faults.settings)  # the retry
    assert error is None
    assert_as_fault_free(
        faults,
        "warehouse unavailable for a while",
        "test_warehouse_unavailable_for_a_while_then_the_run_resumes",
        faults_injected=1,
        runs=2,
        runs_survived=1,
    )


def test_two_runs_of_one_interval_never_both_load(faults):
    """The first run is slowed at the source (page 2 takes 4 s) and holds the interval's lock;
    the second stops at once with IntervalBusy naming the other run; one load in the audit."""
    loaded_before = _loaded_audits(faults)
    faults.fault(timeout_seconds=4, fail_first=1, page=2, paths=[DOSSIERS], day=DAY)
    results: dict[str, object] = {}

    def first() -> None:
        results["first"] = run_day(faults.settings)

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(2)
    _, second = run_day(faults.settings)
    thread.join()
    faults.clear()
    assert isinstance(second, IntervalBusy), second
    assert "is being loaded by dti-load portal/" in str(second) and "wait for it" in str(second)
    assert results["first"][1] is None
    _audit_consistent(faults, loaded_before)
    assert_as_fault_free(
        faults,
        "two runs of the same source interval at once",
        "test_two_runs_of_one_interval_never_both_load",
        faults_injected=1,
        runs=2,
        runs_survived=1,  # the other one was refused, as it must be
    )
