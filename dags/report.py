"""Airflow DAG `report`: the quarterly report, written when a quarter closes.

Each run owns one quarter in local time (CronDataIntervalTimetable on the first day of January,
April, July and October at 00:00 Asia/Ho_Chi_Minh). A sensor in reschedule mode (it holds no
worker slot between its hourly checks, for up to two days) waits until every source has loaded
the quarter's last day and the marts were rebuilt, then the DAG writes the quarter's report,
and the half-year's and the year's when the quarter completes one, in Vietnamese and English
under DATA_DIR/reports/. A manual run with the param `period` writes that period's report.
"""

from datetime import timedelta

from airflow.sdk import Param, PokeReturnValue, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from dti.config import LOCAL_TZ, load_settings
from dti.dags import DEFAULT_ARGS, START_DATE


@dag(
    dag_id="report",
    description="The quarterly report (and half-year, year) after each quarter closes",
    schedule=CronDataIntervalTimetable("0 0 1 1,4,7,10 *", timezone=str(LOCAL_TZ)),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["dti", "report"],
    params={
        "period": Param(
            "", type="string", description="report this period (2022-Q2, 2022-H1, 2022) instead"
        )
    },
)
def report():
    @task
    def periods() -> list[str]:
        from dti.report.schedule import periods_of_run

        context = get_current_context()
        return periods_of_run(
            context["params"].get("period"),
            context["data_interval_start"],
            context["data_interval_end"],
        )

    # waiting for the quarter's last nightly loads and the transform: checked every hour, the
    # worker slot given back in between; failed (and alerted) after two days
    @task.sensor(
        poke_interval=timedelta(hours=1).total_seconds(),
        timeout=timedelta(days=2).total_seconds(),
        mode="reschedule",
    )
    def wait_for_data(due: list[str]) -> PokeReturnValue:
        from dti.report.schedule import DataNotReady, check_ready
        from dti.warehouse import warehouse_url

        try:
            check_ready(warehouse_url(load_settings()), due)
        except DataNotReady as waiting:
            print(waiting)  # the task log says what it waits for
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value=due)

    @task(map_index_template="{{ period }}")  # the grid names each by its period
    def write(period: str) -> list[str]:
        from dti.report.schedule import write_reports

        get_current_context()["period"] = period

        return write_reports(load_settings(), period)

    write.expand(period=wait_for_data(periods()))


report()
