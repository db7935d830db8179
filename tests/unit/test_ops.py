"""Operations: the interval lock refuses a second load of the same interval with a message that
names it; a failed task's alert lands in ops.alerts and reaches a webhook; `status` explains."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import psycopg
import pytest

from dti.alerts import Alert, raise_alert
from dti.land import extract_and_land
from dti.load import load_batch, record_failure
from dti.locks import IntervalBusy, interval_locks
from dti.records import Interval
from dti.stages import land
from dti.status import collect, format_report

from .conftest import make_settings


def test_a_second_load_of_the_same_interval_is_refused(dsn):
    day = Interval.day("2022-01-05")
    with interval_locks(dsn, "portal", "dossiers", [day]):
        with pytest.raises(IntervalBusy) as busy:
            with interval_locks(dsn, "portal", "dossiers", [Interval.day("2022-01-06"), day]):
                pass
        message = str(busy.value)
        assert "portal/dossiers 2022-01-05 is being loaded by dti-load portal/dossiers" in message
        assert "wait for it to finish" in message
        # other intervals and other entities are free meanwhile, and the refused run let go of
        # the lock it had taken on the 6th
        with interval_locks(dsn, "portal", "dossiers", [Interval.day("2022-01-06")]):
            pass
        with interval_locks(dsn, "portal", "procedures", [day]):
            pass
    with interval_locks(dsn, "portal", "dossiers", [day]):
        pass


def test_the_nightly_land_stage_refuses_a_busy_interval(tmp_path, portal, dsn):
    settings = make_settings(tmp_path, portal.url, DTI_WAREHOUSE_URL=dsn)
    with interval_locks(dsn, "portal", "dossiers", [Interval.day("2022-01-05")]):
        with pytest.raises(IntervalBusy):
            land(settings, "portal", "dossiers", "2022-01-05")
    assert land(settings, "portal", "dossiers", "2022-01-05")["rows"] == 50


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_an_alert_is_recorded_and_posted(tmp_path, dsn):
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        settings = make_settings(tmp_path, DTI_WAREHOUSE_URL=dsn, DTI_ALERT_WEBHOOK=url)
        alert = Alert(
            "nightly_portal",
            "validate_dossiers",
            "scheduled__2022-01-06",
            datetime(2022, 1, 5, 17, tzinfo=UTC),
            3,
            "ValidationFailed: portal/dossiers/2022-01-05 failed expect_column_values_to_be_in_set",
        )
        assert raise_alert(settings, alert) == ["ops.alerts", "webhook"]
    finally:
        server.shutdown()
    assert _Hook.received[-1]["task_id"] == "validate_dossiers"
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "select dag_id, task_id, try_number, notified from ops.alerts"
        ).fetchone()
    assert row == ("nightly_portal", "validate_dossiers", 3, "webhook")
    report = format_report(collect(dsn))
    assert "recent alerts:" in report and "nightly_portal.validate_dossiers" in report


def test_status_lists_what_is_not_loaded_until_it_is(tmp_path, portal, dsn):
    settings = make_settings(tmp_path, portal.url)
    landed = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    record_failure(dsn, landed, "validation failed: expect_x(KenhThucHien)", status="quarantined")
    report = collect(dsn)
    assert [(p.entity, p.status) for p in report.problems] == [("dossiers", "quarantined")]
    text = format_report(report)
    assert "quarantined portal/dossiers 2022-01-05  validation failed: expect_x" in text
    load_batch(dsn, landed)
    report = collect(dsn)
    assert report.problems == []
    (entity,) = report.entities
    assert (entity.intervals_loaded, entity.rows_loaded, entity.quarantined) == (1, 50, 0)
    assert entity.freshness(datetime.now(UTC)) == "fresh"
