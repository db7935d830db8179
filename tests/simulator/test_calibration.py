"""The default simulated province gives back every figure of docs/indicators_portal.md when the
documented rules are applied to what it serves over HTTP."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from . import portal_rules as R
from .conftest import DOSSIERS, fetch_all

# Fetches every version updated in 2022 (1.7 million records) over HTTP.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def procedures(http) -> pd.DataFrame:
    total, items = fetch_all(http, "/portal/api/v1/procedures")
    assert total == len(items)
    return pd.DataFrame(items)


@pytest.fixture(scope="module")
def versions_2022(http) -> pd.DataFrame:
    """Every version updated in 2022 (what daily loads through 2022-12-31 would hold)."""
    rows: list[tuple] = []
    t0 = time.perf_counter()
    total, _ = fetch_all(
        http,
        DOSSIERS,
        {"updated_from": "20220101000000", "updated_to": "20230101000000"},
        each=lambda items: rows.extend(R.compact(items)),
    )
    elapsed = time.perf_counter() - t0
    print(f"\nfetched {total:,} versions updated in 2022 in {elapsed:.1f} s")
    assert len(rows) == total
    return pd.DataFrame(rows, columns=R.COLUMNS)


def test_h1_2022_figures(versions_2022, procedures):
    f = R.figures(R.latest(versions_2022, "20220630"), procedures, "20220101", "20220630")
    assert f["received"] == 258_778
    assert f["online"] == 86_536
    assert round(100 * f["online"] / f["received"], 1) == 33.4
    assert f["online_services"] == 1_383
    assert f["online_services_with_online_dossiers"] == 797
    assert round(100 * 797 / 1383, 2) == 57.63
    assert f["fee_procedures"] == (268, 268)
    assert f["essential"] == (22, 25)
    assert round(f["land_online_payments"] / 1e9, 1) == 23.8


def test_h1_figures_do_not_depend_on_the_load_date(versions_2022, procedures):
    early = R.figures(R.latest(versions_2022, "20220630"), procedures, "20220101", "20220630")
    late = R.figures(R.latest(versions_2022, "20221231"), procedures, "20220101", "20220630")
    for key in (
        "received",
        "online",
        "online_services_with_online_dossiers",
        "land_online_payments",
    ):
        assert early[key] == late[key]


def test_online_services_in_force_on_2022_01_01(procedures):
    online = R.in_force(procedures, "20220101")
    online = online[online["MucDoDVC"].isin(["3", "4"])]
    assert len(online) == 1_380
    assert online["CapThucHien"].value_counts().to_dict() == {"1": 1_118, "2": 183, "3": 79}
    spring = procedures[
        procedures["NgayCoHieuLuc"].between("20220102", "20220630")
        & procedures["MucDoDVC"].isin(["3", "4"])
    ]
    assert len(spring) == 3
    assert 1_750 <= len(R.in_force(procedures, "20220630")) <= 1_900
    assert (R.in_force(procedures, "20220630")["MucDoDVC"] == "2").sum() > 400


def test_year_2022_rates(versions_2022, procedures):
    f = R.figures(R.latest(versions_2022, "20221231"), procedures, "20220101", "20221231")
    assert R.pct(f["fully_online"], 2) == 80.47
    assert R.pct(f["online_payment"], 2) == 47.53
    assert R.pct(f["e_result"], 2) == 6.53
    assert R.pct(f["digitised_procedures"], 1) == 82.2
    # The national target of 50 % online dossiers is not reached in 2022.
    assert f["online"] / f["received"] < 0.5


def test_year_2022_rates_hold_after_later_loads(world, versions_2022, procedures):
    """Versions of 2022 dossiers updated in 2023 change no 2022 rate."""
    yd = world.year(2022)
    start_2023 = int(np.datetime64("2023-01-01", "s").astype(np.int64))
    later = np.flatnonzero(yd.v_ts >= start_2023)
    assert len(later) > 1000  # there are such versions
    items = world.render(2022, later)
    assert not any(g["DuongDanTepTinKetQua"] for r in items for g in r["DanhSachGiayToKetQua"])
    combined = pd.concat([versions_2022, pd.DataFrame(R.compact(items), columns=R.COLUMNS)])
    before = R.figures(R.latest(versions_2022), procedures, "20220101", "20221231")
    after = R.figures(R.latest(combined), procedures, "20220101", "20221231")
    for key in ("received", "fully_online", "online_payment", "e_result", "digitised_procedures"):
        assert before[key] == after[key], key


def test_other_years_are_plausible(world):
    """2021 smaller and less online than 2022, 2023 larger and more online."""
    stats = {}
    for y in (2021, 2022, 2023):
        yd = world.year(y)
        stats[y] = (yd.n_dossiers, float((yd.d_channel == 2).mean()))
    assert stats[2021][0] < stats[2022][0] < stats[2023][0]
    assert stats[2021][1] < stats[2022][1] < stats[2023][1]
    assert 0.5 < stats[2023][1] < 0.75
