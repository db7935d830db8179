"""DAG factories: the DAG files in `dags/` are one call each.

- `nightly_dag(source)`: daily at 01:00 local; each run owns the local day [start, end) before it
  (CronDataIntervalTimetable) and, per entity, extracts and lands, validates, then loads it; the
  load emits the entity's raw Asset.
- `range_dag()`: triggered by hand (or `dti run --from/--to`, `dti backfill`) with Params source,
  from, to; one mapped task per chunk (a month), each landing and loading day by day.
- `transform_dag()`: scheduled on the raw Assets; dbt through astronomer-cosmos, each model a task
  with its tests after it.

Nothing here touches the network, the warehouse or the file system when a DAG file is parsed.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from dti.config import LOCAL_TZ, PROJECT_ROOT, load_settings
from dti.sources import EntityMode, Source, get_source, source_names

START_DATE = pendulum.datetime(2022, 1, 1, tz=str(LOCAL_TZ))
DEFAULT_ARGS = {
    "owner": "dti-data-team",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
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
            "trigger it with a logical date at 01:00 local"
        )
    return start.date().isoformat()


def nightly_dag(source: Source):
    snapshots = [e for e in source.entities.values() if e.mode is EntityMode.SNAPSHOT]
    incrementals = [e for e in source.entities.values() if e.mode is EntityMode.INCREMENTAL]

    @dag(
        dag_id=f"nightly_{source.name}",
        description=f"Nightly load of the {source.name} source: one local day per run",
        schedule=CronDataIntervalTimetable("0 1 * * *", timezone=str(LOCAL_TZ)),
        start_date=START_DATE,
        catchup=False,
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
                from dti import stages

                return stages.land(load_settings(), source.name, entity_name, day)

            @task(task_id=f"validate_{entity.name}")
            def validate(batch: dict) -> dict:
                from dti import stages

                return stages.validate(load_settings(), batch)

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

    return nightly()


def range_dag():
    sources = [s.name for s in _sources()]
    outlets = [raw_asset(s.name, e) for s in _sources() for e in s.entities]

    @dag(
        dag_id="range_load",
        description="Load a range of local days for one source (dti run --from/--to, backfill)",
        schedule=None,
        start_date=START_DATE,
        catchup=False,
        default_args=DEFAULT_ARGS,
        tags=["dti", "backfill"],
        params={
            "source": Param(sources[0], enum=sources, description="source system"),
            "from": Param("2022-01-01", type="string", format="date", description="first day"),
            "to": Param("2022-01-31", type="string", format="date", description="last day"),
            "chunk": Param("month", enum=["month", "week", "day"], description="days per task"),
            "skip_loaded": Param(
                False, type="boolean", description="leave days whose last load succeeded"
            ),
        },
    )
    def range_load():
        @task
        def plan() -> list[dict]:
            from dti.pipeline import chunks

            params = get_current_context()["params"]
            return [
                {"source": params["source"], "skip_loaded": bool(params["skip_loaded"]), **c}
                for c in chunks(params["from"], params["to"], params["chunk"])
            ]

        @task(outlets=outlets, max_active_tis_per_dag=1)
        def load_chunk(chunk: dict) -> dict:
            from dti.pipeline import load_chunk as run

            return run(
                load_settings(), chunk["source"], chunk["first_day"], chunk["last_day"],
                skip_loaded=chunk.get("skip_loaded", False),
            ).to_dict()

        load_chunk.expand(chunk=plan())

    return range_load()


def transform_dag():
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import InvocationMode, LoadMode, TestBehavior

    assets = [raw_asset(s.name, e) for s in _sources() for e in s.entities]
    schedule = assets[0]
    for asset in assets[1:]:
        schedule = schedule | asset

    @dag(
        dag_id="transform",
        description="dbt: staging, marts and indicators, after any raw table changes",
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args={**DEFAULT_ARGS, "retries": 1},
        tags=["dti", "dbt"],
    )
    def transform():
        DbtTaskGroup(
            group_id="dbt",
            project_config=ProjectConfig(
                dbt_project_path=DBT_PROJECT_DIR,
                manifest_path=DBT_PROJECT_DIR / "target" / "manifest.json",
            ),
            profile_config=ProfileConfig(
                profile_name="dti",
                target_name="warehouse",
                profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
            ),
            execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
            render_config=RenderConfig(
                load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.AFTER_EACH
            ),
            operator_args={"install_deps": False},
        )

    return transform()
