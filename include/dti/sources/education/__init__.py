"""The education sector (docs/education_source.md): Excel workbooks dropped into an inbox.

The sector database has no API; offices export workbooks. Two file-drop entities, both monthly:

* ``school_registry``: the Department of Education's registry of schools (code, name, level,
  ownership, district and commune codes), one workbook a month from the Department (unit = the
  province code), ``DanhMucTruong_So24_202201.xlsx``. It is what "every school is in the registry"
  is checked against and where dim_school's dated attributes come from; it comes first, so a
  month's registry is landed before the district workbooks are validated.
* ``school_reports``: each of the district education offices' monthly workbook (unit = the GSO
  district code), ``PGD_213_BaoCaoCDS_202201.xlsx``; a re-sent workbook may carry a suffix
  (``_v2``, `` (1)``). The offices are the districts of the month: the 2024 arrangement changed
  them, and from July 2025 (no districts) the Department sends one workbook for the whole
  province (unit = the province code), ``So24_BaoCaoCDS_202507.xlsx``.

Both are read by :mod:`dti.sources.education.workbook`, which finds the header by content.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from dti.sources import EntityMode, FileDrop, Source, SourceEntity, SourceField
from dti.sources.education.workbook import REGISTRY, REPORT

if TYPE_CHECKING:
    from dti.config import Settings
    from dti.records import Interval

# a re-sent file keeps its name with a suffix: "_v2", " (1)", "-lan2"
_RESENT = r"(?:[ _-]*(?:\(\d+\)|v\d+|lan\d+))?"

SCHOOL_REGISTRY = SourceEntity(
    source="education",
    name="school_registry",
    path="",
    fields=tuple(SourceField(f) for f in REGISTRY.field_names),
    key=("MaTruong", "KyBaoCao"),
    mode=EntityMode.FILES,
    files=FileDrop(
        pattern=rf"(?i)DanhMucTruong_So(?P<unit>\d{{2}})_(?P<period>\d{{6}}){_RESENT}\.xlsx",
        parser="dti.sources.education.workbook:parse_school_registry",
        period="month",
        expected_units=f"{__name__}:province_units",
    ),
)

SCHOOL_REPORTS = SourceEntity(
    source="education",
    name="school_reports",
    path="",
    fields=tuple(SourceField(f) for f in REPORT.field_names),
    key=("MaTruong", "KyBaoCao"),
    mode=EntityMode.FILES,
    files=FileDrop(
        pattern=(
            r"(?i)(?:PGD_(?=\d{3}_)|So(?=\d{2}_))(?P<unit>\d{2,3})"
            rf"_BaoCaoCDS_(?P<period>\d{{6}}){_RESENT}\.xlsx"
        ),
        parser="dti.sources.education.workbook:parse_school_report",
        period="month",
        expected_units=f"{__name__}:district_units",
    ),
    reference_sets={"registry_school_codes": ("school_registry", "MaTruong")},
)


def province_units(settings: Settings, period: Interval | None = None) -> list[str]:
    """The Department sends the registry: one unit, the province."""
    return [settings.province_code]


def district_units(settings: Settings, period: Interval | None = None) -> list[str]:
    """The offices that report a month: the education office of every district of the
    configured province valid on the month's first day (without a period, 2022's), or, in a
    month without districts (from July 2025), the Department itself (the province code)."""
    day = period.start.date() if period is not None else date(2022, 1, 1)
    districts = _districts_on(settings.province_code, day)
    return districts or [settings.province_code]


@cache
def _district_versions(province_code: str) -> tuple[tuple[str, date, date | None], ...]:
    from dti.geography import build_geography

    return tuple(
        (v.code, v.valid_from, v.valid_to)
        for v in build_geography(province_code).versions
        if v.level == "district" and v.parent_code == province_code
    )


def _districts_on(province_code: str, day: date) -> list[str]:
    return sorted(
        code
        for code, since, until in _district_versions(province_code)
        if since <= day and (until is None or day < until)
    )


SOURCE = Source(
    name="education",
    entities={e.name: e for e in (SCHOOL_REGISTRY, SCHOOL_REPORTS)},
)
