"""The demo half-year, end to end: the published H1 2022 figures come back from the marts, and
the year 2022's rates once the second half is loaded too."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

pytestmark = pytest.mark.slow


def _province(stack, code: str, period_type: str, start: str) -> tuple[int, int, Decimal]:
    rows = stack.query(
        "select numerator, denominator, value from marts.indicator_values "
        "where geography = 'as_reported' "
        "and indicator_code = %s and period_type = %s and period_start = %s "
        "and area_level = 'province'",
        (code, period_type, start),
    )
    assert len(rows) == 1, f"{code} {period_type} {start}: {rows}"
    num, den, value = rows[0]
    return int(num), int(den), Decimal(value)


def _printed(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def test_h1_dossiers_received_and_online(h1):
    num, den, value = _province(h1, "DVC_ONLINE_INTAKE_RATE", "half_year", "2022-01-01")
    assert den == 258_778
    assert num == 86_536
    assert _printed(value, 1) == Decimal("33.4")


def test_h1_online_services_with_online_dossiers(h1):
    num, den, value = _province(
        h1, "DVC_SERVICES_WITH_ONLINE_DOSSIERS_RATE", "half_year", "2022-01-01"
    )
    assert _printed(value, 2) == Decimal("57.63")
    assert (num, den) == (797, 1383)


def test_h1_fee_procedures_with_online_payment(h1):
    num, den, value = _province(
        h1, "DVC_FEE_PROCEDURES_ONLINE_PAYMENT_INTEGRATED_RATE", "half_year", "2022-01-01"
    )
    assert (num, den) == (268, 268)


def test_h1_roll_ups_recompute_from_parts(h1):
    """Months add up to the half-year; districts and province agencies add up to the province."""
    months = h1.query(
        "select sum(numerator), sum(denominator) from marts.indicator_values "
        "where geography = 'as_reported' "
        "and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and period_type = 'month' "
        "and area_level = 'province' and period_start between '2022-01-01' and '2022-06-01'"
    )[0]
    assert (int(months[0]), int(months[1])) == (86_536, 258_778)
    districts = h1.query(
        "select sum(numerator), sum(denominator) from marts.indicator_values "
        "where geography = 'as_reported' "
        "and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and period_type = 'half_year' "
        "and area_level = 'district' and period_start = '2022-01-01'"
    )[0]
    assert 0 < int(districts[1]) < 258_778


def test_cli_prints_the_published_figures(h1):
    out = h1.dti("indicators", "--period", "2022-H1").stdout
    assert "86,536" in out and "258,778" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("DVC_ONLINE_INTAKE_RATE"))
    assert line.rstrip().endswith("yes")
    assert "NO" not in out.split()


def test_any_range_uses_the_same_definitions(h1):
    """The range function over H1 gives the half-year mart row exactly."""
    columns = "indicator_code, breakdown, breakdown_value, numerator, denominator, value"
    mart = h1.query(
        f"select {columns} from marts.indicator_values "
        "where geography = 'as_reported' "
        "and period_type = 'half_year' and period_start = '2022-01-01' "
        "and area_level = 'province' order by 1, 2, 3"
    )
    ranged = h1.query(
        f"select {columns} from marts.indicator_values_between('2022-01-01', '2022-06-30') "
        "where geography = 'as_reported' and area_level = 'province' order by 1, 2, 3"
    )
    # every source's indicators, split rows included
    assert {"DVC", "YT", "GD", "CA"} <= {row[0].split("_")[0] for row in mart}
    assert mart == ranged
    odd = h1.query(
        "select numerator, denominator from marts.indicator_values_between('2022-01-01', "
        "'2022-06-15') where geography = 'as_reported' "
        "and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and area_level = 'province'"
    )[0]
    assert 0 < odd[1] < 258_778
