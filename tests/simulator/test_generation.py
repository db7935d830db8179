"""Determinism, speed, scale and the realism of the generated distributions."""

from __future__ import annotations

import hashlib
import re
import time

import numpy as np

from dti.simulator.portal import PortalWorld

from .conftest import DOSSIERS


def test_same_seed_same_bytes_across_processes(http, world):
    """The subprocess server (its own hash seed) and this process serve identical bytes."""
    params = {
        "updated_from": "20230502000000",
        "updated_to": "20230503000000",
        "page": 2,
        "page_size": 500,
    }
    served = http.get(DOSSIERS, params=params).content
    from fastapi.testclient import TestClient

    from dti.simulator.app import create_app

    from .conftest import AUTH, TOKEN

    with TestClient(create_app(TOKEN, world=world), headers=AUTH) as c:
        local = c.get(DOSSIERS, params=params).content
    assert hashlib.sha256(served).hexdigest() == hashlib.sha256(local).hexdigest()
    for path in ("/portal/api/v1/procedures", "/portal/api/v1/agencies"):
        assert http.get(path).content == c.get(path).content


def test_other_seed_differs_and_scale_scales():
    a = PortalWorld(seed=7, scale=0.1)
    b = PortalWorld(seed=7, scale=0.1)
    c = PortalWorld(seed=8, scale=0.1)
    t0 = time.perf_counter()
    ya = a.year(2023)
    assert time.perf_counter() - t0 < 10
    assert abs(ya.n_dossiers - 0.1 * 627_000) < 10
    assert np.array_equal(ya.v_key, b.year(2023).v_key)
    assert a.render(2023, np.arange(50)) == b.render(2023, np.arange(50))
    assert a.render(2023, np.arange(50)) != c.render(2023, np.arange(50))


def test_year_generation_speed():
    world = PortalWorld(seed=2022)
    t0 = time.perf_counter()
    yd = world.year(2022)
    elapsed = time.perf_counter() - t0
    print(
        f"\ngenerated 2022: {yd.n_dossiers:,} dossiers, {yd.n_versions:,} versions "
        f"in {elapsed:.1f} s"
    )
    assert elapsed < 10


def test_disk_cache_round_trip(tmp_path):
    a = PortalWorld(seed=3, scale=0.05, cache_dir=tmp_path)
    ya = a.year(2021)
    assert list(tmp_path.glob("*.npz"))
    yb = PortalWorld(seed=3, scale=0.05, cache_dir=tmp_path).year(2021)
    assert all(np.array_equal(ya.cols[k], yb.cols[k]) for k in ya.cols)


def test_weekly_rhythm_and_tet(world):
    yd = world.year(2022)
    day = yd.d_day.astype("datetime64[D]")
    counts = np.bincount((day - np.datetime64("2022-01-01")).astype(int), minlength=365)
    dow = (np.arange(365) + 5) % 7  # 2022-01-01 was a Saturday; 0 = Monday
    weekday = counts[dow < 5].mean()
    assert counts[dow == 6].mean() < 0.02 * weekday  # Sunday: almost none
    assert counts[dow == 5].mean() < 0.25 * weekday
    tet = counts[30:35]  # 2022-01-31 .. 02-04
    assert tet.max() < 0.02 * weekday
    jan_rush = counts[17:28][dow[17:28] < 5].mean()
    assert jan_rush > weekday


def test_realistic_distributions(world):
    yd = world.year(2022)
    P = world.procedures
    vol = np.sort(np.bincount(yd.d_proc, minlength=len(P)))[::-1]
    assert vol[:20].sum() > 0.4 * vol.sum()  # long tail, a few procedures dominate
    fields = np.array(
        [f.name for f in __import__("dti.simulator.catalogue", fromlist=["FIELDS"]).FIELDS]
    )
    by_field = np.bincount(P.field[yd.d_proc], minlength=len(fields))
    top = set(fields[np.argsort(-by_field)[:3]])
    assert {"Đất đai", "Hộ tịch"} <= top
    level = P.level[yd.d_proc]
    assert (level == 3).mean() > 0.2 and (level == 2).mean() > 0.2
    # Receipt clock in office hours on weekdays.
    secs = yd.d_recv % 86400
    assert ((secs >= 7.5 * 3600) & (secs < 17 * 3600)).all()
    # Versions: about three per dossier; mostly on time.
    assert 2.7 < yd.n_versions / yd.n_dossiers < 3.4
    done = yd.d_ret >= 0
    on_time = (yd.d_end[done] <= yd.d_due[done]).mean()
    assert 0.9 < on_time < 0.99
    codes = world.mahoso(2022, np.arange(yd.n_dossiers))
    assert len(set(codes)) == yd.n_dossiers
    assert all(re.fullmatch(r"000\.\d\d\.\d+\.H04-\d{6}-\d{4}", c) for c in codes[:1000])
