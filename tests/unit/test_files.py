"""The file-drop core (dti.extract.files) through the real land and load code: duplicates, a
re-sent file, a rejected file, a missing unit, a late file re-landing its day, the receipts."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from dti import sources
from dti.config import LOCAL_TZ
from dti.extract.files import archive_dir, inbox_dir, pending_periods, quarantine_dir
from dti.land import extract_and_land, land_file_periods
from dti.load import load_batch
from dti.records import Interval

from . import filedrop_source
from .conftest import TEST_KEY, make_settings
from .filedrop_source import READINGS

DAY = "2022-03-01"


@pytest.fixture(autouse=True)
def _register(monkeypatch):
    monkeypatch.setitem(sources._SOURCE_MODULES, "droptest", filedrop_source.__name__)


@pytest.fixture
def fsettings(tmp_path: Path):
    return make_settings(tmp_path)


def _drop(settings, name: str, rows: list[tuple], arrived: str, text: str | None = None) -> Path:
    folder = inbox_dir(settings, READINGS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if text is None:
        text = "unit;reading_id;value;owner\n" + "".join(";".join(r) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")
    ts = datetime.fromisoformat(arrived).replace(tzinfo=LOCAL_TZ).timestamp()
    os.utime(path, (ts, ts))
    return path


def _fates(batch) -> dict[str, str]:
    return {f["name"]: f["status"] for f in batch.files}


def test_a_period_lands_every_file_once_and_explains_the_others(fsettings):
    _drop(
        fsettings,
        "readings_AAA_20220301.csv",
        [("AAA", "a1", "5", "Nguyễn Văn A")],
        "2022-03-02T00:10",
    )
    # the same content under another name: not loaded twice
    _drop(
        fsettings,
        "readings_AAA_20220301_copy.csv",
        [("AAA", "a1", "5", "Nguyễn Văn A")],
        "2022-03-02T00:20",
    )
    # a unit re-sends a corrected file: the later one wins
    _drop(
        fsettings, "readings_BBB_20220301.csv", [("BBB", "b1", "7", "Trần B")], "2022-03-02T00:05"
    )
    _drop(
        fsettings,
        "readings_BBB_20220301_copy.csv",
        [("BBB", "b1", "8", "Trần B")],
        "2022-03-02T09:00",
    )
    # CCC sends nothing; DDD sends a truncated file
    _drop(
        fsettings,
        "readings_DDD_20220301.csv",
        [],
        "2022-03-02T00:30",
        text="unit;reading_id;value;owner\nDDD;d1\n",
    )

    batch = extract_and_land(fsettings, "droptest", "readings", DAY)

    assert batch.rows == 2
    assert _fates(batch) == {
        "readings_AAA_20220301.csv": "loaded",
        "readings_AAA_20220301_copy.csv": "duplicate",
        "readings_BBB_20220301.csv": "replaced",
        "readings_BBB_20220301_copy.csv": "loaded",
        "readings_DDD_20220301.csv": "rejected",
        "(CCC)": "missing",
    }
    rejected = next(f for f in batch.files if f["status"] == "rejected")
    assert "row 2" in rejected["reason"]
    # the inbox is empty; the files are archived or quarantined with their reason
    assert not list(inbox_dir(fsettings, READINGS).iterdir())
    period = Interval.day(DAY)
    archived = sorted(
        p.name for p in archive_dir(fsettings, READINGS, period).iterdir() if p.is_file()
    )
    assert archived == ["readings_AAA_20220301.csv", "readings_BBB_20220301_copy.csv"]
    bad = quarantine_dir(fsettings, READINGS, period)
    assert (bad / "readings_DDD_20220301.csv.reason.txt").read_text().startswith("readings_DDD")
    # personal data pseudonymised before landing; the file columns added
    landed = batch.parquet_path.read_bytes()
    assert "Nguyễn".encode() not in landed and "Trần".encode() not in landed
    assert batch.fields[-2:] == ["_file", "_file_sha256"]


def test_a_late_file_relands_its_own_day_and_receipts_follow(fsettings, dsn):
    _drop(fsettings, "readings_AAA_20220301.csv", [("AAA", "a1", "5", "x")], "2022-03-02T00:10")
    first = extract_and_land(fsettings, "droptest", "readings", DAY)
    load_batch(dsn, first)
    assert pending_periods(fsettings, READINGS, datetime(2022, 3, 3, tzinfo=LOCAL_TZ)) == []

    # BBB's file for 1 March arrives two days late; the run of 3 March picks it up
    _drop(
        fsettings,
        "readings_BBB_20220301.csv",
        [("BBB", "b1", "7", "y"), ("BBB", "b2", "1", "z")],
        "2022-03-03T10:00",
    )
    batches = land_file_periods(fsettings, "droptest", "readings", "2022-03-03")
    assert [b.interval for b in batches] == ["2022-03-01", "2022-03-03"]
    for batch in batches:
        load_batch(dsn, batch)

    with psycopg.connect(dsn) as conn:
        per_day = conn.execute(
            "select (_interval_start at time zone 'Asia/Ho_Chi_Minh')::date, count(*), "
            'count(distinct reading_id) from raw."droptest__readings" group by 1 order by 1'
        ).fetchall()
        receipts = conn.execute(
            "select (period_start at time zone 'Asia/Ho_Chi_Minh')::date, unit, status, rows "
            "from ops.file_receipts where source = 'droptest' order by 1, 2"
        ).fetchall()
    assert [(str(d), n, k) for d, n, k in per_day] == [("2022-03-01", 3, 3)]
    assert [(str(d), u, s, r) for d, u, s, r in receipts] == [
        ("2022-03-01", "AAA", "loaded", 1),
        ("2022-03-01", "BBB", "loaded", 2),
        ("2022-03-01", "CCC", "missing", None),
        ("2022-03-03", "AAA", "missing", None),
        ("2022-03-03", "BBB", "missing", None),
        ("2022-03-03", "CCC", "missing", None),
    ]


def test_landing_a_period_again_reads_the_archive(fsettings):
    _drop(fsettings, "readings_AAA_20220301.csv", [("AAA", "a1", "5", "x")], "2022-03-02T00:10")
    once = extract_and_land(fsettings, "droptest", "readings", DAY)
    again = extract_and_land(fsettings, "droptest", "readings", DAY)
    assert again.rows == once.rows == 1
    assert again.batch_id == once.batch_id


def test_key_is_the_test_key(fsettings):
    assert fsettings.pseudonym_key == TEST_KEY.encode()
