"""Airflow DAG `transform`: dbt (staging, marts and indicators) through astronomer-cosmos,
scheduled whenever a load changes a raw Asset.

Cosmos' watcher mode: one task (`dbt.dbt_producer_watcher`) runs a single `dbt build` of the
whole project, and every model (and its tests) keeps its own task, which reports that node's
outcome from the build. One dbt start-up instead of one per model: on the H1 warehouse, a
transform after one new night took 162 s per model and 118 s this way (the `dbt build` itself:
68 s). A failing model or test fails its own task; dbt skips what depends on it; a retried model
task builds its model alone. Then `source_freshness` runs dbt's source freshness (dti.freshness).
"""

from airflow.sdk import Param, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from dti.dags import DBT_PROJECT_DIR, DEFAULT_ARGS, START_DATE, any_raw_asset
from dti.freshness import dbt_executable

PRODUCER = "dbt.dbt_producer_watcher"
DBT_EXECUTABLE = dbt_executable()


@dag(
    dag_id="transform",
    description="dbt: staging, marts and indicators, after any raw table changes",
    schedule=any_raw_asset(),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 1},
    tags=["dti", "dbt"],
    # incremental models (the large staging tables) rebuild what changed; a run with
    # {"full_refresh": true} (`dti transform --full-refresh`) rebuilds them from raw
    params={"full_refresh": Param(False, type="boolean", description="dbt --full-refresh")},
)
def transform():
    group = DbtTaskGroup(
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
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=DBT_EXECUTABLE,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # a model's task, then a task for its tests (the build runs them in that order)
            test_behavior=TestBehavior.AFTER_EACH,
            # a test of two models reports with each of them (a detached test task is never
            # given its outcome by the watcher's build)
            should_detach_multiple_parents_tests=False,
        ),
        operator_args={
            "install_deps": False,
            "full_refresh": "{{ params.full_refresh }}",
            # the model tasks read the outcome the build left; they wait in place, not in a
            # triggerer (`dti run` and `dag.test` have none)
            "deferrable": False,
            "poke_interval": 2,
            # dbt's own log stays in the project (the build runs in a temporary copy of it)
            "env": {"DBT_LOG_PATH": str(DBT_PROJECT_DIR / "logs")},
        },
    )
    # The model tasks start once the build has finished (or failed: then each reports its own
    # node). Cosmos leaves a task group's model tasks unordered, relying on a parallel scheduler;
    # run one at a time (`dag.test`), a model task could wait for a build that never starts.
    producer = group.children[PRODUCER]
    for node in _tasks(group):
        if node is not producer and not node.upstream_task_ids:
            producer >> node
            node.trigger_rule = "all_done"

    # dbt's own source freshness once the build has run (or failed): warnings and errors become
    # alerts, `dti status` shows the result (dti.freshness)
    @task(trigger_rule="all_done")
    def source_freshness() -> list[str]:
        from dti.config import load_settings
        from dti.freshness import check

        return [r.describe() for r in check(load_settings())]

    # after the build, beside the model tasks (which stay the run's leaves: a failed model
    # still fails the run)
    producer >> source_freshness()


def _tasks(group):
    for child in group.children.values():
        if hasattr(child, "children"):
            yield from _tasks(child)
        else:
            yield child


transform()
