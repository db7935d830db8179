"""The range progress's total: what a range run of a source loads, by chunk size."""

from __future__ import annotations

from datetime import date

from dti.progress import expected_intervals
from dti.sources import EntityMode, get_source


def test_snapshots_count_once_per_chunk():
    police = get_source("police").entities.values()
    snapshots = sum(e.mode is EntityMode.SNAPSHOT for e in police)
    daily = len(police) - snapshots
    assert snapshots and daily
    march = (date(2022, 3, 1), date(2022, 3, 31))
    # week chunks of March 2022: 03-01..06, 07..13, 14..20, 21..27, 28..31
    assert expected_intervals("police", *march, "week") == 31 * daily + 5 * snapshots
    assert expected_intervals("police", *march) == 31 * daily + 1 * snapshots
    assert expected_intervals("police", *march, "day") == 31 * (daily + snapshots)
