"""Loader throughput against a plain COPY of the same rows (set DTI_BENCH=1 to run; ~1 min).

DTI_BENCH=1 DTI_BENCH_ROWS=200000 pytest tests/unit/test_load_throughput.py -s
"""

from __future__ import annotations

import io
import os
import time
from datetime import date, timedelta

import psycopg
import pyarrow.parquet as pq
import pytest

from dti.extract import Extraction
from dti.land import land
from dti.load import META_COLUMNS, load_batch, raw_table_ddl
from dti.pseudonymise import pseudonymise_records
from dti.records import Interval
from dti.sources import get_entity

from .conftest import make_settings
from .portal_data import dossiers

pytestmark = pytest.mark.skipif(not os.environ.get("DTI_BENCH"), reason="set DTI_BENCH=1")

ROWS = int(os.environ.get("DTI_BENCH_ROWS", "200000"))


def _copy_text(value: str | None) -> str:
    if value is None:
        return "\\N"
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def test_loader_vs_plain_copy(tmp_path, dsn):
    entity = get_entity("portal", "dossiers")
    day = Interval.day("2022-01-05")
    records = []
    for k in range(ROWS // 10_000 + 1):
        d = (date(2022, 1, 5) - timedelta(days=k)).isoformat()
        records += dossiers(d, 10_000, seed=k)
    records = records[:ROWS]
    settings = make_settings(tmp_path)
    records = pseudonymise_records(records, entity.personal, settings.pseudonym_key)
    batch = land(settings, Extraction(entity, day, records, len(records), 1, day.start, day.start))

    # The baseline: the same rows, already as COPY text, streamed into an identical table.
    table = pq.read_table(batch.parquet_path)
    meta = [batch.batch_id, batch.interval_start, batch.interval_end, batch.extract_finished_at]
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    buf = io.StringIO()
    for row in zip(*columns, strict=True):
        buf.write("\t".join(_copy_text(v) for v in (*row, *meta)) + "\n")
    data = buf.getvalue().encode()
    names = ", ".join(f'"{c}"' for c in (*entity.field_names, *META_COLUMNS))
    with psycopg.connect(dsn) as conn:
        conn.execute("create schema bench")
        ddl = raw_table_ddl(entity).as_string(conn).replace('"raw"', '"bench"')
        conn.execute(ddl)
        conn.commit()

    def plain_copy() -> float:
        with psycopg.connect(dsn) as conn:
            conn.execute("truncate bench.portal__dossiers")
            started = time.perf_counter()
            with conn.cursor() as cur:
                with cur.copy(f"copy bench.portal__dossiers ({names}) from stdin") as cp:
                    for i in range(0, len(data), 1 << 20):
                        cp.write(data[i : i + (1 << 20)])
            conn.commit()
            return time.perf_counter() - started

    def loader(fresh: bool) -> float:
        if fresh:
            with psycopg.connect(dsn) as conn:
                conn.execute("drop table if exists raw.portal__dossiers")
        started = time.perf_counter()
        assert load_batch(dsn, batch).rows == ROWS
        return time.perf_counter() - started

    # Best of three, interleaved: the machine is shared and single timings are noisy.
    first, replace, plain = [], [], []
    for _ in range(3):
        first.append(loader(fresh=True))  # into an empty table
        replace.append(loader(fresh=False))  # deleting the interval's 200k rows, then COPY
        plain.append(plain_copy())
    mb = len(data) / 1e6
    print(
        f"\n{ROWS} dossier rows ({mb:.0f} MB as COPY text), best of 3 (all runs in brackets):\n"
        f"  plain COPY of prepared text: {ROWS / min(plain):,.0f} rows/s {_runs(plain)}\n"
        f"  loader, first load:          {ROWS / min(first):,.0f} rows/s {_runs(first)}\n"
        f"  loader, replacing the day:   {ROWS / min(replace):,.0f} rows/s {_runs(replace)}"
    )


def _runs(seconds: list[float]) -> str:
    return "[" + ", ".join(f"{t:.1f}s" for t in seconds) + "]"
