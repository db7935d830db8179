"""The police simulator's world (in-process): the published figures of seed_figures.md hold
exactly on the latest revisions, restatements replace over-reported first versions, and the
aggregates satisfy the source's own rules (returned <= received, groups within the day)."""

from __future__ import annotations

import numpy as np
import pytest

from dti.simulator.police import PoliceWorld


def _seconds(text: str) -> int:
    return int(np.datetime64(text, "s").astype(np.int64))


@pytest.fixture(scope="module")
def police() -> PoliceWorld:
    return PoliceWorld(seed=2022, scale=1.0)


@pytest.fixture(scope="module")
def h1_versions(police: PoliceWorld) -> list[dict]:
    """Every version sent in H1 2022 (by update time), as the pipeline extracts them."""
    total, items = police.daily_page(
        _seconds("2022-01-01T00:00:00"), _seconds("2022-07-01T00:00:00"), 1, 10**7
    )
    assert total == len(items)
    return items


def _latest(items: list[dict], key: tuple[str, ...]) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for r in items:
        k = tuple(r[f] for f in key)
        if k not in out or int(r["LanSua"]) > int(out[k]["LanSua"]):
            out[k] = r
    return out


def _sum(rows, *fields: str) -> int:
    return sum(int(r[f]) for r in rows for f in fields)


def test_h1_2022_daily_figures(police: PoliceWorld, h1_versions: list[dict]) -> None:
    latest = _latest(h1_versions, ("MaXa", "Ngay")).values()
    h1 = [r for r in latest if "20220101" <= r["Ngay"] <= "20220630"]
    assert len(h1) == 209 * 181
    assert _sum(h1, "SoHoSoCCCD") == 100_154
    assert _sum(h1, "SoTheNhanTuBo") == 371_257
    assert _sum(h1, "SoTheDaTra") == 345_897
    assert _sum(h1, "SoHoSoVNeIDMuc1", "SoHoSoVNeIDMuc2") == 26_499
    groups = [r for r in h1 if r["Ngay"] >= "20220316"]
    assert _sum(groups, "SoHoSoCCCDNhom1") == 17_063
    assert _sum(groups, "SoHoSoCCCDNhom2") == 38_793
    registry = [r for r in police.registry if r["Nam"] == "2022"]
    assert len(registry) == 209
    assert _sum(registry, "DanSoDuTuoiCCCD") == 1_460_272
    assert _sum(registry, "ChiTieuVNeID") == 396_559
    assert _sum(registry, "DanSoNhom1") == 24_229
    assert _sum(registry, "DanSoNhom2") == 335_445
    # cumulative at 2022-06-30 = the year's opening balance + the year's flows
    assert _sum(registry, "LuyKeHoSoCCCDDauNam") + _sum(h1, "SoHoSoCCCD") == 1_434_557


def test_restatements_replace_an_over_reported_first_version(h1_versions: list[dict]) -> None:
    by_key: dict[tuple, list[dict]] = {}
    for r in h1_versions:
        by_key.setdefault((r["MaXa"], r["Ngay"]), []).append(r)
    restated = {k: v for k, v in by_key.items() if len(v) > 1}
    assert len(restated) == 12
    assert any(len(v) == 3 for v in restated.values()), "one day is restated twice"
    for versions in restated.values():
        versions.sort(key=lambda r: int(r["LanSua"]))
        assert [r["LanSua"] for r in versions] == [str(i) for i in range(len(versions))]
        assert [r["NgayCapNhat"] for r in versions] == sorted(r["NgayCapNhat"] for r in versions)
        first, last = versions[0], versions[-1]
        assert int(first["SoHoSoCCCD"]) > int(last["SoHoSoCCCD"])
        # the restated version's running total is lowered by the same amount
        assert int(first["LuyKeHoSoCCCD"]) - int(last["LuyKeHoSoCCCD"]) == int(
            first["SoHoSoCCCD"]
        ) - int(last["SoHoSoCCCD"])


def test_source_rules_hold(h1_versions: list[dict]) -> None:
    for r in h1_versions:
        assert int(r["LuyKeTheTra"]) <= int(r["LuyKeTheNhan"]), r
        assert int(r["SoHoSoCCCDNhom1"]) + int(r["SoHoSoCCCDNhom2"]) <= int(r["SoHoSoCCCD"]), r
        assert int(r["LuyKeHoSoCCCD"]) >= int(r["SoHoSoCCCD"]), r
        assert r["NgayCapNhat"][:8] >= r["Ngay"], r


def test_cameras_and_cases(police: PoliceWorld) -> None:
    ids = [c["MaCamera"] for c in police.cameras]
    assert len(ids) == len(set(ids))
    connected = [c for c in police.cameras if c["NgayKetNoi"] and c["NgayKetNoi"] <= "20220630"]
    assert len(connected) == 789
    assert len({c["MaHuyen"] for c in connected}) == 10
    total, items = police.case_page(
        _seconds("2022-01-01T00:00:00"), _seconds("2022-07-01T00:00:00"), 1, 10_000
    )
    latest = _latest(items, ("MaHuyen", "Thang")).values()
    window = [r for r in latest if "202202" <= r["Thang"] <= "202206"]
    assert _sum(window, "SoVuHinhSu") == 102
    assert _sum(window, "SoVuTaiNanGiaoThong") == 23
    assert total > len(latest), "some months are restated"


def test_deterministic() -> None:
    a, b = PoliceWorld(seed=7), PoliceWorld(seed=7)
    assert a.registry == b.registry and a.cameras == b.cameras
    assert a.daily_page(0, 2**62, 1, 50) == b.daily_page(0, 2**62, 1, 50)
