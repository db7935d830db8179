"""The public-service portal / one-stop-shop system (docs/portal_source.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dti.sources import EntityMode, FieldKind, Source, SourceEntity, SourceField

if TYPE_CHECKING:
    from dti.config import Settings

_T = FieldKind.TEXT
_L = FieldKind.LIST


def _fields(*spec: str | tuple[str, FieldKind]) -> tuple[SourceField, ...]:
    return tuple(SourceField(s) if isinstance(s, str) else SourceField(*s) for s in spec)


AGENCIES = SourceEntity(
    source="portal",
    name="agencies",
    path="/portal/api/v1/agencies",
    fields=_fields("MaDonVi", "TenDonVi", "CapDonVi", "MaDonViCha", "MaTinh", "MaHuyen", "MaXa"),
    key=("MaDonVi",),
    mode=EntityMode.SNAPSHOT,
)

PROCEDURES = SourceEntity(
    source="portal",
    name="procedures",
    path="/portal/api/v1/procedures",
    fields=_fields(
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
    ),
    key=("MaTTHC",),
    mode=EntityMode.SNAPSHOT,
)

DOSSIERS = SourceEntity(
    source="portal",
    name="dossiers",
    path="/portal/api/v1/dossiers",
    fields=_fields(
        "MaHoSo",
        "MaTTHC",
        "TenTTHC",
        "DonViXuLy",
        "KenhThucHien",
        "LoaiDoiTuong",
        "ChuHoSo",
        "SoGiayToChuHoSo",
        "SoDienThoai",
        "Email",
        "MaXaChuHoSo",
        "NgayNopHoSo",
        "NgayTiepNhan",
        "NgayHenTra",
        "NgayKetThucXuLy",
        "NgayTra",
        "TrangThaiHoSo",
        "DuocThanhToanTrucTuyen",
        "HoSoCoThanhPhanSoHoa",
        "TaiKhoanDuocXacThucVoiVNeID",
        "NgayCapNhat",
        ("TaiLieuNop", _L),
        ("DanhSachLePhi", _L),
        ("DanhSachHoSoBoSung", _L),
        ("DanhSachGiayToKetQua", _L),
    ),
    key=("MaHoSo",),
    mode=EntityMode.INCREMENTAL,
    personal=frozenset({"ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai", "Email"}),
    version_field="NgayCapNhat",
    interval_params=("updated_from", "updated_to"),
    reference_sets={"known_procedure_codes": ("procedures", "MaTTHC")},
)


def _base_url(settings: Settings) -> str:
    return settings.effective_portal_url


def _token(settings: Settings) -> str:
    return settings.portal_token


SOURCE = Source(
    name="portal",
    entities={e.name: e for e in (AGENCIES, PROCEDURES, DOSSIERS)},
    base_url=_base_url,
    token=_token,
)
