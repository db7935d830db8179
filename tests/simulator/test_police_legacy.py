"""The former Bắc Ninh's own police system before the merger (in-process and over HTTP below
/legacy/27): the same contract on its own units (province 27: its 2022 communes and districts,
then those of its 2024 arrangement) until 2025-06-30, 410 Gone after; and the province's own
system's records byte-identical to those it served before the former Bắc Ninh's was added."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date

import httpx
import numpy as np
import pytest

from dti.simulator.catalogue import load_geography
from dti.simulator.police import PoliceWorld

from .conftest import AUTH, fetch_all

# sha256 of the province's system's records (seed 2022, scale 1.0) as served before the former
# Bắc Ninh's system was added: registry, cameras and cases whole; the daily versions of a few
# days as served, and the arrays every daily version is rendered from
MAIN = {
    "registry": (1418, "448a73ebc86dff5064587dca77941648e68d52a58847389189a6be7fe829b6a9"),
    "cameras": (2510, "9b0e13dd444b7053c10680f5cbd7c9132399a2f3935dd898c467bc522c781437"),
    "cases": (565, "eb80bfe35ea6ffa51f0b9a602883795c1f324b901ea20fcf798b039e3715c105"),
    "days": "09deb76a7603afebc2e163a9e22f3e41c92d3ebdece328dba10f7a300202b117",
    "arrays": "76c0c55f6b6b868ebb978e1bbddd253a24bb854ab51061062a2d532c6d4e8501",
}
DAYS = ("2022-03-01", "2023-12-31", "2024-01-01", "2024-11-01", "2025-06-30", "2025-07-01")
LEGACY = "/legacy/27/police/api/v1"


def _seconds(text: str) -> int:
    return int(np.datetime64(text, "s").astype(np.int64))


def _digest(rows: list[dict]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@pytest.fixture(scope="module")
def legacy() -> PoliceWorld:
    return PoliceWorld(seed=2022, scale=1.0, legacy=True)


def test_the_provinces_records_are_unchanged(legacy: PoliceWorld) -> None:
    world = PoliceWorld(seed=2022, scale=1.0)  # built after the former Bắc Ninh's
    for name in ("registry", "cameras", "cases"):
        rows = getattr(world, name)
        assert (len(rows), _digest(rows)) == MAIN[name], name
    served = hashlib.sha256()
    for day in (*DAYS, "2026-12-31"):
        start = _seconds(f"{day}T00:00:00")
        _total, items = world.daily_page(start, start + 86_400, 1, 10**6)
        served.update(json.dumps(items, sort_keys=True, ensure_ascii=False).encode())
    assert served.hexdigest() == MAIN["days"]
    arrays = hashlib.sha256()
    r = world.recent
    for a in (
        world.v_commune,
        world.v_day,
        world.v_revision,
        world.v_updated,
        *(world.flows[k] for k in sorted(world.flows)),
        r.unit,
        r.day,
        r.updated,
        *(r.flows[k] for k in sorted(r.flows)),
        *(r.cumulative[k] for k in sorted(r.cumulative)),
    ):
        arrays.update(np.ascontiguousarray(a).tobytes())
    assert arrays.hexdigest() == MAIN["arrays"]


def test_the_former_bac_ninh_system_is_on_its_own_units_until_the_merger(
    legacy: PoliceWorld,
) -> None:
    districts, communes = ({u["code"] for u in units} for units in load_geography(legacy.province))
    assert legacy.province == "27" and set(legacy.commune_codes) == communes
    arranged = {
        v.code: v.parent_code
        for v in legacy.units.versions
        if v.valid_from <= date(2024, 11, 1) < (v.valid_to or date.max)
    }
    # the registry: its 126 communes 2021-2024, the 2024 arrangement's from 2024-11-01, no 2025
    # commune (those are the new Bắc Ninh's, in the province's system)
    periods = Counter((r["Nam"], r["NgayHieuLuc"]) for r in legacy.registry)
    assert max(periods) == ("2025", "20250101") and periods[("2024", "20240101")] == 126
    assert {r["MaXa"] for r in legacy.registry if r["NgayHieuLuc"] >= "20241101"} == set(arranged)
    assert all(r["MaHuyen"] and r["TenHuyen"] for r in legacy.registry)
    # the daily reports: every commune of the day until 2025-06-30, sent that evening
    last = _seconds("2025-06-30T00:00:00")
    total, items = legacy.daily_page(last, last + 86_400, 1, 10**6)
    assert total == len(arranged) and {r["MaXa"] for r in items} == set(arranged)
    assert all(r["Ngay"] == "20250630" and r["MaHuyen"] == arranged[r["MaXa"]] for r in items)
    assert legacy.daily_page(last + 86_400, _seconds("2027-01-01T00:00:00"), 1, 10) == (0, [])
    _total, march = legacy.daily_page(_seconds("2022-03-01T00:00:00"), last, 1, 10**6)
    assert {r["MaXa"] for r in march if r["Ngay"] < "20241101"} == communes
    # the cameras (about 900 connected, each in its commune and district of the day) and the
    # case months of its districts, the last one June 2025's, sent on its last day
    connected = [c for c in legacy.cameras if c["NgayKetNoi"]]
    assert 850 < len(connected) < 950 and max(c["NgayKetNoi"] for c in connected) < "20250701"
    assert all(c["MaHuyen"] in districts | set(arranged.values()) for c in legacy.cameras)
    assert max(r["Thang"] for r in legacy.cases) == "202506"
    assert max(r["NgayCapNhat"] for r in legacy.cases) < "20250701"
    assert {r["MaHuyen"] for r in legacy.cases if r["Thang"] == "202506"} == set(arranged.values())
    # its own: no code of the province's own system
    main = PoliceWorld(seed=2022, scale=1.0)
    assert not {c["MaCamera"] for c in legacy.cameras} & {c["MaCamera"] for c in main.cameras}
    assert not set(legacy.commune_codes) & set(main.commune_codes)


def test_the_former_bac_ninh_system_over_http(base_url: str) -> None:
    with httpx.Client(base_url=base_url, headers=AUTH, timeout=120) as http:
        total, items = fetch_all(http, f"{LEGACY}/communes", page_size=500)
        assert total == len(items) == 126 * 4 + 121 * 2
        window = {"updated_from": "20250630000000", "updated_to": "20250702000000"}
        total, items = fetch_all(http, f"{LEGACY}/daily", window)
        assert total == 121 and {r["Ngay"] for r in items} == {"20250630"}
        total, items = fetch_all(http, f"{LEGACY}/cases", window)
        assert {r["Thang"] for r in items} == {"202506"}
        # a window after its last day: the system is retired
        after = {"updated_from": "20250701000000", "updated_to": "20250702000000"}
        gone = http.get(f"{LEGACY}/daily", params=after)
        assert gone.status_code == 410 and "retired after 2025-06-30" in gone.json()["detail"]
        assert http.get(f"{LEGACY}/cases", params=after).status_code == 410
        # the province's own system still serves the day
        assert http.get("/police/api/v1/daily", params=after).json()["total"] > 0
    assert httpx.get(f"{base_url}{LEGACY}/communes").status_code == 401
