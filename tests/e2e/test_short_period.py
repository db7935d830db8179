"""A few days end to end: the real DAGs on the embedded warehouse against the simulator over HTTP,
checked against an independent count taken from the simulator's API, then rerun."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx
import pytest

FIRST, LAST = date(2022, 3, 1), date(2022, 3, 3)


def _intake(stack, first: date, last: date) -> tuple[int, int]:
    num, den = stack.query(
        "select numerator, denominator from marts.indicator_values_between(%s, %s) "
        "where geography = 'as_reported' "
        "and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and area_level = 'province'",
        (first, last),
    )[0]
    return int(den), int(num)


def _fingerprint(stack) -> dict[str, str]:
    """A content hash of every raw table (load-time columns aside) and of the marts."""
    out = {}
    tables = [
        "raw.portal__dossiers",
        "raw.portal__procedures",
        "raw.portal__agencies",
        "marts.fct_dossier",
        "marts.indicator_values",
    ]
    for table in tables:
        cols = [
            c
            for (c,) in stack.query(
                "select column_name from information_schema.columns "
                "where table_schema || '.' || table_name = %s "
                "and column_name not in ('_loaded_at', '_extracted_at') order by column_name",
                (table,),
            )
        ]
        select = ", ".join(f'"{c}"' for c in cols)
        out[table] = stack.scalar(
            "select count(*) || ':' || "
            f"coalesce(md5(string_agg(r::text, '|' order by r::text)), '')"
            f" from (select {select} from {table}) r"
        )
    return out


@pytest.fixture(scope="module")
def loaded(h1):
    """The days again over the half-year already loaded and built (the session's `h1`): a rerun
    of days already loaded, through the range DAG. The models are not rebuilt here: the next
    test's backfill rebuilds them and must find them unchanged."""
    h1.dti(
        "run",
        "--source",
        "portal",
        "--from",
        FIRST.isoformat(),
        "--to",
        LAST.isoformat(),
        "--no-transform",
    )
    return h1


def test_range_run_matches_the_source(loaded):
    # Only versions updated within the loaded days are in the warehouse, so compare with the API
    # read over the same days: receipts are the first version, on the day received.
    assert _intake(loaded, FIRST, LAST) == _api_truth_window(loaded, FIRST, LAST)


def _api_truth_window(stack, first: date, last: date) -> tuple[int, int]:
    """Dossiers received in [first, last] and how many online, from versions updated in it."""
    settings = stack.settings
    url = f"{settings.effective_portal_url}/portal/api/v1/dossiers"
    headers = {"Authorization": f"Bearer {settings.portal_token}"}
    latest: dict[str, dict] = {}
    with httpx.Client(timeout=60, headers=headers) as client:
        page = 1
        while True:
            body = (
                client.get(
                    url,
                    params={
                        "updated_from": f"{first:%Y%m%d}000000",
                        "updated_to": f"{last + timedelta(days=1):%Y%m%d}000000",
                        "page": page,
                        "page_size": 5000,
                    },
                )
                .raise_for_status()
                .json()
            )
            for item in body["items"]:
                prev = latest.get(item["MaHoSo"])
                if prev is None or item["NgayCapNhat"] >= prev["NgayCapNhat"]:
                    latest[item["MaHoSo"]] = item
            if page * body["page_size"] >= body["total"]:
                break
            page += 1
    received = [
        i
        for i in latest.values()
        if first <= datetime.strptime(i["NgayTiepNhan"], "%Y%m%d%H%M%S").date() <= last
    ]
    return len(received), sum(1 for i in received if str(i["KenhThucHien"]) == "2")


def test_every_day_is_audited_and_nothing_is_quarantined(loaded):
    # Other tests may have loaded these days before: look at each day's latest audit row.
    rows = loaded.query(
        "select distinct on (interval_start) interval_start, status, rows from ops.load_audit "
        "where source = 'portal' and entity = 'dossiers' "
        "and interval_start >= %s::date::timestamp at time zone 'Asia/Ho_Chi_Minh' "
        "and interval_start <= %s::date::timestamp at time zone 'Asia/Ho_Chi_Minh' "
        "order by interval_start, audit_id desc",
        (FIRST, LAST),
    )
    assert len(rows) == 3
    assert {status for _, status, _ in rows} == {"loaded"}
    assert sum(n for _, _, n in rows) > 1000
    quarantined = loaded.scalar("select count(*) from ops.load_audit where status <> 'loaded'")
    assert quarantined == 0


def test_dossier_codes_unique_and_personal_data_pseudonymised(loaded):
    dupes = loaded.scalar(
        "select count(*) from (select 1 from marts.fct_dossier "
        "group by dossier_code having count(*) > 1) d"
    )
    assert dupes == 0
    clear = loaded.scalar(
        "select count(*) from raw.portal__dossiers "
        "where \"SoGiayToChuHoSo\" ~ '^[0-9]{12}$' or \"SoDienThoai\" ~ '^0[0-9]{9}$'"
    )
    assert clear == 0


def test_rerunning_the_range_changes_nothing(loaded):
    before = _fingerprint(loaded)
    loaded.dti(
        "backfill", "--source", "portal", "--from", FIRST.isoformat(), "--to", LAST.isoformat()
    )
    assert _fingerprint(loaded) == before


def test_nightly_run_of_the_next_day(loaded):
    day = LAST + timedelta(days=1)
    before = loaded.scalar("select coalesce(max(audit_id), 0) from ops.load_audit")
    loaded.dti("run", "--date", day.isoformat())
    new = loaded.query(
        "select entity, status from ops.load_audit where audit_id > %s and source = 'portal' "
        "and interval_start = %s::date::timestamp at time zone 'Asia/Ho_Chi_Minh' order by 1",
        (before, day),
    )
    # The nightly run takes the catalogues and the day's dossiers, each once.
    assert new == [("agencies", "loaded"), ("dossiers", "loaded"), ("procedures", "loaded")]
    assert _intake(loaded, FIRST, day) == _api_truth_window(loaded, FIRST, day)
    status = loaded.dti("status").stdout
    assert "portal/dossiers" in status and day.isoformat() in status
