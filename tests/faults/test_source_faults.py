"""The source misbehaves over HTTP: each row of the fault table for the portal's dossiers, injected
by the simulator (``/_sim/faults``) into one day, run through the library's stages; the day in
raw must end exactly as the fault-free run left it."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from dti.pipeline import IntervalsQuarantined, SourceIntervalsFailed, load_entity_day

from .conftest import DAY, DOSSIERS
from .helpers import assert_as_fault_free, latest_audit, manifest, raw_state, run_day, with_settings

pytestmark = pytest.mark.slow

ON_DAY = {"paths": [DOSSIERS], "day": DAY}
NEXT_DAY = "20220302000000"
CATALOGUES = ("procedures",)


@pytest.mark.parametrize(
    "name, plan",
    [
        ("HTTP 500/502/503 burst", {"statuses": [500, 502, 503], "fail_first": 3}),
        ("timeout", {"timeout_seconds": 2.5, "fail_first": 1, "page": 2}),
        ("connection reset", {"connection_reset": True, "fail_first": 2}),
    ],
)
def test_transient_failures_are_retried_and_the_run_succeeds(faults, name, plan):
    faults.fault(**plan, **ON_DAY)
    summary, error = run_day(with_settings(faults, http_timeout=1.5))
    served = faults.clear()
    assert error is None, f"{name}: {error}"
    retries = manifest(faults)["http_retries"]
    # every faulted request was retried, and the landed batch's manifest says so
    assert served == plan["fail_first"] and retries == served
    assert_as_fault_free(
        faults,
        "HTTP 500/502/503 bursts, timeouts, connection resets",
        f"test_transient_failures_are_retried_and_the_run_succeeds[{name}]",
        faults_injected=served,
        runs=1,
        runs_survived=1,
        retries_seen=retries,
    )


def test_429_waits_as_told(faults, caplog):
    faults.fault(status=429, retry_after=2, fail_first=1, page=1, **ON_DAY)
    with caplog.at_level(logging.WARNING, logger="dti.extract.http"):
        started = time.monotonic()
        _, error = run_day(faults.settings)
        took = time.monotonic() - started
    served = faults.clear()
    assert error is None and served == 1
    waits = [r.getMessage() for r in caplog.records if "HTTP 429" in r.getMessage()]
    assert len(waits) == 1 and waits[0].endswith("in 2.00s") and took >= 2
    assert manifest(faults)["http_retries"] == 1
    assert_as_fault_free(
        faults,
        "429 with Retry-After",
        "test_429_waits_as_told",
        faults_injected=served,
        runs=1,
        runs_survived=1,
        retries_seen=1,
    )


def test_a_refused_token_fails_fast_naming_the_setting(faults):
    """A wrong DTI_PORTAL_TOKEN (a real 401 from the simulator), then a 403 on the dossiers:
    one request each, no retry storm, the message names the setting and never the token."""
    before = raw_state(faults)
    started = time.monotonic()
    _, error = run_day(with_settings(faults, _portal_token="wrong-token-4711"))
    assert isinstance(error, SourceIntervalsFailed) and "HTTP 401" in str(error)
    assert "DTI_PORTAL_TOKEN" in str(error) and "wrong-token-4711" not in str(error)
    assert time.monotonic() - started < 10

    faults.fault(status=403, fail_first=50, **ON_DAY)
    _, error = run_day(faults.settings)
    served = faults.clear()
    assert isinstance(error, SourceIntervalsFailed) and "HTTP 403" in str(error)
    assert "DTI_PORTAL_TOKEN" in str(error)
    assert served == 1, f"{served} requests after a 403: the client must not retry"
    assert raw_state(faults) == before  # nothing loaded is harmed
    assert latest_audit(faults)[0] == "failed"
    _, error = run_day(faults.settings)  # the token fixed: the next run loads the day
    assert error is None
    assert_as_fault_free(
        faults,
        "auth failure (401/403)",
        "test_a_refused_token_fails_fast_naming_the_setting",
        faults_injected=2,
        runs=3,
        runs_survived=1,
        requests_after_403=served,
    )


def test_a_retired_or_moved_system_stops_at_once_with_what_to_change(faults):
    """A system retired by the merger answers 410 Gone (or, moved, 404): one request, no retry,
    the interval failed with a message that says what to change, nothing loaded is harmed, and
    the day loads once the source answers again."""
    before = raw_state(faults)
    messages = {}
    served_total = 0
    for status in (410, 404):
        faults.fault(status=status, fail_first=50, **ON_DAY)
        _, error = run_day(faults.settings)
        served = faults.clear()
        served_total += served
        assert isinstance(error, SourceIntervalsFailed) and f"HTTP {status}" in str(error)
        assert served == 1, f"{served} requests after a {status}: the client must not retry"
        assert raw_state(faults) == before
        state, _, reason = latest_audit(faults)
        assert state == "failed" and f"HTTP {status}" in (reason or "")
        messages[status] = str(error)
    assert "retired" in messages[410] and "DTI_PORTAL_URL" in messages[410]
    assert "DTI_PORTAL_URL" in messages[404]
    _, error = run_day(faults.settings)  # the source back: the next run loads the day
    assert error is None
    assert_as_fault_free(
        faults,
        "a system retired (410 Gone) or moved (404)",
        "test_a_retired_or_moved_system_stops_at_once_with_what_to_change",
        faults_injected=2,
        runs=3,
        runs_survived=1,
        requests_after_403=served_total,
    )


def test_a_day_served_by_both_the_old_and_the_new_system_is_loaded_as_sent(faults):
    """At the switch the new system also served the old system's records of the day (a
    migration that copied it): a consistent listing, so it loads as sent, each version once;
    staging counts each dossier once (the same MaHoSo from two systems is one dossier: through
    `dti run` with both systems configured, tests/e2e/test_nightly_today.py::
    test_a_day_served_by_both_systems_counts_each_dossier_once). Loaded again once the new
    system serves its own records only, the day is exactly the fault-free run's."""
    legacy = httpx.get(
        f"{faults.sim}/legacy/27{DOSSIERS}",
        params={"updated_from": DAY.replace("-", "") + "000000", "updated_to": NEXT_DAY},
        headers=faults._headers(),
    )
    legacy.raise_for_status()
    copies = legacy.json()["total"]
    # the new system took over the old one's catalogue with its last day
    faults.fault(fail_first=10_000, also_serve_from="/legacy/27", paths=["/portal/api/v1/"])
    for catalogue in CATALOGUES:
        load_entity_day(faults.settings, "portal", catalogue, DAY)
    _, error = run_day(faults.settings)
    served = faults.clear()
    assert error is None, error
    rows, _, distinct = raw_state(faults)
    assert copies > 0 and rows == distinct == faults.baseline_rows + copies
    assert latest_audit(faults)[:2] == ("loaded", rows)
    # the new system's own records again: the copies go with the replaced batches
    for catalogue in CATALOGUES:
        load_entity_day(faults.settings, "portal", catalogue, DAY)
    _, error = run_day(faults.settings)
    assert error is None
    assert_as_fault_free(
        faults,
        "a day served by both the old and the new system",
        "test_a_day_served_by_both_the_old_and_the_new_system_is_loaded_as_sent",
        faults_injected=served,
        runs=2,
        runs_survived=2,
        copies_served=copies,
    )


PAGING = [
    ("a page repeating the previous page", {"repeat_previous_page": True, "page": 2}),
    ("a page missing", {"skip_page": True, "page": 2}),
    ("total changing mid-extract", {"wrong_total": True, "page": 2}),
    ("a record twice on a page", {"duplicate_record_on_page": 2, "page": 2}),
]


@pytest.mark.parametrize("name, plan", PAGING, ids=[p[0] for p in PAGING])
def test_inconsistent_pages_are_read_again_never_loaded_short_or_doubled(faults, name, plan):
    faults.fault(fail_first=1, **plan, **ON_DAY)
    _, error = run_day(faults.settings)
    served = faults.clear()
    assert error is None, f"{name}: {error}"
    assert served == 1 and manifest(faults)["reextractions"] == 1
    assert_as_fault_free(
        faults,
        "a page repeating records of the previous page; a page missing; total changing mid-extract",
        f"test_inconsistent_pages_are_read_again_never_loaded_short_or_doubled[{name}]",
        faults_injected=served,
        runs=1,
        runs_survived=1,
        reextractions=1,
    )


def test_pages_that_never_add_up_fail_clearly_and_load_nothing(faults):
    before = raw_state(faults)
    faults.fault(fail_first=10, repeat_previous_page=True, page=2, **ON_DAY)
    _, error = run_day(faults.settings)
    served = faults.clear()
    assert isinstance(error, SourceIntervalsFailed), error
    assert "already came on page" in str(error) and "read 2 times" in str(error)
    assert served == 2 and raw_state(faults) == before
    assert latest_audit(faults)[0] == "failed"
    _, error = run_day(faults.settings)
    assert error is None
    assert_as_fault_free(
        faults,
        "a page repeating records of the previous page; a page missing; total changing mid-extract",
        "test_pages_that_never_add_up_fail_clearly_and_load_nothing",
        faults_injected=served,
        runs=2,
        runs_survived=1,
    )


def test_a_record_changed_between_two_pages_gives_no_duplicate(faults):
    """Page 2 also carries a newer version of a page-1 dossier (updated while the client paged):
    one record more than the total, so the interval is read again and the consistent read is
    loaded: one row per (MaHoSo, NgayCapNhat), none lost."""
    faults.fault(fail_first=1, change_record=True, page=2, **ON_DAY)
    _, error = run_day(faults.settings)
    served = faults.clear()
    assert error is None and served == 1 and manifest(faults)["reextractions"] == 1
    assert_as_fault_free(
        faults,
        "a record changed between two pages",
        "test_a_record_changed_between_two_pages_gives_no_duplicate",
        faults_injected=served,
        runs=1,
        runs_survived=1,
        reextractions=1,
    )


def _quarantined(faults, fault, test, plan, *, names):
    """The bad batch is stopped, named, and the day keeps its earlier good rows; the source
    fixed, a later run loads the day (test_after_the_bad_batches_the_next_run_loads_the_day)."""
    before = raw_state(faults)
    faults.fault(fail_first=100, **plan, **ON_DAY)
    _, error = run_day(faults.settings)
    served = faults.clear()
    assert error is not None, f"{test}: the bad batch was loaded"
    message = str(error)
    for name in names:
        assert name in message, f"{test}: the message does not name {name}: {message[:2000]}"
    assert raw_state(faults) == before  # nothing already loaded is harmed
    status = latest_audit(faults)[0]
    rows, digest, distinct = before
    faults.ledger.add(
        fault,
        test,
        faults_injected=served,
        runs=1,
        rows_compared=rows,
        rows_lost=max(0, faults.baseline_rows - distinct),
        rows_duplicated=rows - distinct,
        outcome=status,
    )
    assert digest == faults.baseline["digest"]
    return error, status


def test_a_new_field_lands_is_reported_and_the_day_loads(faults, caplog):
    faults.fault(fail_first=100, add_fields={"MaDinhDanhMoi": "x"}, **ON_DAY)
    with caplog.at_level(logging.WARNING):
        _, error = run_day(faults.settings)
    served = faults.clear()
    assert error is None, error
    landed = manifest(faults)
    assert "MaDinhDanhMoi" in landed["fields"]  # the landing zone keeps what the source sent
    assert any("new fields ['MaDinhDanhMoi']" in r.getMessage() for r in caplog.records)
    assert_as_fault_free(
        faults,
        "schema drift: a new field, a renamed field, a missing required field, a type change",
        "test_a_new_field_lands_is_reported_and_the_day_loads",
        faults_injected=served,
        runs=1,
        runs_survived=1,
    )


DRIFT = [
    (
        "renamed field",
        {"rename_fields": {"NgayTiepNhan": "NgayTiepNhanHS"}},
        ["missing ['NgayTiepNhan']", "unexpected ['NgayTiepNhanHS']"],
    ),
    ("missing required field", {"drop_fields": ["MaTTHC"]}, ["missing ['MaTTHC']"]),
    (
        "type change",
        {"set_fields": {"DanhSachLePhi": "100000"}, "bad_records": 5000},
        ["_lists_not_json", "DanhSachLePhi: not a list"],
    ),
]


@pytest.mark.parametrize("name, plan, names", DRIFT, ids=[d[0] for d in DRIFT])
def test_schema_drift_quarantines_the_batch_naming_the_field(faults, name, plan, names):
    error, status = _quarantined(
        faults,
        "schema drift: a new field, a renamed field, a missing required field, a type change",
        f"test_schema_drift_quarantines_the_batch_naming_the_field[{name}]",
        plan,
        names=names,
    )
    assert isinstance(error, IntervalsQuarantined) and status == "quarantined"


BAD_VALUES = [
    {"NgayHenTra": "20220230170000"},  # an impossible date
    {"NgayHenTra": "20200101000000"},  # due before received
    {"DanhSachLePhi": [{"MaPhiLePhi": "LP01", "TenPhiLePhi": "Lệ phí", "Gia": -100000}]},
    {"MaTTHC": "9.999999.000.00.00.H99"},  # an unknown procedure code
]


def test_bad_values_quarantine_the_batch_naming_each_rule(faults):
    """Four bad records in one batch (record n of page 1 gets the n-th bad value): the batch is
    quarantined, the message names every broken rule with sample rows."""
    error, status = _quarantined(
        faults,
        "bad values: impossible dates, due before received, negative amounts, unknown commune "
        "or procedure codes, non-UTF-8 text",
        "test_bad_values_quarantine_the_batch_naming_each_rule",
        {"set_fields": BAD_VALUES, "page": 1},
        names=[
            "expect_column_values_to_be_null(_impossible_dates)",
            "expect_column_pair_values_a_to_be_greater_than_b(NgayHenTra, NgayTiepNhan)",
            "expect_column_values_to_be_between(_DanhSachLePhi_Gia_min)",
            "expect_column_values_to_be_in_set(MaTTHC)",
            "20220230170000",
        ],
    )
    assert isinstance(error, IntervalsQuarantined) and status == "quarantined"


def test_text_that_is_not_utf8_fails_the_day_clearly(faults):
    error, status = _quarantined(
        faults,
        "bad values: impossible dates, due before received, negative amounts, unknown commune "
        "or procedure codes, non-UTF-8 text",
        "test_text_that_is_not_utf8_fails_the_day_clearly",
        {"invalid_utf8": True, "page": 1},
        names=["page 1", "not JSON"],
    )
    assert isinstance(error, SourceIntervalsFailed) and status == "failed"


def test_an_unknown_commune_code_quarantines_the_batch(faults):
    """A citizen's commune (MaXaChuHoSo) that is no commune of the country (the GSO list the
    suite derives `_unknown_commune` from; a commune of another province is known) stops the
    batch like any bad value, and the message shows the code."""
    error, status = _quarantined(
        faults,
        "bad values: impossible dates, due before received, negative amounts, unknown commune "
        "or procedure codes, non-UTF-8 text",
        "test_an_unknown_commune_code_quarantines_the_batch",
        {"set_fields": {"MaXaChuHoSo": "99999"}, "page": 1},
        names=["expect_column_values_to_be_null(_unknown_commune)", "99999"],
    )
    assert isinstance(error, IntervalsQuarantined) and status == "quarantined"


def test_after_the_bad_batches_the_next_run_loads_the_day(faults):
    _, error = run_day(faults.settings)
    assert error is None
    assert_as_fault_free(
        faults,
        "schema drift: a new field, a renamed field, a missing required field, a type change",
        "test_after_the_bad_batches_the_next_run_loads_the_day",
        runs=1,
        runs_survived=1,
    )
