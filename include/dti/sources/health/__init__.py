"""The health sector (docs/health_source.md): facility registry over HTTP, cashier payment CSVs
and insurance claim XMLs from an inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dti.sources import EntityMode, FieldKind, FileDrop, Source, SourceEntity, SourceField

from .claims import FIELDS as CLAIM_FIELDS
from .payments import FIELDS as PAYMENT_FIELDS

if TYPE_CHECKING:
    from dti.config import Settings

FACILITIES = SourceEntity(
    source="health",
    name="facilities",
    path="/health/api/v1/facilities",
    fields=(
        *(
            SourceField(n)
            for n in (
                "MaCSKCB",
                "TenCSKCB",
                "LoaiCSKCB",
                "TrucThuocSo",
                "MaDonViCha",
                "MaTinh",
                "MaHuyen",
                "MaXa",
            )
        ),
        SourceField("NangLuc", FieldKind.LIST),
        SourceField("NgayHoatDong"),
        SourceField("LichSuDiaBan", FieldKind.LIST),
    ),
    key=("MaCSKCB",),
    mode=EntityMode.SNAPSHOT,
)

PAYMENTS = SourceEntity(
    source="health",
    name="payments",
    path="",
    fields=tuple(SourceField(n) for n in PAYMENT_FIELDS),
    key=("MaGiaoDich",),
    mode=EntityMode.FILES,
    files=FileDrop(
        pattern=r"^(?P<unit>\d{5})_(?P<period>\d{8})(?: \(\d+\))?\.csv$",
        parser="dti.sources.health.payments:parse_payments",
        period="day",
        expected_units="dti.sources.health.units:payment_units",
    ),
    reference_sets={"known_unit_codes": ("facilities", "MaCSKCB")},
)

CLAIMS = SourceEntity(
    source="health",
    name="claims",
    path="",
    fields=tuple(SourceField(n) for n in CLAIM_FIELDS),
    key=("MA_LK",),
    mode=EntityMode.FILES,
    personal=frozenset({"MA_BN", "HO_TEN", "SO_CCCD", "MA_THE_BHYT", "DIEN_THOAI", "DIA_CHI"}),
    files=FileDrop(
        pattern=r"^(?P<unit>\d{5})_(?P<period>\d{8})(?: \(\d+\))?\.xml$",
        parser="dti.sources.health.claims:parse_claims",
        period="day",
        expected_units="dti.sources.health.units:claim_units",
    ),
    reference_sets={"known_facility_codes": ("facilities", "MaCSKCB")},
)


def _base_url(settings: Settings) -> str:
    return settings.effective_health_url


def _token(settings: Settings) -> str:
    return settings.health_token


SOURCE = Source(
    name="health",
    entities={e.name: e for e in (FACILITIES, PAYMENTS, CLAIMS)},
    base_url=_base_url,
    token=_token,
)
