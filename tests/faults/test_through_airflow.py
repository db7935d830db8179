"""A fault through `dti run` (Airflow's own DAG run of the nightly tasks), not the library calls:
a 503 burst with Retry-After on the day's dossiers. (A busy interval under Airflow is
tests/unit/test_ops.py's; here it costs 90 s of CI for the same lock.)"""

from __future__ import annotations

import pytest

from .conftest import DAY, DOSSIERS, PAGE_SIZE
from .helpers import assert_as_fault_free, manifest

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
