"""The simulated education sector: district workbooks and the provincial school registry.

The sector database has no API (``shared/reference/source_formats.md`` §3): each of the 10 district
education offices (Phòng GD&ĐT) exports a monthly Excel workbook of its district's schools, and the
provincial Department (Sở GD&ĐT) exports its school registry. :func:`deliver` drops both into the
inbox as real offices produce them: a title block, a two-row merged Vietnamese header, a row of
column numbers in some offices, one row per school, stray blank rows, a totals row and a signature
footer; some numbers stored as text (with ``.`` as the thousands separator); a header renamed
between months; a file sent twice, a file re-sent with a correction, a late file, a file never
sent.

Calibration (``shared/reference/seed_figures.md``, docs/education_source.md):

* 789 schools (250 preschools, 235 primary, 205 lower secondary, 40 multi-level, 48 upper
  secondary, 11 continuing-education centres), 539 from primary to upper secondary and continuing
  education; a private preschool opens in September 2022.
* Schools of those 539 using electronic records and books: 452 at the end of 2021, 509 from the end
  of June 2022 to the end of 2022 (no school stops).
* Online classrooms at the end of 2021 (the December 2021 workbooks): 243 schools, 1,248
  classrooms.
* Cashless tuition payments grow through 2022 (the province's plan 2281).
"""

from __future__ import annotations

import io
import json
import logging
import os
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import numpy as np

from .catalogue import PROVINCE_CODE, load_geography

log = logging.getLogger(__name__)

SOURCE = "education"
REPORTS = "school_reports"
REGISTRY = "school_registry"

FIRST_MONTH = date(2021, 12, 1)
LAST_MONTH = date(2022, 12, 1)

# level code -> (label in the workbooks, number of schools at scale 1)
LEVELS: dict[str, tuple[str, int]] = {
    "preschool": ("Mầm non", 250),
    "primary": ("Tiểu học", 235),
    "lower_secondary": ("THCS", 205),
    "multi_level": ("Liên cấp", 40),
    "upper_secondary": ("THPT", 48),
    "continuing": ("GDTX", 11),
}
NAME_PREFIX = {
    "preschool": "Trường Mầm non",
    "primary": "Trường Tiểu học",
    "lower_secondary": "Trường THCS",
    "multi_level": "Trường TH&THCS",
    "upper_secondary": "Trường THPT",
    "continuing": "Trung tâm GDNN-GDTX",
}
# Levels of the e-record indicator: primary to upper secondary and continuing education.
E_RECORD_LEVELS = ("primary", "lower_secondary", "multi_level", "upper_secondary", "continuing")

# Schools of E_RECORD_LEVELS using electronic records at each month's end (stock, never falls).
E_RECORD_SCHOOLS = {
    date(2021, 12, 1): 452,
    date(2022, 1, 1): 461,
    date(2022, 2, 1): 472,
    date(2022, 3, 1): 483,
    date(2022, 4, 1): 494,
    date(2022, 5, 1): 502,
    date(2022, 6, 1): 509,
}
E_RECORD_SCHOOLS_2022 = 509
# Schools with >= 1 online classroom and the classrooms, per month (2021-12 is published).
ONLINE_SCHOOLS = {
    date(2021, 12, 1): (243, 1248),
    date(2022, 1, 1): (251, 1302),
    date(2022, 2, 1): (268, 1415),
    date(2022, 3, 1): (197, 904),
    date(2022, 4, 1): (61, 180),
    date(2022, 5, 1): (34, 88),
    date(2022, 6, 1): (12, 25),
    date(2022, 7, 1): (9, 18),
    date(2022, 8, 1): (10, 20),
    date(2022, 9, 1): (38, 77),
    date(2022, 10, 1): (41, 85),
    date(2022, 11, 1): (44, 92),
    date(2022, 12, 1): (47, 99),
}
# Share of a month's tuition payments made without cash (the plan pushed it through 2022).
CASHLESS_SHARE = {
    date(2021, 12, 1): 0.08,
    date(2022, 1, 1): 0.10,
    date(2022, 2, 1): 0.12,
    date(2022, 3, 1): 0.15,
    date(2022, 4, 1): 0.19,
    date(2022, 5, 1): 0.23,
    date(2022, 6, 1): 0.26,
    date(2022, 7, 1): 0.28,
    date(2022, 8, 1): 0.31,
    date(2022, 9, 1): 0.38,
    date(2022, 10, 1): 0.44,
    date(2022, 11, 1): 0.50,
    date(2022, 12, 1): 0.56,
}
# Public primary schooling is tuition-free; monthly tuition (VND) by level otherwise.
TUITION_VND = {
    "preschool": (150_000, 300_000),
    "primary": (0, 0),
    "lower_secondary": (60_000, 120_000),
    "multi_level": (50_000, 100_000),
    "upper_secondary": (80_000, 150_000),
    "continuing": (80_000, 150_000),
}
STUDENTS = {
    "preschool": (120, 420),
    "primary": (280, 1200),
    "lower_secondary": (220, 1000),
    "multi_level": (250, 800),
    "upper_secondary": (700, 1800),
    "continuing": (150, 600),
}

# --- the workbook layout -------------------------------------------------------------------
# (canonical column, group header or None, header variants: the first is the usual one)
COLUMNS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("STT", None, ("STT",)),
    ("MaTruong", None, ("Mã trường", "Mã định danh trường", "Mã trường (CSDL ngành)")),
    ("TenTruong", None, ("Tên trường", "Tên cơ sở giáo dục")),
    ("CapHoc", None, ("Cấp học", "Bậc học")),
    ("XaPhuong", None, ("Xã/Phường/Thị trấn", "Xã, phường, thị trấn")),
    ("SoHocSinh", None, ("Số học sinh", "Tổng số học sinh", "Số HS")),
    ("SoGiaoVien", None, ("Số giáo viên", "Tổng số giáo viên", "Số GV")),
    (
        "SuDungHoSoDienTu",
        "Chuyển đổi số",
        ("Sử dụng hồ sơ, sổ sách điện tử", "Sử dụng HSSS điện tử (Có/Không)"),
    ),
    ("SoHocBaSoDaKy", "Chuyển đổi số", ("Số học bạ số đã ký", "Học bạ số đã ký số")),
    (
        "SoLopHocTrucTuyen",
        "Chuyển đổi số",
        ("Số lớp học trực tuyến", "Số phòng học trực tuyến"),
    ),
    (
        "SoHocSinhHocTrucTuyen",
        "Chuyển đổi số",
        ("Số HS học trực tuyến", "Số học sinh tham gia học trực tuyến"),
    ),
    ("SoLuotThuHocPhi", "Thu học phí trong tháng", ("Tổng số lượt", "Số lượt thu")),
    (
        "SoTienHocPhi",
        "Thu học phí trong tháng",
        ("Tổng số tiền (đồng)", "Số tiền thu (đồng)"),
    ),
    (
        "SoLuotKhongTienMat",
        "Thu học phí trong tháng",
        ("Số lượt không dùng tiền mặt", "Lượt thu không dùng tiền mặt"),
    ),
    (
        "SoTienKhongTienMat",
        "Thu học phí trong tháng",
        ("Số tiền không dùng tiền mặt (đồng)", "Tiền thu không dùng tiền mặt (đồng)"),
    ),
)
NUMERIC = (
    "SoHocSinh",
    "SoGiaoVien",
    "SoHocBaSoDaKy",
    "SoLopHocTrucTuyen",
    "SoHocSinhHocTrucTuyen",
    "SoLuotThuHocPhi",
    "SoTienHocPhi",
    "SoLuotKhongTienMat",
    "SoTienKhongTienMat",
)
REGISTRY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("STT", "STT"),
    ("MaTruong", "Mã trường"),
    ("TenTruong", "Tên trường"),
    ("CapHoc", "Cấp học"),
    ("LoaiHinh", "Loại hình"),
    ("MaHuyen", "Mã huyện"),
    ("MaXa", "Mã xã"),
    ("XaPhuong", "Xã/Phường/Thị trấn"),
)

# Header renames between months: (district, first month) -> {column: variant index}. An office
# that changes its template keeps the change.
RENAMES: dict[tuple[str, date], dict[str, int]] = {
    ("217", date(2022, 3, 1)): {"SoLopHocTrucTuyen": 1},
    ("220", date(2022, 2, 1)): {"SoHocSinh": 1, "TenTruong": 1},
    ("221", date(2022, 5, 1)): {"MaTruong": 1, "SoLuotThuHocPhi": 1, "SoTienHocPhi": 1},
    ("213", date(2022, 9, 1)): {"SoHocSinh": 2, "SoGiaoVien": 2, "CapHoc": 1},
    ("216", date(2022, 1, 1)): {"SuDungHoSoDienTu": 1, "SoLuotKhongTienMat": 1},
    ("218", date(2022, 4, 1)): {"SoHocSinhHocTrucTuyen": 1, "SoTienKhongTienMat": 1},
    ("223", date(2022, 6, 1)): {"XaPhuong": 1, "SoHocBaSoDaKy": 1, "MaTruong": 2},
}
# The real-world mess of the deliveries, fixed so the tests can name it.
DUPLICATE = ("215", date(2022, 5, 1))  # sent twice, identical, under another name
CORRECTED = ("219", date(2022, 2, 1))  # re-sent five days later with a corrected teacher count
LATE = ("223", date(2022, 3, 1))  # arrives on 2022-04-28 instead of early April
NEVER_SENT = ("222", date(2022, 10, 1))
COLUMN_NUMBER_ROW = frozenset({"215", "218", "221"})  # offices that print "(1) (2) ..." under


@dataclass
class School:
    code: str
    name: str
    level: str
    district: str
    commune: str
    commune_name: str
    public: bool
    students: int
    e_record_from: date | None  # month from whose end the school uses electronic records
    opened: date = FIRST_MONTH
    changes: list[tuple[date, str, str]] = field(default_factory=list)
    """(from month, new name, new level): dated attributes."""
    province: str = PROVINCE_CODE
    """The province of 2022 it lies in: '24', or '27' for the former Bắc Ninh's schools."""
    position: int = -1
    """Its commune's index among its province's 2022 communes (catalogue order), to follow
    the commune through the reorganisations (``education_recent``)."""

    def at(self, month: date) -> tuple[str, str]:
        name, level = self.name, self.level
        for since, new_name, new_level in self.changes:
            if month >= since:
                name, level = new_name, new_level
        return name, level


def months() -> list[date]:
    out, m = [], FIRST_MONTH
    while m <= LAST_MONTH:
        out.append(m)
        m = _next_month(m)
    return out


def _next_month(m: date) -> date:
    return (m.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_end(m: date) -> date:
    return _next_month(m) - timedelta(days=1)


def district_codes() -> list[str]:
    return [d["code"] for d in load_geography()[0]]


class EducationWorld:
    """Every school and every month's figures, deterministic from the seed."""

    def __init__(self, seed: int = 2022, scale: float = 1.0) -> None:
        self.seed = seed
        self.scale = scale
        self.districts, communes = load_geography()
        self.district_names = {d["code"]: d["name_with_type"] for d in self.districts}
        rng = np.random.default_rng([seed, 4])
        self.schools = _build_schools(rng, communes, scale)
        self._months: dict[date, dict[str, dict]] = {}
        # 2023 onwards (education_recent): more schools on e-records, the former Bắc Ninh's
        # schools from July 2025, the units valid each month; the calibrated months do not move
        from . import education_recent

        self.recent = education_recent.RecentYears(self)

    # -- figures --------------------------------------------------------------------------
    def schools_in(self, month: date) -> list[School]:
        schools = [s for s in self.schools if s.opened <= month]
        return schools + self.recent.merged_schools(month)

    def month_figures(self, month: date) -> dict[str, dict]:
        """School code -> canonical figures (ints, or None for a figure left blank)."""
        if month not in self._months:
            if month > LAST_MONTH:
                self._months[month] = self.recent.month_figures(month)
            else:
                self._months[month] = _month_figures(self, month)
        return self._months[month]

    def report_rows(self, district: str, month: date) -> list[dict]:
        if month > LAST_MONTH:
            return self.recent.report_rows(district, month)
        figures = self.month_figures(month)
        rows = []
        for s in self.schools_in(month):
            if s.district != district:
                continue
            name, level = s.at(month)
            rows.append(
                {
                    "MaTruong": s.code,
                    "TenTruong": name,
                    "CapHoc": LEVELS[level][0],
                    "XaPhuong": s.commune_name,
                    **figures[s.code],
                }
            )
        order = list(LEVELS)
        rows.sort(key=lambda r: (order.index(_level_code(r["CapHoc"])), r["MaTruong"]))
        return rows

    def registry_rows(self, month: date) -> list[dict]:
        if month > LAST_MONTH:
            return self.recent.registry_rows(month)
        rows = []
        for s in sorted(self.schools_in(month), key=lambda s: s.code):
            name, level = s.at(month)
            rows.append(
                {
                    "MaTruong": s.code,
                    "TenTruong": name,
                    "CapHoc": LEVELS[level][0],
                    "LoaiHinh": "Công lập" if s.public else "Tư thục",
                    "MaHuyen": s.district,
                    "MaXa": s.commune,
                    "XaPhuong": s.commune_name,
                }
            )
        return rows

    # -- files ----------------------------------------------------------------------------
    def deliveries(self) -> list[Delivery]:
        """Every file the sector sends, with its arrival time (local, naive)."""
        out: list[Delivery] = []
        for month in months():
            nxt = _next_month(month)
            out.append(
                Delivery(
                    REGISTRY,
                    f"DanhMucTruong_So{PROVINCE_CODE}_{month:%Y%m}.xlsx",
                    month,
                    PROVINCE_CODE,
                    datetime.combine(nxt, time(8, 15)),
                )
            )
            for district in district_codes():
                if (district, month) == NEVER_SENT:
                    continue
                rng = np.random.default_rng([self.seed, 5, int(district), month.toordinal()])
                arrival = datetime.combine(
                    nxt + timedelta(days=int(rng.integers(2, 11))),
                    time(int(rng.integers(7, 17)), int(rng.integers(0, 60))),
                )
                if (district, month) == LATE:
                    arrival = datetime(2022, 4, 28, 15, 40)
                name = f"PGD_{district}_BaoCaoCDS_{month:%Y%m}.xlsx"
                out.append(Delivery(REPORTS, name, month, district, arrival))
                if (district, month) == DUPLICATE:
                    out.append(
                        Delivery(
                            REPORTS,
                            f"PGD_{district}_BaoCaoCDS_{month:%Y%m} (1).xlsx",
                            month,
                            district,
                            arrival + timedelta(days=2, hours=1),
                            same_as=name,
                        )
                    )
                if (district, month) == CORRECTED:
                    out.append(
                        Delivery(
                            REPORTS,
                            f"PGD_{district}_BaoCaoCDS_{month:%Y%m}_v2.xlsx",
                            month,
                            district,
                            arrival + timedelta(days=5),
                            corrected=True,
                        )
                    )
        return out + self.recent.deliveries()

    def workbook_bytes(self, d: Delivery) -> bytes:
        if d.month > LAST_MONTH:
            return self.recent.workbook_bytes(d)
        if d.entity == REGISTRY:
            return registry_workbook(self.registry_rows(d.month), d.month)
        rows = self.report_rows(d.unit, d.month)
        if (d.unit, d.month) == CORRECTED and not d.corrected:
            # the first sending carried a typo in one school's teacher count
            rows = [dict(r) for r in rows]
            rows[3]["SoGiaoVien"] = (rows[3]["SoGiaoVien"] or 0) * 10
        return report_workbook(
            rows,
            district=d.unit,
            district_name=self.district_names[d.unit],
            month=d.month,
            variants=_variants(d.unit, d.month),
            seed=self.seed,
        )


@dataclass(frozen=True)
class Delivery:
    entity: str
    name: str
    month: date
    unit: str
    arrival: datetime
    same_as: str | None = None
    corrected: bool = False

    def overlaps(self, first: date, last: date) -> bool:
        in_period = self.month <= last and _month_end(self.month) >= first
        return in_period or first <= self.arrival.date() <= last


def _level_code(label: str) -> str:
    return next(code for code, (lab, _) in LEVELS.items() if lab == label)


def _variants(district: str, month: date) -> dict[str, int]:
    out: dict[str, int] = {}
    for (d, since), renames in sorted(RENAMES.items(), key=lambda kv: kv[0][1]):
        if d == district and month >= since:
            out.update(renames)
    return out


# --- generation ------------------------------------------------------------------------------
def _build_schools(rng: np.random.Generator, communes: list[dict], scale: float) -> list[School]:
    by_district: dict[str, list[dict]] = {}
    for c in communes:
        by_district.setdefault(c["parent_code"], []).append(c)
    # town and city wards hold more schools (and the private ones)
    weights = np.array([3.0 if c["type"] in ("phuong", "thi-tran") else 1.0 for c in communes])
    schools: list[School] = []
    seq: dict[str, int] = {}
    position = {c["code"]: i for i, c in enumerate(communes)}

    def add(level: str, commune: dict, public: bool = True) -> School:
        district = commune["parent_code"]
        seq[district] = seq.get(district, 0) + 1
        code = f"{PROVINCE_CODE}{district}{seq[district]:03d}"
        lo, hi = STUDENTS[level]
        urban = commune["type"] in ("phuong", "thi-tran")
        students = int(rng.integers(lo, hi) * (1.3 if urban else 1.0))
        school = School(
            code=code,
            name=f"{NAME_PREFIX[level]} {commune['name']}",
            level=level,
            district=district,
            commune=commune["code"],
            commune_name=commune["name_with_type"],
            public=public,
            students=students,
            e_record_from=None,
            position=position[commune["code"]],
        )
        schools.append(school)
        return school

    for level, (_label, base) in LEVELS.items():
        n = max(1, round(base * scale))
        if level == "continuing":
            # one centre per district, the provincial centre in the city
            chosen = [by_district[d][0] for d in sorted(by_district)]
            chosen += [by_district["213"][1]] * (n - len(chosen))
        elif level in ("upper_secondary",):
            per = np.full(len(by_district), n // len(by_district))
            per[: n - per.sum()] += 1
            chosen = []
            for k, d in zip(per, sorted(by_district), strict=True):
                pool = by_district[d]
                chosen += [pool[i] for i in rng.choice(len(pool), int(k), replace=False)]
        else:
            # one per commune first (in a random order), the rest where people live
            order = rng.permutation(len(communes))
            chosen = [communes[i] for i in order[:n]]
            extra = n - len(chosen)
            if extra > 0:
                p = weights / weights.sum()
                chosen += [communes[i] for i in rng.choice(len(communes), extra, p=p)]
        used: dict[tuple[str, str], int] = {}
        for commune in chosen:
            k = used.get((level, commune["code"]), 0) + 1
            used[(level, commune["code"])] = k
            private = level == "preschool" and k > 1 and rng.random() < 0.5
            s = add(level, commune, public=not private)
            if k > 1:
                s.name = f"{s.name} số {k}"
            if private:
                s.name = s.name.replace("Trường Mầm non", "Trường Mầm non tư thục")

    # electronic records: who uses them from which month end
    eligible = [s for s in schools if s.level in E_RECORD_LEVELS]
    order = rng.permutation(len(eligible))
    ranked = [eligible[i] for i in order]
    scaled = {m: round(n * scale) for m, n in E_RECORD_SCHOOLS.items()}
    previous = 0
    for m, n in sorted(scaled.items()):
        for s in ranked[previous:n]:
            s.e_record_from = m
        previous = n
    for s in schools:
        if s.level == "preschool" and rng.random() < 0.55:
            s.e_record_from = FIRST_MONTH if rng.random() < 0.7 else date(2022, 9, 1)

    # dated attributes: a primary school becomes multi-level with the 2022-23 school year, two
    # schools are renamed in May 2022 (the counts of each indicator level set are unchanged)
    primaries = [s for s in schools if s.level == "primary"]
    upgraded = primaries[int(rng.integers(len(primaries)))]
    upgraded.changes.append(
        (
            date(2022, 9, 1),
            upgraded.name.replace("Trường Tiểu học", "Trường TH&THCS"),
            "multi_level",
        )
    )
    for s in (schools[int(i)] for i in rng.choice(len(schools), 2, replace=False)):
        s.changes.append((date(2022, 5, 1), f"{s.name} - Chất lượng cao", s.level))
    for s in schools:
        s.changes.sort()

    # a private preschool opens in the city with the school year
    city = by_district["213"][2]
    new = add("preschool", city, public=False)
    new.name = f"Trường Mầm non tư thục Hoa Sen {city['name']}"
    new.opened = date(2022, 9, 1)
    return schools


def _month_figures(world: EducationWorld, month: date) -> dict[str, dict]:
    rng = np.random.default_rng([world.seed, 6, month.toordinal()])
    n_online, n_rooms = ONLINE_SCHOOLS[month]
    return school_figures(
        rng,
        world.schools_in(month),
        month,
        n_online=round(n_online * world.scale),
        n_rooms=round(n_rooms * world.scale),
        share=CASHLESS_SHARE[month],
        school_year_factor=1.04 if month >= date(2022, 9, 1) else 1.0,
    )


def school_figures(
    rng: np.random.Generator,
    schools: list[School],
    month: date,
    *,
    n_online: int,
    n_rooms: int,
    share: float,
    school_year_factor: float,
) -> dict[str, dict]:
    """The month's figures of ``schools``: exactly ``n_online`` schools (never preschools) with
    ``n_rooms`` online classrooms, tuition paid without cash at ``share``."""
    figures: dict[str, dict] = {}
    eligible = [s for s in schools if s.level != "preschool"]
    online = [eligible[i] for i in rng.choice(len(eligible), n_online, replace=False)]
    sizes = np.array([s.students for s in online], dtype=float)
    rooms = 1 + rng.multinomial(n_rooms - n_online, sizes / sizes.sum()) if online else []
    room_of = {s.code: int(r) for s, r in zip(online, rooms, strict=True)}
    summer = month.month in (6, 7, 8)
    for s in schools:
        _, level = s.at(month)
        students = int(round(s.students * school_year_factor)) + int(rng.integers(-3, 4))
        teachers = max(4, round(students / (12 if level == "preschool" else 21)))
        uses = s.e_record_from is not None and s.e_record_from <= month
        # digital school-record books: primary schools using e-records sign them from 2022-09
        books = (
            int(students * rng.uniform(0.6, 1.0))
            if uses and level in ("primary", "multi_level") and month >= date(2022, 9, 1)
            else 0
        )
        r = room_of.get(s.code, 0)
        participants = min(students, int(r * rng.integers(22, 38))) if r else 0
        lo, hi = TUITION_VND[level]
        if hi == 0 or (summer and level != "preschool"):
            payments = amount = cashless = cashless_amount = 0
        else:
            fee = int(rng.integers(lo // 1000, hi // 1000)) * 1000
            payments = int(students * rng.uniform(0.85, 1.0))
            cashless = int(rng.binomial(payments, share))
            amount, cashless_amount = payments * fee, cashless * fee
        figures[s.code] = {
            "SoHocSinh": students,
            "SoGiaoVien": teachers,
            "SuDungHoSoDienTu": "Có" if uses else "Không",
            "SoHocBaSoDaKy": books,
            "SoLopHocTrucTuyen": r,
            # some offices leave the participants blank when there is no online class
            "SoHocSinhHocTrucTuyen": participants if r or rng.random() < 0.7 else None,
            "SoLuotThuHocPhi": payments,
            "SoTienHocPhi": amount,
            "SoLuotKhongTienMat": cashless,
            "SoTienKhongTienMat": cashless_amount,
        }
    return figures


# --- writing the workbooks -------------------------------------------------------------------
_FIXED_TIME = datetime(2022, 1, 1)


def _save(wb) -> bytes:  # noqa: ANN001 - openpyxl Workbook
    wb.properties.creator = "Phần mềm quản lý CSDL ngành giáo dục"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps each zip member with the current time: fix it, so that the same workbook
    # is the same bytes (an office sending a file twice sends identical bytes)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2022, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _as_text(value: int, rng: np.random.Generator) -> str:
    """A number as an office types it into a text cell."""
    if value >= 1000 and rng.random() < 0.6:
        return f"{value:,}".replace(",", ".")
    return f" {value}" if rng.random() < 0.3 else str(value)


def report_workbook(
    rows: list[dict],
    *,
    district: str,
    district_name: str,
    month: date,
    variants: dict[str, int] | None = None,
    seed: int = 2022,
    text_share: float = 0.05,
    office: str = "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
    head: str = "TRƯỞNG PHÒNG",
) -> bytes:
    """One district office's monthly workbook (.xlsx bytes); from July 2025 (no districts) the
    Department's (``office``, ``head``), with ``district`` the province code."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    variants = variants or {}
    rng = np.random.default_rng([seed, 7, int(district), month.toordinal()])
    wb = Workbook()
    ws = wb.active
    ws.title = f"T{month:%m}-{month:%Y}"
    bold = Font(bold=True)
    title = [
        f"UBND {district_name.upper()}",
        office,
        None,
        "BÁO CÁO THỐNG KÊ CHUYỂN ĐỔI SỐ TRONG CÁC CƠ SỞ GIÁO DỤC",
        f"Tháng {month:%m} năm {month:%Y}",
    ]
    if int(district) % 2:  # some offices add a reference line and one more blank line
        title = [*title[:2], f"Số: {int(rng.integers(10, 300))}/BC-PGDĐT", *title[2:], None]
    for line in title:
        ws.append([line])
        if line:
            ws.cell(ws.max_row, 1).font = bold
    ncol = len(COLUMNS)
    top = ws.max_row + 1
    bottom = top + 1
    groups: dict[str, list[int]] = {}
    for i, (canon, group, names) in enumerate(COLUMNS, start=1):
        label = names[variants.get(canon, 0)]
        if group is None:
            ws.cell(top, i, label)
            ws.merge_cells(start_row=top, start_column=i, end_row=bottom, end_column=i)
        else:
            groups.setdefault(group, []).append(i)
            ws.cell(bottom, i, label)
    for group, cols in groups.items():
        ws.cell(top, cols[0], group)
        ws.merge_cells(start_row=top, start_column=cols[0], end_row=top, end_column=cols[-1])
    for r in (top, bottom):
        for c in range(1, ncol + 1):
            ws.cell(r, c).font = bold
            ws.cell(r, c).alignment = Alignment(wrap_text=True, horizontal="center")
    if district in COLUMN_NUMBER_ROW:
        ws.append([f"({i})" for i in range(1, ncol + 1)])
    totals = dict.fromkeys(NUMERIC, 0)
    level = None
    for n, row in enumerate(rows, start=1):
        if level is not None and row["CapHoc"] != level and rng.random() < 0.5:
            ws.append([])  # a stray blank row between level groups
        level = row["CapHoc"]
        values: list = []
        for canon, _group, _names in COLUMNS:
            if canon == "STT":
                values.append(n)
                continue
            v = row.get(canon)
            if canon in NUMERIC and v is not None:
                totals[canon] += v
                if rng.random() < text_share:
                    v = _as_text(v, rng)
            values.append(v)
        ws.append(values)
    if rng.random() < 0.5:
        ws.append([])
    ws.append(
        [
            None,
            "Tổng cộng",
            None,
            None,
            None,
            *(totals[c] for c, _g, _n in COLUMNS[5:7]),
            None,
            *(totals[c] for c, _g, _n in COLUMNS[8:]),
        ]
    )
    for c in range(1, ncol + 1):
        ws.cell(ws.max_row, c).font = bold
    ws.append([])
    gap = [None] * 6
    ws.append([None, "Người lập biểu", *gap, head])
    ws.append([None, "(Ký, ghi rõ họ tên)", *gap, "(Ký tên, đóng dấu)"])
    return _save(wb)


def registry_workbook(rows: list[dict], month: date, province_name: str = "Bắc Giang") -> bytes:
    """The Department's registry of schools as exported at the end of ``month``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "DanhMucTruong"
    ws.append([f"SỞ GIÁO DỤC VÀ ĐÀO TẠO {province_name.upper()}"])
    ws.append([f"DANH MỤC CƠ SỞ GIÁO DỤC (đến ngày {_month_end(month):%d/%m/%Y})"])
    ws.append([])
    ws.append([label for _c, label in REGISTRY_COLUMNS])
    for c in range(1, len(REGISTRY_COLUMNS) + 1):
        ws.cell(4, c).font = Font(bold=True)
    for n, row in enumerate(rows, start=1):
        ws.append([n, *(row[c] for c, _label in REGISTRY_COLUMNS[1:])])
    ws.append([None, f"Tổng số: {len(rows)} cơ sở"])
    return _save(wb)


# --- the inbox -------------------------------------------------------------------------------
@cache
def _world(seed: int, scale: float) -> EducationWorld:
    return EducationWorld(seed=seed, scale=scale)


def deliver(
    inbox_dir: Path, first: date, last: date, *, seed: int = 2022, scale: float = 1.0
) -> list[Path]:
    """Write every workbook whose month overlaps [first, last] or that arrives in [first, last].

    Files go to ``inbox_dir/education/<entity>/`` with mtime = arrival time (local). Delivering
    twice writes nothing new: the names delivered are kept in
    ``inbox_dir/.delivered/education.json`` (a file the pipeline archived is not sent again).
    A workbook whose arrival is still to come (after now, local time) is not written yet.
    """
    world = _world(seed, scale)
    return write_deliveries(
        Path(inbox_dir), SOURCE, world.deliveries(), world.workbook_bytes, first, last
    )


def deliver_former_bac_ninh(
    inbox_dir: Path, first: date, last: date, *, seed: int = 2022, scale: float = 1.0
) -> list[Path]:
    """The former Bắc Ninh's own education files before the 2025 merger (its Department's
    registry and its district offices' workbooks, December 2021 .. June 2025), the same way, into
    ``inbox_dir/legacy/27/education/<entity>/``: a second instance of the source."""
    from .education_recent import LEGACY_INBOX

    legacy = _world(seed, scale).recent.legacy
    return write_deliveries(
        Path(inbox_dir), LEGACY_INBOX, legacy.deliveries(), legacy.workbook_bytes, first, last
    )


def write_deliveries(
    inbox_dir: Path,
    folder: str,
    deliveries: list[Delivery],
    render,  # noqa: ANN001 - Delivery -> bytes
    first: date,
    last: date,
) -> list[Path]:
    """Write the ``deliveries`` of [first, last] not yet written into ``inbox_dir/<folder>/``
    (see :func:`deliver`); the log of what was written is ``.delivered/<folder>.json``."""
    from dti.config import LOCAL_TZ

    log_file = inbox_dir / ".delivered" / f"{folder.replace('/', '-')}.json"
    delivered: set[str] = set()
    if log_file.is_file():
        delivered = set(json.loads(log_file.read_text()))
    written: list[Path] = []
    cache_bytes: dict[str, bytes] = {}
    now = datetime.now(LOCAL_TZ).replace(tzinfo=None)
    for d in deliveries:
        key = f"{d.entity}/{d.name}"
        if key in delivered or not d.overlaps(first, last) or d.arrival > now:
            continue  # an office cannot send a month before it has closed it
        base = d.same_as or d.name
        if base not in cache_bytes:
            cache_bytes[base] = render(d if d.same_as is None else replace(d, name=base))
        target = inbox_dir / folder / d.entity / d.name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_bytes(cache_bytes[base])
        stamp = d.arrival.replace(tzinfo=LOCAL_TZ).timestamp()
        os.utime(tmp, (stamp, stamp))
        tmp.rename(target)
        delivered.add(key)
        written.append(target)
    if written:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(json.dumps(sorted(delivered), indent=0))
        log.info("%s: delivered %d workbooks for %s..%s", folder, len(written), first, last)
    return written
