"""docker-compose.yml, checked without Docker: it parses, matches the Compose specification, and
its services, variables and volumes agree with each other, with .env.example and with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from .compose import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    ROOT,
    SCHEMA_FILE,
    WORKER_MACHINE_FILE,
    InterpolationError,
    as_mapping,
    commented_keys,
    compose,
    example_env,
    interpolate,
    named_volume_mounts,
    raw_compose,
    read_env_file,
    required_variables,
    service_environment,
    variables_used,
    worker_machine_compose,
)

AIRFLOW_SERVICES = {
    "airflow-init": None,
    "airflow-apiserver": ["airflow", "api-server"],
    "airflow-scheduler": ["airflow", "scheduler"],
    "airflow-dag-processor": ["airflow", "dag-processor"],
    "airflow-triggerer": ["airflow", "triggerer"],
    "airflow-worker": ["airflow", "celery", "worker"],
}
# Services that run pipeline code (tasks, the init job's bootstrap, the simulator's file drops).
DATA_SERVICES = ("airflow-init", "airflow-worker", "simulator")
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "FERNET", "KEY")


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    return example_env()


@pytest.fixture(scope="module")
def model(env) -> dict:
    return compose(env)


@pytest.fixture(scope="module")
def env_files(env) -> dict[str, dict[str, str]]:
    """The compose file's env_file `.env`, as a user makes it from .env.example."""
    return {".env": env}


def code_variables() -> set[str]:
    """Every DTI_* variable the code reads: string literals in include/ and dbt's profile."""
    names: set[str] = set()
    for path in (ROOT / "include").rglob("*.py"):
        names |= set(re.findall(r"[\"'](DTI_[A-Z0-9_]+)[\"']", path.read_text()))
        # Settings named with an f-string per source, e.g. f"DTI_{name.upper()}_URL", cannot be
        # listed; the registry's sources give them below.
    profiles = (ROOT / "dbt_project" / "profiles.yml").read_text()
    names |= set(re.findall(r"env_var\(\s*'(DTI_[A-Z0-9_]+)'", profiles))
    try:
        from dti.sources import source_names

        for source in source_names():
            names |= {f"DTI_{source.upper()}_URL", f"DTI_{source.upper()}_TOKEN"}
    except ImportError:  # pragma: no cover - the registry is part of the project
        pass
    return names


def test_compose_matches_the_compose_specification(model):
    schema = json.loads(SCHEMA_FILE.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(model), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20]
    )


def test_schema_rejects_a_broken_compose_file(model):
    """The schema check is not vacuous: a typo in a service key fails it."""
    schema = json.loads(SCHEMA_FILE.read_text())
    broken = json.loads(json.dumps(model))
    broken["services"]["airflow-worker"]["comand"] = broken["services"]["airflow-worker"].pop(
        "command"
    )
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_the_required_services_are_there(model):
    services = model["services"]
    expected = {"warehouse-db", "airflow-db", "redis", "simulator", *AIRFLOW_SERVICES}
    assert expected <= set(services), f"missing: {sorted(expected - set(services))}"
    for name, command in AIRFLOW_SERVICES.items():
        if command is not None:
            assert services[name]["command"] == command, name
    assert services["airflow-init"]["command"] == ["/opt/dti/deploy/init.sh"]
    assert (ROOT / "deploy" / "init.sh").is_file()
    assert services["simulator"]["command"][:3] == ["dti", "simulator", "serve"]
    # Two PostgreSQL servers: the warehouse and Airflow's metadata are never the same database.
    assert services["warehouse-db"]["image"].startswith("postgres:16")
    assert services["airflow-db"]["image"].startswith("postgres:")
    worker_env = as_mapping(services["airflow-worker"]["environment"])
    metadata = worker_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "@airflow-db:" in metadata and "@warehouse-db:" in worker_env["DTI_WAREHOUSE_URL"]


def test_every_airflow_component_runs_the_one_image_with_the_celery_executor(model):
    services = model["services"]
    images = {services[name]["image"] for name in [*AIRFLOW_SERVICES, "simulator"]}
    assert len(images) == 1, images
    for name in [*AIRFLOW_SERVICES, "simulator"]:
        assert services[name]["build"]["context"] == "."
        assert services[name]["build"]["dockerfile"] == "Dockerfile"
        env = as_mapping(services[name].get("environment"))
        if name != "simulator":
            assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
            assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
            assert "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"], name


def test_workers_scale(model):
    """`docker compose up --scale airflow-worker=N` needs interchangeable replicas: no fixed
    container name and no host port."""
    worker = model["services"]["airflow-worker"]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert "deploy" not in worker or "replicas" not in worker["deploy"]


def test_healthchecks_and_start_order(model):
    services = model["services"]
    for name, service in services.items():
        if name in ("airflow-init", "dti-cli"):
            continue  # jobs, not servers
        check = service.get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = spec["condition"]
            if condition == "service_healthy":
                assert services[dependency].get("healthcheck"), (name, dependency)
            if condition == "service_completed_successfully":
                assert services[dependency].get("restart") == "no", (name, dependency)
    for name in AIRFLOW_SERVICES:
        if name == "airflow-init":
            continue
        needs = services[name]["depends_on"]
        assert needs["airflow-init"]["condition"] == "service_completed_successfully", name
        for db in ("airflow-db", "warehouse-db", "redis"):
            assert needs[db]["condition"] == "service_healthy", (name, db)
    assert "airflow-init" not in services["airflow-init"]["depends_on"]


def test_no_secret_in_the_compose_file():
    """Every password, key, secret and token comes from .env by interpolation, and so does the
    password part of every URL."""
    raw = raw_compose()
    blocks = [raw.get("x-airflow-env", {})]
    blocks += [s.get("environment") or {} for s in raw["services"].values()]
    for block in blocks:
        for key, value in as_mapping(block).items():
            if any(word in key for word in SECRET_WORDS) and not key.endswith("_FILE"):
                assert "${" in value, f"{key} has a literal value in docker-compose.yml"
    # Interpolated with a filled-in .env, every password inside a URL is one of .env's secrets.
    env = example_env()
    secrets_in_env = {v for k, v in env.items() if any(w in k for w in SECRET_WORDS)}
    model = compose(env)
    for name, service in model["services"].items():
        for key, value in as_mapping(service.get("environment")).items():
            for user_info in re.findall(r"[a-z0-9+]+://([^@/\s]*)@", value):
                if ":" in user_info:
                    password = user_info.split(":", 1)[1]
                    assert password in secrets_in_env, f"{name}: {key} has a literal password"


def test_env_example_lists_every_variable():
    text = COMPOSE_FILE.read_text() + WORKER_MACHINE_FILE.read_text()
    listed = set(read_env_file(ENV_EXAMPLE)) | commented_keys(ENV_EXAMPLE)
    missing = variables_used(text) - listed
    assert not missing, f"used in docker-compose.yml, missing from .env.example: {sorted(missing)}"
    # What the main machine requires is set in .env.example (the worker machine's own required
    # addresses are shown commented, and checked in test_workers_on_another_machine).
    set_in_example = set(read_env_file(ENV_EXAMPLE))
    assert required_variables(COMPOSE_FILE.read_text()) <= set_in_example
    # Secrets are placeholders to replace, never working values.
    for key, value in read_env_file(ENV_EXAMPLE).items():
        if any(word in key for word in SECRET_WORDS):
            assert value == "change-me", f"{key} in .env.example must be change-me"


def test_a_missing_secret_stops_compose():
    env = example_env()
    del env["DTI_PSEUDONYM_KEY"]
    with pytest.raises(InterpolationError, match="DTI_PSEUDONYM_KEY"):
        compose(env)


def test_interpolation_follows_the_specification():
    env = {"A": "x", "E": ""}
    assert interpolate("${A}-${B:-d}-${E:-e}-${E-f}-$$A-$A", env) == "x-d-e--$A-x"
    assert interpolate("${B:-p${A}q}", env) == "pxq"
    with pytest.raises(InterpolationError):
        interpolate("${E:?needed}", env)


def test_service_variables_are_ones_the_code_reads(model, env_files):
    """A DTI_* variable the deployment sets that no code reads is a typo or a dead setting."""
    known = code_variables()
    for name, service in model["services"].items():
        if not service.get("image", "").startswith("dti-") and "build" not in service:
            continue
        env = service_environment(model, name, env_files)
        unknown = {k for k in env if k.startswith("DTI_")} - known
        assert not unknown, f"{name} sets DTI_* variables no code reads: {sorted(unknown)}"


def test_optional_settings_shown_in_env_example_are_read(model):
    """The commented `# DTI_...=` lines of .env.example are settings a user may switch on: each
    must be one the code reads."""
    shown = {k for k in commented_keys(ENV_EXAMPLE) if k.startswith("DTI_")}
    unknown = shown - code_variables()
    assert not unknown, f".env.example documents settings no code reads: {sorted(unknown)}"


def test_required_settings_are_set(model, env_files):
    for name in AIRFLOW_SERVICES:
        env = service_environment(model, name, env_files)
        # Without these the code falls back to the embedded mode or refuses to run.
        for key in ("DTI_WAREHOUSE_URL", "DTI_PSEUDONYM_KEY", "DTI_DATA_DIR", "DTI_PORTAL_TOKEN"):
            assert env.get(key), f"{name}: {key} is not set"
        assert env["DTI_WAREHOUSE_URL"].startswith("postgresql://")
        assert env.get("DTI_ANALYST_PASSWORD"), name
    simulator = service_environment(model, "simulator", env_files)
    worker = service_environment(model, "airflow-worker", env_files)
    # The workers reach the simulator where it listens, with the token it accepts.
    assert simulator["DTI_PORTAL_TOKEN"] == worker["DTI_PORTAL_TOKEN"]
    assert worker["DTI_SIMULATOR_HOST"] == "simulator"
    command = model["services"]["simulator"]["command"]
    assert command[command.index("--port") + 1] == worker["DTI_SIMULATOR_PORT"]
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_the_airflow_settings_match_the_embedded_mode(model, env_files):
    """The deployment sets every Airflow/dbt setting the embedded mode sets, to the same value,
    except those that are the deployment's own (metadata database, home, log folder)."""
    from dti.airflow_runner import airflow_env
    from dti.config import load_settings

    own = {
        "AIRFLOW_HOME",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER",
        "AIRFLOW__CORE__DAGS_FOLDER",
        "AIRFLOW__CORE__PLUGINS_FOLDER",
    }
    embedded = {
        k: v
        for k, v in airflow_env(
            load_settings({"DTI_WAREHOUSE_URL": "postgresql://u:p@h/d"})
        ).items()
        if not k.startswith("DTI_PG_")  # derived from DTI_WAREHOUSE_URL by deploy/entrypoint.sh
    }
    for name in AIRFLOW_SERVICES:
        env = service_environment(model, name, env_files)
        for key, value in embedded.items():
            if key in own:
                continue
            assert env.get(key) == value, f"{name}: {key}={env.get(key)!r}, embedded {value!r}"
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/dti/dags"
        assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == "/opt/dti/plugins"


def test_volumes_are_declared_used_and_consistent(model, env_files):
    services = model["services"]
    declared = set(model["volumes"])
    used = set()
    for service in services.values():
        used |= set(named_volume_mounts(service))
    assert used == declared, f"declared, unused: {declared - used}; undeclared: {used - declared}"
    assert named_volume_mounts(services["warehouse-db"]) == {
        "warehouse-db-data": "/var/lib/postgresql/data"
    }
    assert named_volume_mounts(services["airflow-db"]) == {
        "airflow-db-data": "/var/lib/postgresql/data"
    }
    # The landing zone is one volume, mounted where DTI_DATA_DIR says, in every service that
    # reads or writes it.
    for name in DATA_SERVICES:
        env = service_environment(model, name, env_files)
        assert named_volume_mounts(services[name]).get("dti-data") == env["DTI_DATA_DIR"], name
    # Task logs where Airflow writes them, shared with the api-server that shows them.
    for name in ("airflow-worker", "airflow-apiserver", "airflow-scheduler"):
        env = service_environment(model, name, env_files)
        mounts = named_volume_mounts(services[name])
        assert mounts.get("airflow-logs") == env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"], name
    # The UI's password file, written by the init job, read by the api-server.
    for name in ("airflow-init", "airflow-apiserver"):
        env = service_environment(model, name, env_files)
        auth_dir = str(Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).parent)
        assert named_volume_mounts(services[name]).get("airflow-auth") == auth_dir, name


def test_the_simulator_drops_files_where_the_workers_read_them(model, env_files):
    """File-drop sources: the simulator service writes the inbox, the workers read it; both see
    the same folder on the shared volume (DTI_INBOX_DIR from .env, else DATA_DIR/inbox)."""
    from dti.config import load_settings

    for extra in ({}, {"DTI_INBOX_DIR": "/var/lib/dti/data/drops"}):
        files = {".env": {**env_files[".env"], **extra}}
        inboxes = set()
        for name in ("simulator", "airflow-worker"):
            env = service_environment(model, name, files)
            inbox = load_settings(env).inbox
            mount = named_volume_mounts(model["services"][name])["dti-data"]
            assert inbox.is_relative_to(mount), (name, inbox, mount)
            inboxes.add(inbox)
        assert len(inboxes) == 1, inboxes


def test_every_source_reaches_the_simulator_service_with_its_token(model, env_files, tmp_path):
    """With the simulator profile, a source without its own URL in .env goes to the simulator
    service, with the token the simulator was started with. Each container has its own
    DTI_LOCAL_DIR (a secret generated there would differ between containers: caught here)."""
    from dti.config import load_settings
    from dti.sources import get_source, source_names

    def settings_of(name: str):
        env = service_environment(model, name, env_files)
        return load_settings({**env, "DTI_LOCAL_DIR": str(tmp_path / name)})

    simulator = settings_of("simulator")
    served_token = simulator.portal_token  # what `dti simulator serve` passes to the app
    worker = settings_of("airflow-worker")
    for name in source_names():
        source = get_source(name)
        if source.base_url is not None:
            assert source.base_url(worker).startswith("http://simulator:8765"), name
        if source.token is not None:
            assert source.token(worker) == served_token, name


def test_the_data_dir_is_the_images(model, env_files):
    """The volume's mount point exists in the image (owned by the airflow user), so a new named
    volume starts writable."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    data_dir = service_environment(model, "airflow-worker", env_files)["DTI_DATA_DIR"]
    assert f"DTI_DATA_DIR={data_dir}" in dockerfile
    assert data_dir in dockerfile.split("chown", 1)[1]


def _commented_values() -> dict[str, str]:
    return dict(re.findall(r"^#\s*([A-Z][A-Z0-9_]*)=(\S+)", ENV_EXAMPLE.read_text(), re.M))


def test_workers_on_another_machine():
    """deploy/docker-compose.worker-machine.yml over docker-compose.yml (`docker compose -f ...
    -f ...`) with the worker machine's settings of .env.example: a valid model whose worker
    reaches the main machine's services where the main machine publishes them, and mounts the
    landing zone over NFS."""
    shown = _commented_values()
    machine = {k: shown[k] for k in shown if k.endswith("_ADDRESS") or k.startswith("DATA_NFS")}
    env = {**example_env(), **machine}
    model = worker_machine_compose(env)
    schema = json.loads(SCHEMA_FILE.read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(model))
    assert not errors, [e.message for e in errors[:5]]
    worker = model["services"]["airflow-worker"]
    assert "depends_on" not in worker
    wenv = as_mapping(worker["environment"])
    assert wenv["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
        f"http://{machine['AIRFLOW_API_ADDRESS']}/execution/"
    )
    for key in (
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC",
        "AIRFLOW__CELERY__RESULT_BACKEND",
    ):
        assert f"@{machine['AIRFLOW_DB_ADDRESS']}/airflow" in wenv[key], key
    assert f"@{machine['REDIS_ADDRESS']}/0" in wenv["AIRFLOW__CELERY__BROKER_URL"]
    assert f"@{machine['WAREHOUSE_DB_ADDRESS']}/dti" in wenv["DTI_WAREHOUSE_URL"]
    nfs = model["volumes"]["dti-data"]["driver_opts"]
    assert nfs["type"] == "nfs" and f"addr={machine['DATA_NFS_HOST']}" in nfs["o"]
    # The main machine publishes its services on the ports the worker machine is told.
    main = compose({**example_env(), "INTERNAL_BIND": "10.0.0.1"})
    published = {
        name: {p.rsplit(":", 1)[0].split(":", 1)[1] for p in main["services"][name]["ports"]}
        for name in ("airflow-db", "redis", "warehouse-db", "airflow-apiserver")
    }
    assert machine["AIRFLOW_DB_ADDRESS"].rsplit(":", 1)[1] in published["airflow-db"]
    assert machine["REDIS_ADDRESS"].rsplit(":", 1)[1] in published["redis"]
    assert machine["WAREHOUSE_DB_ADDRESS"].rsplit(":", 1)[1] in published["warehouse-db"]
    assert machine["AIRFLOW_API_ADDRESS"].rsplit(":", 1)[1] in published["airflow-apiserver"]
    # Without the main machine's address, compose stops rather than using local names.
    del env["AIRFLOW_API_ADDRESS"]
    with pytest.raises(InterpolationError, match="AIRFLOW_API_ADDRESS"):
        worker_machine_compose(env)
