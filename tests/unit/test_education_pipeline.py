"""Education workbooks through the real file-drop path: simulator delivery into an inbox, the
core's extraction with our parser, landing, and the real GX suites (clean month passes; a
workbook without its code column is rejected by name; cashless above total and a school missing
from the registry fail their expectations)."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest

from dti.config import LOCAL_TZ
from dti.extract.files import inbox_dir
from dti.land import land_file_periods
from dti.simulator import education as edu
from dti.sources import get_entity
from dti.validate import ValidationFailed, reference_parameters, validate_batch

from .conftest import make_settings
from .test_education_workbook import SCHOOL_A, USUAL, write_report


@pytest.fixture(scope="module")
def world() -> edu.EducationWorld:
    return edu.EducationWorld()


def _land(settings, entity: str, first: str, end: str) -> list:
    return land_file_periods(settings, "education", entity, first, end)


def test_a_delivered_month_lands_and_passes_its_suites(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    edu.deliver(settings.inbox, date(2022, 1, 1), date(2022, 1, 31))
    registry = _land(settings, "school_registry", "2022-01-01", "2022-02-01")
    # December's registry and workbooks arrived in January: the run lands them too
    assert [b.interval for b in registry] == ["2021-12", "2022-01"]
    for batch in registry:
        validate_batch(settings, batch)
    reports = _land(settings, "school_reports", "2022-01-01", "2022-02-01")
    assert [b.rows for b in reports] == [789, 789]
    params = reference_parameters(settings, "education", "school_reports")
    assert len(params["registry_school_codes"]) == 789
    for batch in reports:
        outcome = validate_batch(settings, batch, parameters=params)
        assert outcome.success
        assert sorted(f["status"] for f in batch.files) == ["loaded"] * 10


def _dirty_month(settings, world: edu.EducationWorld) -> None:
    """February 2022 with three dirty workbooks among clean ones."""
    month = date(2022, 2, 1)
    folder = inbox_dir(settings, get_entity("education", "school_reports"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder.parent / "school_registry").mkdir(parents=True, exist_ok=True)
    reg = folder.parent / "school_registry" / "DanhMucTruong_So24_202202.xlsx"
    reg.write_bytes(edu.registry_workbook(world.registry_rows(month), month))
    for district in ("213", "215", "216"):
        rows = world.report_rows(district, month)
        if district == "215":
            rows[0] = {**rows[0], "SoLuotKhongTienMat": rows[0]["SoLuotThuHocPhi"] + 1}
            rows.append({**rows[1], "MaTruong": "24215999", "TenTruong": "Trường không có"})
        data = edu.report_workbook(
            rows, district=district, district_name=f"Huyện {district}", month=month
        )
        (folder / f"PGD_{district}_BaoCaoCDS_202202.xlsx").write_bytes(data)
    # 217's export lost its code column
    header = [h for h in USUAL if h[1] != "Mã trường"]
    write_report(
        folder / "PGD_217_BaoCaoCDS_202202.xlsx",
        [[v for i, v in enumerate(SCHOOL_A) if i != 1]],
        header=header,
    )
    stamp = datetime(2022, 3, 5, 9, tzinfo=LOCAL_TZ).timestamp()
    for path in folder.parent.rglob("*.xlsx"):
        os.utime(path, (stamp, stamp))


def test_dirty_workbooks_are_rejected_or_fail_by_name(tmp_path: Path, world) -> None:
    settings = make_settings(tmp_path)
    _dirty_month(settings, world)
    (registry,) = _land(settings, "school_registry", "2022-02-01", "2022-03-01")
    validate_batch(settings, registry)
    (batch,) = _land(settings, "school_reports", "2022-02-01", "2022-03-01")
    fates = {f["name"]: f for f in batch.files}
    rejected = fates["PGD_217_BaoCaoCDS_202202.xlsx"]
    assert rejected["status"] == "rejected"
    assert "'Mã trường' (MaTruong)" in rejected["reason"]
    assert "PGD_217_BaoCaoCDS_202202.xlsx" in rejected["reason"]
    missing = sorted(f["unit"] for f in batch.files if f["status"] == "missing")
    assert missing == ["218", "219", "220", "221", "222", "223"]
    # the 217 workbook is in the file quarantine with its reason
    quarantined = list((settings.data_dir / "quarantine" / "files").rglob("*.reason.txt"))
    assert [p.name for p in quarantined] == ["PGD_217_BaoCaoCDS_202202.xlsx.reason.txt"]
    params = reference_parameters(settings, "education", "school_reports")
    with pytest.raises(ValidationFailed) as err:
        validate_batch(settings, batch, parameters=params)
    failed = err.value.outcome.failed
    assert "expect_column_values_to_be_in_set(MaTruong)" in failed
    assert any(
        f.startswith("expect_column_pair_values_a_to_be_greater_than_b")
        and "SoLuotKhongTienMat" in f
        for f in failed
    ), failed
    assert len(failed) == 2, failed
