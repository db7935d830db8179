"""The simulated province's communes over time: who a 2022 commune is on a later day.

The source systems record the units valid on the record's date: Bắc Giang's 209 communes of 2022
until the 2024 arrangement (NQ 1191/NQ-UBTVQH15, in force 2024-11-01: 209 -> 192), then the new
Bắc Ninh's 99 communes from 2025-07-01 (the province of Bắc Giang and Bắc Ninh merged, code 24
kept, no districts). The versions come from the packages through ``dti.geography`` (the same
reference the warehouse loads), so the simulator never types a unit by hand.

``CommuneTable`` numbers every commune *version* a record can carry: positions 0..208 are the
2022 communes in the catalogue's order (so the data of 2021-2023 are unchanged), then the versions
of the 2024 arrangement and of 2025. ``on_day(commune_2022, day)`` gives, for each 2022 commune
and day, the position of the version valid on that day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cache

import numpy as np

from ..geography import build_geography

PROVINCE_CODE = "24"
REFORM_2024 = np.datetime64("2024-11-01")
REFORM_2025 = np.datetime64("2025-07-01")
REFORM_2025_DATE = date(2025, 7, 1)


@dataclass(frozen=True)
class CommuneVersion:
    code: str
    name_with_type: str
    valid_from: date
    valid_to: date | None
    parent_code: str | None  # the district (None from 2025-07-01: no districts)
    former_province: str  # '24' or '27': the province of 2022 the version lies in ('24' after 2025)


@dataclass
class CommuneTable:
    versions: list[CommuneVersion]
    # per 2022 commune (catalogue order): position of its version in 2024-11-01 and 2025-07-01
    successor_2024: np.ndarray
    successor_2025: np.ndarray
    # the new province's communes (positions in ``versions``) and the 2022 communes of the
    # former Bắc Ninh (27) each holds, to weigh their volume
    new_communes: np.ndarray
    bac_ninh_members: np.ndarray
    district_names: dict[str, str]  # district code -> its name before 2025-07-01

    def on_day(self, commune_2022: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Position of the version valid on ``day`` of each 2022 commune (-1 stays -1)."""
        commune_2022 = np.asarray(commune_2022)
        out = np.where(
            day >= REFORM_2025,
            self.successor_2025[np.maximum(commune_2022, 0)],
            np.where(
                day >= REFORM_2024,
                self.successor_2024[np.maximum(commune_2022, 0)],
                commune_2022,
            ),
        )
        return np.where(commune_2022 < 0, -1, out)


def _province_of(version) -> str:
    return "27" if "Bắc Ninh" in version.path_with_type and version.valid_from.year < 2025 else "24"


@cache
def commune_table(codes_2022: tuple[str, ...]) -> CommuneTable:
    """The table for the catalogue's 2022 commune codes (in its order)."""
    geography = build_geography(PROVINCE_CODE)
    communes = {(v.code, v.valid_from): v for v in geography.versions if v.level == "commune"}
    links: dict[tuple[str, date], tuple[str, date]] = {}
    for link in sorted(geography.links, key=lambda k: -k.weight):
        links.setdefault((link.from_code, link.from_valid_from), (link.to_code, link.to_valid_from))

    def valid_on(key: tuple[str, date], day: date) -> tuple[str, date]:
        while True:
            version = communes[key]
            if version.valid_to is None or day < version.valid_to:
                return key
            key = links[key]

    versions: list[CommuneVersion] = []
    position: dict[tuple[str, date], int] = {}

    def add(key: tuple[str, date]) -> int:
        if key not in position:
            v = communes[key]
            position[key] = len(versions)
            versions.append(
                CommuneVersion(
                    v.code,
                    v.name_with_type,
                    v.valid_from,
                    v.valid_to,
                    v.parent_code if v.valid_from < REFORM_2025_DATE else None,
                    _province_of(v),
                )
            )
        return position[key]

    starts = []
    for code in codes_2022:
        start = [k for k in communes if k[0] == code and k[1] <= date(2022, 1, 1)]
        if len(start) != 1:
            raise ValueError(f"commune {code} of 2022 has {len(start)} versions on 2022-01-01")
        add(start[0])
        starts.append(start[0])
    s2024 = np.array([add(valid_on(k, date(2024, 11, 1))) for k in starts])
    s2025 = np.array([add(valid_on(k, REFORM_2025_DATE)) for k in starts])
    new = sorted({k for k in communes if k[1] >= REFORM_2025_DATE})
    new_positions = np.array([add(k) for k in new])
    members = np.zeros(len(new), dtype=np.int64)
    index = {k: i for i, k in enumerate(new)}
    for key, version in communes.items():
        if version.valid_from.year < 2025 and _province_of(version) == "27":
            if version.valid_to is not None and version.valid_to <= date(2024, 11, 1):
                continue  # counted through its 2024 successor
            successor = valid_on(key, REFORM_2025_DATE)
            members[index[successor]] += 1
    districts = {
        v.code: v.name_with_type
        for v in sorted(geography.versions, key=lambda v: v.valid_from)
        if v.level == "district"
    }
    return CommuneTable(versions, s2024, s2025, new_positions, members, districts)


def add_commune_committees(agencies, table: CommuneTable):
    """The agency list with the people's committees of the new province's communes (from
    2025-07-01) and of the 2024 arrangement's new districts added; the agency of every commune
    version (``table.versions`` order) and the district committee it belongs to (-1 from
    2025-07-01, when the districts were abolished).

    A 2022 commune's committee keeps its agency; a commune of the 2024 arrangement is served by
    the committee of the commune whose code it kept; each of the 99 communes of 2025 is a new
    agency (``000.40.<commune code>.H04``: it sorts after every older code, so the older agencies
    keep their rank). Old agencies stay in the registry: the dossiers of their time name them."""
    agencies = replace(
        agencies,
        code=list(agencies.code),
        name=list(agencies.name),
        parent=list(agencies.parent),
        district=list(agencies.district),
        commune=list(agencies.commune),
    )
    by_code = {c: i for i, c in enumerate(agencies.commune) if c is not None}
    root = agencies.code[agencies.dept_index["UBND"]]
    old = len(agencies.code)
    version_agency = np.empty(len(table.versions), dtype=np.int64)
    for position, version in enumerate(table.versions):
        if version.valid_from < REFORM_2025_DATE:
            if version.code not in by_code:
                raise ValueError(f"commune {version.code} of {version.valid_from} has no committee")
            version_agency[position] = by_code[version.code]
            continue
        version_agency[position] = len(agencies.code)
        agencies.code.append(f"000.40.{version.code}.H04")
        agencies.name.append(f"Ủy ban nhân dân {version.name_with_type}")
        agencies.parent.append(root)
        agencies.district.append(None)
        agencies.commune.append(version.code)
    # the district committees of the 2024 arrangement's districts that 2022 did not have
    # (000.41.<district code>: after every older code too)
    district_agency = {
        d: i
        for i, (d, lv) in enumerate(zip(agencies.district, agencies.level, strict=False))
        if lv == 2
    }
    arranged = sorted(
        {v.parent_code for v in table.versions if v.valid_from == date(2024, 11, 1)}
        - set(district_agency)
    )
    levels = [3] * (len(agencies.code) - old)
    for district in arranged:
        district_agency[district] = len(agencies.code)
        agencies.code.append(f"000.41.{district}.H04")
        agencies.name.append(f"Ủy ban nhân dân {table.district_names[district]}")
        agencies.parent.append(root)
        agencies.district.append(district)
        agencies.commune.append(None)
        levels.append(2)
    # the district committee of every commune version before 2025-07-01 (-1 after)
    version_district_agency = np.array(
        [district_agency[v.parent_code] if v.parent_code else -1 for v in table.versions]
    )
    level = np.concatenate([agencies.level, np.array(levels, dtype=agencies.level.dtype)])
    order = sorted(range(len(agencies.code)), key=lambda k: agencies.code[k])
    rank = np.empty(len(agencies.code), dtype=np.int64)
    rank[order] = np.arange(len(agencies.code))
    if not np.array_equal(rank[:old], agencies.rank):
        raise AssertionError("the new committees must sort after the older agencies")
    return replace(agencies, level=level, rank=rank), version_agency, version_district_agency
