"""The distributed mode on one machine, as processes: what `docker-compose.yml` runs, no Docker.

`dti cluster up` starts, on 127.0.0.1 with free ports: Redis (the Debian archive's
`redis-server`, with the compose service's flags), Airflow's metadata in its own database of the
embedded PostgreSQL server (a separate database from the warehouse, user and database `airflow`
as the compose file's `airflow-db`), `deploy/init.sh` (the compose init job, run for real), then
the api-server, scheduler, dag-processor, triggerer and Celery workers with the commands of their
compose services. The environment is not a second configuration: it is the compose file's
`x-airflow-env`, interpolated as compose does with this machine's addresses and the image's paths
mapped to this checkout, over the embedded mode's own `dti.airflow_runner.airflow_env`; a setting
on which the two disagree stops `up` with the difference named (fix the compose file).

Each worker gets a machine of its own as far as the pipeline can tell: its own mount and UTS
namespaces (root only; `unshare`), its own hostname (`dti-worker-N`, which Airflow records on the
task instances), and its own disk behind the one `DTI_DATA_DIR` path every worker is given (as
the containers all have `/var/lib/dti/data`), so they share no landed file; batches cross between
them through `DTI_LANDING_URL` (a `file://` folder standing in for the object store). Without
root the workers share one data folder, the layout of the compose file's `dti-data` volume.

State (ports, secrets, pids, logs, the workers' disks) lives in `.local/cluster/`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from dti.config import Settings, load_settings

log = logging.getLogger(__name__)

COMPOSE_FILE = "docker-compose.yml"
INIT_SCRIPT = Path("deploy") / "init.sh"
# The image's paths (Dockerfile, docker-compose.yml) and what stands for them here.
IMAGE_HOME, IMAGE_AIRFLOW_HOME, IMAGE_DATA_DIR = "/opt/dti", "/opt/airflow", "/var/lib/dti/data"
# The compose services this module runs as processes, in start order (workers last).
COMPONENTS = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
)
WORKER_SERVICE = "airflow-worker"
# Settings of the embedded mode that differ from the compose file's on purpose: the metadata
# database (SQLite there, PostgreSQL here).
DISTRIBUTED_ONLY = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"}
# The variables the compose file takes from .env and that this machine provides.
SECRET_NAMES = (
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_DB_PASSWORD",
    "REDIS_PASSWORD",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "AIRFLOW_ADMIN_PASSWORD",
    "WAREHOUSE_DB_PASSWORD",
)
WORKER_NS_SCRIPT = (
    # $1 hostname, $2 the worker's own disk, $3 the DTI_DATA_DIR path, $4 its /etc/hosts; then argv
    'set -e; hostname "$1"; mount --bind "$2" "$3"; mount --bind "$4" /etc/hosts; '
    'shift 4; exec "$@"'
)


class ClusterError(RuntimeError):
    pass


# -- the compose file, read as compose reads it -------------------------------------------------

_BRACED = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?\}$", re.S
)


def _braced_end(text: str, start: int) -> int:
    depth, i = 0, start
    while i < len(text):
        if text.startswith("${", i):
            depth, i = depth + 1, i + 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ClusterError(f"{COMPOSE_FILE}: unclosed ${{ in {text!r}")


def interpolate(text: str, values: dict[str, str]) -> str:
    """The Compose specification's interpolation: ``${X}``, ``${X:-d}``, ``${X-d}``,
    ``${X:?e}``, ``${X?e}``, ``${X:+a}``, ``$X``, ``$$``; defaults may nest."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            end = _braced_end(text, i)
            match = _BRACED.match(text[i:end])
            if match is None:
                raise ClusterError(f"{COMPOSE_FILE}: bad interpolation {text[i:end]!r}")
            name, op, arg = match["name"], match["op"], match["arg"]
            value = values.get(name)
            if op in (":-", "-"):
                unset = value is None or (op == ":-" and value == "")
                out.append(interpolate(arg, values) if unset else value)
            elif op in (":?", "?"):
                if value is None or (op == ":?" and value == ""):
                    raise ClusterError(f"{COMPOSE_FILE}: {name} is required: {arg}")
                out.append(value)
            elif op == ":+":
                out.append(interpolate(arg, values) if value else "")
            else:
                out.append(value or "")
            i = end
        elif (plain := re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)").match(text, i)) is not None:
            out.append(values.get(plain[1], ""))
            i = plain.end()
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def read_compose(home: Path) -> dict[str, Any]:
    import yaml

    return yaml.safe_load((home / COMPOSE_FILE).read_text())


def compose_airflow_env(model: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """The compose file's `x-airflow-env`, interpolated with `values` (what .env would hold)."""
    return {k: interpolate(str(v), values) for k, v in model["x-airflow-env"].items()}


def service_command(model: dict[str, Any], service: str) -> list[str]:
    command = model["services"][service]["command"]
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def redis_arguments(model: dict[str, Any], password: str) -> list[str]:
    """The flags of the compose file's `redis` service (`sh -c 'exec redis-server ...'`)."""
    command = service_command(model, "redis")
    script = command[-1] if command[0] == "sh" else shlex.join(command)
    words = shlex.split(interpolate(script, {}))
    words = words[words.index("redis-server") + 1 :]
    return [password if w in ("$REDIS_PASSWORD", "${REDIS_PASSWORD}") else w for w in words]


def map_image_paths(env: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    mapped = {}
    for key, value in env.items():
        for image_path, local in mapping.items():
            if value == image_path or value.startswith(image_path + "/"):
                value = local + value[len(image_path) :]
        mapped[key] = value
    return mapped


# -- the layout -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolation_available() -> bool:
    """Workers in their own mount and UTS namespaces (root and util-linux's `unshare`)."""
    return os.geteuid() == 0 and shutil.which("unshare") is not None


@dataclass
class Cluster:
    """The distributed mode's processes on this machine (state in `.local/cluster/`)."""

    settings: Settings
    workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    """Settings over the compose file's (a test's short timeouts); not for production."""
    base_env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    """What the compose file's `env_file` (.env) gives every service: the environment that
    `settings` was read from (this process's by default)."""

    @property
    def root(self) -> Path:
        return self.settings.local_dir / "cluster"

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow"

    @property
    def data_dir(self) -> Path:
        """The one DTI_DATA_DIR path of every component (compose: /var/lib/dti/data)."""
        return self.root / "data"

    @property
    def landing_store(self) -> Path:
        return self.root / "landing-store"

    @property
    def state_file(self) -> Path:
        return self.root / "cluster.json"

    def worker_names(self) -> list[str]:
        return [f"dti-worker-{n}" for n in range(1, self.workers + 1)]

    def worker_disk(self, name: str) -> Path:
        return self.root / "workers" / name / "data"

    def logfile(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def pidfile(self, name: str) -> Path:
        return self.root / "run" / f"{name}.pid"

    # state: ports and secrets are chosen once, kept 0600
    def state(self) -> dict[str, Any]:
        if self.state_file.is_file():
            return json.loads(self.state_file.read_text())
        return {}

    def _new_state(self) -> dict[str, Any]:
        from cryptography.fernet import Fernet

        state = self.state()
        ports = state.get("ports") or {}
        for name in ("api", "redis", "scheduler_health", "triggerer_logs", *self.worker_names()):
            ports.setdefault(name, _free_port())
        values = state.get("secrets") or {}
        for name in SECRET_NAMES:
            values.setdefault(
                name,
                Fernet.generate_key().decode()
                if name == "AIRFLOW_FERNET_KEY"
                else secrets.token_urlsafe(24),
            )
        state = {"ports": ports, "secrets": values, "workers": self.worker_names()}
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.state_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(state, out, indent=2)
        return state

    # -- the environment ----------------------------------------------------------------------

    def metadata_url(self, state: dict[str, Any]) -> str:
        host, port = self._db_address()
        password = state["secrets"]["AIRFLOW_DB_PASSWORD"]
        return f"postgresql://airflow:{password}@{host}:{port}/airflow"

    def _db_address(self) -> tuple[str, int]:
        from urllib.parse import urlsplit

        from dti.warehouse import warehouse_url

        parts = urlsplit(warehouse_url(self.settings))
        return parts.hostname or "127.0.0.1", parts.port or 5432

    def compose_values(self, state: dict[str, Any]) -> dict[str, str]:
        """What the compose file reads from .env, for this machine: the secrets of the state
        file, the embedded mode's own pipeline secrets and warehouse, 127.0.0.1 addresses."""
        from dti.warehouse import _analyst_password, warehouse_url

        host, port = self._db_address()
        s = self.settings
        return {
            **state["secrets"],
            "AIRFLOW_DB_ADDRESS": f"{host}:{port}",
            "REDIS_ADDRESS": f"127.0.0.1:{state['ports']['redis']}",
            "AIRFLOW_API_ADDRESS": f"127.0.0.1:{state['ports']['api']}",
            "DTI_WAREHOUSE_URL": warehouse_url(s),
            "DTI_PSEUDONYM_KEY": s.pseudonym_key.decode(),
            "DTI_PORTAL_TOKEN": s.portal_token,
            "DTI_ANALYST_PASSWORD": _analyst_password(s),
            "AIRFLOW_WORKER_CONCURRENCY": self.base_env.get("AIRFLOW_WORKER_CONCURRENCY", "2"),
        }

    def environment(self, state: dict[str, Any]) -> dict[str, str]:
        """Every component's environment: this process's (as .env's env_file), the embedded
        mode's Airflow settings, the compose file's over them, this machine's layout."""
        from dti.airflow_runner import airflow_env

        model = read_compose(self.settings.home)
        compose = map_image_paths(
            compose_airflow_env(model, self.compose_values(state)),
            {
                IMAGE_HOME: str(self.settings.home),
                IMAGE_AIRFLOW_HOME: str(self.airflow_home),
                IMAGE_DATA_DIR: str(self.data_dir),
            },
        )
        # the embedded mode's settings with its Airflow home where the cluster keeps its own
        embedded = map_image_paths(
            airflow_env(self.settings), {str(self.settings.airflow_home): str(self.airflow_home)}
        )
        disagree = {
            key: (value, compose.get(key))
            for key, value in embedded.items()
            if key.startswith("AIRFLOW__")
            and key not in DISTRIBUTED_ONLY
            and compose.get(key) != value
        }
        if disagree:
            lines = "\n".join(
                f"  {k}: embedded mode {v!r}, {COMPOSE_FILE} {c!r}"
                for k, (v, c) in disagree.items()
            )
            raise ClusterError(
                f"{COMPOSE_FILE}'s x-airflow-env disagrees with the embedded mode:\n"
                f"{lines}\nfix the compose file (or airflow_runner.airflow_env)"
            )
        ports = state["ports"]
        env = {
            **{k: v for k, v in self.base_env.items() if not k.startswith("AIRFLOW")},
            **{k: v for k, v in embedded.items() if not k.startswith("DTI_PG_")},
            **compose,
            # the image's ENV and this machine's layout
            "AIRFLOW_HOME": str(self.airflow_home),
            "PATH": f"{Path(sys.executable).parent}:{self.base_env.get('PATH', '/usr/bin:/bin')}",
            "AIRFLOW_ADMIN_PASSWORD": state["secrets"]["AIRFLOW_ADMIN_PASSWORD"],
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(ports["api"]),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(
                ports["scheduler_health"]
            ),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(ports["triggerer_logs"]),
            # the compose file's `simulator` service is the embedded simulator here
            "DTI_SIMULATOR_HOST": self.settings.simulator_host,
            "DTI_SIMULATOR_PORT": str(self.settings.simulator_port),
            # the file sources' drop folder is the source systems', not the landing zone
            "DTI_INBOX_DIR": str(self.settings.inbox),
            "DTI_LANDING_URL": self.landing_store.as_uri(),
            **self.extra_env,
        }
        # dbt's profile, as deploy/entrypoint.sh derives it (deploy/pg_env.py)
        from dti.warehouse import dbt_env

        env.update(dbt_env(load_settings(env)))
        return env

    # -- processes ----------------------------------------------------------------------------

    def pid(self, name: str) -> int | None:
        try:
            pid = int(self.pidfile(name).read_text().strip())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return None
        return pid

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> int:
        self.logfile(name).parent.mkdir(parents=True, exist_ok=True)
        self.pidfile(name).parent.mkdir(parents=True, exist_ok=True)
        with open(self.logfile(name), "ab") as out:
            proc = subprocess.Popen(
                argv,
                env=env,
                cwd=self.settings.home,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped (or killed) as a whole
            )
        self.pidfile(name).write_text(str(proc.pid))
        log.info("started %s (pid %s), log %s", name, proc.pid, self.logfile(name))
        return proc.pid

    def stop_process(
        self, name: str, sig: signal.Signals = signal.SIGTERM, wait: float = 30
    ) -> None:
        """Stop a component's whole process group (SIGKILL: as if its machine died)."""
        pid = self.pid(name)
        if pid is None:
            self.pidfile(name).unlink(missing_ok=True)
            return
        with _suppress_lookup():
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _group_alive(pid):
            _reap(pid)
            time.sleep(0.2)
        if _group_alive(pid):
            with _suppress_lookup():
                os.killpg(pid, signal.SIGKILL)
            time.sleep(0.5)
            _reap(pid)
        self.pidfile(name).unlink(missing_ok=True)

    def start_redis(self, state: dict[str, Any] | None = None) -> None:
        state = state or self.state()
        redis = shutil.which("redis-server")
        if redis is None:
            raise ClusterError(
                "redis-server is missing: `make setup` installs it as root from the Debian "
                "archive (apt-get install redis-server)"
            )
        if self.pid("redis"):
            return
        folder = self.root / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        args = redis_arguments(read_compose(self.settings.home), state["secrets"]["REDIS_PASSWORD"])
        port = state["ports"]["redis"]
        argv = [redis, *args, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
        self._spawn("redis", argv, {"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        _wait(lambda: redis_ping(port, state["secrets"]["REDIS_PASSWORD"]), 30, "redis", self)

    def start_component(self, service: str, env: dict[str, str] | None = None) -> None:
        """One compose service (`airflow-scheduler`, ...) as a process, with its command."""
        state = self.state()
        env = env or self.environment(state)
        if self.pid(service):
            return
        argv = service_command(read_compose(self.settings.home), service)
        argv[0] = str(Path(sys.executable).with_name(argv[0]))
        self._spawn(service, argv, env)

    def start_worker(self, name: str, env: dict[str, str] | None = None) -> None:
        state = self.state()
        env = dict(env or self.environment(state))
        if self.pid(name):
            return
        env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(state["ports"][name])
        argv = service_command(read_compose(self.settings.home), WORKER_SERVICE)
        argv[0] = str(Path(sys.executable).with_name(argv[0]))
        if isolation_available():
            disk = self.worker_disk(name)
            disk.mkdir(parents=True, exist_ok=True)
            hosts = disk.parent / "hosts"
            hosts.write_text(f"127.0.0.1 {name} localhost\n::1 localhost\n")
            argv = [
                "unshare", "--mount", "--uts", "--propagation", "private", "--",
                "sh", "-c", WORKER_NS_SCRIPT, "sh", name, str(disk), str(self.data_dir),
                str(hosts), *argv,
            ]  # fmt: skip
        else:
            # one machine's workers sharing the data folder, as compose's dti-data volume
            argv += ["--celery-hostname", name]
        self._spawn(name, argv, env)

    # -- up / down / status -------------------------------------------------------------------

    def up(self, timeout: float = 300) -> list[str]:
        from dti import services
        from dti.transform import parse_if_stale

        done = services.up(self.settings)
        state = self._new_state()
        for folder in (self.airflow_home, self.data_dir, self.landing_store):
            folder.mkdir(parents=True, exist_ok=True)
        self._write_local_settings()
        env = self.environment(state)
        self._create_metadata_database(state)
        self.start_redis(state)
        done.append(f"redis: 127.0.0.1:{state['ports']['redis']}")
        marker = self.root / ".initialised"
        if not marker.exists():
            log.info("running %s (the compose init job)", INIT_SCRIPT)
            result = subprocess.run(
                ["bash", str(self.settings.home / INIT_SCRIPT)],
                env=env, cwd=self.settings.home, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            self.logfile("airflow-init").parent.mkdir(parents=True, exist_ok=True)
            self.logfile("airflow-init").write_text(result.stdout + result.stderr)
            if result.returncode != 0:
                raise ClusterError(
                    f"{INIT_SCRIPT} failed ({result.returncode}): {result.stderr[-3000:]}"
                )
            marker.write_text("ok\n")
        try:
            parse_if_stale(self.settings)  # the transform DAG renders from dbt's manifest
        except RuntimeError as err:
            log.warning("dbt's manifest is not refreshed (the last one is used): %s", err)
        for service in COMPONENTS:
            self.start_component(service, env)
        for name in self.worker_names():
            self.start_worker(name, env)
        api = f"http://127.0.0.1:{state['ports']['api']}"
        _wait(lambda: _http_ok(f"{api}/api/v2/monitor/health"), timeout, "airflow-apiserver", self)
        health = f"http://127.0.0.1:{state['ports']['scheduler_health']}/health"
        _wait(lambda: _http_ok(health), timeout, "airflow-scheduler", self)
        for name in self.worker_names():
            _wait(lambda n=name: self.worker_ready(n), timeout, name, self)
        _wait(lambda: self.dags_parsed(state), timeout, "airflow-dag-processor", self)
        done.append(f"airflow: api-server {api}, scheduler, dag-processor, triggerer")
        done.append(
            f"workers: {', '.join(self.worker_names())}"
            + (" (own namespaces and disks)" if isolation_available() else " (shared data)")
        )
        return done

    def down(self) -> list[str]:
        done = []
        for name in [*reversed(self.state().get("workers", [])), *reversed(COMPONENTS), "redis"]:
            if self.pid(name):
                self.stop_process(name, wait=30)
                done.append(f"{name} stopped")
        return done

    def status(self) -> list[tuple[str, str]]:
        state = self.state()
        rows = []
        for name in ["redis", *COMPONENTS, *state.get("workers", [])]:
            pid = self.pid(name)
            rows.append((name, f"running (pid {pid})" if pid else "stopped"))
        return rows

    def status_names(self) -> list[str]:
        return ["redis", *COMPONENTS, *self.worker_names()]

    def worker_ready(self, name: str) -> bool:
        try:
            text = self.logfile(name).read_text(errors="replace")
        except FileNotFoundError:
            return False
        # celery's banner line of the current start (the log is appended to across restarts)
        return bool(
            re.search(rf"@{re.escape(name)} ready\.", text.rsplit("-------------- ", 1)[-1])
        )

    def dags_parsed(
        self, state: dict[str, Any], dag_ids: tuple[str, ...] = ("range_load",)
    ) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.metadata_url(state), connect_timeout=5) as conn:
                found = conn.execute(
                    "select dag_id from dag where dag_id = any(%s)", (list(dag_ids),)
                ).fetchall()
        except psycopg.Error:
            return False
        return len(found) == len(dag_ids)

    def _create_metadata_database(self, state: dict[str, Any]) -> None:
        """Role and database `airflow` beside the warehouse's (compose: its own server)."""
        import psycopg
        from psycopg import sql

        from dti.warehouse import warehouse_url

        password = state["secrets"]["AIRFLOW_DB_PASSWORD"]
        with psycopg.connect(warehouse_url(self.settings), autocommit=True) as conn:
            if conn.execute("select 1 from pg_roles where rolname = 'airflow'").fetchone():
                conn.execute(sql.SQL("alter role airflow login password {}").format(password))
            else:
                conn.execute(sql.SQL("create role airflow login password {}").format(password))
            if not conn.execute("select 1 from pg_database where datname = 'airflow'").fetchone():
                conn.execute("create database airflow owner airflow")

    def _write_local_settings(self) -> None:
        """A cluster policy honouring DTI_CLUSTER_RETRY_DELAY (seconds), for tests that must not
        wait the DAGs' five minutes between tries; without it the DAGs' own delays hold."""
        folder = self.airflow_home / "config"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "airflow_local_settings.py").write_text(LOCAL_SETTINGS)


LOCAL_SETTINGS = '''"""Written by dti.cluster: with DTI_CLUSTER_RETRY_DELAY set, every task retries
after that many seconds (tests); unset, the DAGs' own retry delays hold."""
import os
from datetime import timedelta


def task_policy(task):
    delay = os.environ.get("DTI_CLUSTER_RETRY_DELAY")
    if delay:
        task.retry_delay = timedelta(seconds=float(delay))
        task.retry_exponential_backoff = False
'''


class _suppress_lookup:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        return kind is not None and issubclass(kind, ProcessLookupError)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie leader of our own keeps the group id alive until it is reaped
    return _live_members(pgid) > 0


def _live_members(pgid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            count += 1
    return count


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def redis_ping(port: int, password: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            reply = b""
            while b"PONG" not in reply and len(reply) < 512:
                chunk = s.recv(256)
                if not chunk:
                    break
                reply += chunk
            return b"+PONG" in reply
    except OSError:
        return False


def _wait(check, timeout: float, name: str, cluster: Cluster) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if name in cluster.status_names() and cluster.pid(name) is None:
            break
        time.sleep(1)
    tail = ""
    if cluster.logfile(name).exists():
        tail = cluster.logfile(name).read_text(errors="replace")[-3000:]
    raise ClusterError(
        f"{name} is not ready after {timeout:.0f}s; {cluster.logfile(name)}:\n{tail}"
    )


class AirflowAPI:
    """The api-server's REST API (v2) as the cluster's admin user."""

    def __init__(self, cluster: Cluster) -> None:
        state = cluster.state()
        self.base = f"http://127.0.0.1:{state['ports']['api']}"
        user = os.environ.get("AIRFLOW_ADMIN_USER", "admin")
        token = httpx.post(
            f"{self.base}/auth/token",
            json={"username": user, "password": state["secrets"]["AIRFLOW_ADMIN_PASSWORD"]},
            timeout=30,
        )
        token.raise_for_status()
        self.client = httpx.Client(
            base_url=f"{self.base}/api/v2",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=60,
        )

    def unpause(self, dag_id: str) -> None:
        self.client.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(
        self, dag_id: str, logical_date: str | None = None, conf: dict | None = None
    ) -> str:
        body = {"logical_date": logical_date, "conf": conf or {}}
        got = self.client.post(f"/dags/{dag_id}/dagRuns", json=body)
        if got.status_code >= 400:
            raise ClusterError(f"trigger {dag_id}: {got.status_code} {got.text[:500]}")
        return got.json()["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        got = self.client.get(f"/dags/{dag_id}/dagRuns/{run_id}")
        got.raise_for_status()
        return got.json()["state"]
