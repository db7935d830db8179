"""Two faults through `dti run` (Airflow's own DAG run of the nightly tasks), not the library
calls: a 503 burst with Retry-After on the day's dossiers, then the same day while another run
holds its lock."""

from __future__ import annotations

import pytest

from dti.locks import interval_locks
from dti.records import Interval
from dti.warehouse import warehouse_url

from .conftest import DAY, DOSSIERS, PAGE_SIZE
from .helpers import assert_as_fault_free, latest_audit, manifest

pytestmark = pytest.mark.slow


def _run(faults, check: bool = True):
    stack = faults.stack
    stack.env["DTI_HTTP_PAGE_SIZE"] = str(PAGE_SIZE)
    return stack.dti("run", "--date", DAY, "--source", "portal", "--no-transform", check=check)


def test_a_503_burst_under_airflow_is_retried_and_loads_the_day(faults):
    faults.fault(status=503, retry_after=1, fail_first=3, paths=[DOSSIERS], day=DAY)
    _run(faults)
    served = faults.clear()
    assert served == 3 and manifest(faults)["http_retries"] == 3
    assert_as_fault_free(
        faults,
        "HTTP 500/502/503 bursts, timeouts, connection resets",
        "test_a_503_burst_under_airflow_is_retried_and_loads_the_day",
        faults_injected=served,
        runs=1,
        runs_survived=1,
        retries_seen=3,
    )


def test_a_busy_interval_under_airflow_fails_clearly_and_loads_nothing(faults):
    before = latest_audit(faults)
    with interval_locks(warehouse_url(faults.settings), "portal", "dossiers", [Interval.day(DAY)]):
        result = _run(faults, check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "is being loaded by" in out, out[-3000:]
    assert latest_audit(faults) == before
    _run(faults)  # the other run done: the next run loads the day
    assert_as_fault_free(
        faults,
        "two runs of the same source interval at once",
        "test_a_busy_interval_under_airflow_fails_clearly_and_loads_nothing",
        faults_injected=1,
        runs=2,
        runs_survived=1,
    )
