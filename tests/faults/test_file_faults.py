"""File faults on a health day already loaded: a unit's file sent again (duplicate), a re-send cut
short (truncated XML), a corrupt XML, an empty file and a CSV with the wrong layout arrive late
for the day; the run lands what it can, rejects the rest with reasons (ops.file_receipts), and the
day's rows in raw stay exactly the fault-free run's. (The workbook sources' wrong sheet layouts
are tested file by file in tests/unit/test_education_workbook.py.)"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from dti import pipeline
from dti.extract.files import archive_dir, inbox_dir
from dti.records import Interval
from dti.sources import get_entity

from .conftest import DAY

pytestmark = pytest.mark.slow

TABLES = ("health__claims", "health__payments")


def _health_raw(faults) -> dict[str, str]:
    out = {}
    for table in TABLES:
        cols = [
            c
            for (c,) in faults.stack.query(
                "select column_name from information_schema.columns where table_schema = 'raw'"
                " and table_name = %s and column_name not in ('_loaded_at', '_extracted_at') "
                "order by ordinal_position",
                (table,),
            )
        ]
        select = ", ".join(f'"{c}"' for c in cols)
        out[table] = faults.stack.scalar(
            "select count(*) || ':' || coalesce(md5(string_agg(r::text, '|' order by r::text)),"
            f" '') from (select {select} from raw.{table} where _interval_start = %s) r",
            (Interval.day(DAY).start,),
        )
    return out


def test_damaged_and_late_files_harm_nothing_already_loaded(faults):
    settings = faults.settings
    baseline = _health_raw(faults)  # the health day delivered and loaded fault-free (conftest)
    assert all(not v.startswith("0:") for v in baseline.values()), baseline

    period = Interval.day(DAY)
    claims, payments = get_entity("health", "claims"), get_entity("health", "payments")
    xmls = sorted(p for p in archive_dir(settings, claims, period).iterdir() if p.is_file())
    csvs = sorted(p for p in archive_dir(settings, payments, period).iterdir() if p.is_file())
    assert len(xmls) >= 3 and csvs
    inbox_c, inbox_p = inbox_dir(settings, claims), inbox_dir(settings, payments)
    inbox_c.mkdir(parents=True, exist_ok=True)
    inbox_p.mkdir(parents=True, exist_ok=True)
    stem = [p.name.removesuffix(".xml") for p in xmls]
    shutil.copy(xmls[0], inbox_c / f"{stem[0]} (7).xml")  # duplicated
    data = xmls[1].read_bytes()
    (inbox_c / f"{stem[1]} (7).xml").write_bytes(data[: len(data) // 2])  # truncated
    (inbox_c / f"{stem[2]} (7).xml").write_bytes(b"<?xml version='1.0'?><GIAMDINHHS><<<\xff")
    (inbox_p / f"{csvs[0].name.removesuffix('.csv')} (7).csv").write_bytes(b"")  # empty
    (inbox_p / f"{csvs[-1].name.removesuffix('.csv')} (8).csv").write_text(
        "cot_a;cot_b\n1;2\n", encoding="utf-8"
    )  # wrong layout
    later = time.time()
    for p in [*inbox_c.iterdir(), *inbox_p.iterdir()]:
        os.utime(p, (later, later))  # they arrive after the day was loaded: late

    try:
        pipeline.load_chunk(settings, "health", DAY, DAY)
        error = None
    except Exception as exc:  # a rejected file may fail its day's validation: reported
        error = exc
    receipts = faults.stack.query(
        "select file_name, status, reason from ops.file_receipts "
        "where source = 'health' and (file_name like '%%(7)%%' or file_name like '%%(8)%%')"
    )
    fates = {name: status for name, status, _ in receipts}
    assert _health_raw(faults) == baseline, f"loaded rows changed ({error}); receipts {fates}"
    assert fates, "the late files have no receipt"
    faults.ledger.add(
        "files: late, duplicated, truncated, corrupt XML, wrong sheet layout, empty file",
        "test_damaged_and_late_files_harm_nothing_already_loaded",
        faults_injected=5,
        runs=2,
        runs_survived=2 if error is None else 1,
        rows_compared=sum(int(v.split(":")[0]) for v in baseline.values()),
        rows_lost=0,
        rows_duplicated=0,
        file_fates=fates,
    )
