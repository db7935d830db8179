"""The health registry after the reforms: where each facility lies on a day, and the former Bắc
Ninh's facilities that join the merged province's health system on 2025-07-01.

* Locations: a facility of Bắc Giang keeps its site; the commune (and district) it lies in is
  the version of ``units.CommuneTable`` valid on the day: the 2022 commune until 2024-10-31, the
  commune of the 2024 arrangement (and its district, e.g. 224 Thị xã Chũ) until 2025-06-30, the
  new Bắc Ninh's commune (no district) from 2025-07-01. A commune station stays one station per
  2022 commune (the real stations stayed as sites of the merged communes' stations).
* The former Bắc Ninh (province 27 until 2025-06-30): 6 provincial hospitals, a health centre
  per 2022 district (8), 6 other centres and a station per 2022 commune (126), codes
  ``27xxx`` (its old province code: no collision with Bắc Giang's ``24xxx``), open from
  2025-07-01 in the registry (``NgayHoatDong``), on the 2025 communes. Their capabilities keep
  the dates they had in their own system. Deterministic from their own random stream
  (``[seed, 7, 27]``): Bắc Giang's facilities do not move.

The former Bắc Ninh's own health system before 2025-07-01 (``legacy``): the same facilities,
codes and capabilities, open since the records begin, on the former Bắc Ninh's units (province
27: its 2022 communes and districts, then those of its 2024 arrangement) until 2025-06-30, its
last day. The warehouse loads it as an instance of the health source (docs/sources.md).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from .catalogue import load_geography
from .units import REFORM_2025_DATE, CommuneTable, commune_table

REFORM_2024_DATE = date(2024, 11, 1)

FORMER_BAC_NINH = "27"
MERGED_ON = REFORM_2025_DATE
MERGED_ON_YMD = MERGED_ON.strftime("%Y%m%d")
# the former Bắc Ninh's own system: its registry below the simulator's /legacy/27, its files in
# the inbox's legacy/27/health (an instance's url: and inbox: in the sources file), its last day
LEGACY_PREFIX = "/legacy/27"
LEGACY_INBOX = "legacy/27/health"
LEGACY_LAST = date(2025, 6, 30)

# (code, type, name, payment weight, claim weight): about Bắc Giang's volume (1.4 million people
# against 1.9 million, denser towns), so the merged province has about twice the files' volume
_PROVINCIAL_27 = (
    ("27001", "BVT", "Bệnh viện Đa khoa tỉnh Bắc Ninh", 18.0, 8.5),
    ("27002", "BVT", "Bệnh viện Sản Nhi Bắc Ninh", 7.0, 3.5),
    ("27003", "BVT", "Bệnh viện Y học cổ truyền Bắc Ninh", 3.0, 1.8),
    ("27004", "BVT", "Bệnh viện Phổi Bắc Ninh", 2.0, 1.0),
    ("27005", "BVT", "Bệnh viện Tâm thần Bắc Ninh", 1.5, 0.7),
    ("27006", "BVT", "Bệnh viện Phục hồi chức năng Bắc Ninh", 1.5, 0.7),
)
_OTHER_27 = (
    ("27015", "KHAC", "Trung tâm Kiểm soát bệnh tật tỉnh Bắc Ninh (cơ sở 2)", 3.0, 0.0),
    ("27016", "KHAC", "Trung tâm Kiểm nghiệm tỉnh Bắc Ninh (cơ sở 2)", 0.5, 0.0),
    ("27017", "KHAC", "Trung tâm Y tế các khu công nghiệp Bắc Ninh", 2.5, 0.7),
    ("27018", "KHAC", "Trung tâm Pháp y tỉnh Bắc Ninh (cơ sở 2)", 0.3, 0.0),
    ("27019", "KHAC", "Trung tâm Giám định y khoa tỉnh Bắc Ninh (cơ sở 2)", 0.7, 0.0),
    ("27020", "KHAC", "Phòng khám Bảo vệ sức khỏe cán bộ Bắc Ninh (cơ sở 2)", 1.0, 0.5),
)
_CENTRE_PAYMENT_WEIGHT_27 = 5.5
_CENTRE_CLAIM_WEIGHT_27 = 6.0
_CENTRE_FIRST_27 = 7  # 27007..27014: one per 2022 district
_STATION_FIRST_27 = 101  # 27101..: one per 2022 commune

Location = tuple[str | None, str | None, str | None, str]
"""(TuNgay, DenNgay, MaHuyen, MaXa): where a facility lies from TuNgay (None: since its records
begin) until DenNgay (exclusive, None: still)."""


def _ymd(day: date | None) -> str | None:
    return None if day is None else day.strftime("%Y%m%d")


def locations_of(table: CommuneTable, k: int) -> tuple[Location, ...]:
    """The locations of a facility whose site lies in the 2022 commune of position ``k``: a new
    location from each reform's day that changed its commune or district (a commune that absorbs
    others keeps its version, and the site its location)."""
    steps = (
        (None, k),
        (_ymd(REFORM_2024_DATE), int(table.successor_2024[k])),
        (_ymd(REFORM_2025_DATE), int(table.successor_2025[k])),
    )
    out: list[list] = []
    for since, position in steps:
        v = table.versions[position]
        if out and (out[-1][2], out[-1][3]) == (v.parent_code, v.code):
            continue
        if out:
            out[-1][1] = since
        out.append([since, None, v.parent_code, v.code])
    return tuple(tuple(location) for location in out)


def bac_giang_table() -> CommuneTable:
    _, comm = load_geography()
    return commune_table(tuple(c["code"] for c in comm))


def former_bac_ninh_table() -> CommuneTable:
    _, comm = load_geography(FORMER_BAC_NINH)
    return commune_table(tuple(c["code"] for c in comm))


def legacy_locations_of(table: CommuneTable, k: int) -> tuple[Location, ...]:
    """Where a facility of the former Bắc Ninh lay in its own system: the locations of
    :func:`locations_of` before the merger, the last one ended by it."""
    out = [list(loc) for loc in locations_of(table, k) if loc[0] is None or loc[0] < MERGED_ON_YMD]
    out[-1][1] = MERGED_ON_YMD
    return tuple(tuple(location) for location in out)


def build_former_bac_ninh(seed: int, facility, legacy: bool = False) -> list:  # noqa: ANN001
    """The former Bắc Ninh's facilities (``facility``: the ``health.Facility`` class): in the
    merged province's registry from 2025-07-01, or (``legacy``) in the former Bắc Ninh's own
    system, open since the records begin and closed by the merger. The same codes, names and
    capabilities either way (the random draws do not depend on ``legacy``)."""
    rng = np.random.default_rng([seed, 7, 27])
    dist, comm = load_geography(FORMER_BAC_NINH)
    table = former_bac_ninh_table()
    index = {c["code"]: k for k, c in enumerate(comm)}

    def make(code, name, typ, under, parent, pw, cw, caps, k):  # noqa: ANN001, ANN202
        if legacy:  # its own system: the old units, province 27, until the merger
            district, commune, opened = comm[k]["parent_code"], comm[k]["code"], None
            locations = legacy_locations_of(table, k)
            own = {"province": FORMER_BAC_NINH, "closed": MERGED_ON_YMD}
        else:  # on the 2025 commune its 2022 commune became, no district, from the merger on
            district, commune = None, table.versions[int(table.successor_2025[k])].code
            opened, own = MERGED_ON_YMD, {}
            locations = ((MERGED_ON_YMD, None, None, commune),)
        return facility(
            code, name, typ, under, parent, district, commune, pw, cw, tuple(caps), opened,
            locations, **own,
        )  # fmt: skip

    def day_between(first: str, last: str) -> str:
        days = np.arange(np.datetime64(first), np.datetime64(last))
        return str(days[rng.integers(0, len(days))]).replace("-", "")

    def cashless(weight: float) -> tuple:
        caps = [("TT_POS", day_between("2020-06-01", "2023-06-01"), None)]
        if weight >= 3.0 or rng.random() < 0.5:
            caps.append(("TT_QR", day_between("2021-01-01", "2024-06-01"), None))
        if weight >= 7.0:
            caps.append(("TT_VIDIENTU", day_between("2021-06-01", "2024-12-01"), None))
        return tuple(caps)

    city = [index[c["code"]] for c in comm if c["parent_code"] == dist[0]["code"]]
    out = []
    for i, (code, typ, name, pw, cw) in enumerate(_PROVINCIAL_27):
        caps = cashless(pw) + (
            ("LIS", day_between("2019-06-01", "2021-06-01"), None),
            ("PACS", day_between("2019-06-01", "2021-12-01"), None),
            ("AI_CDHA", day_between("2021-06-01", "2023-06-01"), None),
            ("KCB_TUXA", "20201201", None),
            ("HSSK_DT", "20210801", None),
        )
        k = city[i % len(city)]
        out.append(make(code, name, typ, True, None, pw, cw, caps, k))
    centres: dict[str, str] = {}
    for i, d in enumerate(dist):
        code = f"{FORMER_BAC_NINH}{_CENTRE_FIRST_27 + i:03d}"
        centres[d["code"]] = code
        k = next(index[c["code"]] for c in comm if c["parent_code"] == d["code"])
        caps = cashless(_CENTRE_PAYMENT_WEIGHT_27) + (
            ("LIS", day_between("2020-01-01", "2023-01-01"), None),
            ("PACS", "20200601", None),
            ("KCB_TUXA", "20210115", None),
        )
        name = f"Trung tâm Y tế {d['name_with_type']}"
        out.append(
            make(
                code,
                name,
                "TTYT",
                True,
                None,
                _CENTRE_PAYMENT_WEIGHT_27,
                _CENTRE_CLAIM_WEIGHT_27,
                caps,
                k,
            )
        )
    for i, (code, typ, name, pw, cw) in enumerate(_OTHER_27):
        k = city[(i + 6) % len(city)]
        caps = cashless(pw) if rng.random() < 0.7 else ()
        out.append(make(code, name, typ, True, None, pw, cw, caps, k))
    tele = rng.random(len(comm)) < 0.75
    ehr = rng.random(len(comm)) < 0.7
    for k, c in enumerate(comm):
        caps = []
        if tele[k]:
            caps.append(("KCB_TUXA", day_between("2020-06-01", "2025-06-01"), None))
        if ehr[k]:
            caps.append(("HSSK_DT", day_between("2021-01-01", "2024-01-01"), None))
        code = f"{FORMER_BAC_NINH}{_STATION_FIRST_27 + k:03d}"
        name = f"Trạm Y tế {c['name_with_type']}"
        out.append(make(code, name, "TYT", False, centres[c["parent_code"]], 0.0, 0.0, caps, k))
    return out
