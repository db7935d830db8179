"""Airflow DAG `transform`: dbt (staging, marts, indicators) through astronomer-cosmos, each model
a task that builds it and then runs its tests, scheduled whenever a load changes a raw Asset."""

from airflow.sdk import Param, dag
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior

from dti.dags import DBT_PROJECT_DIR, DEFAULT_ARGS, START_DATE, any_raw_asset


@dag(
    dag_id="transform",
    description="dbt: staging, marts and indicators, after any raw table changes",
    schedule=any_raw_asset(),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 1},
    tags=["dti", "dbt"],
    # incremental models (the dossier staging) rebuild what changed; a run with
    # {"full_refresh": true} (`dti transform --full-refresh`) rebuilds them from raw
    params={"full_refresh": Param(False, type="boolean", description="dbt --full-refresh")},
)
def transform():
    DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            # Rendering from the manifest runs no dbt command when this file is parsed.
            manifest_path=DBT_PROJECT_DIR / "target" / "manifest.json",
        ),
        profile_config=ProfileConfig(
            profile_name="dti",
            target_name="dev",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # `dbt build --select <model>`: its unit tests, the model, then its data tests, in one
            # task; a failing test fails the task and nothing downstream runs.
            test_behavior=TestBehavior.BUILD,
            # A relationships test runs once both of its models are built.
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={"install_deps": False, "full_refresh": "{{ params.full_refresh }}"},
    )


transform()
