"""Fixtures of the dbt project tests: see dbt_warehouse.py."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from .dbt_warehouse import DbtWarehouse, start_warehouse

# The ops ledgers of a few loads, as the pipeline would leave them: source_completeness and
# data_quality_issues are built from them.
OPS_ROWS = """
insert into ops.load_audit (batch_id, source, entity, interval_start, interval_end, rows, status,
    validation_outcome, started_at, finished_at, error)
values
    -- loaded by the nightly run: on time
    ('b1', 'portal', 'dossiers', '2022-01-05 00:00+07', '2022-01-06 00:00+07', 10, 'loaded',
     'passed', '2022-01-06 00:05+07', '2022-01-06 00:10+07', null),
    -- loaded by a backfill days later: received, not on time
    ('b2', 'portal', 'dossiers', '2022-01-06 00:00+07', '2022-01-07 00:00+07', 10, 'loaded',
     'passed', '2022-01-09 10:00+07', '2022-01-09 10:05+07', null),
    -- quarantined and never loaded: missing, and an open issue
    ('b3', 'portal', 'dossiers', '2022-01-07 00:00+07', '2022-01-08 00:00+07', 12, 'quarantined',
     'failed', '2022-01-08 00:05+07', '2022-01-08 00:06+07',
     'validation failed: expect_column_values_to_be_in_set(KenhThucHien)');
insert into ops.file_receipts (source, entity, period_start, period_end, unit, file_name,
    sha256, arrived_at, status, rows, reason, batch_id)
values
    ('health', 'claims', '2022-01-01 00:00+07', '2022-02-01 00:00+07', 'H1', 'H1_202201.xml',
     'a', '2022-02-01 00:30+07', 'loaded', 5, null, 'f1'),
    ('health', 'claims', '2022-01-01 00:00+07', '2022-02-01 00:00+07', 'H2', 'H2_202201.xml',
     'b', '2022-02-03 09:00+07', 'loaded', 5, null, 'f1'),
    ('health', 'claims', '2022-01-01 00:00+07', '2022-02-01 00:00+07', 'H3', '(none)',
     null, null, 'missing', null, null, 'f1'),
    ('health', 'claims', '2022-01-01 00:00+07', '2022-02-01 00:00+07', 'H4', 'H4_202201.xml',
     'c', '2022-01-31 17:00+07', 'rejected', null, 'truncated XML at line 12', 'f1');
"""


@pytest.fixture(scope="session")
def warehouse() -> Iterator[DbtWarehouse]:
    # not under pytest's tmp_path: its parents are private to root, and the server runs as
    # another system user when the tests run as root
    base = Path(tempfile.mkdtemp(prefix="dti-dbt-"))
    try:
        with start_warehouse(base) as started:
            yield started
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def built(warehouse: DbtWarehouse) -> DbtWarehouse:
    """The fixture warehouse with the ops rows, built once by `dbt build` (models, seeds, unit
    and data tests) for every dbt test module: a build takes minutes, mostly dbt's own work per
    node. Tests that change the data run last (test_service_index's revisions test)."""
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{warehouse.port}/dti") as conn:
        conn.execute(OPS_ROWS)
    result = warehouse.dbt("build")
    assert result.returncode == 0, result.stdout[-6000:]
    return warehouse
