"""The year 2022's published rates, once the whole year is loaded (after the H1 test's half)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

pytestmark = pytest.mark.slow

PUBLISHED_2022 = {
    # code: (printed value, decimals printed)
    "DVC_E_RESULT_RATE": ("6.53", 2),
    "DVC_FULLY_ONLINE_RATE": ("80.47", 2),
    "DVC_ONLINE_PAYMENT_RATE": ("47.53", 2),
    "DVC_DIGITISED_RESULT_PROCEDURE_RATE": ("82.2", 1),
}


@pytest.fixture(scope="module")
def year(stack):
    # the year's published figures are the portal's: the other sources stay at their half-year
    stack.dti(
        "run", "--source", "portal", "--from", "2022-01-01", "--to", "2022-12-31", "--skip-loaded"
    )
    return stack


@pytest.mark.parametrize("code", sorted(PUBLISHED_2022))
def test_year_2022_rate_as_published(year, code):
    printed, places = PUBLISHED_2022[code]
    num, den, value = year.query(
        "select numerator, denominator, value from marts.indicator_values "
        "where geography = 'as_reported' "
        "and indicator_code = %s and period_type = 'year' and period_start = '2022-01-01' "
        "and area_level = 'province'",
        (code,),
    )[0]
    assert den > 0
    exact = Decimal(num) * 100 / Decimal(den)
    assert exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == Decimal(printed)
    assert Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == Decimal(
        printed
    )


def test_year_registry_comparison_in_cli(year):
    out = year.dti("indicators", "--period", "2022").stdout
    for code in PUBLISHED_2022:
        line = next(ln for ln in out.splitlines() if ln.startswith(code))
        assert line.rstrip().endswith("yes"), line
