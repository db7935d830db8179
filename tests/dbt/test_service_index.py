"""The service-index and data-quality marts on the hand-made fixture: the index agrees with
indicator_values, the dossier detail adds up to the index, the ops ledgers give completeness
and issues, and closing a period then rebuilding records revisions through the real dbt
post-hook, leaving the published figures untouched."""

from __future__ import annotations

from dti.periods import close_period, revisions

from .dbt_warehouse import DbtWarehouse


def _dsn(wh: DbtWarehouse) -> str:
    return f"postgresql://postgres@127.0.0.1:{wh.port}/dti"


def test_index_agrees_with_indicator_values(built: DbtWarehouse) -> None:
    mismatches = built.query(
        """
        select s.period_type, s.period_start, s.unit_type, s.unit_code, s.component_code,
               s.numerator, s.denominator, v.numerator, v.denominator
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
    assert mismatches == []
    n = built.query(
        "select count(*) from marts.service_index where unit_type in ('province', 'district', "
        "'commune') and numerator is not null"
    )[0][0]
    assert n > 0


def test_detail_adds_up_to_the_index(built: DbtWarehouse) -> None:
    differences = built.query(
        """
        with detail as (
            select period_type, period_start, unit_type, unit_code, component_code,
                   count(*) as denominator, count(*) filter (where in_numerator) as numerator
            from marts.service_index_dossier_detail
            group by 1, 2, 3, 4, 5
        )
        select s.period_type, s.period_start, s.unit_type, s.unit_code, s.component_code
        from marts.service_index s
        left join detail d using (period_type, period_start, unit_type, unit_code, component_code)
        join reference.service_index_components c using (component_code)
        where c.unit_scope = 'dossier' and s.geography = 'as_reported'
          and (coalesce(d.numerator, 0), coalesce(d.denominator, 0))
              is distinct from (s.numerator, s.denominator)
        """
    )
    assert differences == []


def test_groups_and_null_reasons(built: DbtWarehouse) -> None:
    rows = built.query(
        """
        select group_code, sum(max_points), bool_and(points is null), min(null_reason)
        from marts.service_index
        where unit_type = 'province' and period_type = 'year' and geography = 'as_reported'
        group by group_code order by min(group_order)
        """
    )
    assert [(g, int(m)) for g, m, _, _ in rows] == [
        ("transparency", 18),
        ("progress", 20),
        ("online_service", 12),
        ("online_payment", 10),
        ("satisfaction", 18),
        ("digitisation", 22),
    ]
    nulls = {g: (all_null, reason) for g, _, all_null, reason in rows}
    assert nulls["satisfaction"][0] and "satisfaction ratings" in nulls["satisfaction"][1]
    assert nulls["transparency"][0] and "published" in nulls["transparency"][1]
    assert not nulls["progress"][0]


def test_source_completeness(built: DbtWarehouse) -> None:
    rows = built.query(
        "select source, entity, reporting_unit, expected_submissions, received, received_on_time "
        "from marts.source_completeness where period_type = 'month' "
        "and period_start = '2022-01-01' order by 1, 2, 3"
    )
    assert rows == [
        ("health", "claims", "H1", 1, 1, 1),
        ("health", "claims", "H2", 1, 1, 0),
        ("health", "claims", "H3", 1, 0, 0),
        ("health", "claims", "H4", 1, 0, 0),
        ("portal", "dossiers", "system", 3, 2, 1),
    ]


def test_data_quality_issues(built: DbtWarehouse) -> None:
    rows = built.query(
        "select issue_type, source, entity, interval_first_day::text, rule, is_resolved "
        "from marts.data_quality_issues where issue_type <> 'outlier' order by 1"
    )
    assert rows == [
        (
            "quarantined_batch",
            "portal",
            "dossiers",
            "2022-01-07",
            "expect_column_values_to_be_in_set(KenhThucHien)",
            None,
        ),
        (
            "rejected_file",
            "health",
            "claims",
            "2022-01-01",
            "file rejected (H4: H4_202201.xml)",
            None,
        ),
    ]


def test_close_then_rebuild_records_revisions(built: DbtWarehouse) -> None:
    dsn = _dsn(built)
    published_before = built.query(
        "select numerator, denominator from marts.service_index where period_type = 'quarter' "
        "and period_start = '2022-01-01' and unit_type = 'province' "
        "and component_code = 'ONLINE_INTAKE' and geography = 'as_reported'"
    )
    closure = close_period(dsn, "2022-Q1")
    assert closure.indicator_rows > 0 and closure.service_index_rows > 0
    # a correction at the source: every in-person dossier of February was in fact received
    # online, and the days are loaded again as the loader does it (each day a new batch with its
    # audit row: the incremental staging takes the new batches and replaces the old ones)
    built.query(
        "update raw.portal__dossiers set _batch_id = _batch_id || '-reloaded', _loaded_at = now(), "
        "\"KenhThucHien\" = case when \"NgayTiepNhan\" like '202202%%' then '2' "
        'else "KenhThucHien" end '
        "where _interval_start in (select _interval_start from raw.portal__dossiers "
        "where \"NgayTiepNhan\" like '202202%%') returning 1"
    )
    built.query(
        "insert into ops.load_audit (batch_id, source, entity, interval_start, interval_end, "
        "rows, status, validation_outcome, started_at, finished_at) "
        "select _batch_id, 'portal', 'dossiers', _interval_start, max(_interval_end), count(*), "
        "'loaded', 'passed', now(), now() from raw.portal__dossiers "
        "where _batch_id like '%%-reloaded' group by _batch_id, _interval_start returning 1"
    )
    result = built.dbt("run", "--select", "stg_portal__dossiers+")
    assert result.returncode == 0, result.stdout[-4000:]
    revised = {
        (r.figure, r.code, r.unit_level, r.period_type): r
        for r in revisions(dsn)
        if r.period_start.isoformat() == "2022-01-01"
    }
    online = revised[("service_index", "ONLINE_INTAKE", "province", "quarter")]
    assert online.published_numerator == published_before[0][0]
    assert online.revised_numerator > online.published_numerator
    assert ("indicator_values", "DVC_ONLINE_INTAKE_RATE", "province", "quarter") in revised
    # the published snapshot did not move
    assert (
        built.query(
            "select numerator, denominator from marts.service_index_history "
            "where period_type = 'quarter' and unit_type = 'province' "
            "and component_code = 'ONLINE_INTAKE'"
        )
        == published_before
    )
