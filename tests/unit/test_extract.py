"""Extraction against a real HTTP server speaking the portal contract."""

from __future__ import annotations

import time

import pytest

from dti.extract import extract, interval_params
from dti.extract.http import (
    PagedClient,
    RepeatedRecordError,
    SourceAuthError,
    SourceHTTPError,
    SourceTotalMismatch,
    SourceUnavailableError,
)
from dti.records import Interval
from dti.sources import get_entity

from .conftest import make_settings
from .fake_portal import Fault

DOSSIERS = get_entity("portal", "dossiers")
DAY = Interval.day("2022-01-05")


def client(portal, **kw) -> PagedClient:
    opts = {"page_size": 20, "timeout": 1.0, "retries": 3, "backoff_base": 0.01} | kw
    return PagedClient(portal.url, portal.token, source="portal", **opts)


def test_dossier_interval_is_a_local_day_as_local_strings():
    assert interval_params(DOSSIERS, DAY) == {
        "updated_from": "20220105000000",
        "updated_to": "20220106000000",
    }
    assert interval_params(get_entity("portal", "agencies"), DAY) == {}


def test_pages_to_the_end_and_checks_total(settings, portal):
    result = extract(settings, DOSSIERS, DAY)
    assert len(result.records) == 50 == result.source_total
    assert result.pages == 3  # 20 + 20 + 10
    pages = [r for r in portal.requests if r["path"].endswith("dossiers")]
    assert [r["page"] for r in pages] == ["1", "2", "3"]
    assert all(r["updated_from"] == "20220105000000" for r in pages)
    assert {r["MaHoSo"] for r in result.records} == {
        d["MaHoSo"] for d in portal.data["dossiers"] if d["NgayCapNhat"].startswith("20220105")
    }


def test_exact_multiple_of_page_size_reads_the_empty_last_page(tmp_path, portal):
    settings = make_settings(tmp_path, portal.url, DTI_HTTP_PAGE_SIZE="25")
    result = extract(settings, DOSSIERS, DAY)
    assert len(result.records) == 50 and result.pages == 3


def test_personal_fields_are_pseudonymised_in_memory(settings, portal):
    result = extract(settings, DOSSIERS, DAY)
    clear = {d["SoGiayToChuHoSo"] for d in portal.data["dossiers"]}
    tokens = {r["SoGiayToChuHoSo"] for r in result.records}
    assert not clear & tokens
    assert all(t.startswith("ps_") and len(t) == 35 for t in tokens)


def test_total_above_the_records_fails(portal):
    portal.extra_total = 3
    with client(portal) as c, pytest.raises(SourceTotalMismatch, match="reported total 53"):
        c.fetch_all(DOSSIERS.path, interval_params(DOSSIERS, DAY), record_key=DOSSIERS.record_key)


def test_total_changing_between_pages_fails(portal):
    portal.total_delta_from_page = 2
    with client(portal) as c, pytest.raises(SourceTotalMismatch, match="changed from 50 to 51"):
        c.fetch_all(DOSSIERS.path, interval_params(DOSSIERS, DAY))


def test_a_record_repeated_on_the_next_page_fails(portal):
    portal.repeat_on_page = 2
    with client(portal) as c, pytest.raises(RepeatedRecordError) as err:
        c.fetch_all(DOSSIERS.path, interval_params(DOSSIERS, DAY), record_key=DOSSIERS.record_key)
    message = str(err.value)
    assert "page 2" in message and "already came on page 1" in message and "MaHoSo=" in message


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried(portal, status):
    portal.faults = [Fault(status), Fault(status)]
    with client(portal) as c:
        result = c.fetch_all(DOSSIERS.path, interval_params(DOSSIERS, DAY))
    assert len(result.records) == 50 and result.retries == 2


def test_429_waits_for_retry_after(portal):
    portal.faults = [Fault(429, retry_after="1")]
    with client(portal) as c:
        result = c.fetch_all(DOSSIERS.path, interval_params(DOSSIERS, DAY))
    assert result.retries == 1
    assert portal.request_times[1] - portal.request_times[0] >= 0.95


def test_timeouts_are_retried(portal):
    portal.faults = [Fault(stall_s=0.6)]
    with client(portal, timeout=0.2) as c:
        result = c.fetch_all(DOSSIERS.path, interval_params(DOSSIERS, DAY))
    assert len(result.records) == 50 and result.retries == 1


def test_connection_refused_is_retried_then_fails_clearly():
    with PagedClient("http://127.0.0.1:9", "x", retries=2, backoff_base=0.01) as c:
        with pytest.raises(SourceUnavailableError, match="after 3 attempts"):
            c.fetch_all("/portal/api/v1/agencies")


def test_retries_are_bounded(portal):
    portal.faults = [Fault(503)] * 10
    with client(portal, retries=2) as c, pytest.raises(SourceUnavailableError, match="HTTP 503"):
        c.fetch_all(DOSSIERS.path, interval_params(DOSSIERS, DAY))
    assert len(portal.requests) == 3


def test_backoff_grows_exponentially_with_jitter(portal):
    waits: list[float] = []
    portal.faults = [Fault(503)] * 3
    with client(portal, backoff_base=1.0, sleep=waits.append) as c:
        c.fetch_all(DOSSIERS.path, interval_params(DOSSIERS, DAY))
    assert [0.5 <= waits[0] <= 1, 1 <= waits[1] <= 2, 2 <= waits[2] <= 4] == [True] * 3


def test_401_fails_at_once_and_names_the_token(portal):
    started = time.monotonic()
    with PagedClient(portal.url, "wrong", retries=5) as c:
        with pytest.raises(SourceAuthError, match="DTI_PORTAL_TOKEN") as err:
            c.fetch_all(DOSSIERS.path)
    assert err.value.status == 401
    assert len(portal.requests) == 1 and time.monotonic() - started < 1


def test_404_fails_at_once_and_names_the_url(portal):
    with client(portal) as c, pytest.raises(SourceHTTPError, match="DTI_PORTAL_URL"):
        c.fetch_all("/portal/api/v1/nothing")
    assert len(portal.requests) == 1
