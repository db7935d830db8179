"""The distributed mode, run for real (`dti cluster up`): Redis, Airflow's metadata in its own
PostgreSQL database, the api-server, scheduler, dag-processor, triggerer and two Celery workers,
each worker in its own namespaces with its own data disk, on 127.0.0.1.

In order, on one cluster: (a) the portal's range DAG for a month and the nightly DAGs of two
sources for three days, on both workers; (c) a worker SIGKILLed while it runs a chunk of another
month: the task is retried on the other worker and the month completes; (d) the scheduler
restarted and Redis stopped and started again while a third month runs: it completes; then (b)
the same loads in the embedded mode on the same warehouse, emptied: every raw table holds the
same rows (none lost, none twice) and the marts are equal.

The figures (durations, tasks per worker, what each fault did) are printed and, with
DTI_CLUSTER_REPORT=<file>, written there as JSON (docs/deployment.md quotes them)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import psycopg
import pytest
from e2e.conftest import Stack, running_stack
from e2e.test_same_answer import _build, _checksums, _reset, _state

from dti.airflow_runner import nightly_logical_date
from dti.cluster import AirflowAPI, Cluster, isolation_available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="redis-server is missing (the cluster's broker): `make setup` installs it as root "
        "from the Debian archive (apt-get install redis-server)",
    ),
    pytest.mark.skipif(
        not isolation_available(),
        reason="each worker's own disk and hostname need root and util-linux's unshare",
    ),
]

MONTH = ("2022-03-01", "2022-03-31")  # (a) the month compared with the embedded mode's
KILLED_MONTH = ("2022-02-01", "2022-02-28")  # (c) a worker killed under it
FAULTS_MONTH = ("2022-01-01", "2022-01-21")  # (d) scheduler restart, Redis down (3 chunks)
CHUNK = "week"  # several tasks a month, so that both workers get some
NIGHTS = {
    "portal": [date(2022, 4, 1) + timedelta(days=n) for n in range(3)],
    "police": [date(2022, 3, 1) + timedelta(days=n) for n in range(3)],
}
# short enough for a test, long enough for this 2-core machine's busy task heartbeats
HEARTBEAT_TIMEOUT = 60
# A task the scheduler hands to Celery while Redis is down fails that try at once (the
# executor's send fails; only a send that times out is re-sent): the retry delay must outlast
# the outage, as the DAGs' 5 minutes outlast a short one. Both shortened for the test.
REDIS_OUTAGE = 20
RETRY_DELAY = REDIS_OUTAGE + 10  # must outlast the outage
TEST_SETTINGS = {
    # a killed worker's task is failed after this and retried
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
    "DTI_CLUSTER_RETRY_DELAY": str(RETRY_DELAY),
    # only the runs the test triggers: no scheduled night of "yesterday"
    "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
}
RUN_TIMEOUT = 600
FIGURES: dict = {}


class Running:
    """The cluster with the test's handles on it: the REST API and the metadata database."""

    def __init__(self, stack: Stack, cluster: Cluster) -> None:
        self.stack, self.cluster = stack, cluster
        self.api = AirflowAPI(cluster)
        self.metadata = cluster.metadata_url(cluster.state())

    def meta(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.metadata) as conn:
            return conn.execute(sql, params).fetchall()

    def range_run(self, first: str, last: str) -> str:
        self.api.unpause("range_load")
        conf = {"source": "portal", "from": first, "to": last, "chunk": CHUNK}
        return self.api.trigger("range_load", conf=conf)

    def night_runs(self) -> list[tuple[str, str]]:
        runs = []
        for source, days in NIGHTS.items():
            dag_id = f"nightly_{source}"
            self.api.unpause(dag_id)
            for day in days:
                when = nightly_logical_date(day).isoformat()
                runs.append((dag_id, self.api.trigger(dag_id, logical_date=when)))
        return runs

    def wait(self, runs: list[tuple[str, str]], timeout: float = RUN_TIMEOUT) -> float:
        started, deadline = time.monotonic(), time.monotonic() + timeout
        pending = set(runs)
        while pending:
            for dag_id, run_id in list(pending):
                state = self._state(dag_id, run_id)
                assert state != "failed", f"{dag_id} {run_id} failed\n{self.tasks(run_id)}"
                if state == "success":
                    pending.discard((dag_id, run_id))
            assert time.monotonic() < deadline, f"not done in {timeout}s: {sorted(pending)}"
            time.sleep(3)
        return time.monotonic() - started

    def _state(self, dag_id: str, run_id: str) -> str:
        # the api-server stays up, but a stopped Redis or scheduler may slow its answers
        for _ in range(5):
            try:
                return self.api.run_state(dag_id, run_id)
            except Exception:  # noqa: BLE001 - retried, then raised
                time.sleep(3)
        return self.api.run_state(dag_id, run_id)

    def tasks(self, run_id: str) -> list[tuple]:
        return self.meta(
            "select task_id, map_index, state, hostname, try_number from task_instance "
            "where run_id = %s order by task_id, map_index",
            (run_id,),
        )

    def running_chunk(self, run_id: str, timeout: float = 180) -> tuple[int, str]:
        """The first load_chunk of the run seen running: (map index, worker)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.meta(
                "select map_index, hostname from task_instance where run_id = %s "
                "and task_id = 'load_chunk' and state = 'running' and hostname <> '' "
                "order by map_index limit 1",
                (run_id,),
            )
            if found:
                return found[0]
            time.sleep(0.5)
        raise AssertionError(f"no load_chunk of {run_id} ran within {timeout}s")


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    with running_stack() as stack:
        cluster = Cluster(stack.settings, workers=2, extra_env=TEST_SETTINGS, base_env=stack.env)
        try:
            started = time.monotonic()
            cluster.up()
            FIGURES["up_seconds"] = round(time.monotonic() - started, 1)
            yield Running(stack, cluster)
        finally:
            cluster.down()
            left = [name for name, state in cluster.status() if state != "stopped"]
            report = os.environ.get("DTI_CLUSTER_REPORT")
            print("cluster figures:", json.dumps(FIGURES, indent=2, default=str))
            if report:
                with open(report, "w") as out:
                    json.dump(FIGURES, out, indent=2, default=str)
            assert not left, f"still running after down: {left}"


def test_a_month_and_nights_on_both_workers(running: Running):
    month = running.range_run(*MONTH)
    month_seconds = running.wait([("range_load", month)])
    nights = running.night_runs()
    nights_seconds = running.wait(nights)
    FIGURES["month_seconds"] = round(month_seconds, 1)
    FIGURES["nights_seconds"] = round(nights_seconds, 1)
    run_ids = [month, *(run for _, run in nights)]
    per_worker = Counter(
        host
        for (host,) in running.meta(
            "select hostname from task_instance where run_id = any(%s) and state = 'success'",
            (run_ids,),
        )
    )
    FIGURES["tasks_per_worker_a"] = dict(per_worker)
    assert set(per_worker) == set(running.cluster.worker_names()), per_worker
    # every chunk of the month loaded, each day once
    audit = running.stack.query(
        "select (interval_start at time zone 'Asia/Ho_Chi_Minh')::date, count(*) "
        "from ops.load_audit where source = 'portal' and entity = 'dossiers' "
        "and status = 'loaded' group by 1"
    )
    days = {d: n for d, n in audit}
    first, last = date.fromisoformat(MONTH[0]), date.fromisoformat(MONTH[1])
    assert all(days.get(first + timedelta(n)) == 1 for n in range((last - first).days + 1)), days
    # the workers share no file: each landed on its own disk, the batches crossed by the store
    for name in running.cluster.worker_names():
        assert any((running.cluster.worker_disk(name) / "landing").rglob("*")), name
    assert not any((running.cluster.data_dir / "landing").rglob("*.parquet"))


def test_a_worker_killed_mid_task_is_retried_elsewhere(running: Running):
    cluster = running.cluster
    run = running.range_run(*KILLED_MONTH)
    started = time.monotonic()
    index, victim = running.running_chunk(run)
    cluster.stop_process(victim, signal.SIGKILL)
    killed_at = time.monotonic() - started
    try:
        seconds = running.wait([("range_load", run)])
    finally:
        cluster.start_worker(victim)  # back for the next test
    tries = running.meta(
        "select try_number, hostname, state from task_instance_history where run_id = %s "
        "and task_id = 'load_chunk' and map_index = %s order by try_number",
        (run, index),
    )
    final = running.meta(
        "select try_number, hostname, state from task_instance where run_id = %s "
        "and task_id = 'load_chunk' and map_index = %s",
        (run, index),
    )[0]
    FIGURES["kill"] = {
        "killed": victim,
        "chunk": index,
        "killed_after_s": round(killed_at, 1),
        "month_seconds": round(killed_at + seconds, 1),
        "earlier_tries": tries,
        "final_try": final,
    }
    assert final[2] == "success" and final[0] >= 2, final
    assert final[1] != victim, f"retried on the killed worker: {final}"
    assert any(host == victim for _, host, _ in tries), tries


def test_scheduler_restart_and_redis_down(running: Running):
    cluster = running.cluster
    env = cluster.environment(cluster.state())
    run = running.range_run(*FAULTS_MONTH)
    started = time.monotonic()
    running.running_chunk(run)
    cluster.stop_process("airflow-scheduler")
    time.sleep(5)
    cluster.start_component("airflow-scheduler", env)
    restarted = time.monotonic() - started
    running.running_chunk(run)
    cluster.stop_process("redis")
    time.sleep(REDIS_OUTAGE)
    cluster.start_redis()
    redis_back = time.monotonic() - started
    seconds = running.wait([("range_load", run)])
    FIGURES["faults"] = {
        "scheduler_restarted_after_s": round(restarted, 1),
        "redis_stopped_for_s": REDIS_OUTAGE,
        "redis_back_after_s": round(redis_back, 1),
        "range_seconds": round(time.monotonic() - started, 1),
        "tasks": running.tasks(run),
        # earlier tries: those without a hostname never reached a worker (sent while Redis was
        # down)
        "earlier_tries": running.meta(
            "select task_id, map_index, try_number, hostname, state from task_instance_history "
            "where run_id = %s order by 1, 2, 3",
            (run,),
        ),
    }
    assert seconds < RUN_TIMEOUT


def _raw_counts(stack: Stack) -> dict[str, int]:
    tables = stack.query(
        "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
    )
    return {t: stack.scalar(f'select count(*) from raw."{t}"') for (t,) in tables}


def _embedded_loads(stack: Stack) -> float:
    """The cluster's loads, in the embedded mode (Airflow in-process): the month's seconds."""
    month_seconds = 0.0
    for first, last in (MONTH, KILLED_MONTH, FAULTS_MONTH):
        started = time.monotonic()
        stack.dti(
            "run", "--source", "portal", "--from", first, "--to", last, "--chunk", CHUNK,
            "--no-transform",
        )  # fmt: skip
        if (first, last) == MONTH:
            month_seconds = time.monotonic() - started
    for source, days in NIGHTS.items():
        for day in days:
            stack.dti("run", "--source", source, "--date", day.isoformat(), "--no-transform")
    return month_seconds


def test_the_same_warehouse_as_the_embedded_mode(running: Running):
    stack = running.stack
    running.cluster.down()  # the machine's two cores for the embedded run
    _build(stack)
    raw_counts, (raw, marts) = _raw_counts(stack), _state(stack)
    police = {k: v for k, v in _checksums(stack, "raw").items() if k.startswith("police__")}
    # no interval loaded twice: one audit row per loaded interval, its rows all in raw
    audit = stack.query(
        "select source || '__' || entity, count(*), count(distinct interval_start), sum(rows) "
        "from ops.load_audit where status = 'loaded' group by 1"
    )
    FIGURES["raw_rows"] = raw_counts
    _reset(stack)
    started = time.monotonic()
    FIGURES["embedded_month_seconds"] = round(_embedded_loads(stack), 1)
    FIGURES["embedded_all_loads_seconds"] = round(time.monotonic() - started, 1)
    _build(stack)
    assert _raw_counts(stack) == raw_counts
    assert {k: v for k, v in _checksums(stack, "raw").items() if k.startswith("police__")} == (
        police
    )
    embedded_raw, embedded_marts = _state(stack)
    assert embedded_raw == raw
    assert embedded_marts == marts
    for table, loads, intervals, rows in audit:
        assert loads == intervals, f"{table}: {loads} loads of {intervals} intervals"
        if table in raw_counts and table.startswith("portal__dossiers"):
            assert rows == raw_counts[table], (table, rows, raw_counts[table])
