"""The police source: citizen-ID and electronic-identification aggregates, cameras and cases
(docs/police_source.md). Aggregates only: no personal data, nothing to pseudonymise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dti.sources import EntityMode, Source, SourceEntity, SourceField

if TYPE_CHECKING:
    from dti.config import Settings


def _fields(*names: str) -> tuple[SourceField, ...]:
    return tuple(SourceField(n) for n in names)


COMMUNES = SourceEntity(
    source="police",
    name="communes",
    path="/police/api/v1/communes",
    fields=_fields(
        "MaXa",
        "TenXa",
        "MaHuyen",
        "TenHuyen",
        "Nam",
        "NgayHieuLuc",
        "DanSoDuTuoiCCCD",
        "ChiTieuVNeID",
        "DanSoNhom1",
        "DanSoNhom2",
        "LuyKeHoSoCCCDDauNam",
        "LuyKeTheNhanDauNam",
        "LuyKeTheTraDauNam",
    ),
    key=("MaXa", "Nam", "NgayHieuLuc"),
    mode=EntityMode.SNAPSHOT,
)

DAILY = SourceEntity(
    source="police",
    name="daily",
    path="/police/api/v1/daily",
    fields=_fields(
        "MaXa",
        "MaHuyen",
        "Ngay",
        "LanSua",
        "NgayCapNhat",
        "SoHoSoCCCD",
        "SoHoSoCCCDNhom1",
        "SoHoSoCCCDNhom2",
        "SoTheNhanTuBo",
        "SoTheDaTra",
        "SoHoSoVNeIDMuc1",
        "SoHoSoVNeIDMuc2",
        "SoTaiKhoanKichHoat",
        "LuyKeHoSoCCCD",
        "LuyKeTheNhan",
        "LuyKeTheTra",
    ),
    key=("MaXa", "Ngay"),
    mode=EntityMode.INCREMENTAL,
    version_field="NgayCapNhat",
    interval_params=("updated_from", "updated_to"),
    reference_sets={"known_commune_codes": ("communes", "MaXa")},
)

CAMERAS = SourceEntity(
    source="police",
    name="cameras",
    path="/police/api/v1/cameras",
    fields=_fields(
        "MaCamera", "MaXa", "MaHuyen", "LoaiCamera", "NgayKetNoi", "KetNoiTrungTamHuyen"
    ),
    key=("MaCamera",),
    mode=EntityMode.SNAPSHOT,
    reference_sets={"known_commune_codes": ("communes", "MaXa")},
)

CASES = SourceEntity(
    source="police",
    name="cases",
    path="/police/api/v1/cases",
    fields=_fields(
        "MaHuyen",
        "Thang",
        "LanSua",
        "NgayCapNhat",
        "SoVuHinhSu",
        "SoVuTaiNanGiaoThong",
        "SoVuKhac",
    ),
    key=("MaHuyen", "Thang"),
    mode=EntityMode.INCREMENTAL,
    version_field="NgayCapNhat",
    interval_params=("updated_from", "updated_to"),
    reference_sets={"known_district_codes": ("communes", "MaHuyen")},
)


def _base_url(settings: Settings) -> str:
    return settings.effective_police_url


def _token(settings: Settings) -> str:
    return settings.police_token


SOURCE = Source(
    name="police",
    # snapshots first: the incremental entities' suites read their reference sets
    entities={e.name: e for e in (COMMUNES, CAMERAS, DAILY, CASES)},
    base_url=_base_url,
    token=_token,
)
