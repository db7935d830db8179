"""Running the project's DAGs with Airflow from the CLI, in-process (`dag.test`), on the embedded
defaults: SQLite metadata under `.local/airflow`, the DAGs of `dags/`.

Airflow prints a great deal; the CLI sends it to a log file under `.local/logs/` and shows the
pipeline's own progress lines instead (`--verbose` shows everything).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dti.config import LOCAL_TZ, Settings
from dti.warehouse import dbt_env

log = logging.getLogger(__name__)

CLI_RETRY_DELAY = timedelta(seconds=5)


def airflow_env(settings: Settings) -> dict[str, str]:
    """Airflow's settings for this project; a value already in the environment wins."""
    home = settings.airflow_home
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.home / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(settings.home / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": str(LOCAL_TZ),
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        # No run may depend on reaching the internet.
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        **dbt_env(settings),
    }


def configure(settings: Settings) -> None:
    """Put Airflow's and dbt's settings into this process's environment (before importing them)."""
    for key, value in airflow_env(settings).items():
        os.environ.setdefault(key, value)


def ensure_metadata_db(settings: Settings) -> None:
    """`airflow db migrate` once per Airflow version (idempotent, about 10 s the first time)."""
    configure(settings)
    import airflow

    marker = settings.airflow_home / f".migrated-{airflow.__version__}"
    if marker.exists():
        return
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    log.info("preparing Airflow's metadata database in %s", settings.airflow_home)
    airflow_bin = Path(sys.executable).with_name("airflow")
    result = subprocess.run(
        [str(airflow_bin), "db", "migrate"], capture_output=True, text=True, env=os.environ.copy()
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    marker.write_text("ok\n")


def nightly_logical_date(day: date) -> datetime:
    """The logical date of the nightly run that owns local day `day`: the day's end, 00:00 local
    of the next day (the data interval is [day 00:00, next day 00:00))."""
    return datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ)


@contextlib.contextmanager
def airflow_output_to(logfile: Path | None) -> Iterator[None]:
    """Send everything written to stdout/stderr to `logfile`, keeping `dti` log lines on screen."""
    if logfile is None:
        yield
        return
    logfile.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    screen = os.fdopen(os.dup(saved_err), "w", buffering=1)
    handler = logging.StreamHandler(screen)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    handler.setLevel(logging.INFO)
    progress = logging.getLogger("dti.progress")
    progress.addHandler(handler)
    progress.setLevel(logging.INFO)
    progress.propagate = True
    with open(logfile, "ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            progress.removeHandler(handler)
            screen.close()


def get_dag(settings: Settings, dag_id: str):
    """The DAG as Airflow parses it from `dags/` (the real DAG files, not a copy)."""
    configure(settings)
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(settings.home / "dags"))
    if bag.import_errors:
        errors = "\n".join(f"{k}: {v}" for k, v in bag.import_errors.items())
        raise RuntimeError(f"DAG files failed to import:\n{errors}")
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise KeyError(
            f"no DAG {dag_id!r} in {settings.home / 'dags'}; known: {sorted(bag.dag_ids)}"
        )
    return dag


def run_dag(
    settings: Settings,
    dag_id: str,
    *,
    logical_date: datetime | None = None,
    conf: dict | None = None,
    logfile: Path | None = None,
) -> str:
    """Run one DAG run in this process with `dag.test`; returns its final state."""
    ensure_metadata_db(settings)
    with airflow_output_to(logfile):
        # parsing the DAG files logs too: into the log file with the run
        dag = get_dag(settings, dag_id)
        # Someone is waiting at the terminal: retry soon rather than after the scheduled delay.
        for t in dag.tasks:
            t.retry_delay = CLI_RETRY_DELAY
            t.retry_exponential_backoff = False
        run = dag.test(logical_date=logical_date, run_conf=conf)
    state = str(getattr(run, "state", "unknown"))
    if state != "success":
        hint = f" (log: {logfile})" if logfile else ""
        raise RuntimeError(f"DAG {dag_id} ended in state {state}{hint}")
    return state
