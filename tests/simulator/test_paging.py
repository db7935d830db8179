"""Windows and pages: every version of a window exactly once, in a stable order."""

from __future__ import annotations

import pytest

from .conftest import DOSSIERS, fetch_all


def keys(items):
    return [(r["NgayCapNhat"], r["MaHoSo"]) for r in items]


@pytest.mark.parametrize(
    "window",
    [
        ("20220315000000", "20220316000000"),  # a weekday
        ("20220103000000", "20220104000000"),  # early January: versions of 2021 and 2022 dossiers
        ("20220319000000", "20220321000000"),  # a weekend
    ],
)
def test_pages_cover_the_window_exactly_once(http, window):
    params = {"updated_from": window[0], "updated_to": window[1]}
    total, big = fetch_all(http, DOSSIERS, params, page_size=5000)
    _, small = fetch_all(http, DOSSIERS, params, page_size=777)
    assert len(big) == len(small) == total
    assert keys(big) == keys(small)  # same stable order whatever the page size
    assert keys(big) == sorted(keys(big))
    assert len(set(keys(big))) == total
    assert all(window[0] <= r["NgayCapNhat"] < window[1] for r in big)


def test_windows_partition(http):
    """A day is the union of its two half-days; a page beyond the end is empty."""
    whole = fetch_all(
        http, DOSSIERS, {"updated_from": "20220104000000", "updated_to": "20220105000000"}
    )[1]
    am = fetch_all(
        http, DOSSIERS, {"updated_from": "20220104000000", "updated_to": "20220104120000"}
    )[1]
    pm = fetch_all(
        http, DOSSIERS, {"updated_from": "20220104120000", "updated_to": "20220105000000"}
    )[1]
    assert keys(whole) == keys(am) + keys(pm)
    body = http.get(
        DOSSIERS,
        params={
            "updated_from": "20220104000000",
            "updated_to": "20220105000000",
            "page": 999,
            "page_size": 5000,
        },
    ).json()
    assert body["items"] == [] and body["total"] == len(whole)


def test_dossier_versions_tell_a_lifecycle(http):
    """Across ten days of windows each dossier's versions move forward in time and status."""
    _, items = fetch_all(
        http, DOSSIERS, {"updated_from": "20220801000000", "updated_to": "20220811000000"}
    )
    by_code: dict[str, list[dict]] = {}
    for r in items:
        by_code.setdefault(r["MaHoSo"], []).append(r)
    allowed = {
        ("2", "4"),
        ("2", "10"),
        ("2", "5"),
        ("4", "9"),
        ("4", "10"),
        ("4", "7"),
        ("4", "8"),
        ("5", "4"),
        ("9", "10"),
    }
    received_here = 0
    for versions in by_code.values():
        versions.sort(key=lambda r: r["NgayCapNhat"])
        for a, b in zip(versions, versions[1:], strict=False):
            assert a["NgayCapNhat"] < b["NgayCapNhat"]
            assert (a["TrangThaiHoSo"], b["TrangThaiHoSo"]) in allowed
            for k in ("MaTTHC", "KenhThucHien", "NgayTiepNhan", "SoGiayToChuHoSo", "DanhSachLePhi"):
                assert a[k] == b[k]
        received_here += versions[0]["TrangThaiHoSo"] == "2"
    assert 2.5 < len(items) / received_here < 3.6  # about three versions per dossier
