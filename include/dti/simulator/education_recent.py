"""The education sector's recent years (January 2023 .. December 2026), on the units of each month.

The calibrated months (2021-12 .. 2022-12, ``education``) keep Bắc Giang's 10 districts and 209
communes of 2022. From 2023 the workbooks follow the reorganisations (``units``):

* until October 2024 the 10 district offices (Phòng GD&ĐT) of 2022;
* from November 2024 the districts of the 2024 arrangement (221 merged away, 224 new), each school
  on the commune its 2022 commune became;
* from July 2025 there are no districts: the Department of the new Bắc Ninh (Sở GD&ĐT, unit = the
  province code 24) sends one workbook for the whole province, ``So24_BaoCaoCDS_YYYYMM.xlsx``,
  and its registry holds the former Bắc Ninh's schools too (about 0.8 times Bắc Giang's per
  level, codes ``27<district of 2022><seq>``), each on a commune of 2025 and no district.

Trends: schools on electronic records keep rising (96.8 % of the e-record levels at the end of
2023, 98.5 % at the end of 2024, 99.5 % at the end of 2026); cashless tuition from 56 % (December
2022) to 92 % (December 2026); online classrooms stay a low plateau after the pandemic (about 9 %
of the schools, 2 % in the summer months, about two classrooms each); enrolment grows 1 % a school
year. Everything comes from its own random streams (``[seed, 40..44]``): the calibrated months do
not move.

The former Bắc Ninh's own system before the merger (``FormerBacNinh``, December 2021 .. June
2025) is a second instance of the source: its Department's registry
(``DanhMucTruong_So27_YYYYMM.xlsx``) and its 8 district offices' workbooks (256 .. 264), the same
schools, delivered by :func:`~.education.deliver_former_bac_ninh` into
``<inbox>/legacy/27/education/`` (``LEGACY_INBOX``; an instance's ``inbox:`` in the sources file).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

import numpy as np

from .catalogue import PROVINCE_CODE, load_geography
from .education import (
    CASHLESS_SHARE as EARLY_CASHLESS_SHARE,
)
from .education import (
    E_RECORD_LEVELS,
    FIRST_MONTH,
    LEVELS,
    NAME_PREFIX,
    ONLINE_SCHOOLS,
    REGISTRY,
    REPORTS,
    STUDENTS,
    Delivery,
    School,
    _level_code,
    _next_month,
    _variants,
    registry_workbook,
    report_workbook,
    school_figures,
)
from .units import REFORM_2025_DATE, CommuneTable, CommuneVersion, commune_table

FIRST_RECENT = date(2023, 1, 1)
LAST_RECENT = date(2026, 12, 1)
FORMER_BAC_NINH = "27"
LEGACY_LAST_MONTH = date(2025, 6, 1)  # the former Bắc Ninh's system's last month
LEGACY_INBOX = "legacy/27/education"  # where its files land (an instance's ``inbox:``)
BAC_NINH_SCHOOL_SHARE = 0.8  # the former Bắc Ninh's schools per level, against Bắc Giang's
# share of the e-record levels' schools on electronic records at a month's end (linear between)
E_RECORD_SHARE = {date(2023, 12, 1): 0.968, date(2024, 12, 1): 0.985, date(2026, 12, 1): 0.995}
BAC_NINH_E_RECORD_SHARE = {
    date(2021, 12, 1): 0.80,
    date(2022, 6, 1): 0.86,
    date(2022, 12, 1): 0.90,
    date(2023, 12, 1): 0.94,
    date(2024, 12, 1): 0.955,
    date(2025, 7, 1): 0.96,
    date(2025, 12, 1): 0.98,
    date(2026, 12, 1): 0.995,
}
PRESCHOOL_E_RECORD_SHARE = 0.6  # the former Bắc Ninh's preschools (Bắc Giang's: 55 % in 2022)
# share of a month's tuition payments made without cash (linear between; Dec 2022 calibrated)
CASHLESS_SHARE = {
    date(2022, 12, 1): 0.56,
    date(2023, 6, 1): 0.64,
    date(2023, 12, 1): 0.71,
    date(2024, 12, 1): 0.80,
    date(2025, 6, 1): 0.84,
    date(2025, 12, 1): 0.88,
    date(2026, 12, 1): 0.92,
}
ONLINE_SHARE = 0.09  # of the schools that are not preschools, in a school month
ONLINE_SHARE_SUMMER = 0.02  # June to August
ROOMS_PER_ONLINE_SCHOOL = 2.1
DEPARTMENT = "SỞ GIÁO DỤC VÀ ĐÀO TẠO"


def _interpolate(anchors: dict[date, float], month: date) -> float:
    """The anchors' value at ``month``, linear between them (constant outside)."""
    xs = sorted(anchors)
    return float(
        np.interp(month.toordinal(), [x.toordinal() for x in xs], [anchors[x] for x in xs])
    )


class _System:
    """One Department's education system over some months: its offices, workbooks and
    registry, on the units valid each month."""

    province: str  # the province code its files carry
    offices_of: str  # the province of 2022 whose districts' offices report before July 2025

    def __init__(self, world, tables: dict[str, CommuneTable]) -> None:  # noqa: ANN001
        self.world = world
        self.seed, self.scale = world.seed, world.scale
        self.tables = tables

    def schools_in(self, month: date) -> list[School]:
        raise NotImplementedError

    def months(self) -> list[date]:
        raise NotImplementedError

    def month_figures(self, month: date) -> dict[str, dict]:
        raise NotImplementedError

    # -- units ----------------------------------------------------------------------------
    def unit_of(self, school: School, month: date) -> CommuneVersion:
        """The commune version a school lies in during ``month``."""
        table = self.tables[school.province]
        at = table.on_day(np.array([school.position]), np.datetime64(month))
        return table.versions[int(at[0])]

    def offices(self, month: date) -> list[tuple[str, str]]:
        """(unit, the name its workbook's title gives) of the offices reporting ``month``: the
        districts of the month, or in a month without districts (from July 2025) the Department
        (unit = the province code)."""
        if month >= REFORM_2025_DATE:
            return [(self.province, _province_name(self.province, month))]
        table = self.tables[self.offices_of]
        n = len(table.successor_2024)
        at = table.on_day(np.arange(n), np.datetime64(month))
        districts = sorted({table.versions[int(p)].parent_code for p in at})
        return [(d, table.district_names[d]) for d in districts]

    # -- rows -----------------------------------------------------------------------------
    def _rows(self, month: date) -> list[tuple[School, CommuneVersion]]:
        return [(s, self.unit_of(s, month)) for s in self.schools_in(month)]

    def report_rows(self, office: str, month: date) -> list[dict]:
        figures = self.month_figures(month)
        rows = []
        for s, unit in self._rows(month):
            if office != self.province and unit.parent_code != office:
                continue
            name, level = s.at(month)
            rows.append(
                {
                    "MaTruong": s.code,
                    "TenTruong": name,
                    "CapHoc": LEVELS[level][0],
                    "XaPhuong": unit.name_with_type,
                    **figures[s.code],
                }
            )
        order = list(LEVELS)
        rows.sort(key=lambda r: (order.index(_level_code(r["CapHoc"])), r["MaTruong"]))
        return rows

    def registry_rows(self, month: date) -> list[dict]:
        rows = []
        for s, unit in sorted(self._rows(month), key=lambda su: su[0].code):
            name, level = s.at(month)
            rows.append(
                {
                    "MaTruong": s.code,
                    "TenTruong": name,
                    "CapHoc": LEVELS[level][0],
                    "LoaiHinh": "Công lập" if s.public else "Tư thục",
                    "MaHuyen": unit.parent_code,
                    "MaXa": unit.code,
                    "XaPhuong": unit.name_with_type,
                }
            )
        return rows

    # -- files ----------------------------------------------------------------------------
    def deliveries(self) -> list[Delivery]:
        """The files of its months (the registry, then one workbook per office), each arriving
        in the first days of the next month."""
        out: list[Delivery] = []
        for month in self.months():
            nxt = _next_month(month)
            out.append(
                Delivery(
                    REGISTRY,
                    f"DanhMucTruong_So{self.province}_{month:%Y%m}.xlsx",
                    month,
                    self.province,
                    datetime.combine(nxt, time(8, 15)),
                )
            )
            for unit, _name in self.offices(month):
                rng = np.random.default_rng([self.seed, 5, int(unit), month.toordinal()])
                arrival = datetime.combine(
                    nxt + timedelta(days=int(rng.integers(2, 11))),
                    time(int(rng.integers(7, 17)), int(rng.integers(0, 60))),
                )
                name = (
                    f"So{unit}_BaoCaoCDS_{month:%Y%m}.xlsx"
                    if unit == self.province
                    else f"PGD_{unit}_BaoCaoCDS_{month:%Y%m}.xlsx"
                )
                out.append(Delivery(REPORTS, name, month, unit, arrival))
        return out

    def workbook_bytes(self, d: Delivery) -> bytes:
        province = _province_name(self.province, d.month).removeprefix("Tỉnh ")
        if d.entity == REGISTRY:
            return registry_workbook(self.registry_rows(d.month), d.month, province)
        department = d.unit == self.province
        return report_workbook(
            self.report_rows(d.unit, d.month),
            district=d.unit,
            district_name=dict(self.offices(d.month))[d.unit],
            month=d.month,
            variants=_variants(d.unit, d.month),
            seed=self.seed,
            office=DEPARTMENT if department else "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
            head="GIÁM ĐỐC" if department else "TRƯỞNG PHÒNG",
        )


def _trend_figures(rng: np.random.Generator, schools: list[School], month: date) -> dict[str, dict]:
    """A month's figures after the pandemic: the online-classroom plateau, cashless tuition on
    its anchors, enrolment +1 % a school year."""
    eligible = sum(s.level != "preschool" for s in schools)
    summer = month.month in (6, 7, 8)
    n_online = round(eligible * (ONLINE_SHARE_SUMMER if summer else ONLINE_SHARE))
    years = month.year - 2022 - (month.month < 9)  # school years begun since 2022-09
    return school_figures(
        rng,
        schools,
        month,
        n_online=n_online,
        n_rooms=max(n_online, round(n_online * ROOMS_PER_ONLINE_SCHOOL)),
        share=_interpolate(CASHLESS_SHARE, month),
        school_year_factor=1.04 * 1.01**years,
    )


class RecentYears(_System):
    """The months after the calibrated ones (January 2023 ..), for an
    :class:`~.education.EducationWorld`: Bắc Giang's schools, and from July 2025 the former Bắc
    Ninh's too (the new province's Department)."""

    province = PROVINCE_CODE
    offices_of = PROVINCE_CODE

    def __init__(self, world) -> None:  # noqa: ANN001 - EducationWorld (import cycle)
        tables = {
            province: commune_table(tuple(c["code"] for c in load_geography(province)[1]))
            for province in (PROVINCE_CODE, FORMER_BAC_NINH)
        }
        super().__init__(world, tables)
        self.schools: list[School] = _former_bac_ninh_schools(
            np.random.default_rng([self.seed, 41]), self.scale
        )
        _adopt_e_records(
            np.random.default_rng([self.seed, 40]), world.schools, E_RECORD_SHARE, FIRST_RECENT
        )
        _adopt_e_records(
            np.random.default_rng([self.seed, 43]),
            self.schools,
            BAC_NINH_E_RECORD_SHARE,
            FIRST_MONTH,
        )
        self.legacy = FormerBacNinh(world, tables, self.schools)

    def months(self) -> list[date]:
        return _months(FIRST_RECENT, LAST_RECENT)

    def schools_in(self, month: date) -> list[School]:
        return self.world.schools_in(month)

    def merged_schools(self, month: date) -> list[School]:
        """The former Bắc Ninh's schools in the new province's registry (from July 2025)."""
        return self.schools if month >= REFORM_2025_DATE else []

    def month_figures(self, month: date) -> dict[str, dict]:
        rng = np.random.default_rng([self.seed, 42, month.toordinal()])
        return _trend_figures(rng, self.world.schools_in(month), month)


class FormerBacNinh(_System):
    """The former Bắc Ninh's own education system before the merger (December 2021 .. June
    2025): its Department's registry (``DanhMucTruong_So27_YYYYMM.xlsx``) and its district
    offices' workbooks, the same schools (same codes) the new province's registry lists from
    July 2025. Its months' figures come from their own stream (``[seed, 44, month]``) and so
    differ from the merged system's for the same schools (the two never cover one month)."""

    province = FORMER_BAC_NINH
    offices_of = FORMER_BAC_NINH

    def __init__(self, world, tables, schools: list[School]) -> None:  # noqa: ANN001
        super().__init__(world, tables)
        self.schools = schools
        self._figures: dict[date, dict[str, dict]] = {}

    def months(self) -> list[date]:
        return _months(FIRST_MONTH, LEGACY_LAST_MONTH)

    def schools_in(self, month: date) -> list[School]:
        return [s for s in self.schools if s.opened <= month]

    def month_figures(self, month: date) -> dict[str, dict]:
        if month not in self._figures:
            rng = np.random.default_rng([self.seed, 44, month.toordinal()])
            schools = self.schools_in(month)
            if month in ONLINE_SCHOOLS:  # the pandemic months: as Bắc Giang's, 0.8 times
                n_online, n_rooms = (
                    round(n * BAC_NINH_SCHOOL_SHARE) for n in ONLINE_SCHOOLS[month]
                )
                self._figures[month] = school_figures(
                    rng,
                    schools,
                    month,
                    n_online=n_online,
                    n_rooms=n_rooms,
                    share=EARLY_CASHLESS_SHARE[month],
                    school_year_factor=1.04 if month >= date(2022, 9, 1) else 1.0,
                )
            else:
                self._figures[month] = _trend_figures(rng, schools, month)
        return self._figures[month]


def _months(first: date, last: date) -> list[date]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = _next_month(m)
    return out


def _adopt_e_records(
    rng: np.random.Generator, schools: list[School], shares: dict[date, float], first: date
) -> None:
    """Schools of the e-record levels not yet using electronic records take them up month by
    month from ``first`` (in a random order), so that the share at each month's end follows
    ``shares``, linear from the share of the month before ``first`` (a stock: none stops)."""
    eligible = [s for s in schools if s.level in E_RECORD_LEVELS]
    waiting = [s for s in eligible if s.e_record_from is None]
    waiting = [waiting[i] for i in rng.permutation(len(waiting))]
    users = len(eligible) - len(waiting)
    before = (first - timedelta(days=1)).replace(day=1)
    anchors = {before: users / len(eligible), **shares}
    taken, month = 0, first
    while month <= max(shares) and taken < len(waiting):
        target = min(len(waiting), round(_interpolate(anchors, month) * len(eligible)) - users)
        for s in waiting[taken:target]:
            s.e_record_from = month
        taken = max(taken, target)
        month = _next_month(month)


@cache
def _province_versions(code: str) -> tuple[tuple[str, date, date | None], ...]:
    """(name with type, valid from, valid to) of the province code's versions."""
    from ..geography import build_geography

    return tuple(
        (v.name_with_type, v.valid_from, v.valid_to)
        for v in build_geography(PROVINCE_CODE).versions
        if v.level == "province" and v.code == code
    )


def _province_name(code: str, month: date) -> str:
    return next(
        name
        for name, since, until in _province_versions(code)
        if since <= month and (until is None or month < until)
    )


def _former_bac_ninh_schools(rng: np.random.Generator, scale: float) -> list[School]:
    """The former Bắc Ninh's schools (in its own registry until June 2025, in the new
    province's from July 2025): per level about 0.8 times Bắc Giang's, in its communes of 2022
    (weighted to the towns), codes ``27<district of 2022><nnn>``."""
    _, communes = load_geography(FORMER_BAC_NINH)
    urban = np.array([c["type"] in ("phuong", "thi-tran") for c in communes])
    p = np.where(urban, 3.0, 1.0)
    p /= p.sum()
    seq: dict[str, int] = {}
    per_commune: dict[tuple[str, int], int] = {}
    schools: list[School] = []
    for level, (_label, base) in LEVELS.items():
        n = max(1, round(base * BAC_NINH_SCHOOL_SHARE * scale))
        if n <= len(communes):
            picked = rng.choice(len(communes), n, replace=False, p=p)
        else:  # one per commune, the rest where people live
            extra = rng.choice(len(communes), n - len(communes), p=p)
            picked = np.concatenate([rng.permutation(len(communes)), extra])
        for i in (int(i) for i in picked):
            commune = communes[i]
            district = commune["parent_code"]
            seq[district] = seq.get(district, 0) + 1
            k = per_commune[(level, i)] = per_commune.get((level, i), 0) + 1
            private = level == "preschool" and k > 1 and rng.random() < 0.5
            name = f"{NAME_PREFIX[level]} {commune['name']}" + (f" số {k}" if k > 1 else "")
            lo, hi = STUDENTS[level]
            schools.append(
                School(
                    code=f"{FORMER_BAC_NINH}{district}{seq[district]:03d}",
                    name=name.replace("Mầm non", "Mầm non tư thục") if private else name,
                    level=level,
                    district=district,
                    commune=commune["code"],
                    commune_name=commune["name_with_type"],
                    public=not private,
                    students=int(rng.integers(lo, hi) * (1.3 if urban[i] else 1.0)),
                    e_record_from=(
                        FIRST_MONTH
                        if level == "preschool" and rng.random() < PRESCHOOL_E_RECORD_SHARE
                        else None
                    ),
                    province=FORMER_BAC_NINH,
                    position=i,
                )
            )
    return schools
