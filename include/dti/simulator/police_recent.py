"""The police source's recent years (2024-2026), on the units valid on each day.

The calibrated years (2021-2023, ``police.PoliceWorld``) keep Bắc Giang's 209 communes of 2022.
From 2024 the daily reports and the registry follow the reorganisations (``units``):

* 2024-01-01 .. 2024-10-31: the 209 communes;
* 2024-11-01 .. 2025-06-30: the 192 communes of the 2024 arrangement (a merged commune reports
  the sum of its former communes, its running totals their sum);
* from 2025-07-01: the new Bắc Ninh's 99 communes, both former provinces (the police system is
  national: the former Bắc Ninh's communes come with their history folded into the running
  totals), no district (``MaHuyen`` empty).

The registry (``communes``) gets one row per unit and *period of the year*: ``NgayHieuLuc`` is
the day the row starts to hold (1 January, or the reform's day), with the population and the
opening balances on that day, so a code reused by a new commune on 2025-07-01 has two 2025 rows.

Trends: CCCD coverage saturates (few new applications), cards follow, VNeID keeps rolling out.
Deterministic from its own random stream (``[seed, 6, 2024]``): the calibrated years do not move.

Cameras and cases (``build_recent_cameras_and_cases``, stream ``[seed, 7, 2024]``) follow the same
units: a camera connected in 2024-01 .. 2024-10 lies in a 2022 commune and district, in
2024-11 .. 2025-06 in a commune and district of the 2024 arrangement (the districts come from the
versions' ``parent_code``), from 2025-07-01 in one of the 99 communes with no district (the former
Bắc Ninh's cameras join then, in Q3 2025). More cameras are connected each year, first where a
commune has none. Cases are per district of the month until 2025-06, then one record per month
for the province (``MaHuyen`` empty): the districts were abolished, and the key (``MaHuyen``,
``Thang``) and the contract stay as they were.

The former Bắc Ninh's own system (a ``PoliceWorld`` with ``legacy``) stops at the merger: its
daily reports and registry periods until 2025-06-30 on its own 2022 communes and its 2024
arrangement's, its cameras connected and its case months until then (each stream with 27
appended, so the province's records do not move).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .catalogue import allocate
from .units import REFORM_2024, REFORM_2025, CommuneTable
from .worktime import TET_START

FIRST = np.datetime64("2024-01-01")
END = np.datetime64("2027-01-01")  # exclusive
YEARS = (2024, 2025, 2026)
FLOWS = ("cccd", "g1", "g2", "received", "returned", "vneid1", "vneid2", "activated")
# Province totals per segment (the merged province from 2025-07-01 is about twice the size).
SEGMENTS = (
    ("2024-01-01", "2025-01-01"),
    ("2025-01-01", "2025-07-01"),
    ("2025-07-01", "2026-01-01"),
    ("2026-01-01", "2027-01-01"),
)
CCCD_TOTALS = (24_000, 11_000, 23_000, 41_000)
RECEIVED_TOTALS = (27_000, 12_000, 25_000, 43_000)
RETURNED_TOTALS = (27_500, 12_500, 25_500, 43_500)
VNEID_TOTALS = (320_000, 140_000, 260_000, 380_000)
VNEID_TARGETS = {2024: 700_000, 2025: 1_300_000, 2026: 1_500_000}
# the cohorts reaching CCCD age (14) each year
POPULATION_FACTOR = {2024: 1.04, 2025: 1.05, 2026: 1.06}


@dataclass
class RecentDaily:
    """The recent years' daily versions, sorted as served (NgayCapNhat, MaXa, Ngay)."""

    unit: np.ndarray  # position in ``CommuneTable.versions``
    day: np.ndarray  # datetime64[D]
    updated: np.ndarray  # local seconds
    flows: dict[str, np.ndarray]
    cumulative: dict[str, np.ndarray]  # running totals including the day


def _day_weights(days: np.ndarray) -> np.ndarray:
    weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    w = np.where(weekday == 6, 0.25, np.where(weekday == 5, 0.6, 1.0))
    for year in YEARS:
        tet = np.datetime64(TET_START[year])
        w[(days >= tet) & (days < tet + 7)] = 0.05
    return w


def build_recent(world, units: CommuneTable) -> tuple[RecentDaily, list[dict]]:
    """Daily versions and registry rows of 2024-2026 for a ``PoliceWorld`` (its 2022 communes'
    population weights and running totals at the end of 2023 carry on)."""
    rng = np.random.default_rng(world.stream(6, 2024))
    n_old = len(world.commune_codes)
    # the former Bắc Ninh's own system ends with the merger
    days = np.arange(FIRST, REFORM_2025 if world.legacy else END)
    base_w = _day_weights(days)
    vneid_ramp = base_w * np.linspace(0.8, 1.2, len(days))
    new = units.new_communes
    # the merged province's communes: their former Bắc Giang communes' weights, plus those of
    # their former Bắc Ninh communes (as many as each holds, at the mean Bắc Giang weight)
    old_w = world.population_weight
    bg_share = np.zeros(len(units.versions))
    np.add.at(bg_share, units.successor_2025, old_w)
    new_w = bg_share[new] + units.bac_ninh_members * old_w.mean()

    def spread(totals: np.ndarray, lo: int, hi: int, weights: np.ndarray) -> np.ndarray:
        p = weights[lo:hi] / weights[lo:hi].sum()
        return rng.multinomial(totals.astype(np.int64), p)

    reform = int((REFORM_2025 - FIRST).astype(np.int64))
    # flows of the 2022 communes until the merger, of the 99 communes after it
    before = {k: np.zeros((n_old, reform), dtype=np.int64) for k in FLOWS}
    after = {k: np.zeros((len(new), len(days) - reform), dtype=np.int64) for k in FLOWS}
    for s, (lo_s, hi_s) in enumerate(SEGMENTS):
        lo = int((np.datetime64(lo_s) - FIRST).astype(np.int64))
        hi = int((np.datetime64(hi_s) - FIRST).astype(np.int64))
        if lo >= len(days):
            break
        merged = lo >= reform
        weights = new_w if merged else old_w
        target, offset = (after, reform) if merged else (before, 0)
        w = weights * rng.uniform(0.8, 1.2, len(weights))
        cells = slice(lo - offset, hi - offset)

        def put(name, total, day_w, w=w, cells=cells, lo=lo, hi=hi, target=target):
            target[name][:, cells] = spread(
                allocate(world._n(total), w * rng.uniform(0.9, 1.1, len(w))), lo, hi, day_w
            )

        put("cccd", CCCD_TOTALS[s], base_w)
        put("received", RECEIVED_TOTALS[s], base_w)
        put("returned", RETURNED_TOTALS[s], base_w)
        both = spread(allocate(world._n(VNEID_TOTALS[s]), w), lo, hi, vneid_ramp)
        level2 = rng.binomial(both, 0.7)
        target["vneid2"][:, cells] = level2
        target["vneid1"][:, cells] = both - level2
        target["activated"][:, cells] = rng.binomial(both, 0.8)

    # running totals of the 2022 communes: their end of 2023, then the flows
    end_2023 = int((FIRST - np.datetime64("2021-01-01")).astype(np.int64))
    stock = {
        k: world.opening[k] + world.flows[k][:, :end_2023].sum(axis=1)
        for k in ("cccd", "received", "returned")
    }
    cum_before = {k: stock[k][:, None] + np.cumsum(before[k], axis=1) for k in stock}
    # the merged communes open 2025-07-01 with their communes' totals (the former Bắc Ninh's
    # at the mean of a Bắc Giang commune of the day, scaled like the weights)
    at_merger = {k: cum_before[k][:, -1] for k in stock}
    opening_new = {}
    for k in stock:
        summed = np.zeros(len(units.versions), dtype=np.int64)
        np.add.at(summed, units.successor_2025, at_merger[k])
        bn = np.round(units.bac_ninh_members * at_merger[k].mean()).astype(np.int64)
        opening_new[k] = summed[new] + bn
    cum_after = {k: opening_new[k][:, None] + np.cumsum(after[k], axis=1) for k in stock}

    # the population of CCCD age per year, per 2022 commune and per new commune
    pop_2023 = world.population[2023]
    pop_new = np.zeros(len(units.versions), dtype=np.int64)
    np.add.at(pop_new, units.successor_2025, pop_2023)
    pop_new = pop_new[new] + np.round(units.bac_ninh_members * pop_2023.mean()).astype(np.int64)

    # the records: one per unit valid on the day
    units_of_day, rows = [], []
    arrangement = int((REFORM_2024 - FIRST).astype(np.int64))
    s2024 = units.successor_2024
    groups_2024 = np.unique(s2024)
    for d in range(len(days)):
        if d < arrangement:
            unit = np.arange(n_old)
            values = {k: before[k][:, d] for k in FLOWS}
            cum = {k: cum_before[k][:, d] for k in stock}
        elif d < reform:
            unit = groups_2024

            def fold(column):
                out = np.zeros(len(units.versions), dtype=np.int64)
                np.add.at(out, s2024, column)
                return out[groups_2024]

            values = {k: fold(before[k][:, d]) for k in FLOWS}
            cum = {k: fold(cum_before[k][:, d]) for k in stock}
        else:
            unit = new
            values = {k: after[k][:, d - reform] for k in FLOWS}
            cum = {k: cum_after[k][:, d - reform] for k in stock}
        units_of_day.append(unit)
        rows.append((values, cum))
    unit = np.concatenate(units_of_day)
    day_of = np.repeat(days, [len(u) for u in units_of_day])
    flows = {k: np.concatenate([r[0][k] for r in rows]) for k in FLOWS}
    cumulative = {k: np.concatenate([r[1][k] for r in rows]) for k in stock}
    day_start = day_of.astype("datetime64[s]").astype(np.int64)
    updated = day_start + rng.integers(21 * 3600, 23 * 3600 + 1800, len(unit))
    codes = np.array([v.code for v in units.versions])
    order = np.lexsort((day_of, codes[unit], updated))
    daily = RecentDaily(
        unit[order],
        day_of[order],
        updated[order],
        {k: v[order] for k, v in flows.items()},
        {k: v[order] for k, v in cumulative.items()},
    )
    return daily, _registry(world, units, daily, pop_2023, pop_new)


def _registry(world, units: CommuneTable, daily: RecentDaily, pop_2023, pop_new) -> list[dict]:
    """One row per unit and period of a year: the population, the year's VNeID target and the
    running totals before the period's first day."""
    new = units.new_communes
    s2024 = units.successor_2024
    periods = (
        (2024, date(2024, 1, 1), "old"),
        (2024, date(2024, 11, 1), "arranged"),
        (2025, date(2025, 1, 1), "arranged"),
        (2025, date(2025, 7, 1), "merged"),
        (2026, date(2026, 1, 1), "merged"),
    )
    if world.legacy:  # the former Bắc Ninh's own system ends with the merger
        periods = tuple(p for p in periods if p[2] != "merged")
    # the running totals before a day = the totals of the day before, of the units of that day
    by_day: dict[np.datetime64, dict[int, dict[str, int]]] = {}
    wanted = {np.datetime64(start) - 1 for _, start, _ in periods}
    for i in np.flatnonzero(np.isin(daily.day, list(wanted))):
        by_day.setdefault(daily.day[i], {})[int(daily.unit[i])] = {
            k: int(v[i]) for k, v in daily.cumulative.items()
        }
    end_2023 = {
        k: world.opening[k]
        + world.flows[k][:, : int((FIRST - np.datetime64("2021-01-01")).astype(np.int64))].sum(1)
        for k in ("cccd", "received", "returned")
    }
    rows = []
    for year, start, state in periods:
        factor = POPULATION_FACTOR[year] / 1.01  # the 2023 population, grown
        eve = np.datetime64(start) - 1
        if state == "old":
            unit = np.arange(len(world.commune_codes))
            pop = pop_2023
        elif state == "arranged":
            unit = np.unique(s2024)
            summed = np.zeros(len(units.versions), dtype=np.int64)
            np.add.at(summed, s2024, pop_2023)
            pop = summed[unit]
        else:
            unit, pop = new, pop_new
        pop = np.round(pop * factor).astype(np.int64)
        # the year's target is the province's of the year's end: in 2025 the merged one's, of
        # which the former Bắc Giang's communes carry their share before the merger
        share = 1.0
        if year == 2025 and state == "arranged":
            share = pop.sum() / np.round(pop_new * factor).sum()
        target = allocate(world._n(round(VNEID_TARGETS[year] * share)), pop.astype(float))
        for j, u in enumerate(unit.tolist()):
            version = units.versions[u]
            if eve < FIRST:  # 2024-01-01: the calibrated years' end
                opening = {k: int(end_2023[k][u]) for k in end_2023}
            elif start == date(2025, 7, 1):
                opening = _merged_opening(daily, u)
            elif start == date(2024, 11, 1):  # the arranged units hold the eve's communes
                opening = _fold_eve(by_day[eve], units, u)
            else:
                opening = by_day[eve][u]
            district = version.parent_code
            rows.append(
                {
                    "MaXa": version.code,
                    "TenXa": version.name_with_type,
                    "MaHuyen": district,
                    "TenHuyen": units.district_names.get(district) if district else None,
                    "Nam": str(year),
                    "NgayHieuLuc": start.strftime("%Y%m%d"),
                    "DanSoDuTuoiCCCD": str(int(pop[j])),
                    "ChiTieuVNeID": str(int(target[j])),
                    "DanSoNhom1": None,
                    "DanSoNhom2": None,
                    "LuyKeHoSoCCCDDauNam": str(opening["cccd"]),
                    "LuyKeTheNhanDauNam": str(opening["received"]),
                    "LuyKeTheTraDauNam": str(opening["returned"]),
                }
            )
    return rows


def _merged_opening(daily: RecentDaily, u: int) -> dict[str, int]:
    """A merged commune's running totals before its first day: its first report's totals less
    that day's flows."""
    i = int(np.flatnonzero((daily.unit == u) & (daily.day == REFORM_2025))[0])
    return {k: int(daily.cumulative[k][i] - daily.flows[k][i]) for k in daily.cumulative}


def _fold_eve(eve: dict[int, dict[str, int]], units: CommuneTable, u: int) -> dict[str, int]:
    """The totals, on the eve of the 2024 arrangement, of the communes an arranged unit holds."""
    members = np.flatnonzero(units.successor_2024 == u)
    return {k: sum(eve[int(m)][k] for m in members) for k in ("cccd", "received", "returned")}


# --- cameras and cases of 2024-2026 -------------------------------------------------------------

# New connections per period (the units valid in it): more each year, first to the communes
# without a connected camera; the former Bắc Ninh's cameras join the merged province's
# monitoring in 2025-07-01 .. 2025-09-30, in their new communes.
CAMERAS_BY_PERIOD = (  # connected in [from, to): count
    ("2024-01-01", "2024-11-01", 100),  # the 209 communes of 2022
    ("2024-11-01", "2025-07-01", 70),  # the 192 of the 2024 arrangement
    ("2025-07-01", "2026-01-01", 110),  # the merged province's 99
    ("2026-01-01", "2027-01-01", 260),
)
BAC_NINH_CAMERAS = (("2025-07-01", "2025-10-01", 900),)
CAMERAS_NOT_CONNECTED = 20  # installed in the merged province, awaiting their connection
UNCOVERED_PREFERENCE = 4.0  # a commune without a connected camera is this much likelier
# Cases handled with camera footage, per month: the province's steady volume (criminal, traffic
# accidents, other), split among the districts of the month until 2025-06; twice from 2025-07.
CASES_PER_MONTH = (20.0, 5.0, 15.0)
CASES_MERGED_FACTOR = 2.0
CASES_FIRST_MONTH = np.datetime64("2024-01")
CASES_END_MONTH = np.datetime64("2027-01")  # exclusive
# restated months (first report under-counted, the next month's restatement is final):
# (month, index of the district among the month's districts; 0 from 2025-07: the province)
CASES_RESTATED = (("2024-05", 3), ("2025-02", 6), ("2025-09", 0), ("2026-03", 0))


def _fmt_day(d: np.datetime64) -> str:
    return str(d.astype("datetime64[D]")).replace("-", "")


def _fmt_ts(seconds: int) -> str:
    return np.datetime64(int(seconds), "s").astype(object).strftime("%Y%m%d%H%M%S")


def build_recent_cameras_and_cases(
    world, units: CommuneTable
) -> tuple[list[dict], list[tuple[int, dict]]]:
    """The cameras connected in 2024-2026 and the cases of 2024-01 .. 2026-12, on the units
    valid on their date, from their own random stream (``[seed, 7, 2024]``): the calibrated
    years' records do not move. Cases come as (update time in local seconds, record), sorted."""
    rng = np.random.default_rng(world.stream(7, 2024))
    return _cameras(world, units, rng), _cases(world, units, rng)


def _unit_weights(world, units: CommuneTable) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per arrangement, its units (positions in ``units.versions``) and their weights."""
    old_w = world.population_weight
    n_old = len(world.commune_codes)
    arranged = np.unique(units.successor_2024)
    folded = np.zeros(len(units.versions))
    np.add.at(folded, units.successor_2024, old_w)
    merged_bg = np.zeros(len(units.versions))
    np.add.at(merged_bg, units.successor_2025, old_w)
    new = units.new_communes
    return {
        "old": (np.arange(n_old), old_w),
        "arranged": (arranged, folded[arranged]),
        "merged": (new, merged_bg[new] + units.bac_ninh_members * old_w.mean()),
        "bac_ninh": (new, units.bac_ninh_members * old_w.mean()),
    }


def _arrangement(day: np.datetime64) -> str:
    return "merged" if day >= REFORM_2025 else "arranged" if day >= REFORM_2024 else "old"


def _cameras(world, units: CommuneTable, rng: np.random.Generator) -> list[dict]:
    weights = _unit_weights(world, units)
    position = {code: i for i, code in enumerate(world.commune_codes)}
    # the units holding a connected camera, followed through the reorganisations
    n_old = len(world.commune_codes)
    covered = np.zeros(len(units.versions), dtype=bool)
    covered[[position[c["MaXa"]] for c in world.cameras if c["NgayKetNoi"] is not None]] = True
    seq: dict[str, int] = {}  # camera number per district (per commune from 2025-07-01)
    for c in world.cameras:
        prefix, number = c["MaCamera"].rsplit("-", 1)
        seq[prefix] = max(seq.get(prefix, 0), int(number))
    # a 2024 unit's successor in 2025 through its first 2022 commune (a camera is a point: it
    # lies in one successor)
    first_member = {
        int(u): int(np.flatnonzero(units.successor_2024 == u)[0])
        for u in np.unique(units.successor_2024)
    }

    def follow(state: str) -> None:
        held = np.flatnonzero(covered)
        if state == "arranged":
            covered[units.successor_2024[held[held < n_old]]] = True
            return
        members = [u if u < n_old else first_member[int(u)] for u in held]
        covered[units.successor_2025[members]] = True

    rows: list[dict] = []

    def place(state: str, lo: str, hi: str, count: int, kind: str = "new") -> None:
        unit, w = weights["bac_ninh" if kind == "bac_ninh" else state]
        n = world._n(count)
        span = int((np.datetime64(hi) - np.datetime64(lo)).astype(np.int64))
        offsets = np.sort(rng.integers(0, span, n))
        for k in range(n):
            p = w * np.where(covered[unit], 1.0, UNCOVERED_PREFERENCE)
            u = int(unit[rng.choice(len(unit), p=p / p.sum())])
            version = units.versions[u]
            connected = kind != "not_connected"
            if connected:
                covered[u] = True
            prefix = f"CAM-{version.parent_code or version.code}"
            seq[prefix] = seq.get(prefix, 0) + 1
            rows.append(
                {
                    "MaCamera": f"{prefix}-{seq[prefix]:04d}",
                    "MaXa": version.code,
                    "MaHuyen": version.parent_code,
                    "LoaiCamera": str(rng.choice(["1", "2"], p=[0.55, 0.45])),
                    "NgayKetNoi": _fmt_day(np.datetime64(lo) + int(offsets[k]))
                    if connected
                    else None,
                    "KetNoiTrungTamHuyen": "1" if connected else "0",
                }
            )

    state = "old"
    for lo, hi, count in CAMERAS_BY_PERIOD:
        new_state = _arrangement(np.datetime64(lo))
        if world.legacy and new_state == "merged":  # its own system ends with the merger
            return sorted(rows, key=lambda r: r["MaCamera"])
        if new_state != state:
            follow(new_state)
            state = new_state
        if lo == "2025-07-01":  # the former Bắc Ninh's cameras join the merged province's first
            for bn_lo, bn_hi, bn_count in BAC_NINH_CAMERAS:
                place(state, bn_lo, bn_hi, bn_count, "bac_ninh")
        place(state, lo, hi, count)
    # installed, not connected yet: in the units of today (the merged province's communes)
    place("merged", "2026-12-31", "2027-01-01", CAMERAS_NOT_CONNECTED, "not_connected")
    return sorted(rows, key=lambda r: r["MaCamera"])


def _cases(world, units: CommuneTable, rng: np.random.Generator) -> list[tuple[int, dict]]:
    end = REFORM_2025.astype("datetime64[M]") if world.legacy else CASES_END_MONTH
    months = np.arange(CASES_FIRST_MONTH, end)
    # the districts of each arrangement, from the commune versions' parents
    old_districts = sorted({units.versions[i].parent_code for i in range(len(world.commune_codes))})
    arranged_districts = sorted({units.versions[int(s)].parent_code for s in units.successor_2024})
    all_districts = sorted(set(old_districts) | set(arranged_districts))
    district_w = dict(zip(all_districts, rng.uniform(0.5, 1.5, len(all_districts)), strict=True))
    records: list[list] = []  # district (None: the province), month, revision, sent, 3 counts
    for m, month in enumerate(months):
        first_day = month.astype("datetime64[D]")
        state = _arrangement(first_day)
        districts: list[str | None] = (
            [None]
            if state == "merged"
            else (old_districts if state == "old" else arranged_districts)
        )
        if state == "merged":
            rates = np.array([[CASES_MERGED_FACTOR * r for r in CASES_PER_MONTH]])
        else:
            w = np.array([district_w[d] for d in districts])
            rates = np.outer(w / w.sum(), CASES_PER_MONTH)
        counts = rng.poisson(rates)
        month_end = (month + 1).astype("datetime64[D]") - 1
        for k, district in enumerate(districts):
            sent = int(month_end.astype("datetime64[s]").astype(np.int64)) + int(
                rng.integers(18 * 3600, 21 * 3600)
            )
            records.append([district, m, 0, sent, *(int(x) for x in counts[k])])
    for m_str, k in CASES_RESTATED:
        m = int((np.datetime64(m_str) - months[0]).astype(np.int64))
        if m >= len(months):
            continue
        final = [r for r in records if r[1] == m][k]
        first_sent = final[3]
        final[2] = 1
        final[3] = first_sent + int(rng.integers(5, 12)) * 86_400
        records.append([final[0], m, 0, first_sent, max(final[4] - 1, 0), final[5], final[6] + 1])
    records.sort(key=lambda r: (r[3], r[0] or "", r[1], r[2]))
    return [(r[3], case_record(r, months)) for r in records]


def case_record(r: list, months: np.ndarray) -> dict[str, str | None]:
    """A cases record as sent from ``[district, month index, LanSua, sent at (s), criminal,
    traffic accidents, other]``."""
    return {
        "MaHuyen": r[0],
        "Thang": str(months[r[1]]).replace("-", ""),
        "LanSua": str(r[2]),
        "NgayCapNhat": _fmt_ts(r[3]),
        "SoVuHinhSu": str(r[4]),
        "SoVuTaiNanGiaoThong": str(r[5]),
        "SoVuKhac": str(r[6]),
    }
