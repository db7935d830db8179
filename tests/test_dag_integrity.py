"""The DAG files import fast, offline and without touching the warehouse, and declare retries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Runs in a fresh interpreter: any socket connection or database connection while the DAG files
# are parsed raises, and the parse time of each file is reported.
PROBE = r"""
import json, socket, sys, time
def _refuse(*args, **kwargs):
    raise RuntimeError("network used while parsing DAG files")
socket.socket.connect = _refuse
socket.create_connection = _refuse
import psycopg
psycopg.connect = _refuse
import airflow.sdk, airflow.models.dagrun  # loaded before parsing, as in the DAG processor
from airflow.dag_processing.dagbag import DagBag
started = time.monotonic()
bag = DagBag(dag_folder=sys.argv[1])
total = time.monotonic() - started
out = {
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "total": total,
    "files": {
        s.file: getattr(s.duration, "total_seconds", lambda: s.duration)()
        for s in bag.dagbag_stats
    },
    "dags": {
        dag_id: {
            "schedule": str(
                getattr(dag.timetable, "summary", None) or type(dag.timetable).__name__
            ),
            "tasks": {t.task_id: t.retries for t in dag.tasks},
            "map_index_templates": {
                t.task_id: t.map_index_template
                for t in dag.tasks
                if getattr(t, "map_index_template", None)
            },
            "sensors": {
                t.task_id: t.mode for t in dag.tasks if getattr(t, "mode", None) is not None
            },
            "tags": sorted(dag.tags),
            "owner": dag.owner,
        }
        for dag_id, dag in bag.dags.items()
    },
}
print("PROBE" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict:
    local = tmp_path_factory.mktemp("dag-integrity")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DTI_", "AIRFLOW"))}
    env.update(DTI_LOCAL_DIR=str(local))
    # The transform DAG renders from dbt's manifest: write it first (dbt parse needs no database).
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from dti.config import load_settings; from dti.transform import "
            "parse; parse(load_settings())",
        ],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    from dti.airflow_runner import airflow_env
    from dti.config import load_settings

    env.update(airflow_env(load_settings(env)))
    # Three fresh interpreters; a file's parse time is its best of three, since a busy machine
    # only ever adds time (timings here are noisy).
    runs = []
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", PROBE, str(ROOT / "dags")],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        line = next((ln for ln in result.stdout.splitlines() if ln.startswith("PROBE")), None)
        assert line, f"probe failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        runs.append(json.loads(line[len("PROBE") :]))
    parsed = runs[0]
    parsed["files"] = {f: min(r["files"][f] for r in runs) for f in parsed["files"]}
    return parsed


def test_no_import_errors(parsed):
    assert parsed["errors"] == {}


def test_expected_dags(parsed):
    assert {"nightly_portal", "range_load", "transform", "report"} <= set(parsed["dags"])


def test_every_dag_file_parses_in_under_a_second(parsed):
    slow = {f: d for f, d in parsed["files"].items() if d >= 1.0}
    assert not slow, f"DAG files slower than 1 s to parse: {slow}"


def test_every_task_retries(parsed):
    no_retry = [
        f"{dag_id}.{task}"
        for dag_id, dag in parsed["dags"].items()
        for task, retries in dag["tasks"].items()
        if retries < 1
    ]
    assert not no_retry


def test_nightly_schedule_owns_a_local_day(parsed):
    nightly = parsed["dags"]["nightly_portal"]
    assert "0 0 * * *" in nightly["schedule"]  # intervals are [00:00, 24:00) local days
    assert "nightly" in nightly["tags"] and nightly["owner"] == "dti-data-team"


def test_transform_has_a_task_per_model(parsed):
    tasks = parsed["dags"]["transform"]["tasks"]
    assert any("fct_dossier" in t for t in tasks)
    assert any("indicator_values" in t for t in tasks)


def test_report_runs_when_a_quarter_closes(parsed):
    report = parsed["dags"]["report"]
    # each run owns a local quarter [first day, first day of the next) and starts as it closes
    assert "0 0 1 1,4,7,10 *" in report["schedule"]
    assert "report" in report["tags"] and report["owner"] == "dti-data-team"
    assert {"periods", "wait_for_data", "write"} <= set(report["tasks"])
    # it waits with a sensor that gives its worker slot back between checks, not by failing
    assert report["sensors"] == {"wait_for_data": "reschedule"}
    assert report["tasks"]["write"] == 2  # the default retries, not a day of them


def test_mapped_tasks_are_named_by_their_days_or_period(parsed):
    # the grid shows 2022-01-01..2022-01-31 or 2022-05, not 0, 1, 2
    assert parsed["dags"]["range_load"]["map_index_templates"] == {"load_chunk": "{{ days }}"}
    assert "{{ period }}" in parsed["dags"]["report"]["map_index_templates"].values()
    nightly = parsed["dags"]["nightly_education"]["map_index_templates"]
    assert set(nightly) == {"validate_load_school_registry", "validate_load_school_reports"}
