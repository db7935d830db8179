"""The simulated sources through today (2024-2026): records carry the units valid on their day,
the 2024 arrangement (209 -> 192 communes) and, from 2025-07-01, the new Bắc Ninh's 99 communes
of both former provinces; the calibrated years do not move."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pytest

from dti.geography import build_geography
from dti.simulator.police import PoliceWorld, _local_seconds
from dti.simulator.portal import PortalWorld


@pytest.fixture(scope="module")
def geography():
    return build_geography("24")


def _communes_valid_on(geography, day: date) -> set[str]:
    return {
        v.code
        for v in geography.versions
        if v.level == "commune" and v.valid_from <= day and (v.valid_to is None or day < v.valid_to)
    }


@pytest.fixture(scope="module")
def portal():
    return PortalWorld()


@pytest.fixture(scope="module")
def police():
    return PoliceWorld()


def _portal_day(world: PortalWorld, day: str) -> list[dict]:
    t = int(np.datetime64(day, "D").astype(np.int64)) * 86_400
    total, records = world.page(t, t + 86_400, 1, 100_000)
    assert total == len(records)
    return records


@pytest.mark.parametrize(
    ("day", "units"), [("2024-06-04", 209), ("2024-12-03", 192), ("2026-12-04", 99)]
)
def test_portal_records_carry_the_units_of_their_day(portal, geography, day, units):
    valid = _communes_valid_on(geography, date.fromisoformat(day))
    received = [
        r for r in _portal_day(portal, day) if r["NgayTiepNhan"][:8] == day.replace("-", "")
    ]
    applicants = {r["MaXaChuHoSo"] for r in received if r["MaXaChuHoSo"]}
    assert applicants and applicants <= valid, applicants - valid
    if units == 99:
        assert len(valid) == 99
        # no district committee any more: the communes' committees of the new province
        agencies = Counter(r["DonViXuLy"].split(".")[1] for r in received)
        assert "20" not in agencies and agencies["40"] > 0
        assert not any(
            r["DonViXuLy"].split(".")[1] in {f"{21 + i}" for i in range(10)} for r in received
        )
    else:
        bac_giang = {c for c in valid if c < "09000"}
        assert len(bac_giang) == units and applicants <= bac_giang


def test_portal_volume_doubles_with_the_merger(portal):
    first_half = {
        y: int((portal.year(y).d_day < np.datetime64(f"{y}-07-01").astype(np.int64)).sum())
        for y in (2024, 2026)
    }
    assert 1.9 < first_half[2026] / first_half[2024] < 2.6


def test_portal_calibrated_year_unchanged(portal):
    year = portal.year(2022)
    h1 = year.d_day < np.datetime64("2022-07-01").astype(np.int64)
    assert int(h1.sum()) == 258_778 and int((year.d_channel[h1] == 2).sum()) == 86_536


def _police_day(world: PoliceWorld, day: str) -> list[dict]:
    t = _local_seconds(np.datetime64(day))
    total, records = world.daily_page(t, t + 86_400, 1, 5000)
    assert total == len(records)
    return records


@pytest.mark.parametrize(
    ("day", "units"),
    [
        ("2024-06-04", 209),
        ("2024-12-03", 192),
        ("2025-06-30", 192),
        ("2025-07-01", 99),
        ("2026-12-04", 99),
    ],
)
def test_police_reports_the_units_of_the_day(police, geography, day, units):
    records = _police_day(police, day)
    codes = [r["MaXa"] for r in records]
    assert len(codes) == len(set(codes)) == units
    assert set(codes) <= _communes_valid_on(geography, date.fromisoformat(day))
    assert all(r["Ngay"] == day.replace("-", "") for r in records)
    if units == 99:
        assert all(r["MaHuyen"] is None for r in records)


def test_police_running_totals_carry_through_the_reorganisations(police):
    registry = {(r["MaXa"], r["NgayHieuLuc"]): r for r in police.registry}
    # each registry row opens with the totals of the day before its first day
    for first in ("2024-11-01", "2025-07-01", "2026-01-01"):
        for r in _police_day(police, first):
            row = registry[(r["MaXa"], first.replace("-", ""))]
            assert int(row["LuyKeHoSoCCCDDauNam"]) + int(r["SoHoSoCCCD"]) == int(r["LuyKeHoSoCCCD"])

    # the province never loses a card: the 2024 arrangement keeps the sum, the merger adds
    # the former Bắc Ninh's
    def province(day):
        return sum(int(r["LuyKeHoSoCCCD"]) - int(r["SoHoSoCCCD"]) for r in _police_day(police, day))

    assert province("2024-11-01") == sum(
        int(r["LuyKeHoSoCCCD"]) for r in _police_day(police, "2024-10-31")
    )
    assert province("2025-07-01") > 1.5 * sum(
        int(r["LuyKeHoSoCCCD"]) for r in _police_day(police, "2025-06-30")
    )
    # coverage stays below the population of CCCD age
    for year, start in (("2025", "20250701"), ("2026", "20260101")):
        rows = [r for r in police.registry if r["Nam"] == year and r["NgayHieuLuc"] == start]
        assert len(rows) == 99
        assert sum(int(r["LuyKeHoSoCCCDDauNam"]) for r in rows) < sum(
            int(r["DanSoDuTuoiCCCD"]) for r in rows
        )


def test_police_a_reused_code_has_a_row_per_unit(police):
    rows = [r for r in police.registry if r["MaXa"] == "07210" and r["Nam"] == "2025"]
    assert [(r["NgayHieuLuc"], r["TenXa"]) for r in rows] == [
        ("20250101", "Phường Hoàng Văn Thụ"),
        ("20250701", "Phường Bắc Giang"),
    ]
    # the year's VNeID target is the merged province's, carried by the rows of the year's end
    end = [r for r in police.registry if r["NgayHieuLuc"] == "20250701"]
    before = [r for r in police.registry if r["NgayHieuLuc"] == "20250101"]
    assert sum(int(r["ChiTieuVNeID"]) for r in end) == 1_300_000
    assert sum(int(r["ChiTieuVNeID"]) for r in before) < 1_300_000
