"""Deterministic generator of the public-service portal's world (agencies, procedures, dossiers).

``PortalWorld(seed=2022, scale=1.0)`` builds the static catalogue at once and each receipt year's
dossiers (2021, 2022, 2023) on first use, vectorised with numpy (a year takes a few seconds) and
cached in memory (and on disk under ``cache_dir`` if given). Dossier *versions* are kept sorted by
one ``int64`` key that orders them exactly as served (``NgayCapNhat``, then ``MaHoSo``), so a
window ``[updated_from, updated_to)`` is two ``searchsorted`` calls and a page is a slice.

Calibration (docs/indicators_portal.md), by construction at ``scale=1.0``:

* receipts per half-year are allocated to procedures (largest remainder on volume weights x the
  procedure's in-force share of the half) and then to days inside each procedure's validity;
* online dossiers are picked exactly (weighted sampling without replacement, ``weighted_pick``):
  H1 2022 gets 86,536 online dossiers spread over exactly 797 online services (each of them gets
  at least one), and the split of fully-online (MucDoDVC 4) dossiers between the halves is chosen
  so the year's fully-online rate is 80.47 %;
* online payments, electronic results and the procedures with electronic results are picked as
  exact counts whose rate rounds to the printed figure; electronic results only go to dossiers
  whose result was returned before 2023-01-01;
* the fees of the land dossiers paid online in H1 2022 are scaled so they sum to exactly
  23,800,000,000 VND.

At other scales every target is scaled (counts) or kept (rates) where feasible; exactness is only
promised at 1.0.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from . import people
from .catalogue import (
    FIELDS,
    Agencies,
    Procedures,
    allocate,
    build_agencies,
    build_procedures,
    weighted_pick,
)
from .units import REFORM_2024, REFORM_2025, add_commune_committees, commune_table
from .worktime import (
    SECONDS_PER_DAY,
    TET_START,
    WORK_MINUTES_PER_DAY,
    business_day_index,
    day_seconds,
    format_ts,
    is_holiday,
    office_clock,
    working_minute_to_seconds,
)

log = logging.getLogger(__name__)

GENERATOR_VERSION = 3  # bump whenever generated data change: names the on-disk cache
YEARS = (2021, 2022, 2023, 2024, 2025, 2026)
# From 2024 the years are the province's recent past (not calibrated to published figures):
# trends toward the national targets, the 2024 commune arrangement (209 -> 192 communes) and,
# from 2025-07-01, the new Bắc Ninh (both former provinces, 99 communes, no districts).
RECENT_YEARS = (2024, 2025, 2026)
# Share of the dossiers of 2025-07-01..09-30 that still carry a pre-merger commune code.
STALE_SHARE = 0.015
STALE_CODES_UNTIL = np.datetime64("2025-10-01")

# Calibration targets (docs/indicators_portal.md).
H1_2022_RECEIVED = 258_778
H1_2022_ONLINE = 86_536
H1_2022_SERVICES_WITH_ONLINE = 797
FULLY_ONLINE_RATE_2022 = (80.47, 2)
ONLINE_PAYMENT_RATE_2022 = (47.53, 2)
E_RESULT_RATE_2022 = (6.53, 2)
DIGITISED_RESULT_PROCEDURE_RATE_2022 = (82.2, 1)
LAND_ONLINE_PAYMENTS_H1_2022 = 23_800_000_000

# Receipts per half-year and online shares (level-4 procedures, level-3 procedures).
# From 2025-07-01 the merged province's system serves both former provinces (about twice the
# volume); before that the former Bắc Ninh had its own system (not this one).
VOLUME = {
    2021: (196_000, 224_000),
    2022: (H1_2022_RECEIVED, 291_000),
    2023: (296_000, 331_000),
    2024: (312_000, 346_000),
    2025: (334_000, 688_000),
    2026: (702_000, 736_000),
}
ONLINE_SHARE = {
    2021: ((0.58, 0.10), (0.66, 0.13)),
    2022: ((0.79, None), (0.815, 0.27)),
    2023: ((0.86, 0.42), (0.89, 0.50)),
    2024: ((0.90, 0.55), (0.92, 0.60)),
    2025: ((0.93, 0.64), (0.94, 0.70)),
    2026: ((0.95, 0.76), (0.96, 0.80)),
}
PAYMENT_SHARE = {2021: 0.30, 2023: 0.58, 2024: 0.64, 2025: 0.71, 2026: 0.78}
E_RESULT_SHARE = {2021: 0.025, 2023: 0.14, 2024: 0.24, 2025: 0.38, 2026: 0.52}
DIGITISED_SHARE = {2021: 0.08, 2022: 0.30, 2023: 0.62, 2024: 0.74, 2025: 0.84, 2026: 0.91}
VNEID_SHARE = {2021: 0.0, 2022: 0.08, 2023: 0.45, 2024: 0.58, 2025: 0.72, 2026: 0.84}

# Lifecycle kinds -> statuses of the successive versions.
KIND_STATUSES = {
    0: (2, 10),  # quick: received, result returned
    1: (2, 4, 10),  # received, processing, returned
    2: (2, 4, 9, 10),  # received, processing, processed, returned
    3: (2, 5, 4, 10),  # received, supplement requested, supplement received, returned
    4: (2, 4, 7),  # withdrawn by the applicant
    5: (2, 4, 8),  # processing stopped
}
RETURNED_KINDS = (0, 1, 2, 3)

KEY_EPOCH = int(day_seconds(np.array([np.datetime64("2021-01-01")]))[0])
_TS_SHIFT, _RANK_SHIFT, _DAY_SHIFT = 34, 26, 15
_SEQ_MAX = (1 << 15) - 1
# The recent years have more agencies (the new communes' committees) than 8 bits of rank hold:
# their keys rank in 9 bits and number the receipt day within the year (the year is fixed).
_RECENT_RANK_SHIFT, _RECENT_DAY_SHIFT = 25, 16
_RECENT_SEQ_MAX = (1 << 16) - 1

ATTACHMENT_NAMES = (
    "Đơn đề nghị",
    "Tờ khai",
    "Bản sao Căn cước công dân",
    "Giấy tờ chứng minh nơi cư trú",
    "Giấy ủy quyền",
    "Bản vẽ, sơ đồ kèm theo",
    "Giấy tờ khác có liên quan",
)
SUPPLEMENT_REASONS = (
    "Bổ sung bản sao giấy tờ tùy thân",
    "Bổ sung giấy tờ chứng minh quyền sử dụng đất",
    "Hoàn thiện tờ khai theo mẫu",
    "Bổ sung bản vẽ, sơ đồ",
    "Bổ sung giấy ủy quyền",
)
RESULT_URL = "https://dichvucong.bacgiang.gov.vn/ketqua"


def exact_count(n: int, pct: float, digits: int) -> int:
    """The count k nearest to ``pct`` % of ``n`` whose rate ``100 k / n`` prints as ``pct``
    (or simply the nearest count when ``n`` is too small for any to print so)."""
    if n <= 0:
        return 0
    k0 = round(n * pct / 100)
    half = 0.5 * 10 ** (-digits)
    for dk in sorted(range(-200, 201), key=abs):
        k = k0 + dk
        if 0 <= k <= n and abs(100 * k / n - pct) < half - 1e-9:
            return k
    # Only small (scaled-down) worlds get here: the nearest count is the best there is.
    return min(max(k0, 0), n)


def _round_half(pct: float, n: int) -> int:
    return int(min(n, max(0, round(n * pct))))


@dataclass
class YearData:
    """Columns of one receipt year's dossiers (``d_*``) and of their versions (``v_*``, sorted)."""

    year: int
    cols: dict[str, np.ndarray]

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["cols"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    @property
    def n_dossiers(self) -> int:
        return len(self.cols["d_proc"])

    @property
    def n_versions(self) -> int:
        return len(self.cols["v_key"])


class PortalWorld:
    """The simulated portal of one seed and scale. Thread-safe; years are generated lazily."""

    def __init__(
        self,
        seed: int = 2022,
        scale: float = 1.0,
        cache_dir: Path | None = None,
        province: str = "24",
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.seed = seed
        self.scale = scale
        self.province = province
        self.cache_dir = Path(cache_dir) if cache_dir else None
        rng = np.random.default_rng([seed, 0])
        self.agencies: Agencies = build_agencies(rng, province)
        self.procedures: Procedures = build_procedures(rng, self.agencies)
        # The communes over time, and the committees of the new province's communes.
        self.units = commune_table(
            tuple(self.agencies.commune[a] for a in self.agencies.commune_agency)
        )
        self.agencies, self.version_agency, self.version_district_agency = add_commune_committees(
            self.agencies, self.units
        )
        self._years: dict[int, YearData] = {}
        self._lock = threading.Lock()
        self._year_locks = {y: threading.Lock() for y in YEARS}
        self._merged: OrderedDict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._agency_records: list[dict] | None = None
        self._lookups: dict | None = None
        self._procedure_records: list[dict] | None = None
        self._field_code = np.array([f.code for f in FIELDS])
        self._proc_field_name = [FIELDS[int(f)].name for f in self.procedures.field]

    # ----- snapshot entities -------------------------------------------------------------------
    def agency_records(self) -> list[dict]:
        if self._agency_records is None:
            recs = self.agencies.records()
            self._agency_records = sorted(recs, key=lambda r: r["MaDonVi"])
        return self._agency_records

    def procedure_records(self) -> list[dict]:
        if self._procedure_records is None:
            self._procedure_records = self.procedures.records(self.agencies)
        return self._procedure_records

    # ----- years -------------------------------------------------------------------------------
    def year(self, year: int) -> YearData:
        """The dossiers received in ``year`` (generated on first use)."""
        if year not in YEARS:
            raise ValueError(f"the simulator covers receipt years {YEARS}, not {year}")
        yd = self._years.get(year)
        if yd is not None:
            return yd
        with self._year_locks[year]:
            yd = self._years.get(year)
            if yd is None:
                yd = self._load_or_generate(year)
                self._years[year] = yd
        return yd

    def _cache_file(self, year: int) -> Path | None:
        if self.cache_dir is None:
            return None
        province = "" if self.province == "24" else f"_p{self.province}"
        return (
            self.cache_dir
            / f"portal_v{GENERATOR_VERSION}{province}_s{self.seed}_x{self.scale:g}_{year}.npz"
        )

    def _load_or_generate(self, year: int) -> YearData:
        path = self._cache_file(year)
        if path is not None and path.exists():
            with np.load(path) as npz:
                log.info("portal simulator: loaded year %s from %s", year, path)
                return YearData(year, {k: npz[k] for k in npz.files})
        t0 = time.perf_counter()
        yd = generate_year(self, year)
        log.info(
            "portal simulator: generated %s (%d dossiers, %d versions) in %.1f s",
            year,
            yd.n_dossiers,
            yd.n_versions,
            time.perf_counter() - t0,
        )
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, **yd.cols)
            tmp.replace(path)
        return yd

    # ----- dossier windows ---------------------------------------------------------------------
    def window(self, t_from: int, t_to: int) -> tuple[int, list[tuple[int, int, int]]]:
        """Versions with ``t_from <= NgayCapNhat < t_to`` (simulator seconds): total and the
        ``(year, lo, hi)`` slices of each year's sorted versions."""
        parts = []
        for y in YEARS:
            y_lo = int(day_seconds(np.array([np.datetime64(f"{y}-01-01")]))[0])
            y_hi = int(day_seconds(np.array([np.datetime64(f"{y + 1}-07-01")]))[0])
            if t_to <= y_lo or t_from >= y_hi:
                continue
            keys = self.year(y).v_key
            lo = np.searchsorted(keys, _ts_key(t_from), side="left")
            hi = np.searchsorted(keys, _ts_key(t_to), side="left")
            if hi > lo:
                parts.append((y, int(lo), int(hi)))
        return sum(hi - lo for _, lo, hi in parts), parts

    def page_json(self, t_from: int, t_to: int, page: int, page_size: int) -> tuple[int, list[str]]:
        """Total of the window and the JSON text of each record on the page."""
        start = (page - 1) * page_size
        return self.slice_json(t_from, t_to, start, start + page_size)

    def slice_json(self, t_from: int, t_to: int, start: int, stop: int) -> tuple[int, list[str]]:
        """Total of the window and the JSON text of its records ``start..stop`` (in the served
        order)."""
        total, parts = self.window(t_from, t_to)
        stop = min(total, stop)
        if start >= stop:
            return total, []
        if len(parts) == 1:
            y, lo, _ = parts[0]
            return total, self.render_json(y, np.arange(lo + start, lo + stop))
        years, idx = self._merge(t_from, t_to, parts)
        ys, ix = years[start:stop], idx[start:stop]
        out: list[str] = [""] * (stop - start)
        for y in np.unique(ys).tolist():
            pos = np.flatnonzero(ys == y)
            for p, rec in zip(pos.tolist(), self.render_json(int(y), ix[pos]), strict=True):
                out[p] = rec
        return total, out

    def page(self, t_from: int, t_to: int, page: int, page_size: int) -> tuple[int, list[dict]]:
        """As :meth:`page_json`, parsed (for in-process use; the app serves the text)."""
        total, recs = self.page_json(t_from, t_to, page, page_size)
        return total, [orjson.loads(r) for r in recs]

    def _merge(self, t_from: int, t_to: int, parts: list[tuple[int, int, int]]):
        key = (t_from, t_to)
        with self._lock:
            hit = self._merged.get(key)
            if hit is not None:
                self._merged.move_to_end(key)
                return hit
        keys = np.concatenate([self.year(y).v_key[lo:hi] for y, lo, hi in parts])
        years = np.concatenate([np.full(hi - lo, y, dtype=np.int16) for y, lo, hi in parts])
        idx = np.concatenate([np.arange(lo, hi) for _, lo, hi in parts])
        if len({y in RECENT_YEARS for y, _, _ in parts}) > 1:
            # keys of the two layouts do not compare below the second: order by what they
            # encode (NgayCapNhat, then MaHoSo = agency, receipt day, number)
            order = np.lexsort(self._mahoso_order(parts) + (keys >> _TS_SHIFT,))
        else:
            order = np.argsort(keys, kind="stable")
        hit = (years[order], idx[order])
        with self._lock:
            self._merged[key] = hit
            while len(self._merged) > 8:
                self._merged.popitem(last=False)
        return hit

    def _mahoso_order(self, parts: list[tuple[int, int, int]]) -> tuple[np.ndarray, ...]:
        """(number, receipt day, agency rank) of the versions of ``parts``, for ``np.lexsort``."""
        columns: list[list[np.ndarray]] = [[], [], []]
        for y, lo, hi in parts:
            yd = self.year(y)
            dossier = yd.v_dossier[lo:hi]
            columns[0].append(yd.d_seq[dossier])
            columns[1].append(yd.d_day[dossier])
            columns[2].append(self.agencies.rank[yd.d_agency[dossier]])
        return tuple(np.concatenate(c) for c in columns)

    # ----- rendering ---------------------------------------------------------------------------
    def mahoso(self, year: int, dossiers: np.ndarray) -> list[str]:
        yd = self.year(year)
        ag = yd.d_agency[dossiers].tolist()
        day = yd.d_day[dossiers].astype("datetime64[D]")
        ymd = format_ts(day_seconds(day))
        seq = yd.d_seq[dossiers].tolist()
        codes = self.agencies.code
        return [f"{codes[a]}-{d[2:8]}-{s:04d}" for a, d, s in zip(ag, ymd, seq, strict=True)]

    def _lookup(self) -> dict:
        """Per-procedure and per-agency JSON snippets, looked up by position while rendering."""
        if self._lookups is None:
            P, A = self.procedures, self.agencies

            def q(text: str) -> str:
                return orjson.dumps(text).decode()

            # TaiLieuNop of every (number of files, digitised, reused bits, national-store bits)
            # as the pieces between which the dossier code goes: ``code.join(pieces)``.
            files: list[list[str]] = []
            for combo in range(4 * 2 * 8 * 8):
                nf, rest = divmod(combo, 128)
                ds, rest = divmod(rest, 64)
                ru, dm = divmod(rest, 8)
                pieces = ["[" + ('{"TepDinhKemId":"' if nf else "")]
                for j in range(nf):
                    tail = (
                        f'-TL{j + 1}","TenTepDinhKem":{q(ATTACHMENT_NAMES[j])},"DuocSoHoa":"{ds}",'
                        f'"DuocTaiSuDung":"{ru >> j & 1}","DuocLayTuKhoDMQG":"{dm >> j & 1}"}}'
                    )
                    pieces.append(tail + (',{"TepDinhKemId":"' if j < nf - 1 else "]"))
                if not nf:
                    pieces[0] += "]"
                files.append(pieces)
            self._lookups = {
                "proc": [
                    f'"MaTTHC":{q(c)},"TenTTHC":{q(n)}' for c, n in zip(P.code, P.name, strict=True)
                ],
                "proc_result": [
                    q(FIELDS[int(f)].result) if r else None
                    for f, r in zip(P.field, P.has_result, strict=True)
                ],
                "fee_code": [(f"LP{i:04d}-1", f"LP{i:04d}-2") for i in range(len(P))],
                "agency": [q(c) for c in A.code],
                "commune": [q(v.code) for v in self.units.versions],
                "commune_name": [
                    A.name[a][len("Ủy ban nhân dân ") :] for a in A.commune_agency.tolist()
                ],
                "files": files,
                "reasons": [q(r) for r in SUPPLEMENT_REASONS],
            }
        return self._lookups

    def render(self, year: int, versions: np.ndarray) -> list[dict]:
        """The served records of the given version indexes of ``year`` (parsed)."""
        return [orjson.loads(r) for r in self.render_json(year, versions)]

    def render_json(self, year: int, versions: np.ndarray) -> list[str]:
        """The served records of the given version indexes of ``year``, as JSON text.

        Built with string templates rather than dicts because it is the serving hot path; every
        string that is not from a fixed, JSON-safe set goes through ``orjson`` once in ``_lookup``.
        """
        yd = self.year(year)
        lk = self._lookup()
        versions = np.asarray(versions, dtype=np.int64)
        d = yd.v_dossier[versions]
        st_arr = yd.v_status[versions]
        status = st_arr.tolist()
        upd = format_ts(yd.v_ts[versions])
        code = self.mahoso(year, d)
        proc = yd.d_proc[d].tolist()
        agency = yd.d_agency[d].tolist()
        channel = yd.d_channel[d].tolist()
        atype = yd.d_atype[d].tolist()
        xa = yd.d_xa[d].tolist()
        submit = format_ts(yd.d_submit[d])
        recv = format_ts(yd.d_recv[d])
        due = _quoted(format_ts(yd.d_due[d]))
        end = _quoted(format_ts(np.where(np.isin(st_arr, (8, 9, 10)), yd.d_end[d], -1)))
        ret = _quoted(format_ts(np.where(st_arr == 10, yd.d_ret[d], -1)))
        paid = yd.d_paid[d].tolist()
        digit = yd.d_digit[d].tolist()
        vneid = yd.d_vneid[d].tolist()
        fee = yd.d_fee[d].tolist()
        fee_n = yd.d_fee_n[d].tolist()
        eres = yd.d_eres[d].tolist()
        combo = (
            yd.d_nfile[d].astype(np.int64) * 128
            + yd.d_digit[d] * 64
            + (yd.d_reuse[d] & 7) * 8
            + (yd.d_dmqg[d] & 7)
        ).tolist()
        female = yd.p_female[d].tolist()
        birth = yd.p_birth[d].tolist()
        sur = yd.p_sur[d].tolist()
        mid = yd.p_mid[d].tolist()
        given = yd.p_given[d].tolist()
        phone = yd.p_phone[d].tolist()
        phonepre = yd.p_phonepre[d].tolist()
        mail = yd.p_mail[d].tolist()
        firm = yd.p_firm[d].tolist()
        b = yd.p_birth[d].astype(np.int64)
        ids = (
            yd.p_idtail[d].astype(np.int64)
            + 24 * 10**9
            + (np.where(b >= 2000, 2, 0) + yd.p_female[d]) * 10**8
            + (b % 100) * 10**6
        )
        cid = ids.astype("U11").tolist()
        need_sup = np.flatnonzero((yd.d_kind[d] == 3) & (st_arr != 2))
        sreq: dict[int, str | None] = {}
        srec: dict[int, str | None] = {}
        if len(need_sup):
            sreq = dict(zip(need_sup.tolist(), format_ts(yd.d_sreq[d[need_sup]]), strict=True))
            srec = dict(zip(need_sup.tolist(), format_ts(yd.d_srec[d[need_sup]]), strict=True))
        dnum = d.tolist()
        proc_part, proc_result = lk["proc"], lk["proc_result"]
        fee_code, agency_code, commune_code = lk["fee_code"], lk["agency"], lk["commune"]
        commune_name, file_tail, reasons = lk["commune_name"], lk["files"], lk["reasons"]
        SUR, MF, MM, GF, GM = (
            people.SURNAMES,
            people.MIDDLE_F,
            people.MIDDLE_M,
            people.GIVEN_F,
            people.GIVEN_M,
        )
        NGF, NGM = len(GF), len(GM)
        PRE = people.PHONE_PREFIX
        n_state = len(people.STATE_APPLICANT)
        n_communes = len(commune_name)
        out = []
        for i in range(len(dnum)):
            p = proc[i]
            st = status[i]
            mhs = code[i]
            at = atype[i]
            if at == 1 or at == 4:
                if female[i]:
                    owner = f"{SUR[sur[i]]} {MF[mid[i]]} {GF[given[i] % NGF]}"
                else:
                    owner = f"{SUR[sur[i]]} {MM[mid[i]]} {GM[given[i] % NGM]}"
            elif at == 2:
                owner = people.firm_name(firm[i])
            else:
                owner = (
                    f"{people.STATE_APPLICANT[firm[i] % n_state]} "
                    f"{commune_name[firm[i] % n_communes]}"
                )
            ds = "1" if digit[i] else "0"
            files = mhs.join(file_tail[combo[i]])
            g = fee[i]
            if g < 0:
                fees = ""
            else:
                how = "2" if paid[i] else "1"
                fc = fee_code[p]
                if fee_n[i] == 2 and g > 0:
                    g1 = (g * 7 // 10) // 1000 * 1000
                    fees = (
                        f'{{"MaPhiLePhi":"{fc[0]}","TenPhiLePhi":"Lệ phí","Gia":{g1},'
                        f'"HinhThucThu":"{how}"}},'
                        f'{{"MaPhiLePhi":"{fc[1]}","TenPhiLePhi":"Phí thẩm định hồ sơ",'
                        f'"Gia":{g - g1},"HinhThucThu":"{how}"}}'
                    )
                else:
                    fees = (
                        f'{{"MaPhiLePhi":"{fc[0]}","TenPhiLePhi":"Lệ phí","Gia":{g},'
                        f'"HinhThucThu":"{how}"}}'
                    )
            if i in sreq:
                got = "null" if st == 5 else f'"{srec[i]}"'
                supp = (
                    f'{{"HoSoBoSungId":"{mhs}-BS1","NgayYeuCauBoSung":"{sreq[i]}",'
                    f'"NgayTiepNhanBoSung":{got},"NoiDungBoSung":{reasons[dnum[i] % 5]}}}'
                )
            else:
                supp = ""
            rname = proc_result[p]
            if st == 10 and rname is not None:
                e = eres[i]
                link = f'"{RESULT_URL}/{mhs}/KQ1.pdf"' if e == 1 else ('""' if e == 2 else "null")
                results = (
                    f'{{"GiayToId":"{mhs}-KQ1","TenGiayTo":{rname},"DuongDanTepTinKetQua":{link}}}'
                )
            else:
                results = ""
            ph = phone[i]
            phone_s = f'"{PRE[phonepre[i]]}{ph:07d}"' if ph >= 0 else "null"
            m = mail[i]
            mail_s = (
                f'"{people.email(female[i], sur[i], given[i], birth[i], m, dnum[i])}"'
                if m >= 0 and at == 1
                else "null"
            )
            x = xa[i]
            out.append(
                f'{{"MaHoSo":"{mhs}",{proc_part[p]},"DonViXuLy":{agency_code[agency[i]]},'
                f'"KenhThucHien":"{channel[i]}","LoaiDoiTuong":"{at}","ChuHoSo":"{owner}",'
                f'"SoGiayToChuHoSo":"0{cid[i]}","SoDienThoai":{phone_s},"Email":{mail_s},'
                f'"MaXaChuHoSo":{commune_code[x] if x >= 0 else "null"},'
                f'"NgayNopHoSo":"{submit[i]}","NgayTiepNhan":"{recv[i]}","NgayHenTra":{due[i]},'
                f'"NgayKetThucXuLy":{end[i]},"NgayTra":{ret[i]},"TrangThaiHoSo":"{st}",'
                f'"DuocThanhToanTrucTuyen":"{paid[i]}","HoSoCoThanhPhanSoHoa":"{ds}",'
                f'"TaiKhoanDuocXacThucVoiVNeID":"{vneid[i]}","NgayCapNhat":"{upd[i]}",'
                f'"TaiLieuNop":{files},"DanhSachLePhi":[{fees}],"DanhSachHoSoBoSung":[{supp}],'
                f'"DanhSachGiayToKetQua":[{results}]}}'
            )
        return out


def _quoted(values: list[str | None]) -> list[str]:
    return ["null" if v is None else f'"{v}"' for v in values]


def _ts_key(t: int) -> np.int64:
    rel = min(max(t - KEY_EPOCH, 0), (1 << 29) - 1)
    return np.int64(rel) << _TS_SHIFT


# ----------------------------------------------------------------------------------------------
# Generation of one receipt year
# ----------------------------------------------------------------------------------------------
def _day_weights(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    dow = (days.astype(np.int64) + 3) % 7  # 0 = Monday
    w = np.array([1.06, 1.0, 1.0, 0.98, 0.94, 0.12, 0.006])[dow]
    w = np.where(is_holiday(days), 0.004, w)
    year = int(str(days[0])[:4])
    tet = np.datetime64(TET_START[year])
    off = (days - tet).astype(np.int64)
    w = np.where((off >= -10) & (off < -2), w * 1.2, w)  # the rush before Tết
    w = np.where((off >= -2) & (off < 0), w * 0.5, w)
    w = np.where((off >= 0) & (off < 8), np.minimum(w, 0.004), w)  # Tết week
    w = np.where((off >= 8) & (off < 22), w * (0.55 + 0.45 * (off - 8) / 14), w)  # slow restart
    doy = (days - np.datetime64(f"{year}-01-01")).astype(np.int64)
    w = w * (0.92 + 0.16 * doy / 365)  # busier towards year end
    w = w * np.where(
        np.isin((days - days.astype("datetime64[M]")).astype(np.int64), [0, 1, 2]), 1.05, 1.0
    )
    return w * rng.lognormal(0, 0.07, len(days))


def _half_days(year: int, half: int) -> np.ndarray:
    start = np.datetime64(f"{year}-01-01") if half == 0 else np.datetime64(f"{year}-07-01")
    stop = np.datetime64(f"{year}-07-01") if half == 0 else np.datetime64(f"{year + 1}-01-01")
    return np.arange(start, stop, dtype="datetime64[D]")


def _allocate_half(rng, world: PortalWorld, year: int, half: int, total: int):
    """Receipts of one half-year: procedure and receipt day of each dossier."""
    P = world.procedures
    days = _half_days(year, half)
    w = _day_weights(rng, days)
    cw = np.concatenate([[0.0], np.cumsum(w)])
    s = np.searchsorted(days, P.valid_from)
    vt = np.where(np.isnat(P.valid_to), days[-1] + 1, P.valid_to)
    e = np.searchsorted(days, vt)
    e = np.maximum(e, s)
    mass = cw[e] - cw[s]
    n_p = allocate(total, P.weight * mass)
    proc = np.repeat(np.arange(len(P)), n_p)
    u = cw[s[proc]] + rng.random(len(proc)) * mass[proc]
    di = np.clip(np.searchsorted(cw, u, side="right") - 1, s[proc], e[proc] - 1)
    return proc, days[di]


def _pick_online(rng, world: PortalWorld, year: int, proc, day, half_of) -> np.ndarray:
    """Channel of every dossier: 2 online, else 1 in person or 3 postal."""
    P = world.procedures
    n = len(proc)
    online = np.zeros(n, dtype=bool)
    muc = P.muc[proc]
    doy = (day - np.datetime64(f"{year}-01-01")).astype(np.int64)
    w_base = P.online_affinity[proc] * (0.8 + 0.4 * doy / 365)
    for half in (0, 1):
        f4, f3 = ONLINE_SHARE[year][half]
        if year == 2022 and half == 0:
            continue
        for level, f in ((4, f4), (3, f3)):
            g = np.flatnonzero((half_of == half) & (muc == level))
            if year == 2022 and half == 1 and level == 4:
                continue
            online[g[weighted_pick(rng, w_base[g], _round_half(f, len(g)))]] = True
    if year == 2022:
        _calibrate_2022_online(rng, world, proc, day, half_of, muc, w_base, online)
    channel = np.where(online, 2, np.where(rng.random(n) < 0.03, 3, 1)).astype(np.int8)
    return channel


def _first_per_group(rng, members: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """One random member of each group (members: indexes, groups: their group ids)."""
    perm = rng.permutation(len(members))
    _, first = np.unique(groups[perm], return_index=True)
    return members[perm[first]]


def _calibrate_2022_online(rng, world, proc, day, half_of, muc, w_base, online) -> None:
    P = world.procedures
    scale = world.scale
    h1 = half_of == 0
    online_0630 = P.in_force("2022-06-30") & (P.muc >= 3)
    h1_count = np.bincount(proc[h1], minlength=len(P))
    avail = np.flatnonzero(online_0630 & (h1_count > 0))
    exact = scale == 1.0
    # Off the default scale the services are not calibrated: every online service may get some.
    n_services = H1_2022_SERVICES_WITH_ONLINE if exact else len(avail)
    if len(avail) < n_services:
        raise AssertionError(
            f"only {len(avail)} online services have H1 2022 dossiers, need {n_services}"
        )
    # Fully online services first (their dossiers are mostly online), then the busiest others.
    order = np.lexsort((-h1_count[avail], -(P.muc[avail] == 4).astype(np.int64)))
    chosen = np.zeros(len(P), dtype=bool)
    chosen[avail[order[:n_services]]] = True

    all4 = np.flatnonzero(muc == 4)
    n4_year = len(all4)
    o4_year = exact_count(n4_year, *FULLY_ONLINE_RATE_2022)
    g4 = np.flatnonzero(h1 & (muc == 4) & chosen[proc])
    g3 = np.flatnonzero(h1 & (muc == 3) & chosen[proc])
    h2_4 = np.flatnonzero(~h1 & (muc == 4))
    forced4 = _first_per_group(rng, g4, proc[g4])
    forced3 = _first_per_group(rng, g3, proc[g3])
    h1_online = round(H1_2022_ONLINE * scale)
    o_h1_4 = _round_half(ONLINE_SHARE[2022][0][0], len(g4))
    o_h1_4 = max(o_h1_4, len(forced4), o4_year - len(h2_4))
    o_h1_4 = min(o_h1_4, o4_year, h1_online - len(forced3))
    o_h2_4 = o4_year - o_h1_4
    o_h1_3 = h1_online - o_h1_4
    if not exact:
        forced4, forced3 = forced4[:0], forced3[:0]
        o_h1_4 = min(o_h1_4, len(g4))
        o_h2_4 = min(max(o_h2_4, 0), len(h2_4))
        o_h1_3 = min(max(o_h1_3, 0), len(g3))
    if not (0 <= o_h2_4 <= len(h2_4) and len(forced3) <= o_h1_3 <= len(g3) and o_h1_4 <= len(g4)):
        raise AssertionError(
            f"2022 online calibration infeasible: H1 level-4 {o_h1_4}/{len(g4)}, "
            f"H1 level-3 {o_h1_3}/{len(g3)}, H2 level-4 {o_h2_4}/{len(h2_4)}"
        )
    for g, forced, k in ((g4, forced4, o_h1_4), (g3, forced3, o_h1_3)):
        online[forced] = True
        rest = g[~online[g]]
        online[rest[weighted_pick(rng, w_base[rest], k - len(forced))]] = True
    online[h2_4[weighted_pick(rng, w_base[h2_4], o_h2_4)]] = True


def _lifecycle(rng, world: PortalWorld, proc, day, channel):
    """Receipt time, due date and the times of every later event (simulator seconds)."""
    P = world.procedures
    n = len(proc)
    bday = np.is_busday(day) & ~is_holiday(day)
    bi = business_day_index(day)
    # Receipt minute of the office day: mornings are busiest; weekend desks open mornings only.
    minute = (rng.beta(1.4, 1.9, n) * WORK_MINUTES_PER_DAY).astype(np.int64)
    minute = np.where(bday, minute, (rng.random(n) * 240).astype(np.int64))
    sec = rng.integers(0, 60, n)
    recv_ts = day_seconds(day) + office_clock(minute) + sec
    recv_wm = bi * WORK_MINUTES_PER_DAY + np.where(bday, minute, 0)
    online = channel == 2
    lag = np.where(
        online, rng.exponential(16 * 3600, n).astype(np.int64) + 60, rng.integers(60, 1200, n)
    )
    submit_ts = recv_ts - lag

    unit = np.array(P.legal_unit)[proc]
    lt = P.legal_time[proc]
    legal_wm = np.where(
        unit == "gio", lt * 60, np.where(unit == "ngay", lt * 480 * 5 / 7, lt * 480)
    )
    legal_wm = np.maximum(legal_wm, 60).astype(np.int64)
    due_wm = recv_wm + legal_wm

    quick = unit == "gio"
    r = rng.random(n)
    kind = np.where(
        quick,
        np.where(r < 0.72, 0, np.where(r < 0.985, 1, 4)),
        np.select([r < 0.10, r < 0.60, r < 0.86, r < 0.93, r < 0.97], [0, 1, 2, 3, 4], 5),
    )
    kind = kind.astype(np.int8)
    proc_wm = recv_wm + rng.integers(5, 180, n)
    late = rng.random(n) < 0.045
    frac = rng.beta(2.0, 2.6, n)
    end_wm = np.where(
        late,
        due_wm + 30 + (rng.random(n) * np.minimum(legal_wm * 0.5, 20 * 480)).astype(np.int64),
        recv_wm + (legal_wm * frac).astype(np.int64),
    )
    end_wm = np.where(
        kind == 0, recv_wm + (np.minimum(legal_wm, 240) * rng.random(n)).astype(np.int64), end_wm
    )
    sreq_wm = proc_wm + 30 + ((end_wm - proc_wm) * 0.3).astype(np.int64)
    srec_wm = sreq_wm + rng.integers(240, 3 * 480, n)
    end_wm = np.where(kind == 3, np.maximum(end_wm, srec_wm + 60), end_wm)
    end_wm = np.maximum(end_wm, np.where(kind == 0, recv_wm + 10, proc_wm + 10))
    ret_wm = np.where(kind == 2, end_wm + rng.integers(30, 2 * 480, n), end_wm)
    stop_wm = proc_wm + 30 + (legal_wm * rng.random(n) * 0.5).astype(np.int64)

    def ts(wm):
        return working_minute_to_seconds(wm) + rng.integers(0, 60, n)

    # Receipts on a weekend morning are followed by Monday events, so every event is after receipt.
    proc_ts = np.maximum(ts(proc_wm), recv_ts + 120)
    sreq_ts = np.maximum(ts(sreq_wm), proc_ts + 60)
    srec_ts = np.maximum(ts(srec_wm), sreq_ts + 60)
    end_ts = np.maximum(ts(end_wm), np.where(kind == 3, srec_ts, proc_ts) + 60)
    end_ts = np.where(kind == 0, np.maximum(ts(end_wm), recv_ts + 300), end_ts)
    ret_ts = np.where(kind == 2, np.maximum(ts(ret_wm), end_ts + 60), end_ts)
    stop_ts = np.maximum(ts(stop_wm), proc_ts + 60)
    due_ts = ts(due_wm)
    return dict(
        d_recv=recv_ts,
        d_submit=submit_ts,
        d_due=due_ts,
        d_proc_ts=proc_ts,
        d_sreq=sreq_ts,
        d_srec=srec_ts,
        d_end=end_ts,
        d_ret=ret_ts,
        d_stop=stop_ts,
        d_kind=kind,
    )


def _recent_units(rng, world: PortalWorld, day, level, commune, agency):
    """The units of a recent year's dossiers on their receipt day: the 2022 commune drawn for
    every dossier becomes its version of the day (the 2024 arrangement merged some); from
    2025-07-01 the applicant's commune is one of the new province's 99 (both former provinces,
    weighed by the communes each holds) and the commune's committee also takes the procedures
    the abolished districts handled. Returns the commune version and the handling agency."""
    A, units = world.agencies, world.units
    version = units.on_day(commune, day)
    agency = np.where(level == 3, world.version_agency[version], agency)
    # from the 2024 arrangement the district procedures go to the commune's district of the day
    arranged = (day >= REFORM_2024) & (day < REFORM_2025) & (level == 2)
    agency = np.where(arranged, world.version_district_agency[version], agency)
    merged = np.flatnonzero(day >= REFORM_2025)
    if len(merged):
        new = units.new_communes
        weight = np.zeros(len(units.versions))
        np.add.at(weight, units.successor_2025, A.commune_weight)
        w = weight[new] + units.bac_ninh_members * A.commune_weight.mean()
        chosen = new[rng.choice(len(new), len(merged), p=w / w.sum())]
        version[merged] = chosen
        handled_locally = merged[level[merged] >= 2]
        agency[handled_locally] = world.version_agency[version[handled_locally]]
        # systems not updated on time: in the first quarter after the merger a small share of
        # dossiers still name the applicant's commune of before (one of the new commune's)
        stale = merged[(day[merged] < STALE_CODES_UNTIL) & (rng.random(len(merged)) < STALE_SHARE)]
        former = units.successor_2024
        for i in stale.tolist():
            members = np.flatnonzero(units.successor_2025 == version[i])
            if len(members):
                version[i] = former[members[rng.integers(len(members))]]
    return version, agency


def generate_year(world: PortalWorld, year: int) -> YearData:
    P, A = world.procedures, world.agencies
    scale = world.scale
    rng = np.random.default_rng([world.seed, year, 1])
    procs, days, halves = [], [], []
    for half in (0, 1):
        total = round(VOLUME[year][half] * scale)
        p, d = _allocate_half(rng, world, year, half, total)
        procs.append(p)
        days.append(d)
        halves.append(np.full(len(p), half, dtype=np.int8))
    proc = np.concatenate(procs)
    day = np.concatenate(days)
    half_of = np.concatenate(halves)
    # A stable, day-ordered dossier table (not required, but keeps related rows together).
    order = np.lexsort((proc, day))
    proc, day, half_of = proc[order], day[order], half_of[order]
    n = len(proc)

    # Handling agency and the applicant's commune.
    level = P.level[proc]
    agency = P.agency[proc].copy()
    comm_p = A.commune_weight / A.commune_weight.sum()
    commune = rng.choice(len(comm_p), n, p=comm_p)
    dist = A.commune_district[commune]
    agency = np.where(level == 2, A.district_agency[dist], agency)
    agency = np.where(level == 3, A.commune_agency[commune], agency)
    if year in RECENT_YEARS:
        commune, agency = _recent_units(rng, world, day, level, commune, agency)
    xa = np.where(rng.random(n) < np.where(level == 1, 0.08, 0.03), -1, commune)

    channel = _pick_online(rng, world, year, proc, day, half_of)
    cols: dict[str, np.ndarray] = {
        "d_proc": proc.astype(np.int32),
        "d_day": day.astype(np.int64).astype(np.int32),
        "d_agency": agency.astype(np.int16),
        "d_xa": xa.astype(np.int16),
        "d_channel": channel,
    }
    life = _lifecycle(rng, world, proc, day, channel)
    cols.update(life)
    kind = life["d_kind"]

    field_code = world._field_code[P.field[proc]]
    firmish = np.isin(
        field_code, ["G04-DN", "G04-DT", "G04-HX", "G20-KC", "G06-DI", "G09-KS", "G09-TN"]
    )
    r = rng.random(n)
    cols["d_atype"] = np.where(
        firmish,
        np.where(r < 0.88, 2, np.where(r < 0.95, 1, 4)),
        np.select([r < 0.955, r < 0.975, r < 0.99], [1, 2, 3], 4),
    ).astype(np.int8)
    online = channel == 2
    cols["d_digit"] = np.where(
        online, rng.random(n) < 0.9, rng.random(n) < DIGITISED_SHARE[year]
    ).astype(np.int8)
    vneid_p = VNEID_SHARE[year] * np.where(half_of == 1, 1.5, 0.6)
    cols["d_vneid"] = (online & (rng.random(n) < vneid_p)).astype(np.int8)
    cols["d_nfile"] = rng.choice(np.array([1, 2, 3], dtype=np.int8), n, p=[0.35, 0.4, 0.25])
    cols["d_reuse"] = (
        rng.integers(0, 32, n) & rng.integers(0, 32, n) & rng.integers(0, 32, n)
    ).astype(np.int8)
    dm = (
        rng.integers(0, 32, n)
        & rng.integers(0, 32, n)
        & rng.integers(0, 32, n)
        & rng.integers(0, 32, n)
    )
    cols["d_dmqg"] = np.where(year >= 2022, dm, 0).astype(np.int8)

    # Fees and online payments.
    fee_proc = P.fee[proc] == 1
    mult = np.random.default_rng([world.seed, 7]).lognormal(0, 0.4, len(P))
    median = np.maximum(P.fee_median, 20_000) * mult
    land = field_code == "G09-DD"
    sigma = np.where(land, 0.9, 0.3)
    amount = (median[proc] * rng.lognormal(0, 1, n) ** sigma / 1000).round().astype(np.int64) * 1000
    amount = np.maximum(amount, 1000)
    r = rng.random(n)
    amount = np.where(r < 0.06, 0, amount)  # exempt applicants
    amount = np.where(r > 0.985, -1, amount)  # fee list not filled in
    fee = np.where(fee_proc, amount, -1)
    payable = np.flatnonzero((fee > 0) & (P.pay_integrated[proc] == 1))
    base_pool = np.flatnonzero(fee > 0)
    pw = np.where(online[payable], 8.0, 1.0)
    paid = np.zeros(n, dtype=np.int8)
    if year == 2022:
        k = exact_count(len(base_pool), *ONLINE_PAYMENT_RATE_2022)
    else:
        k = _round_half(PAYMENT_SHARE[year], len(base_pool))
    chosen = payable[weighted_pick(rng, pw, k)]
    paid[chosen] = np.where(rng.random(len(chosen)) < 0.7, 1, 2)
    if year == 2022:
        target = round(LAND_ONLINE_PAYMENTS_H1_2022 * scale / 1000) * 1000
        sel = np.flatnonzero((paid > 0) & land & (half_of == 0))
        if len(sel):
            g = fee[sel].astype(np.float64)
            new = np.maximum(1, np.round(g * target / g.sum() / 1000)).astype(np.int64) * 1000
            new[np.argmax(new)] += target - new.sum()
            fee[sel] = new
    cols["d_fee"] = fee
    cols["d_fee_n"] = np.where(rng.random(n) < 0.2, 2, 1).astype(np.int8)
    cols["d_paid"] = paid

    # Electronic results.
    has_result = P.has_result[proc] == 1
    returned = np.isin(kind, RETURNED_KINDS)
    eres = np.zeros(n, dtype=np.int8)
    if year == 2022:
        year_end = int(day_seconds(np.array([np.datetime64("2023-01-01")]))[0])
        eligible = has_result & returned & (life["d_ret"] < year_end)
        with_dossiers = np.unique(proc)
        q = exact_count(len(with_dossiers), *DIGITISED_RESULT_PROCEDURE_RATE_2022)
        cand_procs = np.unique(proc[eligible])
        if len(cand_procs) < q:
            raise AssertionError(
                f"only {len(cand_procs)} procedures can have an electronic result, need {q}"
            )
        vol = np.bincount(proc, minlength=len(P))[cand_procs].astype(float)
        q_procs = cand_procs[weighted_pick(rng, np.sqrt(vol), q)]
        in_q = np.zeros(len(P), dtype=bool)
        in_q[q_procs] = True
        pool = np.flatnonzero(eligible & in_q[proc])
        forced = _first_per_group(rng, pool, proc[pool])
        e_total = exact_count(int(has_result.sum()), *E_RESULT_RATE_2022)
        eres[forced] = 1
        rest = pool[eres[pool] == 0]
        eres[rest[weighted_pick(rng, np.where(online[rest], 3.0, 1.0), e_total - len(forced))]] = 1
    else:
        eligible = np.flatnonzero(has_result & returned)
        k = _round_half(E_RESULT_SHARE[year], int(has_result.sum()))
        eres[eligible[weighted_pick(rng, np.where(online[eligible], 3.0, 1.0), k)]] = 1
    blank = (eres == 0) & has_result & returned & (rng.random(n) < 0.01)
    eres[blank] = 2  # an empty link: not an electronic result
    cols["d_eres"] = eres
    cols.update(people.draw_people(rng, n, year))

    # Dossier codes: <agency>-YYMMDD-NNNN, numbered per agency and day in order of receipt.
    o = np.lexsort((life["d_recv"], day, agency))
    ga, gd = agency[o], day[o]
    start = np.r_[True, (ga[1:] != ga[:-1]) | (gd[1:] != gd[:-1])]
    grp_start = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    seq = np.empty(n, dtype=np.int64)
    seq[o] = np.arange(n) - grp_start + 1
    if seq.max() > (_RECENT_SEQ_MAX if year in RECENT_YEARS else _SEQ_MAX):
        raise ValueError(
            f"scale {scale} gives {seq.max()} dossiers per agency and day; at most {_SEQ_MAX}"
        )
    cols["d_seq"] = seq.astype(np.int32)

    # Versions.
    slots_status = np.zeros((n, 4), dtype=np.int8)
    slots_ts = np.full((n, 4), -1, dtype=np.int64)
    for k, statuses in KIND_STATUSES.items():
        m = np.flatnonzero(kind == k)
        for j, st in enumerate(statuses):
            slots_status[m, j] = st
            src = {
                2: "d_recv",
                4: "d_proc_ts",
                5: "d_sreq",
                9: "d_end",
                10: "d_ret",
                7: "d_stop",
                8: "d_stop",
            }[st]
            if k == 3 and st == 4:
                src = "d_srec"
            slots_ts[m, j] = life[src][m]
    valid = slots_ts >= 0
    v_dossier = np.repeat(np.arange(n), valid.sum(axis=1))
    v_status = slots_status[valid]
    v_ts = slots_ts[valid]
    if year in RECENT_YEARS:
        day_idx = (day - np.datetime64(f"{year}-01-01")).astype(np.int64)
        rank_shift, day_shift = _RECENT_RANK_SHIFT, _RECENT_DAY_SHIFT
    else:
        day_idx = (day - np.datetime64("2021-01-01")).astype(np.int64)
        rank_shift, day_shift = _RANK_SHIFT, _DAY_SHIFT
    v_key = (
        ((v_ts - KEY_EPOCH) << _TS_SHIFT)
        | (A.rank[agency[v_dossier]] << rank_shift)
        | (day_idx[v_dossier] << day_shift)
        | seq[v_dossier]
    )
    so = np.argsort(v_key, kind="stable")
    cols["v_dossier"] = v_dossier[so].astype(np.int32)
    cols["v_status"] = v_status[so]
    cols["v_ts"] = v_ts[so]
    cols["v_key"] = v_key[so]
    # The stopped-processing time doubles as NgayKetThucXuLy of status 8.
    cols["d_end"] = np.where(kind == 5, life["d_stop"], np.where(kind == 4, -1, life["d_end"]))
    cols["d_ret"] = np.where(np.isin(kind, RETURNED_KINDS), life["d_ret"], -1)
    cols["d_sreq"] = np.where(kind == 3, life["d_sreq"], -1)
    cols["d_srec"] = np.where(kind == 3, life["d_srec"], -1)
    for drop in ("d_proc_ts", "d_stop"):
        cols.pop(drop)
    return YearData(year, cols)


__all__ = ["PortalWorld", "YearData", "generate_year", "exact_count", "SECONDS_PER_DAY"]
