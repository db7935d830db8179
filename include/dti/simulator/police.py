"""Deterministic generator and HTTP face of the police source (docs/police_source.md).

The police never export personal records: everything here is an aggregate.

* ``communes`` (snapshot): per commune and year (2021..2023) the population of CCCD age, the year's
  VNeID target, the two priority groups' populations and the opening balances on 1 January of the
  three cumulative series (CCCD applications collected, cards received from the ministry, cards
  returned), as the source computes them from its final (restated) daily figures.
* ``daily`` (incremental by ``NgayCapNhat``): per commune and day the flows (CCCD applications,
  of them priority groups 1 and 2, cards received, cards returned, VNeID applications of level 1
  and 2, VNeID accounts activated) and the source's own running totals. A day is sent the same
  evening (21:00-23:30 local); a few commune-days are *restated* later with ``LanSua`` 1 (or 2)
  and a later ``NgayCapNhat``: the restated version replaces the earlier one.
* ``cameras`` (snapshot): the camera registry with connection dates; each camera carries the
  units of its connection day (from 2025-07-01 a commune of the new province, no district).
* ``cases`` (incremental by ``NgayCapNhat``): per district and month the cases handled with camera
  footage (criminal, traffic accidents, other), sent on the month's last day (18:00-21:00 local),
  some restated the next month; from 2025-07 (no districts) one record per month for the
  province, ``MaHuyen`` empty.

The years 2021-2023 are generated here; 2024-2026 (daily reports, registry, cameras, cases) by
``police_recent`` from their own random streams, on the units valid on each day, appended after
them so the calibrated years' records do not change.

The former Bắc Ninh's own police system before the 2025 merger (``legacy``, below ``/legacy/27``,
the same contract): the same generator on its own 2022 communes and districts (province 27), its
2024 arrangement's from 2024-11-01, about 3/4 of Bắc Giang's volume, from its own random streams
(each of the province's with 27 appended), until 2025-06-30, its last day: no record is sent
after it, and a window after it is 410 Gone. The warehouse loads it as an instance of the police
source (docs/sources.md). Its cameras are those that join the merged province's monitoring in
2025-Q3 (under new ids in the communes of 2025).

Calibration (seed 2022, scale 1.0; ../shared/reference/seed_figures.md), exact by construction:
cumulative CCCD applications at 2022-06-30 1,434,557 of 1,460,272 citizens of CCCD age; 100,154
collected in H1 2022; 371,257 cards received and 345,897 returned in H1 2022; 26,499 VNeID
applications in H1 2022 against the year's target 396,559; priority group 1 17,063 of 24,229 and
group 2 38,793 of 335,445 in 2022-03-16..2022-06-30; 789 cameras connected by 2022-06-30 in all 10
districts; 102 criminal cases and 23 traffic accidents in 2022-02..2022-06. The figures hold on the
*latest* versions: every restatement of a day in H1 2022 is sent before 2022-07-01, and its
restated value is the calibrated one (the first version over-reported).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, Request

from .catalogue import allocate, load_geography, weighted_pick
from .police_recent import build_recent, build_recent_cameras_and_cases, case_record
from .units import PROVINCE_CODE, commune_table

GENERATOR_VERSION = 1
FIRST_DAY = np.datetime64("2021-01-01")
END_DAY = np.datetime64("2024-01-01")  # exclusive
YEARS = (2021, 2022, 2023)
# the former Bắc Ninh's own system (a second instance of the source, docs/sources.md): below the
# simulator's /legacy/27, on its own units, about 3/4 of Bắc Giang's volume, until its last day
FORMER_BAC_NINH = "27"
LEGACY_PREFIX = "/legacy/27"
LEGACY_SCALE = 0.75
LEGACY_LAST = date(2025, 6, 30)

# Calibration targets (seed_figures.md, police).
CUMULATIVE_CCCD_2022_06_30 = 1_434_557
CCCD_AGE_POPULATION_2022 = 1_460_272
H1_2022_CCCD = 100_154
H1_2022_CARDS_RECEIVED = 371_257
H1_2022_CARDS_RETURNED = 345_897
H1_2022_VNEID = 26_499
VNEID_TARGET_2022 = 396_559
GROUP_WINDOW = ("2022-03-16", "2022-06-30")
GROUP1 = (17_063, 24_229)  # applications, population
GROUP2 = (38_793, 335_445)
CAMERAS_CONNECTED_2022_06_30 = 789
CASES_FEB_JUN_2022 = (102, 23)  # criminal, traffic accidents

# Segments of the simulated history and their province totals (only H1 2022 is published).
SEGMENTS = (
    ("2021-01-01", "2022-01-01"),
    ("2022-01-01", "2022-07-01"),
    ("2022-07-01", "2023-01-01"),
    ("2023-01-01", "2024-01-01"),
)
CCCD_TOTALS = (700_000, H1_2022_CCCD, 20_000, 22_000)
RECEIVED_TOTALS = (650_000, H1_2022_CARDS_RECEIVED, 60_000, 30_000)
RETURNED_TOTALS = (560_000, H1_2022_CARDS_RETURNED, 120_000, 40_000)
VNEID_TOTALS = (0, H1_2022_VNEID, 180_000, 250_000)
VNEID_TARGETS = {2021: 0, 2022: VNEID_TARGET_2022, 2023: 500_000}
POPULATION_FACTOR = {2021: 0.99, 2022: 1.0, 2023: 1.01}
OPENING_RECEIVED_2021 = 500_000
OPENING_RETURNED_2021 = 480_000
CAMERAS_TOTAL = 1_050
CAMERAS_BY_PERIOD = (  # connected in [from, to): count
    ("2019-01-01", "2022-01-01", 500),
    ("2022-01-01", "2022-07-01", CAMERAS_CONNECTED_2022_06_30 - 500),
    ("2022-07-01", "2023-01-01", 150),
    ("2023-01-01", "2024-01-01", 80),
)
TET = (("2021-02-10", "2021-02-17"), ("2022-01-31", "2022-02-07"), ("2023-01-20", "2023-01-27"))
RESTATED_H1_2022 = 12  # commune-days of H1 2022 restated within H1 2022
RESTATED_OTHER = 6

DAILY_FIELDS = (
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
)
_FLOWS = ("cccd", "g1", "g2", "received", "returned", "vneid1", "vneid2", "activated")
_CUMULATIVE = (("cccd", "LuyKeHoSoCCCD"), ("received", "LuyKeTheNhan"), ("returned", "LuyKeTheTra"))


def _day(text: str) -> int:
    return int((np.datetime64(text) - FIRST_DAY).astype(np.int64))


def _day_weights(days: np.ndarray) -> np.ndarray:
    """Office activity per day: weekends and Tết are quiet."""
    weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    w = np.where(weekday == 6, 0.25, np.where(weekday == 5, 0.6, 1.0))
    for lo, hi in TET:
        w[(days >= np.datetime64(lo)) & (days < np.datetime64(hi))] = 0.05
    return w


def _fmt_day(d: np.datetime64) -> str:
    return str(d.astype("datetime64[D]")).replace("-", "")


def _fmt_ts(seconds: int) -> str:
    t = np.datetime64(int(seconds), "s").astype(object)
    return t.strftime("%Y%m%d%H%M%S")


def _local_seconds(d: date | np.datetime64) -> int:
    return int(np.datetime64(d, "s").astype(np.int64))


@dataclass(frozen=True)
class Restatement:
    commune: int
    day: int
    revision: int
    updated_at: int  # local seconds
    deltas: dict[str, int]  # flow -> (value sent before this revision) - (value of this one)


class PoliceWorld:
    """The police source's aggregates, generated at construction (~0.6 s): the calibrated
    2021-2023 here, 2024-2026 by ``police_recent``; or (``legacy``) the former Bắc Ninh's own
    system until 2025-06-30."""

    def __init__(self, seed: int = 2022, scale: float = 1.0, *, legacy: bool = False) -> None:
        self.seed = seed
        self.legacy = legacy
        self.scale = scale * LEGACY_SCALE if legacy else scale
        self.province = FORMER_BAC_NINH if legacy else PROVINCE_CODE
        self._rng = np.random.default_rng(self.stream(6))
        districts, communes = load_geography(self.province)
        self.district_codes = [d["code"] for d in districts]
        self.district_names = {d["code"]: d["name_with_type"] for d in districts}
        self.commune_codes = [c["code"] for c in communes]
        self.commune_names = [c["name_with_type"] for c in communes]
        self.commune_district = [c["parent_code"] for c in communes]
        self.days = np.arange(FIRST_DAY, END_DAY)
        self._build_daily()
        self._build_registry()
        self._build_cameras()
        self._build_cases()
        # 2024-2026 on the units valid on each day (police_recent), from their own stream
        self.units = commune_table(tuple(self.commune_codes))
        self.recent, recent_registry = build_recent(self, self.units)
        self.registry += recent_registry
        self._recent_codes = [v.code for v in self.units.versions]
        # cameras and cases of 2024-2026 (their own stream too), after the calibrated ones
        recent_cameras, recent_cases = build_recent_cameras_and_cases(self, self.units)
        self.cameras = self.cameras + recent_cameras
        if recent_cases and recent_cases[0][0] < int(self.case_updated[-1]):
            raise AssertionError("police simulator: recent cases must be sent after 2023's")
        self.case_updated = np.concatenate(
            [self.case_updated, np.array([t for t, _ in recent_cases], dtype=np.int64)]
        )
        self.cases = self.cases + [r for _, r in recent_cases]

    # --- helpers -------------------------------------------------------------------------------

    def stream(self, *key: int) -> list[int]:
        """A random stream's seed: the former Bắc Ninh's own system draws from its own."""
        return [self.seed, *key, *((int(FORMER_BAC_NINH),) if self.legacy else ())]

    def _n(self, value: int) -> int:
        return int(round(value * self.scale))

    def _spread(self, totals: np.ndarray, lo: int, hi: int, weights: np.ndarray) -> np.ndarray:
        """Per commune, its total over days [lo, hi) by multinomial draws (exact totals)."""
        p = weights[lo:hi] / weights[lo:hi].sum()
        return self._rng.multinomial(totals.astype(np.int64), p)

    # --- daily aggregates ----------------------------------------------------------------------

    def _build_daily(self) -> None:
        rng = self._rng
        n_c, n_d = len(self.commune_codes), len(self.days)
        self.population_weight = rng.lognormal(0.0, 0.45, n_c)
        pop = allocate(self._n(CCCD_AGE_POPULATION_2022), self.population_weight)
        self.population = {
            y: np.round(pop * f).astype(np.int64) for y, f in POPULATION_FACTOR.items()
        }
        base_w = _day_weights(self.days)
        campaign = base_w.copy()  # the spring 2022 campaign for the priority groups
        g_lo, g_hi = _day(GROUP_WINDOW[0]), _day(GROUP_WINDOW[1]) + 1
        campaign[g_lo:g_hi] *= 1.8
        ramp = base_w * np.clip((np.arange(n_d) - _day("2022-01-01")) / 120.0 + 0.2, 0, 1.5)
        flows = {name: np.zeros((n_c, n_d), dtype=np.int64) for name in _FLOWS}
        coverage = rng.uniform(0.975, 1.0, n_c)
        for s, (lo_s, hi_s) in enumerate(SEGMENTS):
            lo, hi = _day(lo_s), _day(hi_s)
            commune_w = self.population_weight * rng.uniform(0.8, 1.2, n_c)
            cccd = allocate(self._n(CCCD_TOTALS[s]), commune_w)
            flows["cccd"][:, lo:hi] = self._spread(cccd, lo, hi, campaign)
            rec = allocate(self._n(RECEIVED_TOTALS[s]), commune_w * rng.uniform(0.9, 1.1, n_c))
            flows["received"][:, lo:hi] = self._spread(rec, lo, hi, base_w)
            ret = allocate(self._n(RETURNED_TOTALS[s]), commune_w * rng.uniform(0.9, 1.1, n_c))
            flows["returned"][:, lo:hi] = self._spread(ret, lo, hi, base_w)
            vneid = allocate(self._n(VNEID_TOTALS[s]), commune_w)
            both = self._spread(vneid, lo, hi, ramp)
            level2 = rng.binomial(both, 0.6)
            flows["vneid2"][:, lo:hi] = level2
            flows["vneid1"][:, lo:hi] = both - level2
            flows["activated"][:, lo:hi] = rng.binomial(both, 0.7)
        # Priority groups: picked among the applications of the campaign window, exactly.
        window = flows["cccd"][:, g_lo:g_hi]
        cells = np.repeat(np.arange(window.size), window.ravel())
        g1_total, g2_total = self._n(GROUP1[0]), self._n(GROUP2[0])
        picked = weighted_pick(rng, np.ones(len(cells)), g1_total + g2_total)
        rng.shuffle(picked)
        for name, chosen in (("g1", picked[:g1_total]), ("g2", picked[g1_total:])):
            counts = np.bincount(cells[chosen], minlength=window.size).reshape(window.shape)
            flows[name][:, g_lo:g_hi] = counts
        self.group_population = {
            1: allocate(self._n(GROUP1[1]), self.population_weight),
            2: allocate(self._n(GROUP2[1]), self.population_weight),
        }
        # Opening stocks on 2021-01-01: CCCD so that the cumulative at 2022-06-30 is exact and
        # below each commune's population; cards so that returned never exceeds received.
        h1_end = _day("2022-07-01")
        cum_target = allocate(self._n(CUMULATIVE_CCCD_2022_06_30), pop * coverage)
        before = flows["cccd"][:, :h1_end].sum(axis=1)
        self.opening = {"cccd": cum_target - before}
        if (self.opening["cccd"] < 0).any():
            raise RuntimeError("police simulator: CCCD opening stock negative; check the totals")
        gap = np.cumsum(flows["returned"] - flows["received"], axis=1).max(axis=1)
        backlog = np.maximum(gap, 0) + allocate(
            self._n(OPENING_RECEIVED_2021 - OPENING_RETURNED_2021), self.population_weight
        )
        returned0 = allocate(self._n(OPENING_RETURNED_2021), self.population_weight)
        self.opening["returned"] = returned0
        self.opening["received"] = returned0 + backlog
        self.flows = flows  # final (restated) values
        self._build_restatements()
        self._index_daily()

    def _build_restatements(self) -> None:
        """A few commune-days first sent over-reported, then restated (the final value)."""
        rng = self._rng
        n_c = len(self.commune_codes)
        h1_lo, h1_hi = _day("2022-01-03"), _day("2022-06-20")
        chosen: list[tuple[int, int, int]] = []  # commune, day, days until the restatement
        for day in rng.choice(np.arange(h1_lo, h1_hi), RESTATED_H1_2022, replace=False):
            chosen.append((int(rng.integers(n_c)), int(day), int(rng.integers(2, 9))))
        other = np.concatenate(
            [
                np.arange(_day("2021-02-01"), _day("2021-12-15")),
                np.arange(_day("2022-07-05"), _day("2023-12-15")),
            ]
        )
        for day in rng.choice(other, RESTATED_OTHER, replace=False):
            chosen.append((int(rng.integers(n_c)), int(day), int(rng.integers(2, 12))))
        self.restatements: list[Restatement] = []
        twice = True
        for c, d, lag in sorted(chosen, key=lambda x: x[1]):
            day_start = _local_seconds(self.days[d])
            when = day_start + (lag * 86_400) + int(rng.integers(9 * 3600, 16 * 3600))
            deltas = {"cccd": int(rng.integers(3, 26)), "vneid1": int(rng.integers(0, 6))}
            self.restatements.append(Restatement(c, d, 1, when, deltas))
            if twice and d >= h1_lo:  # H1 2022's first is corrected twice: 1st still wrong
                twice = False
                later = when + 3 * 86_400
                half = {k: v // 2 for k, v in deltas.items()}
                self.restatements[-1] = Restatement(
                    c, d, 1, when, {k: v - half[k] for k, v in deltas.items()}
                )
                self.restatements.append(Restatement(c, d, 2, later, half))

    def _index_daily(self) -> None:
        """Every version of every commune-day, sorted as served (NgayCapNhat, MaXa, Ngay)."""
        rng = self._rng
        n_c, n_d = len(self.commune_codes), len(self.days)
        day_start = _local_seconds(FIRST_DAY) + np.arange(n_d, dtype=np.int64) * 86_400
        sent = day_start[None, :] + rng.integers(21 * 3600, 23 * 3600 + 1800, (n_c, n_d))
        commune = np.repeat(np.arange(n_c), n_d)
        day = np.tile(np.arange(n_d), n_c)
        revision = np.zeros(n_c * n_d, dtype=np.int64)
        updated = sent.ravel()
        extra = [(r.commune, r.day, r.revision, r.updated_at) for r in self.restatements]
        if extra:
            ec, ed, er, eu = (np.array(x, dtype=np.int64) for x in zip(*extra, strict=True))
            commune = np.concatenate([commune, ec])
            day = np.concatenate([day, ed])
            revision = np.concatenate([revision, er])
            updated = np.concatenate([updated, eu])
        order = np.lexsort((revision, day, commune, updated))
        self.v_commune, self.v_day = commune[order], day[order]
        self.v_revision, self.v_updated = revision[order], updated[order]
        # the days served per revision's delta: value of a version = final + deltas of the
        # revisions of that commune-day that came after it
        self.cumulative_final = {
            k: self.opening[k][:, None] + np.cumsum(self.flows[k], axis=1) for k, _ in _CUMULATIVE
        }

    def _version_values(self, i: int) -> dict[str, int]:
        c, d, rev, t = (
            int(self.v_commune[i]),
            int(self.v_day[i]),
            int(self.v_revision[i]),
            int(self.v_updated[i]),
        )
        out = {k: int(self.flows[k][c, d]) for k in _FLOWS}
        cum = {k: int(self.cumulative_final[k][c, d]) for k, _ in _CUMULATIVE}
        for r in self.restatements:
            if r.commune != c:
                continue
            if r.day == d and r.revision > rev:  # this version predates that correction
                for k, v in r.deltas.items():
                    out[k] += v
            if r.day <= d and r.updated_at > t:  # the running total still held the old value
                for k, v in r.deltas.items():
                    if k == "cccd":
                        cum["cccd"] += v
        out.update({name: cum[k] for k, name in _CUMULATIVE})
        return out

    def daily_record(self, i: int) -> dict[str, Any]:
        v = self._version_values(i)
        c = int(self.v_commune[i])
        return {
            "MaXa": self.commune_codes[c],
            "MaHuyen": self.commune_district[c],
            "Ngay": _fmt_day(self.days[int(self.v_day[i])]),
            "LanSua": str(int(self.v_revision[i])),
            "NgayCapNhat": _fmt_ts(int(self.v_updated[i])),
            "SoHoSoCCCD": str(v["cccd"]),
            "SoHoSoCCCDNhom1": str(v["g1"]),
            "SoHoSoCCCDNhom2": str(v["g2"]),
            "SoTheNhanTuBo": str(v["received"]),
            "SoTheDaTra": str(v["returned"]),
            "SoHoSoVNeIDMuc1": str(v["vneid1"]),
            "SoHoSoVNeIDMuc2": str(v["vneid2"]),
            "SoTaiKhoanKichHoat": str(v["activated"]),
            "LuyKeHoSoCCCD": str(v["LuyKeHoSoCCCD"]),
            "LuyKeTheNhan": str(v["LuyKeTheNhan"]),
            "LuyKeTheTra": str(v["LuyKeTheTra"]),
        }

    def recent_record(self, i: int) -> dict[str, Any]:
        r = self.recent
        version = self.units.versions[int(r.unit[i])]
        value = {k: str(int(v[i])) for k, v in r.flows.items()}
        return {
            "MaXa": version.code,
            "MaHuyen": version.parent_code,
            "Ngay": _fmt_day(r.day[i]),
            "LanSua": "0",
            "NgayCapNhat": _fmt_ts(int(r.updated[i])),
            "SoHoSoCCCD": value["cccd"],
            "SoHoSoCCCDNhom1": value["g1"],
            "SoHoSoCCCDNhom2": value["g2"],
            "SoTheNhanTuBo": value["received"],
            "SoTheDaTra": value["returned"],
            "SoHoSoVNeIDMuc1": value["vneid1"],
            "SoHoSoVNeIDMuc2": value["vneid2"],
            "SoTaiKhoanKichHoat": value["activated"],
            "LuyKeHoSoCCCD": str(int(r.cumulative["cccd"][i])),
            "LuyKeTheNhan": str(int(r.cumulative["received"][i])),
            "LuyKeTheTra": str(int(r.cumulative["returned"][i])),
        }

    def daily_page(
        self, t_from: int, t_to: int, page: int, page_size: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """Versions with ``t_from <= NgayCapNhat < t_to`` (local seconds), one page of them:
        the calibrated years' and the recent years' (2024-2026), in serving order."""
        lo = int(np.searchsorted(self.v_updated, t_from, side="left"))
        hi = int(np.searchsorted(self.v_updated, t_to, side="left"))
        r_lo = int(np.searchsorted(self.recent.updated, t_from, side="left"))
        r_hi = int(np.searchsorted(self.recent.updated, t_to, side="left"))
        total = (hi - lo) + (r_hi - r_lo)
        start = (page - 1) * page_size
        if r_hi == r_lo:
            picked = [
                (self.daily_record, lo + k) for k in range(start, min(hi - lo, start + page_size))
            ]
        elif hi == lo:
            picked = [
                (self.recent_record, r_lo + k)
                for k in range(start, min(r_hi - r_lo, start + page_size))
            ]
        else:  # both (restatements of late 2023 sent in January 2024): merge in serving order
            keyed = [
                (
                    int(self.v_updated[i]),
                    self.commune_codes[int(self.v_commune[i])],
                    int(self.v_day[i]),
                    0,
                    i,
                )
                for i in range(lo, hi)
            ] + [
                (
                    int(self.recent.updated[i]),
                    self._recent_codes[int(self.recent.unit[i])],
                    int((self.recent.day[i] - FIRST_DAY).astype(np.int64)),
                    1,
                    i,
                )
                for i in range(r_lo, r_hi)
            ]
            keyed.sort()
            picked = [
                (self.recent_record if k[3] else self.daily_record, k[4])
                for k in keyed[start : start + page_size]
            ]
        return total, [render(i) for render, i in picked]

    # --- commune registry ----------------------------------------------------------------------

    def _build_registry(self) -> None:
        target = {y: allocate(self._n(t), self.population_weight) for y, t in VNEID_TARGETS.items()}
        rows = []
        for y in YEARS:
            jan1 = _day(f"{y}-01-01")
            for c, code in enumerate(self.commune_codes):
                opening = {
                    k: int(self.opening[k][c] + self.flows[k][c, :jan1].sum())
                    for k in ("cccd", "received", "returned")
                }
                rows.append(
                    {
                        "MaXa": code,
                        "TenXa": self.commune_names[c],
                        "MaHuyen": self.commune_district[c],
                        "TenHuyen": self.district_names[self.commune_district[c]],
                        "Nam": str(y),
                        "NgayHieuLuc": f"{y}0101",
                        "DanSoDuTuoiCCCD": str(int(self.population[y][c])),
                        "ChiTieuVNeID": str(int(target[y][c])),
                        "DanSoNhom1": str(int(self.group_population[1][c])) if y == 2022 else None,
                        "DanSoNhom2": str(int(self.group_population[2][c])) if y == 2022 else None,
                        "LuyKeHoSoCCCDDauNam": str(opening["cccd"]),
                        "LuyKeTheNhanDauNam": str(opening["received"]),
                        "LuyKeTheTraDauNam": str(opening["returned"]),
                    }
                )
        self.registry = rows

    # --- cameras -------------------------------------------------------------------------------

    def _build_cameras(self) -> None:
        rng = self._rng
        n_c = len(self.commune_codes)
        total = self._n(CAMERAS_TOTAL)
        # every district gets cameras early, so all 10 district centres are connected
        p = self.population_weight / self.population_weight.sum()
        commune = np.concatenate(
            [
                np.array([self.commune_district.index(d) for d in self.district_codes]),
                rng.choice(n_c, total - len(self.district_codes), p=p),
            ]
        )
        dates: list[str | None] = []
        for lo, hi, count in CAMERAS_BY_PERIOD:
            span = int((np.datetime64(hi) - np.datetime64(lo)).astype(np.int64))
            picks = np.sort(rng.integers(0, span, self._n(count)))
            dates += [_fmt_day(np.datetime64(lo) + int(p)) for p in picks]
        # the first connections go to the one-per-district cameras
        dates += [None] * (total - len(dates))
        kind = rng.choice(["1", "2"], total, p=[0.55, 0.45])
        rows = []
        per_district: dict[str, int] = {}
        for i in range(total):
            c = int(commune[i])
            dist = self.commune_district[c]
            per_district[dist] = per_district.get(dist, 0) + 1
            connected = dates[i] is not None
            rows.append(
                {
                    "MaCamera": f"CAM-{dist}-{per_district[dist]:04d}",
                    "MaXa": self.commune_codes[c],
                    "MaHuyen": dist,
                    "LoaiCamera": str(kind[i]),
                    "NgayKetNoi": dates[i],
                    "KetNoiTrungTamHuyen": "1" if connected else "0",
                }
            )
        self.cameras = sorted(rows, key=lambda r: r["MaCamera"])

    # --- monthly cases -------------------------------------------------------------------------

    def _build_cases(self) -> None:
        rng = self._rng
        months = np.arange(np.datetime64("2021-01"), np.datetime64("2024-01"))
        n_m, n_dist = len(months), len(self.district_codes)
        dist_w = rng.uniform(0.5, 1.5, n_dist)
        criminal = rng.poisson(2.0, (n_dist, n_m))
        traffic = rng.poisson(0.5, (n_dist, n_m))
        other = rng.poisson(1.5, (n_dist, n_m))
        lo = int((np.datetime64("2022-02") - months[0]).astype(np.int64))
        hi = lo + 5
        for arr, total in ((criminal, CASES_FEB_JUN_2022[0]), (traffic, CASES_FEB_JUN_2022[1])):
            w = np.outer(dist_w, np.ones(hi - lo)) * rng.uniform(0.7, 1.3, (n_dist, hi - lo))
            arr[:, lo:hi] = allocate(self._n(total), w.ravel()).reshape(n_dist, hi - lo)
        records = []
        for m in range(n_m):
            month_end = (months[m] + 1).astype("datetime64[D]") - 1
            for k, dist in enumerate(self.district_codes):
                sent = _local_seconds(month_end) + int(rng.integers(18 * 3600, 21 * 3600))
                records.append(
                    [dist, m, 0, sent, int(criminal[k, m]), int(traffic[k, m]), int(other[k, m])]
                )
        # restatements: a first report under-counted, the next month's restatement is final
        for m_str, k in (("2022-03", 2), ("2022-04", 7), ("2022-10", 4)):
            m = int((np.datetime64(m_str) - months[0]).astype(np.int64))
            final = next(r for r in records if r[0] == self.district_codes[k] and r[1] == m)
            first_sent = final[3]
            final[2] = 1
            final[3] = first_sent + int(rng.integers(5, 12)) * 86_400
            records.append(
                [final[0], m, 0, first_sent, max(final[4] - 1, 0), final[5], final[6] + 1]
            )
        records.sort(key=lambda r: (r[3], r[0], r[1], r[2]))
        self.case_updated = np.array([r[3] for r in records], dtype=np.int64)
        self.cases = [case_record(r, months) for r in records]

    def case_page(
        self, t_from: int, t_to: int, page: int, page_size: int
    ) -> tuple[int, list[dict[str, Any]]]:
        lo = int(np.searchsorted(self.case_updated, t_from, side="left"))
        hi = int(np.searchsorted(self.case_updated, t_to, side="left"))
        start = lo + (page - 1) * page_size
        return hi - lo, self.cases[start : min(hi, start + page_size)]


# --- HTTP ---------------------------------------------------------------------------------------

TS_PATTERN = r"^\d{14}$"
MAX_PAGE_SIZE = 5000
DEFAULT_PAGE_SIZE = 1000


def _parse_ts(text: str) -> int:
    """``yyyyMMddHHmmss`` local time as local seconds (422 if it is no real time)."""
    try:
        t = datetime.strptime(text, "%Y%m%d%H%M%S")
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"bad timestamp {text!r}: {exc}") from exc
    return _local_seconds(np.datetime64(t, "s"))


class LazyPoliceWorld:
    """Builds the :class:`PoliceWorld` on first use (about 2 s), once, thread-safely."""

    def __init__(self, seed: int = 2022, scale: float = 1.0, *, legacy: bool = False) -> None:
        self.seed, self.scale, self.legacy = seed, scale, legacy
        self._world: PoliceWorld | None = None
        self._lock = threading.Lock()

    def get(self) -> PoliceWorld:
        with self._lock:
            if self._world is None:
                self._world = PoliceWorld(self.seed, self.scale, legacy=self.legacy)
            return self._world


Page = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Ts = Annotated[str, Query(pattern=TS_PATTERN)]


def router(ctx) -> APIRouter:
    """The police endpoints (``/police/api/v1/...``), mounted by ``app.create_app`` through
    ``SOURCE_ROUTERS`` with the app's :class:`~dti.simulator.app.SimContext`: its auth
    dependency, paging (with the fault mode) and seed/scale; and the same below ``/legacy/27``,
    the former Bắc Ninh's own system (a second instance of the source), 410 Gone for a window
    after 2025-06-30. Each world is built on first use."""
    api = APIRouter()
    api.include_router(_system(ctx, "", LazyPoliceWorld(ctx.seed, ctx.scale)))
    legacy = LazyPoliceWorld(ctx.seed, ctx.scale, legacy=True)
    api.include_router(_system(ctx, LEGACY_PREFIX, legacy, until=LEGACY_LAST))
    return api


def _system(ctx, prefix: str, world: LazyPoliceWorld, until: date | None = None) -> APIRouter:
    """One police system's endpoints below ``prefix``; a retired one's (``until``: its last
    day) sends nothing after that day."""
    serve_page, snapshot = ctx.serve_page, ctx.snapshot
    api = APIRouter(prefix=f"{prefix}/police/api/v1", dependencies=[Depends(ctx.auth)])
    end = None if until is None else _local_seconds(np.datetime64(until + timedelta(days=1)))

    def window(updated_from: str, updated_to: str) -> tuple[int, int]:
        t_from, t_to = _parse_ts(updated_from), _parse_ts(updated_to)
        if t_from >= t_to:
            raise HTTPException(status_code=422, detail="updated_from must be before updated_to")
        if end is not None:
            if t_from >= end:
                raise HTTPException(
                    status_code=410,
                    detail=f"this system was retired after {until}: its successor serves the "
                    "later records",
                )
            t_to = min(t_to, end)
        return t_from, t_to

    @api.get("/communes", name=f"{prefix}police_communes")
    def communes(request: Request, page: Page = 1, page_size: PageSize = DEFAULT_PAGE_SIZE):
        return serve_page(
            request, page, page_size, lambda: snapshot(world.get().registry, page, page_size)
        )

    @api.get("/cameras", name=f"{prefix}police_cameras")
    def cameras(request: Request, page: Page = 1, page_size: PageSize = DEFAULT_PAGE_SIZE):
        return serve_page(
            request, page, page_size, lambda: snapshot(world.get().cameras, page, page_size)
        )

    @api.get("/daily", name=f"{prefix}police_daily")
    def daily(
        request: Request,
        updated_from: Ts,
        updated_to: Ts,
        page: Page = 1,
        page_size: PageSize = DEFAULT_PAGE_SIZE,
    ):
        t_from, t_to = window(updated_from, updated_to)
        return serve_page(
            request, page, page_size, lambda: world.get().daily_page(t_from, t_to, page, page_size)
        )

    @api.get("/cases", name=f"{prefix}police_cases")
    def cases(
        request: Request,
        updated_from: Ts,
        updated_to: Ts,
        page: Page = 1,
        page_size: PageSize = DEFAULT_PAGE_SIZE,
    ):
        t_from, t_to = window(updated_from, updated_to)
        return serve_page(
            request, page, page_size, lambda: world.get().case_page(t_from, t_to, page, page_size)
        )

    return api
