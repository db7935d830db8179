"""Airflow DAG `range_load`: a range of local days for one source (`dti run --from/--to`,
`dti backfill`). One mapped task per chunk (a month by default); inside it every day is still
extracted, landed, validated and loaded as its own interval, as the nightly DAG does."""

from airflow.sdk import Param, dag, get_current_context, task

from dti.config import load_settings
from dti.dags import DEFAULT_ARGS, START_DATE, all_raw_assets, source_names


@dag(
    dag_id="range_load",
    description="Load a range of local days for one source (run --from/--to, backfill)",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["dti", "backfill"],
    params={
        "source": Param("portal", enum=source_names(), description="source system"),
        "from": Param("2022-01-01", type="string", format="date", description="first day"),
        "to": Param("2022-01-31", type="string", format="date", description="last day"),
        "chunk": Param("month", enum=["month", "week", "day"], description="days per task"),
        "skip_loaded": Param(False, type="boolean", description="leave days already loaded"),
    },
)
def range_load():
    @task
    def plan() -> list[dict]:
        from dti.pipeline import chunks

        params = get_current_context()["params"]
        return [
            {"source": params["source"], "skip_loaded": bool(params["skip_loaded"]), **chunk}
            for chunk in chunks(params["from"], params["to"], params["chunk"])
        ]

    # the grid names each mapped task by its days (2022-01-01..2022-01-31), not 0, 1, 2
    @task(outlets=all_raw_assets(), max_active_tis_per_dag=1, map_index_template="{{ days }}")
    def load_chunk(chunk: dict) -> dict:
        from airflow.exceptions import AirflowFailException

        from dti.pipeline import IntervalsQuarantined
        from dti.pipeline import load_chunk as load

        context = get_current_context()
        context["days"] = f"{chunk['first_day']}..{chunk['last_day']}"
        # A retry keeps the days this task already loaded.
        retried = context["ti"].try_number > 1
        try:
            return load(
                load_settings(),
                chunk["source"],
                chunk["first_day"],
                chunk["last_day"],
                skip_loaded=chunk["skip_loaded"] or retried,
            ).to_dict()
        except IntervalsQuarantined as err:
            raise AirflowFailException(str(err)) from err  # bad data: retrying cannot help

    load_chunk.expand(chunk=plan())


range_load()
