"""The Decision 766 service index and the data-quality marts on the demo half-year, end to end
(the shared session stack and H1 load): the index's figures are the published ones where there
are some, its parts add up, and closing a period is visible in `dti status`."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.slow


def _component(stack, component: str, unit_type: str = "province", unit: str = "24"):
    rows = stack.query(
        "select numerator, denominator, rate, points, max_points, null_reason "
        "from marts.service_index where period_type = 'half_year' "
        "and period_start = '2022-01-01' and unit_type = %s and unit_code = %s "
        "and component_code = %s and geography = 'as_reported'",
        (unit_type, unit, component),
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_h1_index_uses_the_published_counts(h1):
    num, den, rate, points, max_points, reason = _component(h1, "ONLINE_INTAKE")
    assert (num, den) == (86_536, 258_778)
    # 33.44% of the 50% that earns the 4 points
    assert points == (Decimal(4) * rate / 50).quantize(Decimal("0.01"))
    assert reason is None
    assert _component(h1, "SERVICES_WITH_ONLINE_DOSSIERS")[:2] == (797, 1383)
    num, den, _, points, max_points, _ = _component(h1, "PAYMENT_INTEGRATED")
    assert (num, den, points) == (268, 268, max_points)
    satisfaction = _component(h1, "SATISFACTION")
    assert satisfaction[3] is None and "ratings" in satisfaction[5]


def test_h1_index_equals_indicator_values_and_adds_up(h1):
    mismatches = h1.scalar(
        """
        select count(*)
        from marts.service_index s
        join reference.service_index_components c using (component_code)
        join marts.indicator_values v
          on v.indicator_code = c.indicator_code and v.period_type = s.period_type
         and v.period_start = s.period_start and v.area_level = s.unit_type
         and v.area_code = s.unit_code and v.breakdown = 'total'
         and v.geography = s.geography
        where (s.numerator, s.denominator) is distinct from (v.numerator, v.denominator)
        """
    )
    assert mismatches == 0
    # every dossier is handled by exactly one agency: agencies add up to the province
    by_agency, province = h1.query(
        """
        select sum(denominator) filter (where unit_type = 'agency'),
               sum(denominator) filter (where unit_type = 'province')
        from marts.service_index
        where period_type = 'half_year' and period_start = '2022-01-01'
          and component_code = 'ON_TIME' and geography = 'as_reported'
        """
    )[0]
    assert by_agency == province == 258_778


def test_h1_dossier_detail_explains_an_agency(h1):
    agency, numerator, denominator = h1.query(
        "select unit_code, numerator, denominator from marts.service_index "
        "where unit_type = 'agency' and period_type = 'quarter' and period_start = '2022-04-01' "
        "and component_code = 'ON_TIME' order by denominator desc limit 1"
    )[0]
    late, total = h1.query(
        "select count(*) filter (where not in_numerator), count(*) "
        "from marts.service_index_dossier_detail where unit_type = 'agency' and unit_code = %s "
        "and period_type = 'quarter' and period_start = '2022-04-01' "
        "and component_code = 'ON_TIME'",
        (agency,),
    )[0]
    assert (total, total - late) == (denominator, numerator)


def test_h1_portal_completeness(h1):
    expected, received = h1.query(
        "select expected_submissions, received from marts.source_completeness "
        "where source = 'portal' and entity = 'dossiers' and period_type = 'half_year' "
        "and period_start = '2022-01-01'"
    )[0]
    assert expected == received == 181


def test_index_cli_and_closing_a_month(h1):
    table = h1.dti("index", "--period", "2022-H1").stdout
    assert "Online service" in table and "total (components with data)" in table
    closed = h1.dti("close", "--period", "2022-05").stdout
    assert "closed 2022-05" in closed
    try:
        status = h1.dti("status", "--limit", "1").stdout
        assert "closed periods: 2022-05" in status
        assert "revisions: none" in status
        assert h1.dti("close", "--period", "2022-05", check=False).returncode == 1
    finally:
        h1.dti("reopen", "--period", "2022-05")
