"""What the DAG files share: defaults, the raw tables' Assets, and the nightly DAG factory.

`nightly_dag(source)` builds `nightly_<source>`: daily at 00:00 local, each run owning the local
day [start, end) before it (CronDataIntervalTimetable); per entity it extracts and lands,
validates, then loads, and the load emits the entity's raw Asset. The four sources' nightly DAGs
are alike, so they come from this one factory and the source registry.

Nothing here touches the network, the warehouse or the file system when a DAG file is parsed.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from dti.config import LOCAL_TZ, PROJECT_ROOT, load_settings
from dti.sources import EntityMode, Source, get_source, source_names

START_DATE = pendulum.datetime(2022, 1, 1, tz=str(LOCAL_TZ))


def _on_failure(context) -> None:
    from dti.alerts import on_task_failure

    on_task_failure(context)


DEFAULT_ARGS = {
    "owner": "dti-data-team",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    # a task that fails for good is written to ops.alerts (and a webhook / e-mail if configured)
    "on_failure_callback": _on_failure,
}
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def _sources() -> list[Source]:
    return [get_source(name) for name in source_names()]


def raw_asset(source: str, entity: str) -> Asset:
    """The Asset a load emits: one raw table of the warehouse."""
    return Asset(name=f"raw.{source}__{entity}", uri=f"dti://warehouse/raw/{source}__{entity}")


def _local_day_of(context) -> str:
    start = context["data_interval_start"].in_timezone(str(LOCAL_TZ))
    end = context["data_interval_end"].in_timezone(str(LOCAL_TZ))
    if (end - start) != timedelta(days=1) or start.hour or start.minute:
        raise ValueError(
            f"a nightly run must own exactly one local day, got [{start}, {end}); "
            "trigger it with a logical date at 00:00 local (the end of the day it loads)"
        )
    return start.date().isoformat()


def _local_midnight(day) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, tz=str(LOCAL_TZ))


def _nightly_start(source: Source | None = None) -> dict:
    """When the scheduler's nightly runs begin. Without DTI_CATCHUP_FROM, no catch-up: a
    scheduler started today runs the last closed day (yesterday) and then each night as it
    closes; with it, every night from that day on (a new deployment that wants last month).
    A source instance's lifetime bounds them: no night before its ``since``, none after its
    ``until`` (a system retired by the merger is not run, nor reported stale)."""
    first = load_settings().catchup_from
    if first is None:
        window = {"start_date": START_DATE, "catchup": False}
    else:
        window = {"start_date": _local_midnight(first), "catchup": True}
    if source is not None and source.since is not None:
        window["start_date"] = max(window["start_date"], _local_midnight(source.since))
    if source is not None and source.until is not None:
        # the run of the last day starts as it closes: midnight after it
        window["end_date"] = _local_midnight(source.until).add(days=1)
        # a catch-up that starts after the system's end runs none of its nights
        window["start_date"] = min(window["start_date"], window["end_date"])
    return window


def nightly_dag(source: Source):
    snapshots = [e for e in source.entities.values() if e.mode is EntityMode.SNAPSHOT]
    incrementals = [e for e in source.entities.values() if e.mode is EntityMode.INCREMENTAL]
    file_drops = [e for e in source.entities.values() if e.mode is EntityMode.FILES]

    @dag(
        dag_id=f"nightly_{source.name}",
        description=f"Nightly load of the {source.name} source: one local day per run",
        # The data interval runs between two cron times, so the cron is midnight: each run owns
        # [00:00, 24:00) of one local day and starts as that day closes. (A 01:00 start with the
        # same interval needs a custom timetable plugin; not done yet.)
        schedule=CronDataIntervalTimetable("0 0 * * *", timezone=str(LOCAL_TZ)),
        **_nightly_start(source),
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["dti", "nightly", source.name],
    )
    def nightly():
        @task
        def day_of_run() -> str:
            return _local_day_of(get_current_context())

        day = day_of_run()
        previous = None
        # Catalogues first: the dossiers' suite checks procedure codes against them.
        for entity in [*snapshots, *incrementals]:

            @task(task_id=f"land_{entity.name}")
            def land(day: str, entity_name: str = entity.name) -> dict:
                from airflow.exceptions import AirflowFailException

                from dti import stages
                from dti.extract.http import SourceRetiredError

                try:
                    return stages.land(load_settings(), source.name, entity_name, day)
                except SourceRetiredError as err:
                    raise AirflowFailException(str(err)) from err  # 410 Gone: no retry

            @task(task_id=f"validate_{entity.name}")
            def validate(batch: dict) -> dict:
                from airflow.exceptions import AirflowFailException

                from dti import stages
                from dti.validate import ValidationFailed

                try:
                    return stages.validate(load_settings(), batch)
                except ValidationFailed as err:
                    raise AirflowFailException(str(err)) from err  # bad data: no retry

            @task(task_id=f"load_{entity.name}", outlets=[raw_asset(source.name, entity.name)])
            def load(batch: dict, outcome: dict) -> dict:
                from dti import stages

                return stages.load(load_settings(), batch, outcome)

            landed = land(day)
            checked = validate(landed)
            loaded = load(landed, checked)
            if previous is not None:
                previous >> landed
            previous = loaded

        # File drops: a run may land several periods (its own, and earlier ones late files came
        # for), so each period is checked and loaded by its own mapped task instance: a bad
        # period is quarantined without holding back the others.
        for entity in file_drops:

            @task(task_id=f"land_{entity.name}")
            def land_files(day: str, entity_name: str = entity.name) -> list[dict]:
                from dti import stages

                return stages.land_files(load_settings(), source.name, entity_name, day)

            @task(
                task_id=f"validate_load_{entity.name}",
                outlets=[raw_asset(source.name, entity.name)],
                map_index_template="{{ period }}",  # the grid names each by its period
            )
            def validate_load(batch: dict) -> dict:
                from airflow.exceptions import AirflowFailException

                from dti import stages
                from dti.validate import ValidationFailed

                get_current_context()["period"] = batch.get("interval", "")

                try:
                    return stages.validate_and_load(load_settings(), batch)
                except ValidationFailed as err:
                    raise AirflowFailException(str(err)) from err  # bad data: no retry

            landed = land_files(day)
            loaded = validate_load.expand(batch=landed)
            if previous is not None:
                previous >> landed
            previous = loaded

    return nightly()


def all_raw_assets() -> list[Asset]:
    return [raw_asset(s.name, e) for s in _sources() for e in s.entities]


def any_raw_asset():
    """A schedule that fires when any raw table's Asset is updated."""
    assets = all_raw_assets()
    schedule = assets[0]
    for asset in assets[1:]:
        schedule = schedule | asset
    return schedule
