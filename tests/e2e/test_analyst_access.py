"""The analyst role on the demo warehouse: reads the marts, nothing else, writes nothing.

Logs in with `dti warehouse url --role analyst` (the URL analysts are given) on the session's
H1 warehouse; every statement that must fail is tried in its own transaction.
"""

from __future__ import annotations

import psycopg
import pytest

from .conftest import Stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analyst_url(h1: Stack) -> str:
    url = h1.dti("warehouse", "url", "--role", "analyst").stdout.strip()
    assert url.startswith("postgresql://dti_analyst:")
    return url


def _refused(url: str, sql: str) -> str:
    """Run `sql` as the analyst; it must fail. Returns the error's SQLSTATE."""
    with psycopg.connect(url, autocommit=True) as conn:
        # read-only by default: switch it off, so that the privileges alone are what refuses
        conn.execute("set default_transaction_read_only = off")
        with pytest.raises(psycopg.Error) as err:
            conn.execute(sql)
    return err.value.sqlstate or ""


def test_analyst_reads_the_marts(analyst_url: str) -> None:
    with psycopg.connect(analyst_url) as conn:
        received = conn.execute(
            "select numerator from marts.indicator_values where geography = 'as_reported' "
            "and indicator_code = "
            "'DVC_ONLINE_INTAKE_RATE' and period_type = 'half_year' and area_level = 'province' "
            "and period_start = '2022-01-01' and breakdown = 'total'"
        ).fetchone()
        assert received == (86536,)
        assert conn.execute(
            "select count(*) from marts.fct_dossier "
            "where received_date between '2022-01-01' and '2022-06-30'"
        ).fetchone() == (258778,)
        # the registry of the indicators and their targets is readable too
        assert (
            conn.execute(
                "select target_2022 from reference.indicator_registry "
                "where code = 'DVC_ONLINE_INTAKE_RATE'"
            ).fetchone()[0]
            == 50
        )
        # the range function runs with the analyst's own rights
        rows = conn.execute(
            "select value from marts.indicator_values_between('2022-01-01', '2022-06-30') "
            "where geography = 'as_reported' "
            "and indicator_code = 'DVC_ONLINE_INTAKE_RATE' and area_level = 'province' "
            "and breakdown = 'total'"
        ).fetchall()
        assert [round(float(v), 1) for (v,) in rows] == [33.4]


@pytest.mark.parametrize(
    "table", ["raw.portal__dossiers", "ops.load_audit", "staging.stg_portal__dossiers"]
)
def test_analyst_cannot_read_below_the_marts(analyst_url: str, table: str) -> None:
    assert _refused(analyst_url, f"select * from {table} limit 1") == "42501"


@pytest.mark.parametrize(
    "sql",
    [
        "insert into marts.dim_date (date_day) values ('2099-01-01')",
        "update marts.fct_dossier set channel = 'online' where false",
        "delete from reference.indicator_registry where false",
        "create table marts.mine (x int)",
        "create table public.mine (x int)",
        "create temporary table mine (x int)",
        "create schema mine",
        "create function public.f() returns int language sql as 'select 1'",
        "truncate marts.dim_date",
        "drop table marts.dim_date",
    ],
)
def test_analyst_cannot_write_or_create(analyst_url: str, sql: str) -> None:
    assert _refused(analyst_url, sql) == "42501"


def test_no_pseudonymised_identifier_is_readable(analyst_url: str, h1: Stack) -> None:
    assert (
        _refused(analyst_url, "select patient_pseudonym from marts.fct_insured_episode limit 1")
        == "42501"
    )
    assert _refused(analyst_url, "select * from marts.fct_insured_episode limit 1") == "42501"
    with psycopg.connect(analyst_url) as conn:
        # the other columns still answer questions
        assert conn.execute("select count(*) from marts.fct_insured_episode").fetchone()[0] > 0
    # whatever later source adds one: no marts column named like a pseudonym is readable
    readable = h1.query(
        "select table_name, column_name from information_schema.column_privileges "
        "where grantee = 'dti_analyst' and privilege_type = 'SELECT' "
        "and table_schema in ('marts', 'reference') "
        "and (column_name ~ '(pseudonym|_hash$)' or column_name in ('patient_id', 'citizen_id'))"
    )
    assert readable == []


def test_every_marts_column_is_documented(h1: Stack) -> None:
    """Every column of every dbt model built in marts is in the dbt YAML (where the Vietnamese
    and English descriptions are checked: tests/unit/test_analyst_docs.py). Tables that are no
    dbt model (dti close's snapshots) are not concerned."""
    import json

    from dti.erd import documented_columns

    project = h1.settings.dbt_project_dir
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    models = {
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    documented = documented_columns(project)
    assert sorted(models - set(documented)) == []
    actual = h1.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = any(%s)",
        (sorted(models),),
    )
    assert {t for t, _ in actual} == models
    missing = sorted(f"{t}.{c}" for t, c in actual if c not in documented[t])
    assert missing == []
    # and the descriptions reach psql as comments (persist_docs): `\d+ marts.fct_dossier`
    uncommented = h1.query(
        "select c.relname, a.attname from pg_attribute as a "
        "join pg_class as c on c.oid = a.attrelid "
        "join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = 'marts' and c.relname = any(%s) and a.attnum > 0 "
        "and not a.attisdropped and col_description(c.oid, a.attnum) is null",
        (sorted(models),),
    )
    assert uncommented == []
    tables = h1.query(
        "select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = 'marts' and c.relname = any(%s) "
        "and obj_description(c.oid, 'pg_class') is null",
        (sorted(models),),
    )
    assert tables == []
    assert " / " in h1.scalar(
        "select col_description('marts.dim_date'::regclass, 1)"
    )  # Vietnamese / English


def test_dti_sql_is_psql_as_the_analyst(h1: Stack) -> None:
    out = h1.dti(
        "sql",
        "-At",
        "-c",
        "select current_user, count(*) from marts.dim_administrative_unit "
        "where province_code = '24' and valid_from <= '2022-06-30' "
        "and '2022-06-30' < coalesce(valid_to, 'infinity')",
    )
    assert out.stdout.strip() == "dti_analyst|220"
    refused = h1.dti("sql", "-c", "select count(*) from ops.load_audit", check=False)
    assert refused.returncode != 0
    assert "permission denied for schema ops" in refused.stderr
