"""A throwaway PostgreSQL with hand-made raw tables, and a way to run dbt against it.

The server comes from the pgserver wheel's binaries on a free TCP port under a temporary
directory (as the system user `pgserveruser` when the tests run as root) and is stopped after
the module. The raw tables are created from `fixtures/raw_portal_fixture.sql` and the other sources'
`fixtures/raw_*_fixture.sql`, as the loader would leave them.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from dti.load import raw_table_ddl
from dti.sources import all_entities
from dti.warehouse import OPS_DDL

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = ROOT / "dbt_project"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DBT = Path(sys.executable).with_name("dbt")
SYSTEM_USER = "pgserveruser"


def _pg_bin(name: str) -> Path:
    # the pgserver wheel's server binaries, found without importing pgserver (its import
    # touches runtime directories)
    spec = importlib.util.find_spec("pgserver")
    assert spec is not None and spec.origin is not None, "the pgserver wheel is not installed"
    return Path(spec.origin).parent / "pginstall" / "bin" / name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user() -> dict:
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/bash", SYSTEM_USER], check=True)
    return {"user": SYSTEM_USER}


@dataclass
class DbtWarehouse:
    port: int
    target_path: Path

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DTI_PG_")}
        env.update(
            DTI_PG_HOST="127.0.0.1",
            DTI_PG_PORT=str(self.port),
            DTI_PG_USER="postgres",
            DTI_PG_PASSWORD="",
            DTI_PG_DATABASE="dti",
            DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        )
        return env

    def dbt(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                str(DBT),
                *args,
                "--project-dir",
                str(DBT_PROJECT),
                "--profiles-dir",
                str(DBT_PROJECT),
                "--target-path",
                str(self.target_path),
            ],
            env=self.env,
            cwd=DBT_PROJECT,
            capture_output=True,
            text=True,
            timeout=900,
        )

    def query(self, sql: str, params: tuple | dict | None = None) -> list[tuple]:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="dti"
        ) as conn:
            return conn.execute(sql, params).fetchall()


@contextmanager
def start_warehouse(base: Path) -> Iterator[DbtWarehouse]:
    """A PostgreSQL under `base`, database `dti` holding the fixture raw tables; stopped on exit."""
    os.chmod(base, 0o755)
    pgdata = base / "data"
    run_as = _as_server_user()
    if run_as:
        shutil.chown(base, SYSTEM_USER)
    port = _free_port()
    subprocess.run(
        [str(_pg_bin("initdb")), "-D", str(pgdata), "--auth=trust", "-U", "postgres"],
        check=True,
        capture_output=True,
        **run_as,
    )
    subprocess.run(
        [
            str(_pg_bin("pg_ctl")),
            "-D",
            str(pgdata),
            "-w",
            "-l",
            str(base / "postgres.log"),
            "-o",
            f"-h 127.0.0.1 -p {port} -k {base}",
            "start",
        ],
        check=True,
        capture_output=True,
        **run_as,
    )
    try:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("create database dti")
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="dti", autocommit=True
        ) as conn:
            conn.execute((FIXTURES / "raw_portal_fixture.sql").read_text())
            # the ops ledgers exactly as the warehouse creates them (the data-quality marts
            # read them as dbt sources)
            conn.execute("create schema if not exists ops")
            conn.execute(OPS_DDL)
            # the other sources' raw tables (the portal's file creates the schema)
            for fixture in sorted(FIXTURES.glob("raw_*_fixture.sql")):
                if fixture.name != "raw_portal_fixture.sql":
                    conn.execute(fixture.read_text())
            # any registered source without a fixture: its raw tables, empty, as the loader
            # makes them
            for entity in all_entities():
                conn.execute(raw_table_ddl(entity))
        yield DbtWarehouse(port=port, target_path=base / "target")
    finally:
        subprocess.run(
            [str(_pg_bin("pg_ctl")), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
            capture_output=True,
            **run_as,
        )
