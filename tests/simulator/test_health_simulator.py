"""The health simulator: its registry and its delivered files reproduce the published figures
(seed_figures.md, health) exactly; deliveries are idempotent and carry the real world's mess."""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import httpx
import numpy as np
import pytest

from dti.config import LOCAL_TZ
from dti.simulator.health import CASHLESS, HealthWorld, deliver
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
    units = hworld.units
    assert len(units) == 24
    assert Counter(f.type_code for f in units) == {"BVT": 6, "TTYT": 10, "KHAC": 8}
    stations = [f for f in hworld.facilities if f.type_code == "TYT"]
    assert len(stations) == 209 and len({f.commune for f in stations}) == 209
    day = _at("2022-06-15")
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
    assert body["total"] == 24 + 209 and len(body["items"]) == 100
    assert {"MaCSKCB", "LoaiCSKCB", "NangLuc"} <= set(body["items"][0])
    assert httpx.get(f"{base_url}/health/api/v1/facilities").status_code == 401
