"""Deterministic portal-shaped records for tests (dossiers, procedures, agencies).

Not the project's simulator: just enough realistic records, in the contract's shape
(docs/portal_source.md), to drive the real pipeline code.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

TS = "%Y%m%d%H%M%S"

PROCEDURE_CODES = [f"1.00{n:04d}" for n in range(1, 31)] + [f"2.00{n:04d}" for n in range(1, 11)]
AGENCY_CODES = ["000.00.21.H04", "000.20.213.H04", "000.26.07444.H04", "000.26.07447.H04"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
GIVEN = ["Văn An", "Thị Bình", "Minh Châu", "Đức Dũng", "Thu Hà", "Quang Huy", "Lan Hương"]


def agencies() -> list[dict[str, Any]]:
    return [
        {
            "MaDonVi": "000.00.21.H04",
            "TenDonVi": "Sở Tư pháp",
            "CapDonVi": "1",
            "MaDonViCha": None,
            "MaTinh": "24",
            "MaHuyen": None,
            "MaXa": None,
        },
        {
            "MaDonVi": "000.20.213.H04",
            "TenDonVi": "UBND huyện Yên Thế",
            "CapDonVi": "2",
            "MaDonViCha": None,
            "MaTinh": "24",
            "MaHuyen": "215",
            "MaXa": None,
        },
        {
            "MaDonVi": "000.26.07444.H04",
            "TenDonVi": "UBND xã Đồng Tiến",
            "CapDonVi": "3",
            "MaDonViCha": "000.20.213.H04",
            "MaTinh": "24",
            "MaHuyen": "215",
            "MaXa": "07444",
        },
        {
            "MaDonVi": "000.26.07447.H04",
            "TenDonVi": "UBND xã Canh Nậu",
            "CapDonVi": "3",
            "MaDonViCha": "000.20.213.H04",
            "MaTinh": "24",
            "MaHuyen": "215",
            "MaXa": "07447",
        },
    ]


def procedures() -> list[dict[str, Any]]:
    out = []
    for i, code in enumerate(PROCEDURE_CODES):
        out.append(
            {
                "MaTTHC": code,
                "TenTTHC": f"Thủ tục số {i + 1}",
                "MaLinhVuc": f"LV{i % 5:02d}",
                "TenLinhVuc": ["Đất đai", "Tư pháp", "Giao thông", "Xây dựng", "Hộ tịch"][i % 5],
                "CapThucHien": str(1 + i % 3),
                "MaCoQuanThucHien": AGENCY_CODES[i % 3],
                "MucDoDVC": ["4", "3", "2"][i % 3],
                "CoNghiaVuTaiChinh": str(i % 2),
                "TichHopThanhToanTrucTuyen": str((i // 2) % 2),
                "CoGiayToKetQua": "1",
                "YeuCauKetQuaGiay": str(i % 2),
                "ThoiGianGiaiQuyet": ["5", "0.5", "10", "15"][i % 4],
                "DonViThoiGian": ["ngay_lam_viec", "ngay", "gio"][i % 3],
                "DVCThietYeu": "1" if i < 5 else "0",
                "TichHopCongDVCQG": "1",
                "NgayCoHieuLuc": "20210101",
                "NgayHetHieuLuc": None if i % 7 else "20230701",
            }
        )
    return out


def dossiers(day: str = "2022-01-05", n: int = 50, seed: int = 1) -> list[dict[str, Any]]:
    """``n`` dossier versions whose NgayCapNhat falls on local ``day``, ordered as the portal."""
    rng = random.Random(seed)
    base = datetime.fromisoformat(day)
    out = []
    for i in range(n):
        updated = base + timedelta(seconds=int(i * 86_000 / max(n, 1)) + 1)
        received = updated - timedelta(days=rng.randint(0, 6), minutes=rng.randint(0, 600))
        due = received + timedelta(days=rng.randint(1, 15))
        state = rng.choice(["2", "4", "5", "9", "10"])
        ended = received + timedelta(hours=rng.randint(1, 48)) if state in ("9", "10") else None
        ended = min(ended, updated) if ended else None
        agency = AGENCY_CODES[i % len(AGENCY_CODES)]
        name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
        fee = rng.choice([0, 20_000, 50_000, 100_000])
        out.append(
            {
                "MaHoSo": f"{agency}-{received:%y%m%d}-{i + 1:04d}",
                "MaTTHC": PROCEDURE_CODES[i % len(PROCEDURE_CODES)],
                "TenTTHC": f"Thủ tục số {i % len(PROCEDURE_CODES) + 1}",
                "DonViXuLy": agency,
                "KenhThucHien": rng.choice(["1", "2", "2", "3"]),
                "LoaiDoiTuong": rng.choice(["1", "1", "2", "3", "4"]),
                "ChuHoSo": name,
                "SoGiayToChuHoSo": f"0240{rng.randint(10_000_000, 99_999_999)}",
                "SoDienThoai": f"09{rng.randint(10_000_000, 99_999_999)}" if i % 3 else None,
                "Email": f"nguoidan{i}@example.vn" if i % 4 == 0 else None,
                "MaXaChuHoSo": rng.choice(["07444", "07450", None]),
                "NgayNopHoSo": received.strftime(TS),
                "NgayTiepNhan": received.strftime(TS),
                "NgayHenTra": due.strftime(TS),
                "NgayKetThucXuLy": ended.strftime(TS) if ended else None,
                "NgayTra": ended.strftime(TS) if ended and state == "10" else None,
                "TrangThaiHoSo": state,
                "DuocThanhToanTrucTuyen": rng.choice(["0", "1", "2"]),
                "HoSoCoThanhPhanSoHoa": rng.choice(["0", "1"]),
                "TaiKhoanDuocXacThucVoiVNeID": rng.choice(["0", "1"]),
                "NgayCapNhat": updated.strftime(TS),
                "TaiLieuNop": [
                    {
                        "TepDinhKemId": f"TD{i}-{k}",
                        "TenTepDinhKem": f"giay_to_{k}.pdf",
                        "DuocSoHoa": rng.choice(["0", "1"]),
                        "DuocTaiSuDung": "0",
                        "DuocLayTuKhoDMQG": rng.choice(["0", "1"]),
                    }
                    for k in range(rng.randint(0, 3))
                ],
                "DanhSachLePhi": (
                    [
                        {
                            "MaPhiLePhi": "LP01",
                            "TenPhiLePhi": "Lệ phí",
                            "Gia": fee,
                            "HinhThucThu": "1",
                        }
                    ]
                    if fee
                    else []
                ),
                "DanhSachHoSoBoSung": [],
                "DanhSachGiayToKetQua": (
                    [
                        {
                            "GiayToId": f"KQ{i}",
                            "TenGiayTo": "Kết quả",
                            "DuongDanTepTinKetQua": f"https://dvc.example.vn/kq/{i}.pdf"
                            if i % 2
                            else None,
                        }
                    ]
                    if ended
                    else []
                ),
            }
        )
    return out
