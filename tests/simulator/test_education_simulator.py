"""The simulated education sector: calibration to the published figures, and the workbooks it
drops into the inbox (read back with the pipeline's own parser)."""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from dti.config import LOCAL_TZ
from dti.simulator import education as edu
from dti.sources import get_entity
from dti.sources.education.workbook import parse_school_registry, parse_school_report

LEVEL_LABELS = {label: code for code, (label, _n) in edu.LEVELS.items()}


@pytest.fixture(scope="module")
def world() -> edu.EducationWorld:
    return edu.EducationWorld(seed=2022, scale=1.0)


def _count(world: edu.EducationWorld, month: date) -> dict[str, int]:
    figures = world.month_figures(month)
    schools = world.schools_in(month)
    eligible = [s for s in schools if s.at(month)[1] in edu.E_RECORD_LEVELS]
    return {
        "eligible": len(eligible),
        "e_records": sum(figures[s.code]["SuDungHoSoDienTu"] == "Có" for s in eligible),
        "online_schools": sum(figures[s.code]["SoLopHocTrucTuyen"] > 0 for s in schools),
        "classrooms": sum(figures[s.code]["SoLopHocTrucTuyen"] for s in schools),
        "payments": sum(f["SoLuotThuHocPhi"] for f in figures.values()),
        "cashless": sum(f["SoLuotKhongTienMat"] for f in figures.values()),
    }


def test_schools_of_the_province(world: edu.EducationWorld) -> None:
    opened = world.schools_in(date(2022, 6, 1))
    assert len(opened) == 789
    assert Counter(s.level for s in opened) == {code: n for code, (_label, n) in edu.LEVELS.items()}
    assert {s.district for s in opened} == set(edu.district_codes())
    assert len(edu.district_codes()) == 10
    codes = [s.code for s in world.schools]
    assert len(set(codes)) == len(codes)
    assert all(s.code.startswith(f"24{s.district}") and len(s.code) == 8 for s in world.schools)


def test_calibrated_to_the_published_figures(world: edu.EducationWorld) -> None:
    # 243 schools with online classrooms, more than 1,200 classrooms, at the end of 2021
    dec = _count(world, date(2021, 12, 1))
    assert dec["online_schools"] == 243 and dec["classrooms"] > 1200
    # 509 schools from primary to upper secondary and continuing education use electronic
    # records: reached at the end of June 2022 and held to the end of the year
    for month in edu.months():
        counts = _count(world, month)
        assert counts["eligible"] == 539
        if month >= date(2022, 6, 1):
            assert counts["e_records"] == 509, month
        else:
            assert counts["e_records"] < 509, month
    # cashless tuition grows through 2022 (plan 2281)
    shares = [_count(world, m)["cashless"] / _count(world, m)["payments"] for m in edu.months()]
    assert shares == sorted(shares) and shares[-1] > 0.5 > 0.1 > shares[0]


def test_cashless_never_exceeds_payments_and_online_within_students(world: edu.EducationWorld):
    for month in (date(2021, 12, 1), date(2022, 9, 1)):
        for f in world.month_figures(month).values():
            assert 0 <= f["SoLuotKhongTienMat"] <= f["SoLuotThuHocPhi"]
            assert 0 <= f["SoTienKhongTienMat"] <= f["SoTienHocPhi"]
            if f["SoHocSinhHocTrucTuyen"] is not None:
                assert f["SoHocSinhHocTrucTuyen"] <= f["SoHocSinh"]


def test_dated_attributes_in_the_registry(world: edu.EducationWorld) -> None:
    aug = {r["MaTruong"]: r for r in world.registry_rows(date(2022, 8, 1))}
    sep = {r["MaTruong"]: r for r in world.registry_rows(date(2022, 9, 1))}
    changed = [c for c in aug if aug[c]["CapHoc"] != sep[c]["CapHoc"]]
    assert [(aug[c]["CapHoc"], sep[c]["CapHoc"]) for c in changed] == [("Tiểu học", "Liên cấp")]
    assert len(sep) == len(aug) + 1  # a private preschool opens with the school year


def test_january_delivery(tmp_path: Path, world: edu.EducationWorld) -> None:
    written = edu.deliver(tmp_path, date(2022, 1, 1), date(2022, 1, 31))
    names = sorted(p.name for p in written)
    reports = [n for n in names if n.startswith("PGD_")]
    # December's workbooks arrive in January, January's are delivered with their month
    assert len(reports) == 20
    assert {n[-11:-5] for n in reports} == {"202112", "202201"}
    assert "DanhMucTruong_So24_202112.xlsx" in names and "DanhMucTruong_So24_202201.xlsx" in names
    # mtime = arrival time (local), the first days of the following month
    dec = tmp_path / "education" / "school_reports" / "PGD_213_BaoCaoCDS_202112.xlsx"
    arrived = datetime.fromtimestamp(os.stat(dec).st_mtime, LOCAL_TZ)
    assert date(2022, 1, 3) <= arrived.date() <= date(2022, 1, 11)
    # every file name is one the pipeline's pattern accepts, with the right unit and period
    for path in written:
        entity = get_entity("education", path.parent.name)
        assert entity.files is not None
        m = re.fullmatch(entity.files.pattern, path.name)
        assert m is not None, path.name
    # delivering again writes nothing; the log remembers what went out
    assert edu.deliver(tmp_path, date(2022, 1, 1), date(2022, 1, 31)) == []
    assert (tmp_path / ".delivered" / "education.json").is_file()


def test_workbooks_read_back_with_the_pipeline_parser(
    tmp_path: Path, world: edu.EducationWorld
) -> None:
    month = date(2022, 5, 1)
    # 221 renamed three headers in May; 215 prints a column-number row; text numbers everywhere
    for district in ("221", "215"):
        path = tmp_path / f"PGD_{district}_BaoCaoCDS_202205.xlsx"
        path.write_bytes(
            world.workbook_bytes(
                edu.Delivery(edu.REPORTS, path.name, month, district, datetime(2022, 6, 5))
            )
        )
        records = list(parse_school_report(path))
        expected = world.report_rows(district, month)
        assert [r["MaTruong"] for r in records] == [e["MaTruong"] for e in expected]
        for got, want in zip(records, expected, strict=True):
            assert got["KyBaoCao"] == "202205"
            assert got["SoHocSinh"] == str(want["SoHocSinh"])
            assert got["SoTienHocPhi"] == str(want["SoTienHocPhi"])
            assert got["SuDungHoSoDienTu"] == ("1" if want["SuDungHoSoDienTu"] == "Có" else "0")
            assert LEVEL_LABELS[got["CapHoc"]] in edu.LEVELS
    registry = tmp_path / "DanhMucTruong_So24_202205.xlsx"
    registry.write_bytes(
        world.workbook_bytes(
            edu.Delivery(edu.REGISTRY, registry.name, month, "24", datetime(2022, 6, 1))
        )
    )
    rows = list(parse_school_registry(registry))
    assert len(rows) == 789 and {r["KyBaoCao"] for r in rows} == {"202205"}


def test_the_mess_of_the_deliveries(world: edu.EducationWorld) -> None:
    deliveries = world.deliveries()
    by_name = {d.name: d for d in deliveries}
    dup = by_name["PGD_215_BaoCaoCDS_202205 (1).xlsx"]
    assert dup.same_as == "PGD_215_BaoCaoCDS_202205.xlsx"
    first = by_name["PGD_215_BaoCaoCDS_202205.xlsx"]
    assert world.workbook_bytes(first) == world.workbook_bytes(first)  # byte-identical re-export
    corrected = by_name["PGD_219_BaoCaoCDS_202202_v2.xlsx"]
    assert corrected.arrival > by_name["PGD_219_BaoCaoCDS_202202.xlsx"].arrival
    assert by_name["PGD_223_BaoCaoCDS_202203.xlsx"].arrival == datetime(2022, 4, 28, 15, 40)
    assert "PGD_222_BaoCaoCDS_202210.xlsx" not in by_name
    assert edu._variants("217", date(2022, 2, 1)) == {}
    assert edu._variants("217", date(2022, 3, 1)) == {"SoLopHocTrucTuyen": 1}


def test_recent_months_follow_the_offices_and_units_of_their_time(
    world: edu.EducationWorld, tmp_path: Path
) -> None:
    by_month: dict[date, set[str]] = {}
    for d in world.deliveries():
        if d.entity == edu.REPORTS:
            by_month.setdefault(d.month, set()).add(d.unit)
    every_2022 = set(edu.district_codes())
    assert by_month[date(2024, 10, 1)] == every_2022
    assert by_month[date(2024, 11, 1)] == every_2022 - {"221"} | {"224"}
    assert by_month[date(2025, 7, 1)] == by_month[date(2026, 11, 1)] == {"24"}
    # the warehouse expects the same offices, from the same reference
    from types import SimpleNamespace

    from dti.records import Interval
    from dti.sources.education import district_units

    settings = SimpleNamespace(province_code="24")
    for month in (date(2024, 10, 1), date(2024, 11, 1), date(2025, 7, 1)):
        assert set(district_units(settings, Interval.month(month))) == by_month[month], month
    # July 2025: one workbook of the Department holding both former provinces' schools, each
    # on a commune of 2025 and no district; read back by the pipeline's parser
    july = date(2025, 7, 1)
    registry = {r["MaTruong"]: r for r in world.registry_rows(july)}
    assert all(r["MaHuyen"] is None for r in registry.values())
    former = Counter(code[:2] for code in registry)
    assert former["24"] == 790 and 0.75 * 790 < former["27"] < 0.85 * 790, former
    path = tmp_path / "So24_BaoCaoCDS_202507.xlsx"
    delivery = next(d for d in world.deliveries() if d.name == path.name)
    path.write_bytes(world.workbook_bytes(delivery))
    rows = list(parse_school_report(path))
    assert {r["MaTruong"] for r in rows} == set(registry)
    assert re.fullmatch(get_entity("education", "school_reports").files.pattern, path.name)
    # the trends: e-records near universal, cashless tuition rising, online classes a plateau
    shares = {}
    for month in (date(2022, 12, 1), date(2023, 12, 1), date(2024, 12, 1), date(2026, 11, 1)):
        c = _count(world, month)
        shares[month] = (c["e_records"] / c["eligible"], c["cashless"] / c["payments"])
    assert [round(e, 3) for e, _c in shares.values()][1:3] == [0.968, 0.985]
    assert [c for _e, c in shares.values()] == sorted(c for _e, c in shares.values())
    assert shares[date(2026, 11, 1)][1] > 0.88


def test_a_workbook_is_not_delivered_before_it_arrives(tmp_path: Path) -> None:
    now = datetime.now(LOCAL_TZ).replace(tzinfo=None)
    month = date(now.year, now.month, 1)
    written = edu.deliver(tmp_path, month, month)
    # this month's workbooks arrive next month: none yet
    assert not [p for p in written if f"_{month:%Y%m}" in p.name]
