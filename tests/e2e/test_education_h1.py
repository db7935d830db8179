"""Education end to end on the shared H1 2022 load: the simulator drops the district workbooks
and the registry into the inbox, the pipeline reads them (header found by content), checks,
loads, and the marts give the published figures back."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

_PROVINCE = """
select numerator, denominator from marts.indicator_values
where indicator_code = %s and period_type = %s and period_start = %s
  and area_level = 'province' and breakdown = 'total' and geography = 'as_reported'
"""


def _parts(stack, code: str, period_type: str, start: str) -> tuple[int, int]:
    rows = stack.query(_PROVINCE, (code, period_type, start))
    assert len(rows) == 1, (code, period_type, start, rows)
    return int(rows[0][0]), int(rows[0][1])


def test_e_records_509_schools_at_the_end_of_h1(h1):
    # 509 schools from primary to upper secondary and continuing education (of 539)
    assert _parts(h1, "GD_E_RECORD_SCHOOL_RATE", "half_year", "2022-01-01") == (509, 539)
    # a stock: the half-year is its last month, not a sum of months
    assert _parts(h1, "GD_E_RECORD_SCHOOL_RATE", "month", "2022-06-01") == (509, 539)
    assert _parts(h1, "GD_E_RECORD_SCHOOL_RATE", "quarter", "2022-01-01")[0] == 483


def test_online_classrooms_end_of_2021(h1):
    # December 2021's workbooks arrive in January 2022 and come with the H1 load
    assert _parts(h1, "GD_ONLINE_CLASSROOM_SCHOOLS", "month", "2021-12-01")[0] == 243
    classrooms = h1.scalar(
        "select sum(online_classrooms) from marts.fct_school_month where month_start = '2021-12-01'"
    )
    assert classrooms == 1248  # "more than 1,200 online classrooms"
    shown = h1.dti("indicators", "--period", "2021-12").stdout
    line = next(x for x in shown.splitlines() if x.startswith("GD_ONLINE_CLASSROOM_SCHOOLS"))
    assert "243" in line and line.rstrip().endswith("yes"), shown


def test_cashless_tuition_grows_through_h1(h1):
    rates = []
    for month in range(1, 7):
        num, den = _parts(h1, "GD_CASHLESS_TUITION_RATE", "month", f"2022-{month:02d}-01")
        rates.append(num / den)
    assert rates == sorted(rates) and rates[0] < 0.11 and rates[-1] > 0.25
    # a flow: the half-year sums its months' parts
    months = h1.query(
        "select sum(numerator), sum(denominator) from marts.indicator_values "
        "where geography = 'as_reported' "
        "and indicator_code = 'GD_CASHLESS_TUITION_RATE' and period_type = 'month' "
        "and period_start between '2022-01-01' and '2022-06-01' "
        "and area_level = 'province' and breakdown = 'total'"
    )[0]
    assert _parts(h1, "GD_CASHLESS_TUITION_RATE", "half_year", "2022-01-01") == tuple(
        int(v) for v in months
    )


def test_levels_and_areas_add_up(h1):
    by = h1.query(
        "select area_level, breakdown, sum(numerator), sum(denominator) "
        "from marts.indicator_values where geography = 'as_reported' "
        "and indicator_code = 'GD_E_RECORD_SCHOOL_RATE' "
        "and period_type = 'half_year' and period_start = '2022-01-01' group by 1, 2"
    )
    sums = {(a, b): (int(n), int(d)) for a, b, n, d in by}
    for key in [
        (a, b) for a in ("province", "district", "commune") for b in ("total", "school_level")
    ]:
        assert sums[key] == (509, 539), key
    levels = dict(
        h1.query(
            "select breakdown_value, denominator from marts.indicator_values "
            "where geography = 'as_reported' "
            "and indicator_code = 'GD_E_RECORD_SCHOOL_RATE' and period_type = 'half_year' "
            "and period_start = '2022-01-01' and area_level = 'province' "
            "and breakdown = 'school_level'"
        )
    )
    assert {k: int(v) for k, v in levels.items()} == {
        "primary": 235,
        "lower_secondary": 205,
        "multi_level": 40,
        "upper_secondary": 48,
        "continuing": 11,
    }


def test_every_workbook_accounted_for(h1):
    receipts = h1.query(
        "select distinct on (entity, file_name) entity, file_name, status, unit "
        "from ops.file_receipts where source = 'education' "
        "order by entity, file_name, recorded_at desc"
    )
    status = {name: s for _e, name, s, _u in receipts}
    assert status["PGD_215_BaoCaoCDS_202205 (1).xlsx"] == "duplicate"
    assert status["PGD_219_BaoCaoCDS_202202.xlsx"] == "replaced"
    assert status["PGD_219_BaoCaoCDS_202202_v2.xlsx"] == "loaded"
    reports = [n for _e, n, s, _u in receipts if s == "loaded" and n.startswith("PGD_")]
    assert len(reports) == 70  # 10 offices x 7 months (2021-12 .. 2022-06)
    assert not [n for n, s in status.items() if s == "rejected"]
    # one row per school and month, every school of the registry reported every month
    assert h1.query(
        "select count(*), min(n), max(n) from (select month_start, count(*) as n "
        "from marts.fct_school_month where month_start <= '2022-06-01' group by 1) as m"
    ) == [(7, 789, 789)]
    # the corrected re-send won: no teacher count ten times too high
    assert h1.scalar("select max(teachers) from marts.fct_school_month") < 150


def test_dated_school_attributes(h1):
    renamed = h1.query(
        "select school_code, school_name, valid_from, valid_to from marts.dim_school "
        "where school_code in (select school_code from marts.dim_school where version_number = 2) "
        "order by school_code, valid_from"
    )
    assert len(renamed) == 4  # two schools renamed in May 2022
    assert all(r[1].endswith("Chất lượng cao") for r in renamed[1::2])
    assert {str(r[2]) for r in renamed[1::2]} == {"2022-05-01"}
