"""Security: the pseudonym key is required in production, connection URLs are printed masked, and
SQL built from configuration quotes its identifiers. (The scan of every layer for the clear
identifiers the simulator sent is in test_zz_final.py, after the marts are built; the analyst
role's rights are issue 8's.)"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import psycopg
import pytest
from psycopg import sql

from dti.config import load_settings
from dti.extract import extract
from dti.load import _table, ensure_tables, raw_table_ddl
from dti.locks import interval_locks
from dti.records import Interval
from dti.sources import EntityMode, SourceEntity, SourceField, get_entity
from dti.warehouse import masked_url, warehouse_url

from .conftest import DAY

PRODUCTION = {
    "DTI_WAREHOUSE_URL": "postgresql://dti:s3cret-pw@127.0.0.1:9/dti",
    "DTI_PORTAL_URL": "http://127.0.0.1:9",
    "DTI_PORTAL_TOKEN": "t0ken-not-used",
}


def test_production_refuses_to_extract_without_the_pseudonym_key(tmp_path):
    settings = load_settings(PRODUCTION | {"DTI_LOCAL_DIR": str(tmp_path)})
    with pytest.raises(RuntimeError, match="DTI_PSEUDONYM_KEY"):
        # the portal URL answers nothing: the key is checked before the first request
        extract(settings, get_entity("portal", "dossiers"), Interval.day(DAY))
    assert not (tmp_path / "secrets").exists()  # and no development key was made up


def test_the_cli_refuses_to_start_a_production_run_without_the_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DTI_")}
    env |= PRODUCTION | {"DTI_LOCAL_DIR": str(tmp_path)}
    dti = os.path.join(os.path.dirname(sys.executable), "dti")
    result = subprocess.run(
        [dti, "run", "--date", DAY, "--source", "portal", "--no-transform"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "DTI_PSEUDONYM_KEY" in out, out[-2000:]
    assert "s3cret-pw" not in out and "t0ken-not-used" not in out


def test_the_embedded_demo_key_is_a_labelled_local_secret(tmp_path):
    """The embedded mode's development key: generated once into .local/secrets (0600), never in
    the code (dti.config)."""
    settings = load_settings({"DTI_LOCAL_DIR": str(tmp_path)})
    key = settings.pseudonym_key
    path = tmp_path / "secrets" / "pseudonym.key"
    assert path.read_bytes() == key and len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key.decode() not in repr(settings)


def test_connection_urls_are_printed_masked(faults):
    url = warehouse_url(faults.settings)
    password = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert masked_url(url) == url.replace(password, "***") and password not in masked_url(url)
    assert masked_url("postgresql://u:p%40ss@[::1]:5432/db") == "postgresql://u:***@[::1]:5432/db"
    assert masked_url("http://host/x") == "http://host/x"
    shown = faults.stack.dti("warehouse", "url", "--masked").stdout
    assert ":***@" in shown and password not in shown
    # what the CLI prints in passing (dti up, dti status) never carries the password
    for args in (("up",), ("status",)):
        result = faults.stack.dti(*args, check=False)
        assert password not in result.stdout + result.stderr, args


HOSTILE = [
    ('x"; drop table ops.load_audit;--', 'd"; drop schema raw;--'),
    ("nguồn_dữ_liệu", "hồ sơ ✓ ’quoted’"),
]


@pytest.mark.parametrize("source, name", HOSTILE)
def test_sql_from_configuration_quotes_identifiers(faults, source, name):
    """An entity whose source and name are hostile: its raw table, index, interval delete and
    lock are created and used under exactly those names, and nothing else is touched."""
    entity = SourceEntity(
        source=source,
        name=name,
        path="/nowhere",
        fields=(SourceField("MaHoSo"), SourceField('col"; drop table x; --')),
        key=("MaHoSo",),
        mode=EntityMode.SNAPSHOT,
    )
    dsn = warehouse_url(faults.settings)
    tables_before = faults.stack.scalar("select count(*) from information_schema.tables")
    with psycopg.connect(dsn) as conn:
        ensure_tables(conn, entity)
        conn.execute(raw_table_ddl(entity))  # idempotent
        conn.execute(
            sql.SQL("delete from {} where _interval_start = %s").format(_table(entity)),
            (Interval.day(DAY).start,),
        )
        conn.commit()
    with interval_locks(dsn, source, name, [Interval.day(DAY)]):
        pass
    assert faults.stack.query(
        "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = %s order by ordinal_position limit 2",
        (entity.raw_table_name,),
    ) == [("MaHoSo",), ('col"; drop table x; --',)]
    assert faults.stack.scalar("select to_regclass('ops.load_audit') is not null")
    assert faults.stack.scalar("select to_regclass('raw.portal__dossiers') is not null")
    assert faults.stack.scalar("select count(*) from information_schema.tables") == (
        tables_before + 1
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("drop table {}").format(_table(entity)))
