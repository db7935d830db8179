"""Office calendar of the simulated province: public holidays, business days, working minutes.

Timestamps inside the simulator are ``int64`` seconds since ``1970-01-01 00:00`` of *local* wall
time (Asia/Ho_Chi_Minh, no DST), so formatting never needs a time-zone library. Processing
durations are measured in *working minutes* (07:30-11:30 and 13:00-17:00 on business days, 480 a
day): adding a duration to a working-minute index and converting back always lands inside office
hours, which keeps every lifecycle event at a plausible time of day.
"""

from __future__ import annotations

import holidays
import numpy as np

SECONDS_PER_DAY = 86_400
WORK_MINUTES_PER_DAY = 480
_MORNING_START = 7 * 3600 + 30 * 60
_AFTERNOON_START = 13 * 3600

# Vietnamese public holidays (weekday days off; Tết and the moved days as the government decided).
HOLIDAYS: tuple[str, ...] = (
    "2020-12-31",
    "2021-01-01",
    "2021-02-10",
    "2021-02-11",
    "2021-02-12",
    "2021-02-15",
    "2021-02-16",
    "2021-04-21",
    "2021-04-30",
    "2021-05-03",
    "2021-09-02",
    "2021-09-03",
    "2022-01-03",
    "2022-01-31",
    "2022-02-01",
    "2022-02-02",
    "2022-02-03",
    "2022-02-04",
    "2022-04-11",
    "2022-05-02",
    "2022-05-03",
    "2022-09-01",
    "2022-09-02",
    "2023-01-02",
    "2023-01-20",
    "2023-01-23",
    "2023-01-24",
    "2023-01-25",
    "2023-01-26",
    "2023-05-01",
    "2023-05-02",
    "2023-05-03",
    "2023-09-01",
    "2023-09-04",
    "2024-01-01",
    "2024-02-08",
    "2024-02-09",
    "2024-02-12",
    "2024-02-13",
    "2024-02-14",
    "2024-04-18",
    "2024-04-29",
    "2024-04-30",
    "2024-05-01",
    "2024-09-02",
    "2024-09-03",
)
# From 2025 the days off come from the ``holidays`` package (the list above is what the calibrated
# years 2021-2024 were generated with, and stays so that their data do not move).
PACKAGE_HOLIDAY_YEARS = (2025, 2026, 2027)
_FROM_PACKAGE = holidays.country_holidays("VN", years=PACKAGE_HOLIDAY_YEARS)
HOLIDAYS += tuple(d.isoformat() for d in sorted(_FROM_PACKAGE))
# First day of the Lunar New Year holiday, for the pre- and post-Tết volume pattern.
TET_START = {2021: "2021-02-10", 2022: "2022-01-31", 2023: "2023-01-20", 2024: "2024-02-08"}
TET_START |= {
    year: min(
        d for d, name in _FROM_PACKAGE.items() if d.year == year and "Lunar New Year" in name
    ).isoformat()
    for year in PACKAGE_HOLIDAY_YEARS
}

_HOLIDAYS = np.array(HOLIDAYS, dtype="datetime64[D]")
# Business days run to the end of 2028: a dossier received in the last simulated year (2026)
# is processed into the next.
_BDAYS = np.arange(np.datetime64("2020-12-01"), np.datetime64("2028-12-31"), dtype="datetime64[D]")
_BDAYS = _BDAYS[np.is_busday(_BDAYS, holidays=_HOLIDAYS)]


def is_holiday(days: np.ndarray) -> np.ndarray:
    return np.isin(days, _HOLIDAYS)


def business_day_index(days: np.ndarray) -> np.ndarray:
    """Index (into the business-day table) of the first business day on or after each day."""
    return np.searchsorted(_BDAYS, days)


def day_seconds(days: np.ndarray) -> np.ndarray:
    """Local midnight of each ``datetime64[D]`` day as simulator seconds."""
    return days.astype("datetime64[D]").astype(np.int64) * SECONDS_PER_DAY


def working_minute_to_seconds(wm: np.ndarray) -> np.ndarray:
    """Working-minute index -> local timestamp (seconds) inside office hours."""
    bi = wm // WORK_MINUTES_PER_DAY
    m = wm % WORK_MINUTES_PER_DAY
    clock = np.where(m < 240, _MORNING_START + m * 60, _AFTERNOON_START + (m - 240) * 60)
    return day_seconds(_BDAYS[bi]) + clock


def office_clock(minute: np.ndarray) -> np.ndarray:
    """Minute of the office day (0..479) -> seconds after local midnight."""
    return np.where(
        minute < 240, _MORNING_START + minute * 60, _AFTERNOON_START + (minute - 240) * 60
    )


def parse_ts(text: str) -> int:
    """``yyyyMMddHHmmss`` -> simulator seconds; raises ValueError on a malformed value."""
    if len(text) != 14 or not text.isdigit():
        raise ValueError(f"expected yyyyMMddHHmmss, got {text!r}")
    day = np.datetime64(f"{text[0:4]}-{text[4:6]}-{text[6:8]}", "D")
    hh, mm, ss = int(text[8:10]), int(text[10:12]), int(text[12:14])
    if hh > 23 or mm > 59 or ss > 59:
        raise ValueError(f"invalid time of day in {text!r}")
    return int(day.astype(np.int64)) * SECONDS_PER_DAY + hh * 3600 + mm * 60 + ss


def format_ts(seconds: np.ndarray) -> list[str | None]:
    """Simulator seconds -> ``yyyyMMddHHmmss`` strings; negative values -> None."""
    seconds = np.asarray(seconds, dtype=np.int64)
    missing = seconds < 0
    s = np.where(missing, 0, seconds)
    dt = s.astype("datetime64[s]")
    days = dt.astype("datetime64[D]")
    months = dt.astype("datetime64[M]")
    year = dt.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    sod = s - days.astype(np.int64) * SECONDS_PER_DAY
    num = (
        year * 10_000_000_000
        + month * 100_000_000
        + day * 1_000_000
        + (sod // 3600) * 10_000
        + (sod // 60 % 60) * 100
        + sod % 60
    )
    out: list[str | None] = num.astype("U14").tolist()
    if missing.any():
        for i in np.flatnonzero(missing).tolist():
            out[i] = None
    return out


def format_date(days: np.ndarray) -> list[str | None]:
    """``datetime64[D]`` (NaT allowed) -> ``yyyyMMdd`` strings or None."""
    out: list[str | None] = []
    for d in np.asarray(days, dtype="datetime64[D]").tolist():
        out.append(None if d is None else d.strftime("%Y%m%d"))
    return out
