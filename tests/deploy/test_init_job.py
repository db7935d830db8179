"""deploy/init.sh, the compose file's init job, run for real in a local process: its environment
is the airflow-init service's (image paths mapped), with the two PostgreSQL services replaced by
databases on a throwaway local server. Airflow's metadata is migrated on PostgreSQL through the
same drivers as in the image (psycopg2, and psycopg 3 for the async engine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from .compose import ROOT, compose, example_env, instructions_env, service_environment

pytestmark = pytest.mark.slow


@pytest.fixture
def databases(pg_server):
    names = {"warehouse": f"wh_{uuid.uuid4().hex[:8]}", "airflow": f"af_{uuid.uuid4().hex[:8]}"}
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f"create database {name}")
    base = pg_server.rsplit("/", 1)[0].split("://", 1)[1]  # postgres@127.0.0.1:PORT
    yield {role: f"{base}/{name}" for role, name in names.items()}
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f"drop database if exists {name} with (force)")


def init_env(tmp_path: Path, databases: dict[str, str]) -> dict[str, str]:
    env_file = example_env()
    model = compose(env_file)
    container = {
        **instructions_env(),
        **service_environment(model, "airflow-init", {".env": env_file}),
    }
    mapping = {
        "/opt/dti": str(ROOT),
        "/opt/airflow": str(tmp_path / "airflow"),
        "/var/lib/dti/data": str(tmp_path / "data"),
    }
    for key, value in container.items():
        for image_path, local in mapping.items():
            if value == image_path or value.startswith(image_path + "/"):
                container[key] = local + value[len(image_path) :]
    # The compose hosts, replaced by the local server (same drivers, same URL shapes).
    assert "@airflow-db:5432/airflow" in container["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "@warehouse-db:5432/dti" in container["DTI_WAREHOUSE_URL"]
    airflow_db, warehouse_db = databases["airflow"], databases["warehouse"]
    container |= {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{airflow_db}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": f"postgresql+psycopg://{airflow_db}",
        "DTI_WAREHOUSE_URL": f"postgresql://{warehouse_db}",
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DTI_", "AIRFLOW"))}
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    return {**base, **container, "DTI_LOCAL_DIR": str(tmp_path / "local"), "PATH": path}


def test_the_init_job_prepares_airflow_and_the_warehouse(tmp_path, databases):
    env = init_env(tmp_path, databases)
    # Once only (about a minute): each step is idempotent by construction (migrate; import with
    # --overwrite; create-if-missing and alter-role in the bootstrap).
    for attempt in (1,):
        result = subprocess.run(
            ["bash", str(ROOT / "deploy" / "init.sh")],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, (
            f"run {attempt}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
        assert "[init] done" in result.stdout
    with psycopg.connect(f"postgresql://{databases['airflow']}") as conn:
        assert conn.execute("select count(*) from alembic_version").fetchone()[0] == 1
        connections = dict(conn.execute("select conn_id, conn_type from connection").fetchall())
    assert connections["dti_warehouse"] == "postgres"
    with psycopg.connect(f"postgresql://{databases['warehouse']}") as conn:
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace").fetchall()}
        assert {"raw", "ops", "staging", "intermediate", "marts", "reference"} <= schemas
        assert conn.execute("select 1 from pg_roles where rolname = 'dti_analyst'").fetchone()
        assert conn.execute("select count(*) from ops.load_audit").fetchone()[0] == 0
        on_2022 = conn.execute(
            "select level, count(*) from raw.ref__admin_units where valid_from <= '2022-06-30' "
            "and (valid_to is null or '2022-06-30' < valid_to) group by 1 order by 1"
        ).fetchall()
        # the 2022 units of Bắc Giang (24: 10 districts, 209 communes) and Bắc Ninh (27: 8
        # districts, 126 communes), merged into the new Bắc Ninh (DTI_PROVINCE_CODE=24)
        assert on_2022 == [("commune", 335), ("district", 18), ("province", 2)]
        links = conn.execute("select count(*) from raw.ref__admin_unit_links").fetchone()[0]
        assert links > 0
    passwords = json.loads(
        Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).read_text()
    )
    assert passwords == {env["AIRFLOW_ADMIN_USER"]: env["AIRFLOW_ADMIN_PASSWORD"]}
    assert (Path(env["DTI_DATA_DIR"]) / "landing").is_dir()
