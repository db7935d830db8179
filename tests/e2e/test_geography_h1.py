"""H1 2022 on today's units: the loaded half-year, restated through the crosswalk onto the 99
communes of the new Bắc Ninh (2025-07-01), keeps its province totals, and every new commune is
the sum of the old communes that became it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

H1 = ("half_year", "2022-01-01")


def test_the_dimension_holds_every_version(h1):
    counts = dict(
        h1.query(
            "select unit_level || ' ' || valid_from || ' ' || coalesce(valid_to::text, 'now'), "
            "count(*) from marts.dim_administrative_unit where province_code = '24' group by 1"
        )
    )
    on_day = h1.query(
        "select unit_level, count(*) from marts.dim_administrative_unit "
        "where province_code = '24' and valid_from <= %s and (valid_to is null or %s < valid_to) "
        "group by 1 order by 1",
        ("2022-06-30", "2022-06-30"),
    )
    assert on_day == [("commune", 209), ("district", 10), ("province", 1)], counts
    today = h1.query(
        "select unit_level, count(*), min(province_name) from marts.dim_administrative_unit "
        "where is_current group by 1 order by 1"
    )
    assert today == [("commune", 99, "Tỉnh Bắc Ninh"), ("province", 1, "Tỉnh Bắc Ninh")]
    # the reused codes: 24 and 07210 name two units each
    assert h1.query(
        "select unit_name_with_type from marts.dim_administrative_unit "
        "where unit_code = '07210' order by valid_from"
    ) == [("Phường Hoàng Văn Thụ",), ("Phường Bắc Giang",)]


def test_every_2022_commune_reaches_exactly_one_unit_of_today(h1):
    rows = h1.query(
        """
        select c.from_unit_code, count(*), sum(c.weight)
        from marts.admin_unit_crosswalk c
        join marts.dim_administrative_unit u on u.unit_key = c.from_unit_key
        where u.province_code = '24' and u.unit_level = 'commune'
          and u.valid_from <= '2022-06-30' and (u.valid_to is null or '2022-06-30' < u.valid_to)
          and c.to_valid_to is null and c.to_unit_level = 'commune'
        group by 1
        """
    )
    assert len(rows) == 209
    assert {(n, w) for _, n, w in rows} == {(1, 1)}
    # Trần Nguyên Hãn (absorbed by Ngô Quyền in 2024) and Hoàng Văn Thụ are in Phường Bắc Giang
    assert h1.query(
        "select from_unit_code, to_unit_code, methods from marts.admin_unit_crosswalk "
        "where from_unit_key in ('07204@2020-01-01', '07210@2020-01-01') and to_valid_to is null "
        "order by 1"
    ) == [
        ("07204", "07210", "merged_2024_alias > merged_2025"),
        ("07210", "07210", "merged_2025"),
    ]


def test_h1_restated_on_todays_units_keeps_the_province_totals(h1):
    rows = h1.query(
        "select geography, area_code, numerator, denominator from marts.indicator_values "
        "where indicator_code = 'DVC_ONLINE_INTAKE_RATE' and period_type = %s "
        "and period_start = %s and area_level = 'province' order by 1",
        H1,
    )
    assert [(g, a, int(n), int(d)) for g, a, n, d in rows] == [
        ("2025-07-01", "24", 86_536, 258_778),
        ("as_reported", "24", 86_536, 258_778),
    ]
    out = h1.dti(
        "indicators", "--period", "2022-H1", "--geography", "2025-07-01", "--communes", "10"
    ).stdout
    assert "restated on the units of 2025-07-01" in out
    line = next(x for x in out.splitlines() if x.startswith("DVC_ONLINE_INTAKE_RATE "))
    assert "86,536" in line and "258,778" in line
    # the 209 communes of 2022 Bắc Giang are in this many of today's 99 (the others were Bắc
    # Ninh's)
    targets = h1.query(
        "select count(distinct c.to_unit_code) from marts.admin_unit_crosswalk c "
        "join marts.dim_administrative_unit u on u.unit_key = c.from_unit_key "
        "where u.province_code = '24' and u.unit_level = 'commune' "
        "and u.valid_from <= '2022-06-30' and '2022-06-30' < u.valid_to "
        "and c.to_valid_to is null"
    )[0][0]
    assert 40 < targets < 99
    assert f"of the 10 of {targets} communes with the most dossiers" in out


def test_each_new_commune_is_the_sum_of_its_old_communes(h1):
    differing = h1.query(
        """
        with reported as (
            select c.to_unit_code, sum(v.numerator * c.weight) as numerator,
                   sum(v.denominator * c.weight) as denominator
            from marts.indicator_values v
            join marts.admin_unit_crosswalk c
              on c.from_unit_code = v.area_code and c.from_valid_from = v.area_valid_from
            where v.geography = 'as_reported' and v.area_level = 'commune'
              and v.indicator_code = 'DVC_ONLINE_INTAKE_RATE' and v.breakdown = 'total'
              and v.period_type = %s and v.period_start = %s
              and c.to_valid_to is null and c.to_unit_level = 'commune'
            group by 1
        ),
        restated as (
            select area_code, numerator, denominator from marts.indicator_values
            where geography = '2025-07-01' and area_level = 'commune'
              and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and breakdown = 'total'
              and period_type = %s and period_start = %s
        )
        select * from reported full join restated on restated.area_code = reported.to_unit_code
        where (reported.numerator, reported.denominator)
            is distinct from (restated.numerator, restated.denominator)
        """,
        (*H1, *H1),
    )
    assert differing == []
    communes = h1.query(
        "select count(*), sum(denominator) from marts.indicator_values "
        "where geography = '2025-07-01' and area_level = 'commune' "
        "and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and breakdown = 'total' "
        "and period_type = %s and period_start = %s",
        H1,
    )[0]
    reported = h1.query(
        "select sum(denominator) from marts.indicator_values "
        "where geography = 'as_reported' and area_level = 'commune' "
        "and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and breakdown = 'total' "
        "and period_type = %s and period_start = %s",
        H1,
    )[0][0]
    # the restated communes hold exactly the reported communes' dossiers (commune agencies;
    # district and province agencies count in the province only)
    assert communes[1] == reported and 0 < communes[0] <= 99


def test_the_report_can_be_drawn_on_todays_units(h1, tmp_path):
    out = tmp_path / "today.html"
    h1.dti("report", "--period", "2022-H1", "--todays-units", "--lang", "en", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert "Tỉnh Bắc Ninh" in html
    assert "Communes ranked" in html
    assert "Phường Bắc Giang" in html


def test_the_service_index_on_todays_units(h1):
    # the province's components are the same on either geography (one old province loaded)
    differing = h1.query(
        """
        select t.component_code from marts.service_index t
        join marts.service_index r
          on r.period_type = t.period_type and r.period_start = t.period_start
         and r.unit_type = t.unit_type and r.unit_code = t.unit_code
         and r.component_code = t.component_code and r.geography = 'as_reported'
        where t.geography = '2025-07-01' and t.unit_type = 'province'
          and t.period_type = 'half_year' and t.period_start = '2022-01-01'
          and (t.numerator, t.denominator, t.points)
              is distinct from (r.numerator, r.denominator, r.points)
        """
    )
    assert differing == []
    # today's Phường Bắc Giang is scored from the sums of its nine 2022 communes
    restated = h1.query(
        "select unit_name, numerator, denominator from marts.service_index "
        "where geography = '2025-07-01' and unit_type = 'commune' and unit_code = '07210' "
        "and period_type = 'half_year' and period_start = '2022-01-01' "
        "and component_code = 'ONLINE_INTAKE'"
    )
    reported = h1.query(
        "select numerator, denominator from marts.indicator_values "
        "where geography = '2025-07-01' and area_level = 'commune' and area_code = '07210' "
        "and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and breakdown = 'total' "
        "and period_type = 'half_year' and period_start = '2022-01-01'"
    )
    assert [(n, d) for _, n, d in restated] == reported and restated[0][0] == "Phường Bắc Giang"
    out = h1.dti(
        "index",
        "--period",
        "2022-H1",
        "--unit-type",
        "commune",
        "--unit",
        "07210",
        "--todays-units",
    ).stdout
    assert "commune 07210, 2022-H1, on today's units" in out
