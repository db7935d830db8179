"""A range's intervals come back from landing in steps of about STEP_ROWS rows, in order."""

from __future__ import annotations

from datetime import date, timedelta

from dti import pipeline
from dti.records import Interval


def test_landed_intervals_come_back_in_steps_of_rows_in_order(monkeypatch):
    days = [Interval.day(date(2022, 1, 1) + timedelta(days=n)) for n in range(10)]
    rows = {d.start.isoformat(): 10 * (n + 1) for n, d in enumerate(days)}

    def land(settings, source, entity, start, end):
        if start == days[4].start.isoformat():
            return start, "HTTPError: the source failed"
        return start, {"batch_id": start, "rows": rows[start]}

    monkeypatch.setattr(pipeline, "_land_interval", land)
    steps = list(pipeline._land_intervals(None, "portal", "dossiers", days, 1, step_rows=60))
    landed = [[b["batch_id"] for b in step] for step, _ in steps]
    assert [b for step in landed for b in step] == [
        d.start.isoformat() for n, d in enumerate(days) if n != 4
    ]
    # 10+20+30 = 60 | 40 (+ the failed day) + 60 | 70 | 80 | 90 | 100
    assert [len(step) for step in landed] == [3, 2, 1, 1, 1, 1]
    assert steps[1][1] == {days[4].name: "HTTPError: the source failed"}
    assert all(not errors for n, (_, errors) in enumerate(steps) if n != 1)
