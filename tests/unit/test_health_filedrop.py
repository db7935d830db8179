"""Dirty health files through the real code path: the file-drop core picks them up, the health
parsers read them, landing pseudonymises, the GX suites judge them."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from dti.config import LOCAL_TZ
from dti.extract.files import inbox_dir, quarantine_dir
from dti.land import extract_and_land
from dti.records import Interval
from dti.simulator.health import HealthWorld
from dti.sources.health import CLAIMS, PAYMENTS
from dti.validate import ValidationFailed, validate_batch

from .conftest import make_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "health"


@pytest.fixture(scope="module")
def registry_codes() -> list[str]:
    return sorted(f.code for f in HealthWorld().facilities)


@pytest.fixture
def hsettings(tmp_path: Path):
    return make_settings(tmp_path)


def _drop(settings, entity, fixture: str, arrived: str, name: str | None = None) -> Path:
    folder = inbox_dir(settings, entity)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or fixture)
    shutil.copyfile(FIXTURES / fixture, path)
    ts = datetime.fromisoformat(arrived).replace(tzinfo=LOCAL_TZ).timestamp()
    os.utime(path, (ts, ts))
    return path


def _fates(batch) -> dict[str, str]:
    return {f["name"]: f["status"] for f in batch.files}


def test_same_csv_twice_loads_once_and_unknown_unit_fails_validation(hsettings, registry_codes):
    _drop(hsettings, PAYMENTS, "24001_20220301.csv", "2022-03-02T01:10")
    _drop(hsettings, PAYMENTS, "24001_20220301.csv", "2022-03-02T03:40", "24001_20220301 (1).csv")
    _drop(hsettings, PAYMENTS, "24099_20220301.csv", "2022-03-02T02:00")

    batch = extract_and_land(hsettings, "health", "payments", "2022-03-01")

    fates = _fates(batch)
    assert fates["24001_20220301.csv"] == "loaded"
    assert fates["24001_20220301 (1).csv"] == "duplicate"
    assert fates["24099_20220301.csv"] == "loaded"
    # the 23 other units under the department sent nothing: recorded, not fatal
    assert sorted(n for n, s in fates.items() if s == "missing") == [
        f"({code})" for code in (f"240{i:02d}" for i in range(2, 25))
    ]
    assert batch.rows == 4  # 3 transactions (BOM, blank line and totals row dropped) + 1

    with pytest.raises(ValidationFailed) as err:
        validate_batch(hsettings, batch, parameters={"known_unit_codes": registry_codes})
    assert "MaDonVi" in str(err.value) and "24099" in str(err.value)
    assert (hsettings.data_dir / "quarantine" / "health" / "payments" / batch.interval).is_dir()


def test_good_csv_passes_the_suite(hsettings, registry_codes):
    _drop(hsettings, PAYMENTS, "24001_20220301.csv", "2022-03-02T01:10")
    batch = extract_and_land(hsettings, "health", "payments", "2022-03-01")
    outcome = validate_batch(hsettings, batch, parameters={"known_unit_codes": registry_codes})
    assert outcome.success


def test_truncated_xml_is_quarantined_and_the_good_file_lands_pseudonymised(
    hsettings, registry_codes
):
    _drop(hsettings, CLAIMS, "24013_20220301.xml", "2022-03-02T02:00")
    _drop(hsettings, CLAIMS, "24013_20220302.xml", "2022-03-03T02:00")

    good = extract_and_land(hsettings, "health", "claims", "2022-03-01")
    cut = extract_and_land(hsettings, "health", "claims", "2022-03-02")

    assert _fates(good)["24013_20220301.xml"] == "loaded" and good.rows == 2
    assert _fates(cut)["24013_20220302.xml"] == "rejected" and cut.rows == 0
    reason = next(f["reason"] for f in cut.files if f["status"] == "rejected")
    assert "truncated" in reason
    bad = quarantine_dir(hsettings, CLAIMS, Interval.day("2022-03-02"))
    assert (bad / "24013_20220302.xml").is_file()

    # identity fields never land in clear: the parquet holds tokens, the suite checks them
    landed = good.parquet_path.read_bytes()
    for clear in (b"BN14991358", b"DN4248747480789", "Vũ Đức Đạt".encode(), "Thôn 17".encode()):
        assert clear not in landed
    outcome = validate_batch(hsettings, good, parameters={"known_facility_codes": registry_codes})
    assert outcome.success


def test_two_units_empty_exports_are_both_received(hsettings, tmp_path):
    """Closed on Sunday, two centres send the same header-only bytes: not duplicates."""
    header = FIXTURES / "24001_20220301.csv"
    empty = tmp_path / "empty.csv"
    empty.write_text(header.read_text("utf-8-sig").splitlines()[0] + "\n", encoding="utf-8")
    folder = inbox_dir(hsettings, PAYMENTS)
    folder.mkdir(parents=True, exist_ok=True)
    for unit in ("24021", "24022"):
        shutil.copyfile(empty, folder / f"{unit}_20220306.csv")
    batch = extract_and_land(hsettings, "health", "payments", "2022-03-06")
    fates = _fates(batch)
    assert fates["24021_20220306.csv"] == fates["24022_20220306.csv"] == "loaded"
    assert batch.rows == 0
