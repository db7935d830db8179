"""The police simulator's cameras and cases of 2024-2026 (in-process): they exist every year, carry
the units valid on their date (the 2024 arrangement's districts from 2024-11-01; from 2025-07-01
no district: a camera lies in a commune of the new province, a case month is the province's),
and the calibrated years' records are byte-identical to those the generator gave before."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date

import numpy as np
import pytest

from dti.simulator.police import PoliceWorld

# sha256 of the records of 2021-2023 as the generator gave them before 2024-2026 were added
CALIBRATED = {
    (2022, 1.0): (
        1050,
        "b472fe38647a559c87fd41fa839fccdc3622867e76bd59ff0b8aaf2c19aa8afb",
        363,
        "649fbd4ed2ebf859aec0a7039ee833701feb3962b147b4796bec0122479e85d2",
    ),
    (7, 0.1): (
        105,
        "5acc06ba894851b385f23531bb1eb7fe36da93b9a3a992659eee99b73ad58406",
        363,
        "b55ed9bf022e27f62135e0ff00a24e6a9070295fa3526c5ac52365db1469a30c",
    ),
}


def _seconds(text: str) -> int:
    return int(np.datetime64(text, "s").astype(np.int64))


def _digest(rows: list[dict]) -> str:
    text = json.dumps(rows, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def police() -> PoliceWorld:
    return PoliceWorld(seed=2022, scale=1.0)


@pytest.fixture(scope="module")
def recent_cases(police: PoliceWorld) -> list[dict]:
    total, items = police.case_page(
        _seconds("2024-01-01T00:00:00"), _seconds("2027-02-01T00:00:00"), 1, 10**6
    )
    assert total == len(items)
    return items


def _versions_from(police: PoliceWorld, day: date) -> dict[str, object]:
    return {v.code: v for v in police.units.versions if v.valid_from == day}


@pytest.mark.parametrize(("seed", "scale"), sorted(CALIBRATED))
def test_calibrated_years_unchanged(police: PoliceWorld, seed: int, scale: float) -> None:
    world = police if (seed, scale) == (2022, 1.0) else PoliceWorld(seed=seed, scale=scale)
    n_cameras, cameras, n_cases, cases = CALIBRATED[(seed, scale)]
    assert _digest(world.cameras[:n_cameras]) == cameras
    assert all(
        r["NgayKetNoi"] is None or r["NgayKetNoi"] >= "2024" for r in world.cameras[n_cameras:]
    )
    total, items = world.case_page(0, _seconds("2024-01-01T00:00:00"), 1, 10**6)
    assert (total, _digest(items)) == (n_cases, cases)


def test_cameras_and_cases_every_year(police: PoliceWorld, recent_cases: list[dict]) -> None:
    connected = Counter(r["NgayKetNoi"][:4] for r in police.cameras if r["NgayKetNoi"])
    assert connected["2023"] < connected["2024"] < connected["2026"]
    assert connected["2025"] > 900  # the former Bắc Ninh's cameras join
    months = Counter(r["Thang"][:4] for r in recent_cases if r["LanSua"] == "0")
    assert months == {"2024": 12 * 10, "2025": 6 * 10 + 6, "2026": 12}
    assert {r["Thang"] for r in recent_cases} >= {"202401", "202512", "202612"}
    ids = [r["MaCamera"] for r in police.cameras]
    assert len(ids) == len(set(ids))
    # toward every commune: by the end of 2026 nearly all 99 communes have a connected camera
    merged = _versions_from(police, date(2025, 7, 1))
    by_2026 = {r["MaXa"] for r in police.cameras if (r["NgayKetNoi"] or "9") >= "20250701"}
    assert len(by_2026 & set(merged)) >= 90


def test_cases_steady_volume(recent_cases: list[dict]) -> None:
    latest: dict[tuple, dict] = {}
    for r in recent_cases:
        k = (r["MaHuyen"], r["Thang"])
        if k not in latest or int(r["LanSua"]) > int(latest[k]["LanSua"]):
            latest[k] = r
    per_month = Counter()
    for r in latest.values():
        per_month[r["Thang"]] += int(r["SoVuHinhSu"]) + int(r["SoVuTaiNanGiaoThong"])
    before = np.mean([v for m, v in per_month.items() if m < "202507"])
    after = np.mean([v for m, v in per_month.items() if m >= "202507"])
    assert 15 < before < 35 and 1.5 < after / before < 2.5  # the merged province: about twice
    assert any(r["LanSua"] == "1" and r["MaHuyen"] is None for r in recent_cases)


def test_august_2025_records_carry_the_new_units(
    police: PoliceWorld, recent_cases: list[dict]
) -> None:
    august = [r for r in recent_cases if r["Thang"] == "202508"]
    assert len(august) == 1 and august[0]["MaHuyen"] is None  # the province's month
    merged = _versions_from(police, date(2025, 7, 1))
    cameras = [r for r in police.cameras if (r["NgayKetNoi"] or "").startswith("202508")]
    assert cameras
    for r in cameras:
        assert r["MaHuyen"] is None and r["MaXa"] in merged
        assert r["MaCamera"].startswith(f"CAM-{r['MaXa']}-")
    # the former Bắc Ninh's communes get cameras (only its cameras could be there in Q3 2025)
    bac_ninh = {
        police.units.versions[int(u)].code
        for u, members in zip(police.units.new_communes, police.units.bac_ninh_members, strict=True)
        if members > 0
    }
    assert {r["MaXa"] for r in cameras} & bac_ninh


def test_december_2024_records_carry_the_arranged_districts(
    police: PoliceWorld, recent_cases: list[dict]
) -> None:
    units = police.units
    arranged = {units.versions[int(s)].parent_code for s in units.successor_2024}
    december = {r["MaHuyen"] for r in recent_cases if r["Thang"] == "202412"}
    assert december == arranged and "221" not in december and "224" in december
    october = {r["MaHuyen"] for r in recent_cases if r["Thang"] == "202410"}
    assert october == set(police.district_codes) and "221" in october
    valid = {(v.code, v.parent_code) for v in units.versions if v.valid_from < date(2025, 7, 1)}
    for r in police.cameras:
        day = r["NgayKetNoi"]
        if day is None or day < "20240101":
            continue
        assert (r["MaXa"], r["MaHuyen"]) in valid or day >= "20250701"
        if "20241101" <= day < "20250701":
            assert r["MaHuyen"] in arranged and r["MaHuyen"] != "221"
