"""The police source end to end on the demo half-year (the session stack's H1 load, shared with
test_h1_2022): the published police figures come back from the marts, stocks are valued at the
period's end, and the restated days count once, with their restated figure."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

pytestmark = pytest.mark.slow

PROVINCE = "24"


def _row(
    stack,
    code: str,
    period_type: str,
    start: str,
    end: str | None = None,
    breakdown_value: str = "total",
) -> tuple[int, int | None, Decimal]:
    rows = stack.query(
        "select numerator, denominator, value from marts.indicator_values "
        "where geography = 'as_reported' "
        "and indicator_code = %s and period_type = %s and period_start = %s "
        "and (%s::date is null or period_end = %s::date) "
        "and area_level = 'province' and area_code = %s and breakdown_value = %s",
        (code, period_type, start, end, end, PROVINCE, breakdown_value),
    )
    assert len(rows) == 1, f"{code} {period_type} {start}: {rows}"
    num, den, value = rows[0]
    return int(num), (None if den is None else int(den)), Decimal(value)


def _between(stack, code: str, first: str, last: str, breakdown_value: str = "total"):
    rows = stack.query(
        "select numerator, denominator, value from marts.indicator_values_between(%s, %s) "
        "where geography = 'as_reported' "
        "and indicator_code = %s and area_level = 'province' and breakdown_value = %s",
        (first, last, code, breakdown_value),
    )
    assert len(rows) == 1, f"{code} {first}..{last}: {rows}"
    return rows[0]


def _printed(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def test_cccd_coverage_is_the_stock_at_period_end(h1):
    num, den, value = _row(h1, "CA_CCCD_COVERAGE_RATE", "half_year", "2022-01-01")
    assert (num, den) == (1_434_557, 1_460_272)
    assert _printed(value, 1) == Decimal("98.2")
    # a quarter's stock is its last day's: Q2 equals the half-year, Q1 is lower, not a sum
    q2 = _row(h1, "CA_CCCD_COVERAGE_RATE", "quarter", "2022-04-01")
    q1 = _row(h1, "CA_CCCD_COVERAGE_RATE", "quarter", "2022-01-01")
    jun = _row(h1, "CA_CCCD_COVERAGE_RATE", "month", "2022-06-01")
    assert q2[0] == jun[0] == 1_434_557
    flows_q2 = _row(h1, "CA_CCCD_APPLICATIONS", "quarter", "2022-04-01")[0]
    assert q1[0] == 1_434_557 - flows_q2


def test_cccd_applications_and_cards(h1):
    num, _, _ = _row(h1, "CA_CCCD_APPLICATIONS", "half_year", "2022-01-01")
    assert num == 100_154
    months = h1.scalar(
        "select sum(numerator) from marts.indicator_values where geography = 'as_reported' "
        "and indicator_code = "
        "'CA_CCCD_APPLICATIONS' and period_type = 'month' and area_level = 'province' "
        "and period_start between '2022-01-01' and '2022-06-01'"
    )
    assert int(months) == 100_154
    districts = h1.scalar(
        "select sum(numerator) from marts.indicator_values where geography = 'as_reported' "
        "and indicator_code = "
        "'CA_CCCD_APPLICATIONS' and period_type = 'half_year' and period_start = '2022-01-01' "
        "and area_level = 'district'"
    )
    assert int(districts) == 100_154
    received, returned, g1, g2 = h1.query(
        "select sum(cards_received), sum(cards_returned), "
        "sum(cccd_applications_priority_1) filter (where report_date >= '2022-03-16'), "
        "sum(cccd_applications_priority_2) filter (where report_date >= '2022-03-16') "
        "from marts.fct_citizen_id_daily where report_date between '2022-01-01' and '2022-06-30'"
    )[0]
    assert (received, returned) == (371_257, 345_897)
    assert (g1, g2) == (17_063, 38_793)
    pops = h1.query(
        "select sum(priority_group_1_population), sum(priority_group_2_population) "
        "from marts.fct_citizen_id_daily where report_date = '2022-06-30'"
    )[0]
    assert pops == (24_229, 335_445)


def test_vneid_against_the_years_target(h1):
    num, den, value = _row(h1, "CA_VNEID_TARGET_RATE", "half_year", "2022-01-01")
    assert (num, den) == (26_499, 396_559)
    assert _printed(value, 2) == Decimal("6.68")


def test_cameras_connected_and_district_centres(h1):
    num, _, _ = _row(h1, "CA_CAMERAS_CONNECTED", "half_year", "2022-01-01")
    assert num == 789
    centres = h1.scalar(
        "select count(distinct district_code) from marts.dim_camera "
        "where connected_date <= '2022-06-30' and is_connected_to_district_centre"
    )
    assert centres == 10


def test_camera_cases_feb_to_june(h1):
    assert int(_between(h1, "CA_CAMERA_CASES", "2022-02-01", "2022-06-30")[0]) == 125
    assert int(_between(h1, "CA_CAMERA_CASES", "2022-02-01", "2022-06-30", "criminal")[0]) == 102
    traffic = _between(h1, "CA_CAMERA_CASES", "2022-02-01", "2022-06-30", "traffic_accident")
    assert int(traffic[0]) == 23


def test_restated_days_count_once(h1):
    restated, versions, raw_total = h1.query(
        "select count(*) filter (where is_restated), sum(versions_loaded), "
        '(select sum("SoHoSoCCCD"::int) from raw.police__daily '
        " where \"Ngay\" between '20220101' and '20220630') "
        "from marts.fct_citizen_id_daily where report_date between '2022-01-01' and '2022-06-30'"
    )[0]
    assert restated == 12
    assert versions == 209 * 181 + 13  # 12 days restated, one of them twice
    assert raw_total > 100_154  # adding the versions up would over-count


def test_indicators_command_prints_the_police_figures(h1):
    out = h1.dti("indicators", "--period", "2022-H1").stdout
    for code in (
        "CA_CCCD_COVERAGE_RATE",
        "CA_CCCD_APPLICATIONS",
        "CA_VNEID_TARGET_RATE",
        "CA_CAMERAS_CONNECTED",
        "CA_CAMERA_CASES",
    ):
        assert code in out, out
