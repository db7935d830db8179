"""Airflow and the DAGs under the deployment's environment, in a local process: the environment
of the compose file's worker (interpolated from a filled-in .env.example, the image's paths mapped
to this checkout and temporary folders). The hosts it names (airflow-db, warehouse-db, redis,
simulator) do not exist here: any network connection while configuring or parsing fails the test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .compose import ROOT, compose, example_env, instructions_env, service_environment

PROBE = r"""
import json, socket, sys
def _refuse(*args, **kwargs):
    raise RuntimeError("network used while configuring Airflow or parsing the DAGs")
from dti.config import load_settings
from dti.transform import parse_if_stale
parse_if_stale(load_settings())  # dbt's manifest, as the image's build writes it (no database)
socket.socket.connect = _refuse
socket.create_connection = _refuse
import psycopg
psycopg.connect = _refuse
from airflow.configuration import conf
import airflow.sdk, airflow.models.dagrun, airflow.settings
from airflow.dag_processing.dagbag import DagBag
from airflow.cli.cli_parser import get_parser
commands = json.loads(sys.argv[2])
parser = get_parser()
parsed = {}
for name, argv in commands.items():
    args = parser.parse_args(argv)
    parsed[name] = getattr(args.func, "__name__", str(args.func))
bag = DagBag(dag_folder=sys.argv[1])
settings = load_settings()
print("PROBE" + json.dumps({
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "dags": sorted(bag.dag_ids),
    "executor": conf.get("core", "executor"),
    "dags_folder": conf.get("core", "dags_folder"),
    "sql_alchemy_conn": conf.get("database", "sql_alchemy_conn"),
    "jwt_secret_set": bool(conf.get("api_auth", "jwt_secret")),
    "async_engine": str(airflow.settings.async_engine.url.drivername),
    "parsed": parsed,
    "data_dir": str(settings.data_dir),
    "warehouse_url": settings.warehouse_url,
    "embedded_warehouse": settings.embedded_warehouse,
}))
"""

MAPPED = ("/opt/dti", "/opt/airflow", "/var/lib/dti/data")


@pytest.fixture(scope="module")
def deployment_env(tmp_path_factory) -> dict[str, str]:
    """The worker container's environment, with the image's paths mapped to local ones."""
    tmp = tmp_path_factory.mktemp("compose-env")
    mapping = {
        "/opt/dti": str(ROOT),
        "/opt/airflow": str(tmp / "airflow"),
        "/var/lib/dti/data": str(tmp / "data"),
    }
    env_file = example_env()
    model = compose(env_file)
    container = {
        **instructions_env(),
        **service_environment(model, "airflow-worker", {".env": env_file}),
    }
    mapped = {}
    for key, value in container.items():
        for image_path, local in mapping.items():
            if value == image_path or value.startswith(image_path + "/"):
                value = local + value[len(image_path) :]
        mapped[key] = value
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DTI_", "AIRFLOW"))}
    return {**base, **mapped, "DTI_LOCAL_DIR": str(tmp / "local")}


def test_entrypoint_derives_dbt_profile_variables(deployment_env):
    from dti.config import load_settings
    from dti.warehouse import dbt_env

    result = subprocess.run(
        ["bash", "-c", 'eval "$(python deploy/pg_env.py)" && env'],
        env={**deployment_env, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    expected = dbt_env(load_settings(deployment_env))
    assert expected["DTI_PG_HOST"] == "warehouse-db"
    for key, value in expected.items():
        assert env[key] == value, key
    # dbt's profile reads exactly these.
    profile = (ROOT / "dbt_project" / "profiles.yml").read_text()
    assert set(re.findall(r"env_var\('(DTI_PG_[A-Z]+)'", profile)) == set(expected)


@pytest.mark.slow
def test_airflow_config_and_dag_import_under_the_compose_env(deployment_env):
    airflow = Path(sys.executable).with_name("airflow")
    got = subprocess.run(
        [str(airflow), "config", "get-value", "core", "executor"],
        env=deployment_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert got.returncode == 0, got.stderr[-3000:]
    assert got.stdout.strip().splitlines()[-1] == "CeleryExecutor"

    model = compose()
    commands = {
        name: service["command"][1:]
        for name, service in model["services"].items()
        if isinstance(service.get("command"), list)
        and service["command"][0] == "airflow"
        and service["command"][1] != "celery"  # the Celery provider is the image's extra layer
    }
    assert {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor"} <= set(commands)
    # The healthchecks' `airflow jobs check --job-type ...` too.
    for name, service in model["services"].items():
        test = (service.get("healthcheck") or {}).get("test") or []
        if test and "airflow jobs check" in test[-1]:
            job_type = re.search(r"--job-type (\w+)", test[-1]).group(1)
            commands[f"{name}:healthcheck"] = ["jobs", "check", "--job-type", job_type]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            deployment_env["AIRFLOW__CORE__DAGS_FOLDER"],
            json.dumps(commands),
        ],
        env=deployment_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("PROBE")]
    assert result.returncode == 0 and lines, result.stderr[-4000:]
    probe = json.loads(lines[-1][len("PROBE") :])
    assert probe["errors"] == {}
    from dti.sources import source_names

    expected = {"range_load", "transform", *(f"nightly_{s}" for s in source_names())}
    assert expected <= set(probe["dags"]), probe["dags"]
    assert probe["executor"] == "CeleryExecutor"
    assert probe["dags_folder"] == str(ROOT / "dags")
    assert probe["sql_alchemy_conn"].startswith("postgresql+psycopg2://airflow:")
    assert "@airflow-db:5432/airflow" in probe["sql_alchemy_conn"]
    assert probe["jwt_secret_set"]
    # Airflow 3's async metadata engine uses a driver the image has (psycopg 3, not asyncpg).
    assert probe["async_engine"] == "postgresql+psycopg"
    assert set(probe["parsed"]) == set(commands)
    # The pipeline sees the deployment: the warehouse service, the shared volume, no embedded part.
    assert probe["embedded_warehouse"] is False
    assert "@warehouse-db:5432/dti" in probe["warehouse_url"]
    assert probe["data_dir"] == deployment_env["DTI_DATA_DIR"]


CELERY_PROBE = r"""
import json, socket, sys
def _refuse(*args, **kwargs):
    raise RuntimeError("network used while loading the Celery executor")
socket.socket.connect = _refuse
socket.create_connection = _refuse
from airflow.cli.cli_parser import get_parser
from airflow.executors.executor_loader import ExecutorLoader
import celery
executor, _ = ExecutorLoader.import_default_executor_cls()
get_parser().parse_args(sys.argv[1:])  # the worker's command
app_module, _, app_name = "airflow.providers.celery.executors.celery_executor.app".rpartition(".")
app = getattr(__import__(app_module, fromlist=[app_name]), app_name)  # the healthcheck's --app
print("PROBE" + json.dumps({
    "executor": f"{executor.__module__}.{executor.__name__}",
    "celery": celery.__version__,
    "broker": app.conf.broker_url,
}))
"""


@pytest.mark.slow
def test_the_celery_layer_runs_the_worker_command(deployment_env, tmp_path):
    """The image's extra layer (deploy/requirements-celery.txt) installed beside the lock: the
    CeleryExecutor imports, `airflow celery worker` parses, the healthcheck's app loads."""
    uv = Path(sys.executable).with_name("uv")
    target = tmp_path / "celery-layer"
    install = subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            "-r",
            str(ROOT / "deploy" / "requirements-celery.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if install.returncode != 0:
        pytest.skip(f"the package registry could not be reached: {install.stderr[-500:]}")
    model = compose()
    worker = model["services"]["airflow-worker"]
    assert worker["command"][:3] == ["airflow", "celery", "worker"]
    assert "celery_executor.app" in worker["healthcheck"]["test"][-1]
    env = {**deployment_env, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", CELERY_PROBE, *worker["command"][1:]],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("PROBE")]
    assert result.returncode == 0 and lines, result.stderr[-4000:]
    probe = json.loads(lines[-1][len("PROBE") :])
    assert probe["executor"].endswith("celery_executor.CeleryExecutor")
    assert probe["broker"] == deployment_env["AIRFLOW__CELERY__BROKER_URL"]
