"""The units expected to send a file every day (completeness of the file drops).

The registry is the source of truth in production; the lists are kept here because the
completeness check runs before the day's registry snapshot may have landed. Codes are the
insurance facility codes (MaCSKCB) of the units under the Department of Health: Bắc Giang's
``24xxx`` and, from 2025-07-01 (the merged province), the former Bắc Ninh's ``27xxx``
(``NgayHoatDong`` 2025-07-01 in the registry). A day before they joined does not expect them.
The former Bắc Ninh's own system before the merger (an instance with ``province: "27"`` in the
sources file) expects its own units every day it exists.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dti.config import Settings
    from dti.records import Interval

FORMER_BAC_NINH = "27"
MERGED_ON = date(2025, 7, 1)
"""The former Bắc Ninh's units join the health system of the new Bắc Ninh (province 24)."""

# the 24 units under the Department of Health send a cashier export every day
_PAYMENT_UNITS = tuple(f"240{i:02d}" for i in range(1, 25))
# units with their own insurance contract send a claim file every day (a district health
# centre's file carries its commune stations' episodes)
_CLAIM_UNITS = (*(f"240{i:02d}" for i in range(1, 17)), "24019", "24020", "24023")
# the former Bắc Ninh's: 6 hospitals, 8 health centres, 6 other centres (claims: 2 of them)
_PAYMENT_UNITS_27 = tuple(f"270{i:02d}" for i in range(1, 21))
_CLAIM_UNITS_27 = (*(f"270{i:02d}" for i in range(1, 15)), "27017", "27020")


def _joined(period: Interval | date | datetime | None) -> bool:
    """Whether the units that joined on 2025-07-01 are expected in ``period``: always without
    a period (today's list), else if they had joined by the period's last day."""
    if period is None:
        return True
    if isinstance(period, datetime):
        last = period.date()
    elif isinstance(period, date):
        last = period
    else:  # an Interval [start, end): the day of its last moment
        last = (period.end - timedelta(microseconds=1)).date()
    return last >= MERGED_ON


def payment_units(
    settings: Settings, period: Interval | date | datetime | None = None
) -> list[str]:
    """The units that send a cashier export each day of ``period`` (a day, or None: today)."""
    if settings.province_code == FORMER_BAC_NINH:
        return list(_PAYMENT_UNITS_27)
    return list(_PAYMENT_UNITS + (_PAYMENT_UNITS_27 if _joined(period) else ()))


def claim_units(settings: Settings, period: Interval | date | datetime | None = None) -> list[str]:
    """The facilities that send a claim file each day of ``period`` (a day, or None: today)."""
    if settings.province_code == FORMER_BAC_NINH:
        return list(_CLAIM_UNITS_27)
    return list(_CLAIM_UNITS + (_CLAIM_UNITS_27 if _joined(period) else ()))
