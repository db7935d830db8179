"""The units expected to send a file every day (completeness of the file drops).

The registry is the source of truth in production; the lists are kept here because the
completeness check runs before the day's registry snapshot may have landed. Codes are the
insurance facility codes (MaCSKCB) of the units under the Department of Health.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dti.config import Settings
    from dti.records import Interval

# the 24 units under the Department of Health send a cashier export every day
_PAYMENT_UNITS = tuple(f"240{i:02d}" for i in range(1, 25))
# units with their own insurance contract send a claim file every day (a district health
# centre's file carries its commune stations' episodes)
_CLAIM_UNITS = (*(f"240{i:02d}" for i in range(1, 17)), "24019", "24020", "24023")


def payment_units(settings: Settings, period: Interval | None = None) -> list[str]:
    return list(_PAYMENT_UNITS)


def claim_units(settings: Settings, period: Interval | None = None) -> list[str]:
    return list(_CLAIM_UNITS)
