"""The police endpoints over real HTTP (the simulator as the CLI starts it): the token, the
paged contract, windows by update time, 422 on bad parameters."""

from __future__ import annotations

import httpx

from .conftest import fetch_all

BASE = "/police/api/v1"


def test_token_is_required(base_url: str) -> None:
    for path in ("communes", "cameras"):
        assert httpx.get(f"{base_url}{BASE}/{path}").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert httpx.get(f"{base_url}{BASE}/communes", headers=wrong).status_code == 401


def test_snapshots_page_to_their_total(http: httpx.Client) -> None:
    total, items = fetch_all(http, f"{BASE}/communes", page_size=100)
    # 2021-2024 on the 209 communes, 2024-11-01 and 2025-01-01 on the 192, 2025-07-01 and 2026
    # on the 99 of the merged province
    assert total == len(items) == 209 * 4 + 192 * 2 + 99 * 2
    total, items = fetch_all(http, f"{BASE}/cameras", page_size=500)
    assert total == len(items) == len({c["MaCamera"] for c in items})


def test_daily_window_holds_the_days_versions(http: httpx.Client) -> None:
    params = {"updated_from": "20220301000000", "updated_to": "20220302000000"}
    total, items = fetch_all(http, f"{BASE}/daily", params, page_size=50)
    assert total == len(items) >= 209
    assert all("20220301000000" <= r["NgayCapNhat"] < "20220302000000" for r in items)
    assert {r["Ngay"] for r in items if r["LanSua"] == "0"} == {"20220301"}
    keys = [(r["MaXa"], r["Ngay"], r["LanSua"]) for r in items]
    assert len(keys) == len(set(keys))


def test_bad_parameters_are_422(http: httpx.Client) -> None:
    for params in (
        {"updated_from": "20220302000000", "updated_to": "20220301000000"},
        {"updated_from": "2022-03-01", "updated_to": "20220302000000"},
        {"updated_from": "20221301000000", "updated_to": "20221302000000"},
        {},
    ):
        assert http.get(f"{BASE}/daily", params=params).status_code == 422, params
    assert http.get(f"{BASE}/communes", params={"page_size": 5001}).status_code == 422
