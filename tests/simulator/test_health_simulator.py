"""The health simulator: its registry and its delivered files reproduce the published figures
(seed_figures.md, health) exactly; deliveries are idempotent and carry the real world's mess."""

from __future__ import annotations

import itertools
import os
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import numpy as np
import pytest

from dti.config import LOCAL_TZ
from dti.simulator.catalogue import load_geography
from dti.simulator.health import CASHLESS, HealthWorld, deliver, deliver_former_bac_ninh
from dti.simulator.health_recent import bac_giang_table, former_bac_ninh_table
from dti.sources.health.claims import parse_claims
from dti.sources.health.payments import parse_payments

from .conftest import AUTH


@pytest.fixture(scope="module")
def hworld() -> HealthWorld:
    return HealthWorld()


@pytest.fixture(scope="module")
def h1_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inbox = tmp_path_factory.mktemp("inbox")
    deliver(inbox, date(2022, 1, 1), date(2022, 6, 15))
    return inbox


def _at(day: str) -> np.datetime64:
    return np.datetime64(day)


def test_registry_units_and_capabilities(hworld: HealthWorld):
    day = _at("2022-06-15")
    units = [f for f in hworld.units if f.is_open(day)]
    assert len(units) == 24
    assert Counter(f.type_code for f in units) == {"BVT": 6, "TTYT": 10, "KHAC": 8}
    stations = [f for f in hworld.facilities if f.type_code == "TYT" and f.is_open(day)]
    assert len(stations) == 209 and len({f.commune for f in stations}) == 209
    with_method = [f for f in units if any(f.has(c, day) for c in CASHLESS)]
    assert len(with_method) == 20
    methods = Counter(c for f in units for c in CASHLESS if f.has(c, day))
    assert methods == {"TT_QR": 9, "TT_VIDIENTU": 6, "TT_POS": 13}
    without = {f.name for f in units if f not in with_method}
    assert without == {
        "Trung tâm Kiểm soát bệnh tật tỉnh Bắc Giang",
        "Trung tâm Kiểm nghiệm tỉnh Bắc Giang",
        "Trung tâm Y tế các khu công nghiệp tỉnh Bắc Giang",
        "Phòng khám Giao thông vận tải Bắc Giang",
    }
    end_2021 = _at("2021-12-31")
    assert sum(f.has("KCB_TUXA", end_2021) for f in stations) == 100  # 100 / 209 = 47.85 %
    centres = [f for f in units if f.type_code == "TTYT"]
    hospitals = [f for f in units if f.type_code == "BVT"]
    assert sum(f.has("LIS", end_2021) for f in centres) == 8  # 80 %
    assert all(f.has("LIS", end_2021) for f in hospitals)
    assert all(f.has("AI_CDHA", end_2021) for f in centres + hospitals)  # 16 of 16


@pytest.mark.slow
def test_delivered_payment_files_reproduce_the_half_year_report(h1_inbox: Path):
    """Counted the way the warehouse can: from the files that arrived, each transaction once."""
    seen: dict[str, tuple[int, bool]] = {}
    for path in sorted((h1_inbox / "health" / "payments").iterdir()):
        for row in parse_payments(path):
            day = datetime.strptime(row["ThoiGian"], "%d/%m/%Y %H:%M:%S").date()
            if date(2022, 1, 1) <= day <= date(2022, 6, 15):
                seen[row["MaGiaoDich"]] = (int(row["SoTien"]), row["HinhThuc"] != "TIEN_MAT")
    assert len(seen) == 376_765
    assert sum(1 for _, cashless in seen.values() if cashless) == 5_562
    assert sum(a for a, _ in seen.values()) == 159_502_550_487
    assert sum(a for a, cashless in seen.values() if cashless) == 4_952_209_110


@pytest.mark.slow
def test_delivery_mess_and_idempotence(h1_inbox: Path, hworld: HealthWorld):
    payments = h1_inbox / "health" / "payments"
    names = sorted(p.name for p in payments.iterdir())
    # duplicates are the same bytes under another name, arriving later
    dups = [n for n in names if " (1)" in n]
    assert dups
    for dup in dups:
        original = payments / dup.replace(" (1)", "")
        assert original.read_bytes() == (payments / dup).read_bytes()
        assert (payments / dup).stat().st_mtime > original.stat().st_mtime

    # some files arrive a day late (mtime two days after their date), a few never
    def lateness(path: Path) -> int:
        day = datetime.strptime(path.name[6:14], "%Y%m%d").date()
        arrived = datetime.fromtimestamp(path.stat().st_mtime, LOCAL_TZ).date()
        return (arrived - day).days

    late = Counter(lateness(payments / n) for n in names if " (1)" not in n)
    assert set(late) == {1, 2} and late[2] > 0
    expected = 24 * ((date(2022, 6, 15) - date(2022, 1, 1)).days + 1)
    in_h1 = [n for n in names if " (1)" not in n and "20220101" <= n[6:14] <= "20220615"]
    assert 0 < expected - len(in_h1) < 0.01 * expected
    # delivering again writes nothing, even after the pipeline archived the files away
    moved = h1_inbox.parent / "archived"
    payments.rename(moved)
    assert deliver(h1_inbox, date(2022, 1, 1), date(2022, 6, 15)) == []
    payments.parent.joinpath("payments").mkdir(exist_ok=True)
    os.rmdir(payments)
    moved.rename(payments)
    # claim files: one per claim-sending facility and day, 4210 names in 2022
    claims = sorted((h1_inbox / "health" / "claims").glob("24001_202203*.xml"))
    assert claims
    rows = list(parse_claims(claims[0]))
    assert rows and {r["CHUAN_DU_LIEU"] for r in rows} == {"4210"}
    assert len({r["MA_LK"] for r in rows}) == len(rows)


def test_claims_use_decision_130_from_2023(hworld: HealthWorld):
    rows = hworld.claim_records(0, _at("2023-03-01"))
    assert rows and "MA_THE_BHYT" in rows[0] and "SO_CCCD" in rows[0]
    old = hworld.claim_records(0, _at("2022-03-01"))
    assert "MA_THE" in old[0] and "SO_CCCD" not in old[0]


def test_registry_over_http(base_url: str):
    first = httpx.get(f"{base_url}/health/api/v1/facilities?page_size=100", headers=AUTH)
    assert first.status_code == 200
    body = first.json()
    # Bắc Giang's units and stations, then the former Bắc Ninh's (from 2025-07-01)
    assert body["total"] == 24 + 209 + 20 + 126 and len(body["items"]) == 100
    assert {"MaCSKCB", "LoaiCSKCB", "NangLuc", "NgayHoatDong", "LichSuDiaBan"} <= set(
        body["items"][0]
    )
    assert httpx.get(f"{base_url}/health/api/v1/facilities").status_code == 401
    # the former Bắc Ninh's own registry, a second instance of the source
    legacy = httpx.get(f"{base_url}/legacy/27/health/api/v1/facilities", headers=AUTH).json()
    assert legacy["total"] == 20 + 126 and legacy["items"][0]["MaTinh"] == "27"


# --- after the reforms: the registry on today's units, the former Bắc Ninh from 2025-07-01 -----


def _versions_on(day: date) -> dict[str, object]:
    """The commune versions (CommuneTable) valid on ``day``, by code, of both former provinces."""
    out = {}
    for table in (bac_giang_table(), former_bac_ninh_table()):
        for v in table.versions:
            if v.valid_from <= day and (v.valid_to is None or day < v.valid_to):
                out[v.code] = v
    return out


def test_registry_records_carry_the_communes_of_2025(hworld: HealthWorld):
    today = _versions_on(date(2026, 12, 7))
    merged = _versions_on(date(2025, 7, 1))
    assert len(today) == 99 and today == merged
    records = hworld.facility_records()
    assert len(records) == 24 + 209 + 20 + 126
    assert {r["MaTinh"] for r in records} == {"24"}
    assert all(r["MaHuyen"] is None and r["MaXa"] in today for r in records)
    # the dated locations attribute every earlier day: the 2022 commune and district first
    communes_2022 = {c["code"]: c for c in load_geography()[1]}
    for f, r in zip(hworld.facilities, records, strict=True):
        history = r["LichSuDiaBan"]
        assert history[-1]["DenNgay"] is None and history[-1]["MaXa"] == r["MaXa"]
        assert all(a["DenNgay"] == b["TuNgay"] for a, b in itertools.pairwise(history))
        if f.opened is None:
            first = history[0]
            assert first["TuNgay"] is None and first["MaXa"] in communes_2022
            assert first["MaHuyen"] == communes_2022[first["MaXa"]]["parent_code"]
            assert history[-1]["TuNgay"] == "20250701"
        else:
            assert r["NgayHoatDong"] == "20250701" and r["MaCSKCB"].startswith("27")
            assert [h["TuNgay"] for h in history] == ["20250701"]
    # a station per 2022 commune: merged communes' stations are sites of one commune since
    stations = [f for f in hworld.facilities if f.type_code == "TYT" and f.opened is None]
    assert len({f.location_on(_at("2024-06-30"))[1] for f in stations}) == 209
    on_2024 = _versions_on(date(2024, 11, 1))
    arranged = {f.location_on(_at("2025-01-15")) for f in stations}
    assert all(commune in on_2024 for _, commune in arranged)
    assert len({c for _, c in arranged}) == 192
    assert {d for d, _ in arranged} >= {"224"} and "221" not in {d for d, _ in arranged}
    assert len({f.location_on(_at("2026-01-01"))[1] for f in hworld.facilities}) <= 99


def test_former_bac_ninh_sends_files_from_the_merger(hworld: HealthWorld):
    def files(day: date):
        period = np.datetime64(day)
        return [p for p in hworld.planned_files(day, day) if p.period == period]

    before = files(date(2025, 6, 30))
    assert before and not any(p.unit.startswith("27") for p in before)
    day = date(2026, 3, 3)
    after = files(day)
    payments = Counter(p.unit[:2] for p in after if p.entity == "payments" and "(" not in p.name)
    # all but a rare missing file: 24 of Bắc Giang's and 20 of the former Bắc Ninh's units
    assert 22 <= payments["24"] <= 24 and 18 <= payments["27"] <= 20
    claims = {p.unit for p in after if p.entity == "claims"}
    assert any(u.startswith("27") for u in claims)
    # about twice the volume: the former Bắc Ninh's transactions about Bắc Giang's
    rows = Counter()
    for u, f in enumerate(hworld.units):
        rows[f.code[:2]] += len(hworld.payment_rows(u, np.datetime64(day)))
    assert 0.6 < rows["27"] / rows["24"] < 1.2
    # the files parse, and claims name the residence on the units of the day
    new = next(p for p in after if p.entity == "claims" and p.unit.startswith("27"))
    rows_27 = hworld.claim_records(
        [f.code for f in hworld.claim_senders].index(new.unit), np.datetime64(day)
    )
    today = _versions_on(day)
    assert rows_27 and all(r["MAXA_CU_TRU"] in today for r in rows_27)
    assert all(r["MAHUYEN_CU_TRU"] is None for r in rows_27)
    assert all(r["MA_CSKCB"].startswith("27") for r in rows_27)


def test_expected_units_follow_the_merger(hworld: HealthWorld):
    """The warehouse's completeness lists: a 2022 day does not expect the former Bắc Ninh's
    units, a 2026 day does, and they are the units the simulator sends files for."""
    from dti.records import Interval
    from dti.sources.health.units import claim_units, payment_units

    settings = SimpleNamespace(province_code="24")  # the configured province's system
    for period in (Interval.day("2022-03-01"), date(2022, 3, 1), Interval.day("2025-06-30")):
        assert not any(u.startswith("27") for u in payment_units(settings, period))
        assert not any(u.startswith("27") for u in claim_units(settings, period))
    old = _at("2022-03-01")
    assert payment_units(settings, Interval.day("2022-03-01")) == [
        f.code for f in hworld.units if f.is_open(old)
    ]
    assert claim_units(settings, Interval.day("2022-03-01")) == [
        f.code for f in hworld.claim_senders if f.is_open(old)
    ]
    for period in (Interval.day("2025-07-01"), Interval.day("2026-03-03"), None):
        assert payment_units(settings, period) == [f.code for f in hworld.units]
        assert claim_units(settings, period) == [f.code for f in hworld.claim_senders]
    # every unit that sends files is in the registry the reference sets come from
    registry = {r["MaCSKCB"] for r in hworld.facility_records()}
    assert set(payment_units(settings)) | set(claim_units(settings)) <= registry


# --- the former Bắc Ninh's own system before the merger (a second instance of the source) ----


def test_the_former_bac_ninh_system_has_its_units_until_the_merger(tmp_path: Path):
    """Its registry lists the same facilities as the merged province's from 2025-07-01, open
    since the records begin, on its own units (province 27) until 2025-06-30; its files stop
    with its last day; the warehouse expects its 20 units every day of it."""
    from dti.records import Interval
    from dti.sources.health.units import claim_units, payment_units

    legacy, merged = HealthWorld(legacy=True), HealthWorld()
    records = legacy.facility_records()
    assert len(records) == 20 + 126 and {r["MaTinh"] for r in records} == {"27"}
    joined = {r["MaCSKCB"]: r for r in merged.facility_records() if r["MaCSKCB"] >= "27"}
    assert set(joined) == {r["MaCSKCB"] for r in records}
    communes_2022 = {c["code"]: c for c in load_geography("27")[1]}
    for r in records:
        history, later = r["LichSuDiaBan"], joined[r["MaCSKCB"]]
        assert r["NgayHoatDong"] is None and r["NangLuc"] == later["NangLuc"]
        assert history[0]["TuNgay"] is None and history[0]["MaXa"] in communes_2022
        assert all(h["MaHuyen"] is not None and h["MaTinh"] == "27" for h in history)
        # its last location ends the day the merged province's registry lists it from
        assert history[-1]["DenNgay"] == later["LichSuDiaBan"][0]["TuNgay"] == "20250701"
    # payments and claims until 2025-06-30 on the units of the day, nothing after
    last, after = _at("2025-06-30"), _at("2025-07-01")
    paid = sum(len(legacy.payment_rows(u, last)) for u in range(len(legacy.units)))
    assert paid > 1000 and not any(legacy.payment_rows(u, after) for u in range(len(legacy.units)))
    claims = legacy.claim_records(0, _at("2024-03-01"))
    assert claims and all(c["MATINH_CU_TRU"] == "27" and "Bắc Ninh" in c["DIA_CHI"] for c in claims)
    assert all(c["MAXA_CU_TRU"] in communes_2022 for c in claims)
    written = deliver_former_bac_ninh(tmp_path, date(2025, 6, 30), date(2025, 7, 10))
    folders = {p.parent.relative_to(tmp_path).as_posix() for p in written}
    assert folders == {"legacy/27/health/payments", "legacy/27/health/claims"}
    assert {p.name.split("_")[1][:8] for p in written} <= {
        "20250627",
        "20250628",
        "20250629",
        "20250630",
    }
    assert not deliver_former_bac_ninh(tmp_path, date(2025, 7, 5), date(2025, 7, 31))
    # the warehouse's completeness lists of that system: its own units, on every day
    settings = SimpleNamespace(province_code="27")
    for period in (Interval.day("2022-03-01"), Interval.day("2025-06-30")):
        assert payment_units(settings, period) == [f.code for f in legacy.units]
        assert claim_units(settings, period) == [f.code for f in legacy.claim_senders]
