"""The present, for real: a data team installing the warehouse today runs the night that just
closed. `dti run` with no date loads yesterday (local time) on today's units, and Airflow's own
scheduler (`dti airflow standalone`, the nightly DAG unpaused) runs yesterday's night by itself,
catching up from DTI_CATCHUP_FROM and no further back."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import time
from datetime import date, datetime, timedelta

import httpx
import pytest

from dti.config import LOCAL_TZ

from .conftest import DTI, ROOT, Stack, _free_port, running_stack

MERGED = date(2025, 7, 1)  # the new Bắc Ninh

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

_DAY_ROWS = """
select coalesce(sum(rows), 0) from ops.load_audit
where source = 'portal' and entity = 'dossiers' and status = 'loaded'
  and (interval_start at time zone 'Asia/Ho_Chi_Minh')::date = %s
"""


PORTAL_API = "/portal/api/v1/"


def _yesterday() -> date:
    return datetime.now(LOCAL_TZ).date() - timedelta(days=1)


# The former Bắc Ninh's portal as a second instance of the portal, by configuration alone; one
# configured without its end, to see what a retired system's 410 does; the former Bắc Ninh's
# education and health systems (file drops: their own inbox folders, their own units; health's
# registry over HTTP too); and its police system (over HTTP, its own units).
SOURCES = """
instances:
  - name: portal_bacninh_legacy
    source: portal
    url: /legacy/27
    province: "27"
    until: 2025-06-30
  - name: portal_bacninh_unended
    source: portal
    url: /legacy/27
    province: "27"
  - name: education_bacninh_legacy
    source: education
    inbox: legacy/27/education
    province: "27"
    until: 2025-06-30
  - name: health_bacninh_legacy
    source: health
    url: /legacy/27
    inbox: legacy/27/health
    province: "27"
    until: 2025-06-30
  - name: police_bacninh_legacy
    source: police
    url: /legacy/27
    province: "27"
    until: 2025-06-30
"""


def _both_former_provinces_as_one(
    stack: Stack, indicator: str, month: date
) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """The indicator's province rows of the month: as reported two provinces, Bắc Giang (24) and
    the former Bắc Ninh (27); on today's units one, the new Bắc Ninh (24), whose denominator is
    their sum. Returns both, area code -> (numerator, denominator)."""
    values = stack.query(
        "select geography, area_code, numerator, denominator from marts.indicator_values "
        "where indicator_code = %s and area_level = 'province' "
        "and period_type = 'month' and period_start = %s and breakdown = 'total'",
        (indicator, month),
    )
    reported = {a: (n, d) for g, a, n, d in values if g == "as_reported"}
    today = {a: (n, d) for g, a, n, d in values if g != "as_reported"}
    assert set(reported) == {"24", "27"} and set(today) == {"24"}, values
    assert today["24"][1] == reported["24"][1] + reported["27"][1], values
    return reported, today


@pytest.fixture(scope="module")
def today_stack(tmp_path_factory):
    sources = tmp_path_factory.mktemp("sources") / "sources.yaml"
    sources.write_text(SOURCES)
    os.chmod(sources.parent, 0o755)
    with running_stack({"DTI_SOURCES_FILE": str(sources)}) as started:
        yield started


def test_dti_run_without_a_date_loads_yesterday_on_todays_units(today_stack: Stack):
    yesterday = _yesterday()
    result = today_stack.dti("run", "--source", "portal", "--no-transform")
    said = result.stdout + result.stderr
    assert f"loading portal {yesterday}" in said
    rows = today_stack.scalar(_DAY_ROWS, (yesterday,))
    assert rows > 0, said
    assert f"dossiers {rows:,}" in said  # it says what it loaded
    # dossiers received since 2025-07-01 name the new province's units: commune committees of
    # the 99 communes (000.40.<code>), no district committee, and applicants' communes of 2025
    handled = today_stack.query(
        "select split_part(\"DonViXuLy\", '.', 2), count(*) from raw.portal__dossiers "
        "where \"NgayTiepNhan\" >= '20250701' group by 1"
    )
    levels = dict(handled)
    assert levels.get("40", 0) > 0 and "20" not in levels, levels
    communes = {
        code
        for (code,) in today_stack.query(
            'select distinct "MaXaChuHoSo" from raw.portal__dossiers '
            'where "NgayTiepNhan" >= \'20250701\' and "MaXaChuHoSo" is not null'
        )
    }
    today = {
        code
        for (code,) in today_stack.query(
            "select code from raw.ref__admin_units where level = 'commune' "
            "and valid_from = '2025-07-01'"
        )
    }
    assert communes and communes <= today, communes - today


def _runs(env: dict[str, str]) -> list[dict]:
    listed = subprocess.run(
        [str(DTI), "airflow", "dags", "list-runs", "nightly_portal", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    for line in reversed(listed.stdout.splitlines()):
        if line.startswith("["):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return []


def test_the_scheduler_runs_the_nights_from_catchup_to_yesterday(today_stack: Stack, tmp_path):
    yesterday = _yesterday()
    first = yesterday - timedelta(days=1)
    port = _free_port()
    env = today_stack.env | {
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{port}",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
        "DTI_CATCHUP_FROM": first.isoformat(),
    }
    # `dti run` above ran yesterday in-process (dag.test) under the same logical date: start
    # from a DAG without runs, so the scheduler's own runs are the ones looked at
    today_stack.dti("airflow", "dags", "delete", "nightly_portal", "--yes", check=False)
    log = tmp_path / "standalone.log"
    with log.open("w") as out:
        airflow = subprocess.Popen(
            [str(DTI), "airflow", "standalone"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while "Airflow is ready" not in log.read_text():
            assert airflow.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(2)
        # the loads' Assets would start a transform: not what this test is about
        today_stack.dti("airflow", "dags", "pause", "transform", check=False)
        while today_stack.dti(
            "airflow", "dags", "unpause", "nightly_portal", check=False
        ).returncode:
            assert time.monotonic() < deadline, log.read_text()[-3000:]  # parsed again soon
            time.sleep(5)
        deadline = time.monotonic() + 900
        while True:
            runs = [r for r in _runs(env) if r["run_id"].startswith("scheduled__")]
            states = [r["state"] for r in runs]
            assert "failed" not in states, f"{runs}\n{log.read_text()[-3000:]}"
            if len(runs) >= 2 and set(states) == {"success"}:
                break
            assert time.monotonic() < deadline, f"{runs}\n{log.read_text()[-3000:]}"
            time.sleep(10)
    finally:
        os.killpg(airflow.pid, signal.SIGTERM)
        try:
            airflow.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(airflow.pid, signal.SIGKILL)
    # exactly the nights from DTI_CATCHUP_FROM to yesterday: nothing older, nothing of today
    assert len(runs) == 2, runs
    loaded = [
        d
        for (d,) in today_stack.query(
            "select distinct (interval_start at time zone 'Asia/Ho_Chi_Minh')::date "
            "from ops.load_audit where entity = 'dossiers' and status = 'loaded' order by 1"
        )
    ]
    assert loaded == [first, yesterday]
    assert today_stack.scalar(_DAY_ROWS, (first,)) > 0


def test_an_old_commune_code_after_the_merger_is_flagged_and_resolved(today_stack: Stack):
    # a day of July 2025, when some systems still sent the communes of before the merger
    today_stack.dti("run", "--date", "2025-07-15", "--source", "portal")
    issues = today_stack.query(
        "select area_code, bad_row_count, sample from marts.data_quality_issues "
        "where issue_type = 'code_of_another_period' and entity = 'dossiers_applicant' "
        "and interval_first_day >= '2025-07-01'"
    )
    assert issues, "the old codes sent after 2025-07-01 are not flagged"
    old = {code for code, _, _ in issues}
    # each is a commune of before the merger, named with the new commune it lies in today
    before = {
        code
        for (code,) in today_stack.query(
            "select code from raw.ref__admin_units where level = 'commune' "
            "and valid_to = '2025-07-01'"
        )
    }
    assert old <= before
    assert all(
        sample.startswith("resolved to ") and "no unit" not in sample for *_, sample in issues
    )
    # nothing lost: every dossier of the day is in the fact, under its handling agency's unit
    raw, fact = today_stack.query(
        'select (select count(distinct "MaHoSo") from raw.portal__dossiers '
        "where \"NgayTiepNhan\" like '20250715%'), "
        "(select count(*) from marts.fct_dossier where received_date = '2025-07-15' "
        "and area_unit_key is not null)"
    )[0]
    assert raw == fact > 0


def test_the_former_bac_ninh_portal_loads_as_an_instance_by_configuration(today_stack: Stack):
    day = "2022-03-01"
    # the day of both systems: Bắc Giang's portal and the former Bắc Ninh's (sources file only)
    today_stack.dti("run", "--date", day, "--source", "portal", "--no-transform")
    result = today_stack.dti("run", "--date", day, "--source", "portal_bacninh_legacy")
    said = result.stdout + result.stderr
    assert "loading portal_bacninh_legacy 2022-03-01" in said
    audit = dict(
        today_stack.query(
            "select source, sum(rows) from ops.load_audit where entity = 'dossiers' "
            "and status = 'loaded' and (interval_start at time zone 'Asia/Ho_Chi_Minh')::date = %s "
            "group by 1",
            (date.fromisoformat(day),),
        )
    )
    assert audit.get("portal", 0) > 0 and audit.get("portal_bacninh_legacy", 0) > 0, audit
    agencies = today_stack.query(
        'select distinct right("DonViXuLy", 3) from raw.portal_bacninh_legacy__dossiers'
    )
    assert agencies == [("H27",)]
    # both systems' dossiers are in the marts, each under its own former province
    by_province = dict(
        today_stack.query(
            "select province_code, count(*) from marts.fct_dossier "
            "where received_date = %s group by 1",
            (date.fromisoformat(day),),
        )
    )
    raw_legacy = today_stack.scalar(
        'select count(distinct "MaHoSo") from raw.portal_bacninh_legacy__dossiers '
        "where \"NgayTiepNhan\" like '20220301%'"
    )
    assert by_province.get("27") == raw_legacy > 0, by_province
    assert by_province.get("24", 0) > 0
    # as reported, two provinces; on today's units one, the new Bắc Ninh, holding both
    _both_former_provinces_as_one(today_stack, "DVC_ONLINE_INTAKE_RATE", date(2022, 3, 1))
    # a day after the system's end: nothing to do, said so
    after = today_stack.dti("run", "--date", "2025-07-02", "--source", "portal_bacninh_legacy")
    said = after.stdout + after.stderr
    assert "nothing to load" in said and "2025-06-30" in said, said
    status = today_stack.dti("status").stdout
    line = next(x for x in status.splitlines() if x.startswith("portal_bacninh_legacy/dossiers"))
    assert "retired" in line and "stale" not in line, status


def test_a_retired_system_answering_410_fails_the_night_with_its_reason(today_stack: Stack):
    # the same system configured without its end: its night of 2025-07-02 meets 410 Gone
    result = today_stack.dti(
        "run", "--date", "2025-07-02", "--source", "portal_bacninh_unended", check=False
    )
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert "410" in said and "until:" in said, said[-3000:]
    failed = today_stack.query(
        "select status, error from ops.load_audit where source = 'portal_bacninh_unended' "
        "and entity = 'dossiers'"
    )
    assert failed and all(s == "failed" for s, _ in failed), failed
    assert all("retired" in (e or "") for _, e in failed), failed
    # nothing of what was loaded before is touched
    assert today_stack.scalar("select count(*) from raw.portal_bacninh_legacy__dossiers") > 0


def test_a_day_served_by_both_systems_counts_each_dossier_once(today_stack: Stack):
    """The switch: the new system also served the old system's records of its last day (a
    migration that copied it: same codes, same versions), and both systems are loaded for that
    day. Raw keeps what each system sent; from staging on, each dossier counts once, under its
    former province."""
    day = "2025-06-30"
    headers = {"Authorization": f"Bearer {today_stack.settings.portal_token}"}
    sim = today_stack.settings.effective_portal_url
    # the new system took over the old one's catalogue and served its last day too
    plan = {"fail_first": 100_000, "also_serve_from": "/legacy/27", "paths": [PORTAL_API]}
    httpx.post(f"{sim}/_sim/faults", json=plan, headers=headers).raise_for_status()
    try:
        today_stack.dti("run", "--date", day, "--source", "portal", "--no-transform")
    finally:
        httpx.delete(f"{sim}/_sim/faults", headers=headers).raise_for_status()
    today_stack.dti("run", "--date", day, "--source", "portal_bacninh_legacy")
    copied = today_stack.scalar(
        "select count(*) from raw.portal__dossiers m join raw.portal_bacninh_legacy__dossiers l "
        'using ("MaHoSo", "NgayCapNhat") where l."NgayCapNhat" like \'20250630%\''
    )
    legacy_versions = today_stack.scalar(
        "select count(*) from raw.portal_bacninh_legacy__dossiers "
        "where \"NgayCapNhat\" like '20250630%'"
    )
    assert copied == legacy_versions > 0  # the new system really served the old one's day
    received = "like '20250630%'"
    own, old = today_stack.query(
        f'select (select count(distinct "MaHoSo") from raw.portal__dossiers '
        f'where "NgayTiepNhan" {received} and "DonViXuLy" not like \'%.H27\'), '
        f'(select count(distinct "MaHoSo") from raw.portal_bacninh_legacy__dossiers '
        f'where "NgayTiepNhan" {received})'
    )[0]
    facts = dict(
        today_stack.query(
            "select province_code, count(*) from marts.fct_dossier "
            "where received_date = %s group by 1",
            (date.fromisoformat(day),),
        )
    )
    assert facts == {"24": own, "27": old}, (facts, own, old)
    assert today_stack.scalar(
        "select count(*) = count(distinct dossier_code) from marts.fct_dossier"
    )


def test_education_offices_follow_the_units_of_each_month(today_stack: Stack):
    # June 2025: the district offices of the 2024 arrangement (221 merged away, 224 new); July
    # 2025: no districts, the Department sends one workbook holding both former provinces'
    # schools, each on a commune of 2025
    result = today_stack.dti(
        "backfill", "--source", "education", "--from", "2025-06-01", "--to", "2025-07-31"
    )
    said = result.stdout + result.stderr
    receipts = today_stack.query(
        "select distinct on (file_name) file_name, status, unit from ops.file_receipts "
        "where source = 'education' and entity = 'school_reports' "
        "and (file_name like '%%202506%%' or file_name like '%%202507%%' or unit in ('221', '24')) "
        "order by file_name, recorded_at desc"
    )
    assert receipts, said
    assert all(status == "loaded" for _n, status, _u in receipts), receipts
    june = {unit for name, _s, unit in receipts if "_202506" in name}
    july = [name for name, _s, _u in receipts if "_202507" in name]
    assert "224" in june and "221" not in june and len(june) == 10, receipts
    assert july == ["So24_BaoCaoCDS_202507.xlsx"], receipts
    schools = dict(
        today_stack.query(
            "select left(school_code, 2), count(*) from marts.fct_school_month "
            "where month_start = '2025-07-01' and district_code is null group by 1"
        )
    )
    june_schools = today_stack.scalar(
        "select count(*) from marts.fct_school_month where month_start = '2025-06-01'"
    )
    assert schools.get("24") == june_schools > 0, (schools, june_schools)
    assert schools.get("27", 0) > 0.7 * june_schools, schools
    off_units = today_stack.scalar(
        "select count(*) from marts.fct_school_month as f where month_start = '2025-07-01' "
        "and not exists (select 1 from marts.dim_administrative_unit as u "
        "where u.unit_code = f.commune_code and u.valid_from <= '2025-07-01' "
        "and (u.valid_to is null or u.valid_to > '2025-07-01'))"
    )
    assert off_units == 0
    # e-records near universal on the merged province's schools, on today's units
    num, den = today_stack.query(
        "select numerator, denominator from marts.indicator_values "
        "where indicator_code = 'GD_E_RECORD_SCHOOL_RATE' and period_type = 'month' "
        "and period_start = '2025-07-01' and area_level = 'province' and breakdown = 'total' "
        "and geography <> 'as_reported'"
    )[0]
    assert den > 900 and 0.95 < num / den < 1, (num, den)
    # Airflow's grid names the range's mapped tasks by their days (map_index_template)
    with sqlite3.connect(today_stack.settings.airflow_home / "airflow.db") as db:
        named = {
            label
            for (label,) in db.execute(
                "select rendered_map_index from task_instance "
                "where dag_id = 'range_load' and task_id = 'load_chunk'"
            )
        }
    assert {"2025-06-01..2025-06-30", "2025-07-01..2025-07-31"} <= named, named
    # the transform ended with dbt's source freshness: the workbooks just loaded pass, and
    # `dti status` says so
    checked = dict(
        today_stack.query(
            "select table_name, status from ops.source_freshness where source = 'education' "
            "and checked_at = (select max(checked_at) from ops.source_freshness)"
        )
    )
    assert checked == {
        "education__school_registry": "pass",
        "education__school_reports": "pass",
    }, checked
    assert "dbt source freshness (after the last transform)" in today_stack.dti("status").stdout


def test_the_former_bac_ninh_education_system_loads_as_an_instance(today_stack: Stack):
    # its Department's registry and its 8 district offices' workbooks, from its own inbox folder
    # (configuration only), checked against its own registry; June 2025 is its last month
    result = today_stack.dti(
        "backfill", "--source", "education_bacninh_legacy", "--from", "2025-06-01", "--to",
        "2025-07-15",
    )  # fmt: skip
    said = result.stdout + result.stderr
    assert "2025-06-30" in said  # says where the system ends
    receipts = today_stack.query(
        "select distinct on (file_name) file_name, status, unit from ops.file_receipts "
        "where source = 'education_bacninh_legacy' and file_name like '%%202506%%' "
        "order by file_name, recorded_at desc"
    )
    assert all(status == "loaded" for _n, status, _u in receipts), receipts
    assert sorted(unit for name, _s, unit in receipts if name.startswith("PGD_")) == [
        "256", "258", "259", "260", "261", "262", "263", "264"
    ], receipts  # fmt: skip
    assert [n for n, _s, _u in receipts if n.startswith("DanhMuc")] == [
        "DanhMucTruong_So27_202506.xlsx"
    ]
    # its schools in the marts under the former province, on its districts of the time
    rows = today_stack.query(
        "select province_code, count(*), count(distinct district_code), min(district_code) "
        "from marts.fct_school_month where month_start = '2025-06-01' "
        "and school_code like '27%%' group by 1"
    )
    assert len(rows) == 1 and rows[0][0] == "27" and rows[0][2] == 8 and rows[0][1] > 500, rows
    # as reported two provinces; on today's units one, the new Bắc Ninh, holding both
    _both_former_provinces_as_one(today_stack, "GD_E_RECORD_SCHOOL_RATE", date(2025, 6, 1))


def test_police_cases_and_cameras_follow_the_units_of_their_date(today_stack: Stack):
    # June 2025's cases come per district of the 2024 arrangement (sent on 2025-06-30); July
    # 2025's as one record for the province (no districts); cameras connected from 2025-07-01,
    # the former Bắc Ninh's among them, lie in communes of 2025 and carry no district
    result = today_stack.dti("backfill", "--source", "police", "--from", "2025-06-29", "--to",
                             "2025-07-31")  # fmt: skip
    said = result.stdout + result.stderr
    months = today_stack.query(
        "select month_start, count(*), count(district_code), count(district_unit_key), "
        "bool_or(district_code = '224'), bool_or(district_code = '221') "
        "from marts.fct_camera_case_month where month_start in ('2025-06-01', '2025-07-01') "
        "group by 1 order by 1"
    )
    assert [m[0].isoformat() for m in months] == ["2025-06-01", "2025-07-01"], (months, said)
    june, july = months
    assert june[1:] == (10, 10, 10, True, False), june
    assert july[1:4] == (1, 0, 0), july
    cameras = today_stack.query(
        "select count(*), count(district_code), count(commune_unit_key), "
        "count(*) filter (where commune_code in (select unit_code "
        "from marts.dim_administrative_unit where valid_from = '2025-07-01')) "
        "from marts.dim_camera where connected_date >= '2025-07-01'"
    )[0]
    assert cameras[0] > 0 and cameras[1] == 0 and cameras[2] == cameras[3] == cameras[0], cameras
    # the merged province's cases and cameras in July, on today's units: the province only
    values = today_stack.query(
        "select indicator_code, area_level, value from marts.indicator_values "
        "where indicator_code in ('CA_CAMERA_CASES', 'CA_CAMERAS_CONNECTED') "
        "and period_type = 'month' and period_start = '2025-07-01' and breakdown = 'total' "
        "and geography <> 'as_reported' and area_level in ('province', 'district')"
    )
    assert {(code, level) for code, level, _v in values} == {
        ("CA_CAMERA_CASES", "province"),
        ("CA_CAMERAS_CONNECTED", "province"),
    }, values
    assert all(v > 0 for _c, _l, v in values), values


def test_the_former_bac_ninh_health_system_loads_as_an_instance(today_stack: Stack):
    # its registry (below /legacy/27) and its 20 units' files (its own inbox folder), by
    # configuration only, up to its last day; the new province's system from the merger on
    result = today_stack.dti(
        "run", "--source", "health_bacninh_legacy", "--from", "2025-06-29", "--to",
        "2025-07-02", "--no-transform",
    )  # fmt: skip
    assert "2025-06-30" in result.stdout + result.stderr  # says where the system ends
    today_stack.dti("run", "--source", "health", "--from", "2025-06-30", "--to", "2025-07-01")
    receipts = today_stack.query(
        "select distinct on (file_name) file_name, status, unit from ops.file_receipts "
        "where source = 'health_bacninh_legacy' and entity = 'payments' "
        "and file_name like '%%_20250630%%' order by file_name, recorded_at desc"
    )
    units = {unit for _n, status, unit in receipts if status == "loaded"}
    assert units == {f"270{i:02d}" for i in range(1, 21)} - {
        unit for _n, status, unit in receipts if status == "missing"
    }, receipts
    assert len(units) >= 18, receipts  # a file that never arrives is reported missing
    # one facility, both systems: open since the records begin, its locations joined
    assert (
        today_stack.scalar(
            "select count(*) from marts.dim_health_facility "
            "where facility_code like '27%%' and opened_on is not null"
        )
        == 0
    )
    locations = today_stack.query(
        "select province_code, district_code is not null, valid_from, valid_to "
        "from marts.dim_health_facility_location where facility_code = '27001' "
        "order by valid_from nulls first"
    )
    assert locations[0][:2] == ("27", True) and locations[-1] == ("24", False, MERGED, None), (
        locations
    )
    # each payment on its system's units of the day: the former province's until the merger
    provinces = dict(
        today_stack.query(
            "select transaction_date::text || '/' || province_code, count(*) "
            "from marts.fct_health_payment where unit_code like '27%%' group by 1"
        )
    )
    assert provinces.get("2025-06-30/27", 0) > 0 and provinces.get("2025-07-01/24", 0) > 0, (
        provinces
    )
    # (a late file of an earlier day arrives in the range and is loaded with it)
    assert all(key.endswith("/27") for key in provinces if key < "2025-07-01"), provinces
    assert all(key.endswith("/24") for key in provinces if key >= "2025-07-01"), provinces
    raw = today_stack.scalar(
        'select count(distinct "MaGiaoDich") from raw.health_bacninh_legacy__payments'
    )
    assert raw == sum(n for key, n in provinces.items() if key.endswith("/27"))
    # as reported two provinces in June 2025; on today's units one, holding both
    _both_former_provinces_as_one(today_stack, "YT_CASHLESS_TXN_RATE", date(2025, 6, 1))


def test_the_former_bac_ninh_police_system_loads_as_an_instance(today_stack: Stack):
    # its registry, its communes' days, cameras and case months (below /legacy/27), by
    # configuration only, up to its last day; the province's system from the merger on
    result = today_stack.dti(
        "run", "--source", "police_bacninh_legacy", "--from", "2025-06-30", "--to",
        "2025-07-01", "--no-transform",
    )  # fmt: skip
    assert "2025-06-30" in result.stdout + result.stderr  # says where the system ends
    today_stack.dti("run", "--source", "police", "--from", "2025-06-30", "--to", "2025-07-01")
    # each commune-day on its system's units of the day: the former province's 121 communes of
    # its 2024 arrangement and their districts on its last day; the new province's 99 after
    days = {
        (day.isoformat(), province): counts
        for day, province, *counts in today_stack.query(
            "select report_date, province_code, count(*), count(district_code), "
            "count(commune_unit_key) from marts.fct_citizen_id_daily "
            "where report_date in ('2025-06-30', '2025-07-01') group by 1, 2"
        )
    }
    assert days == {
        ("2025-06-30", "24"): [192, 192, 192],
        ("2025-06-30", "27"): [121, 121, 121],
        ("2025-07-01", "24"): [99, 0, 99],
    }, days
    assert today_stack.scalar("select count(*) from raw.police_bacninh_legacy__daily") == 121
    # its cameras and its districts' June under the former province
    cases = today_stack.query(
        "select province_code, count(*), count(district_unit_key) "
        "from marts.fct_camera_case_month where month_start = '2025-06-01' group by 1 order by 1"
    )
    assert [c[0] for c in cases] == ["24", "27"] and cases[1][1] == cases[1][2] > 0, cases
    cameras = dict(
        today_stack.query(
            "select area_code, numerator from marts.indicator_values "
            "where indicator_code = 'CA_CAMERAS_CONNECTED' and area_level = 'province' "
            "and period_type = 'month' and period_start = '2025-06-01' and breakdown = 'total' "
            "and geography = 'as_reported'"
        )
    )
    assert set(cameras) == {"24", "27"} and 850 < cameras["27"] < 950, cameras  # about 900
    # CCCD coverage in June 2025: as reported two provinces, on today's units one holding both
    reported, today = _both_former_provinces_as_one(
        today_stack, "CA_CCCD_COVERAGE_RATE", date(2025, 6, 1)
    )
    assert today["24"][0] == reported["24"][0] + reported["27"][0], (reported, today)
    # July 2025: the new province's system only, the former one retired
    july = today_stack.query(
        "select distinct area_code from marts.indicator_values "
        "where indicator_code = 'CA_CCCD_APPLICATIONS' and area_level = 'province' "
        "and period_type = 'month' and period_start = '2025-07-01' and geography = 'as_reported'"
    )
    assert july == [("24",)], july
    log.info(
        "police June 2025: coverage as reported %s, on today's units %s; cameras %s; cases %s",
        reported, today, cameras, cases,
    )  # fmt: skip
