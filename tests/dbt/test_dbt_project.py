"""The dbt project: it parses quickly and completely, builds on hand-made raw rows with every
test passing, and gives the figures the indicator rules (docs/indicators_portal.md) imply for
those rows, both in `marts.indicator_values` and from `marts.indicator_values_between`."""

from __future__ import annotations

import json
import resource
import subprocess
from decimal import Decimal

import pytest

from .dbt_warehouse import DBT, DBT_PROJECT, DbtWarehouse

INDICATOR_COLUMNS = [
    "indicator_code",
    "period_type",
    "period_start",
    "period_end",
    "area_level",
    "area_code",
    "breakdown",
    "breakdown_value",
    "numerator",
    "denominator",
    "value",
    "target",
    "meets_target",
    "geography",
    "area_valid_from",
]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    target = tmp_path_factory.mktemp("dbt-parse")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [
            str(DBT),
            "parse",
            "--no-partial-parse",
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(target),
        ],
        cwd=DBT_PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert result.returncode == 0, result.stdout[-4000:]
    perf = json.loads((target / "perf_info.json").read_text())
    perf["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads((target / "manifest.json").read_text()), perf


def test_full_parse_is_quick(manifest: tuple[dict, dict]) -> None:
    _, perf = manifest
    # cosmos renders one task per model from the manifest that `dbt parse` writes. A full parse
    # takes about 4 s on an idle 2-core machine (the whole dbt process about 10 s of CPU). The
    # bound is on CPU time, not wall time (which triples when other work shares the 2 cores):
    # it catches a parse that starts querying the warehouse or rendering far more than it should.
    assert perf["cpu_seconds"] < 40, perf


def test_models_land_in_their_schemas_and_are_documented(manifest: tuple[dict, dict]) -> None:
    nodes = manifest[0]["nodes"]
    models = {n["name"]: n for n in nodes.values() if n["resource_type"] == "model"}
    expected = {
        "stg_portal__dossiers": ("staging", "incremental"),
        "stg_portal__procedures": ("staging", "view"),
        "stg_portal__agencies": ("staging", "view"),
        "stg_ref__admin_units": ("staging", "view"),
        "stg_ref__admin_unit_links": ("staging", "view"),
        "admin_unit_crosswalk": ("marts", "table"),
        "int_unit_code_checks": ("intermediate", "table"),
        "int_dossier_lifecycle": ("intermediate", "table"),
        "int_working_day_calendar": ("intermediate", "table"),
        "int_dossier_service_rules": ("intermediate", "table"),
        "dim_date": ("marts", "table"),
        "dim_administrative_unit": ("marts", "table"),
        "dim_agency": ("marts", "table"),
        "dim_procedure": ("marts", "table"),
        "fct_dossier": ("marts", "table"),
        "indicator_values": ("marts", "table"),
        "stg_health__facilities": ("staging", "view"),
        "stg_health__payments": ("staging", "incremental"),
        "stg_health__claims": ("staging", "incremental"),
        "dim_health_facility": ("marts", "table"),
        "dim_health_facility_capability": ("marts", "table"),
        "dim_health_facility_location": ("marts", "table"),
        "fct_health_payment": ("marts", "table"),
        "fct_insured_episode": ("marts", "table"),
        "service_index": ("marts", "table"),
        "service_index_dossier_detail": ("marts", "view"),
        "source_completeness": ("marts", "table"),
        "data_quality_issues": ("marts", "table"),
        "stg_education__school_reports": ("staging", "view"),
        "stg_education__school_registry": ("staging", "view"),
        "dim_school": ("marts", "table"),
        "fct_school_month": ("marts", "table"),
        "stg_police__communes": ("staging", "view"),
        "stg_police__daily": ("staging", "view"),
        "stg_police__cameras": ("staging", "view"),
        "stg_police__cases": ("staging", "view"),
        "fct_citizen_id_daily": ("marts", "table"),
        "dim_camera": ("marts", "table"),
        "fct_camera_case_month": ("marts", "table"),
    }
    found = {name: (m["schema"], m["config"]["materialized"]) for name, m in models.items()}
    assert found == expected
    for model in models.values():
        assert model["description"], model["name"]
        assert model["columns"], model["name"]
        assert all(c["description"] for c in model["columns"].values()), model["name"]
    assert list(models["indicator_values"]["columns"]) == INDICATOR_COLUMNS
    seeds = {n["name"]: n["schema"] for n in nodes.values() if n["resource_type"] == "seed"}
    assert seeds["indicator_registry"] == "reference"


def test_every_rule_has_unit_tests(manifest: tuple[dict, dict]) -> None:
    unit_tests = manifest[0]["unit_tests"].values()
    tested = {u["model"] for u in unit_tests}
    rules = {
        "stg_portal__dossiers",
        "int_dossier_lifecycle",
        "int_working_day_calendar",
        "int_dossier_service_rules",
        "fct_dossier",
        "indicator_values",
        "service_index",
    }
    assert rules <= tested


def _value(wh: DbtWarehouse, code: str, period_type: str, start: str, level: str, area: str):
    rows = wh.query(
        "select numerator, denominator, value, target, meets_target from marts.indicator_values "
        "where geography = 'as_reported' "
        "and indicator_code = %s and period_type = %s and period_start = %s "
        "and area_level = %s and area_code = %s",
        (code, period_type, start, level, area),
    )
    assert len(rows) == 1, (code, period_type, start, level, area, rows)
    return rows[0]


def test_latest_version_and_month_boundaries(built: DbtWarehouse) -> None:
    # the 31 January 23:59:59 dossier's latest version is online; the 1 February 00:00:00 one is
    # in person and counts in February
    assert _value(built, "DVC_ONLINE_INTAKE_RATE", "month", "2022-01-01", "province", "24") == (
        1,
        1,
        Decimal("100.0000"),
        Decimal("50"),
        True,
    )
    assert _value(built, "DVC_ONLINE_INTAKE_RATE", "month", "2022-02-01", "province", "24")[:3] == (
        1,
        3,
        Decimal("33.3333"),
    )


def test_rules_on_the_fixture(built: DbtWarehouse) -> None:
    def parts(code: str, month: str, level: str = "province", area: str = "24") -> tuple:
        return _value(built, code, "month", month, level, area)[:2]

    # zero-fee dossier of a fee procedure is out of the online-payment denominator
    assert parts("DVC_ONLINE_PAYMENT_RATE", "2022-02-01") == (1, 1)
    # empty e-result link does not count
    assert parts("DVC_E_RESULT_RATE", "2022-02-01") == (0, 3)
    # on time: supplement time saves one, two supplement requests make one late
    assert parts("DVC_ON_TIME_RATE", "2022-02-01") == (2, 3)
    # open at the end of March and past its due time (legal time: 1 working day)
    assert parts("DVC_ON_TIME_RATE", "2022-03-01") == (0, 1)
    # fee procedures in force on 31 January: one of three integrates online payment
    assert parts("DVC_FEE_PROCEDURES_ONLINE_PAYMENT_INTEGRATED_RATE", "2022-01-01") == (1, 3)
    # a commune agency sent without its district code counts in the district of its commune
    assert parts("DVC_ONLINE_INTAKE_RATE", "2022-03-01", "district", "215") == (1, 1)


def test_district_is_the_sum_of_its_parts(built: DbtWarehouse) -> None:
    district = _value(built, "DVC_ONLINE_INTAKE_RATE", "quarter", "2022-01-01", "district", "213")
    communes = built.query(
        "select sum(numerator), sum(denominator) from marts.indicator_values "
        "where geography = 'as_reported' "
        "and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and period_type = 'quarter' "
        "and period_start = '2022-01-01' and area_level = 'commune' "
        "and area_code in ('07201', '07204')"
    )[0]
    district_agency = built.query(
        "select count(*) filter (where is_online), count(*) from marts.fct_dossier "
        "where district_code = '213' and commune_code is null "
        "and received_date between '2022-01-01' and '2022-03-31'"
    )[0]
    assert district[:2] == (communes[0] + district_agency[0], communes[1] + district_agency[1])


def test_function_gives_the_model_rows_for_a_period(built: DbtWarehouse) -> None:
    columns = ", ".join(c for c in INDICATOR_COLUMNS if c != "period_type")
    from_model = built.query(
        f"select {columns} from marts.indicator_values "
        "where geography = 'as_reported' "
        "and period_type = 'half_year' and period_start = '2022-01-01' order by 1, 4, 5, 6, 7"
    )
    from_function = built.query(
        f"select {columns} from marts.indicator_values_between('2022-01-01', '2022-06-30') "
        "where geography = 'as_reported' order by 1, 4, 5, 6, 7"
    )
    assert from_function == from_model
    period_types = built.query(
        "select distinct period_type "
        "from marts.indicator_values_between('2022-02-10', '2022-03-20')"
    )
    assert period_types == [("range",)]


def test_function_survives_a_rebuild_of_the_facts(built: DbtWarehouse) -> None:
    result = built.dbt("run", "--select", "fct_dossier")
    assert result.returncode == 0, result.stdout[-4000:]
    assert (
        built.query(
            "select count(*) from marts.indicator_values_between('2022-01-01', '2022-12-31')"
        )[0][0]
        > 0
    )


def test_rebuild_is_idempotent(built: DbtWarehouse) -> None:
    before = built.query("select * from marts.indicator_values order by 1, 2, 3, 5, 6")
    result = built.dbt("run")
    assert result.returncode == 0, result.stdout[-4000:]
    assert built.query("select * from marts.indicator_values order by 1, 2, 3, 5, 6") == before
