"""The warehouse: its address, the embedded PostgreSQL, and the schemas every run relies on.

Embedded mode (no `DTI_WAREHOUSE_URL`): PostgreSQL 16 from the `pgserver` wheel's binaries, data
under `.local/pg`, listening on 127.0.0.1 (a TCP address: Airflow's postgres Asset URIs need a
host). Password authentication with a password generated once into `.local/secrets/`. PostgreSQL
refuses to run as root, so as root the server runs as the system user `pgserveruser`, which
pgserver itself creates for the same reason.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg

from dti.config import Settings, _local_secret

log = logging.getLogger(__name__)

DATABASE = "dti"
SUPERUSER = "postgres"
ANALYST_ROLE = "dti_analyst"
SYSTEM_USER = "pgserveruser"
SCHEMAS = ("raw", "ops", "staging", "intermediate", "marts", "reference")


def _bin(name: str) -> Path:
    from pgserver._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH / name


def warehouse_url(settings: Settings, role: str | None = None) -> str:
    """The libpq URL of the warehouse; `role='analyst'` gives the read-only analyst login."""
    if role not in (None, "admin", "analyst"):
        raise ValueError(f"unknown role {role!r}: use 'admin' or 'analyst'")
    if settings.warehouse_url and role != "analyst":
        return settings.warehouse_url
    if settings.warehouse_url:
        parts = urlsplit(settings.warehouse_url)
        host = parts.hostname or "127.0.0.1"
        port = parts.port or 5432
        database = parts.path.lstrip("/") or DATABASE
    else:
        host, port, database = "127.0.0.1", settings.warehouse_port, DATABASE
    if role == "analyst":
        user, password = ANALYST_ROLE, _analyst_password(settings)
    else:
        user, password = SUPERUSER, _superuser_password(settings)
    return f"postgresql://{user}:{quote(password, safe='')}@{host}:{port}/{database}"


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***``: how connection URLs are printed and logged."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _superuser_password(settings: Settings) -> str:
    return _local_secret(settings.secrets_dir / "warehouse.password")


def _analyst_password(settings: Settings) -> str:
    env = os.environ.get("DTI_ANALYST_PASSWORD")
    return env or _local_secret(settings.secrets_dir / "analyst.password")


def dbt_env(settings: Settings) -> dict[str, str]:
    """The environment variables `dbt_project/profiles.yml` reads, from the warehouse URL."""
    parts = urlsplit(warehouse_url(settings))
    from urllib.parse import unquote

    return {
        "DTI_PG_HOST": parts.hostname or "127.0.0.1",
        "DTI_PG_PORT": str(parts.port or 5432),
        "DTI_PG_USER": unquote(parts.username or SUPERUSER),
        "DTI_PG_PASSWORD": unquote(parts.password or ""),
        "DTI_PG_DATABASE": parts.path.lstrip("/") or DATABASE,
    }


@dataclass
class EmbeddedWarehouse:
    """The embedded PostgreSQL server: idempotent start and stop."""

    settings: Settings

    @property
    def pgdata(self) -> Path:
        return self.settings.local_dir / "pg" / "data"

    @property
    def logfile(self) -> Path:
        return self.settings.local_dir / "pg" / "postgres.log"

    def _run_as(self) -> dict:
        if os.geteuid() != 0:
            return {}
        from pgserver.utils import ensure_user_exists

        ensure_user_exists(SYSTEM_USER)
        return {"user": SYSTEM_USER}

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def is_running(self) -> bool:
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return False
        result = subprocess.run(
            [str(_bin("pg_ctl")), "-D", str(self.pgdata), "status"],
            capture_output=True,
            text=True,
            **self._run_as(),
        )
        return result.returncode == 0

    def start(self) -> None:
        """Create the cluster on first use and start it; a no-op when it is already up."""
        run_as = self._run_as()
        if os.geteuid() == 0:
            from pgserver.utils import ensure_prefix_permissions

            self.settings.local_dir.mkdir(parents=True, exist_ok=True)
            ensure_prefix_permissions(self.settings.local_dir)
            os.chmod(self.settings.local_dir, 0o755)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._chown(self.pgdata.parent)
        if not (self.pgdata / "PG_VERSION").exists():
            if self.pgdata.exists():
                shutil.rmtree(self.pgdata)
            log.info("creating the embedded warehouse cluster in %s", self.pgdata)
            pwfile = self.pgdata.parent / ".pwfile"
            pwfile.write_text(_superuser_password(self.settings) + "\n")
            self._chown(pwfile)
            try:
                subprocess.run(
                    [
                        str(_bin("initdb")),
                        "-D",
                        str(self.pgdata),
                        "-U",
                        SUPERUSER,
                        "--pwfile",
                        str(pwfile),
                        "--auth-local=peer",
                        "--auth-host=scram-sha-256",
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                    **run_as,
                )
            except subprocess.CalledProcessError as err:
                raise RuntimeError(f"initdb failed for {self.pgdata}:\n{err.stderr}") from err
            finally:
                pwfile.unlink(missing_ok=True)
            with open(self.pgdata / "postgresql.conf", "a") as conf:
                # A laptop-sized, load-friendly server: the warehouse is rebuilt by dbt.
                conf.write(
                    "\nshared_buffers = '512MB'\nwork_mem = '64MB'\n"
                    "maintenance_work_mem = '256MB'\nmax_wal_size = '4GB'\n"
                    "synchronous_commit = off\nmax_connections = 100\n"
                )
        if self.is_running():
            log.info("embedded warehouse already running on port %s", self.settings.warehouse_port)
        else:
            log.info(
                "starting the embedded warehouse on 127.0.0.1:%s", self.settings.warehouse_port
            )
            result = subprocess.run(
                [
                    str(_bin("pg_ctl")),
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.logfile),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-h 127.0.0.1 -p {self.settings.warehouse_port} -k {self.pgdata}",
                    "start",
                ],
                capture_output=True,
                text=True,
                **run_as,
            )
            if result.returncode != 0:
                tail = self.logfile.read_text()[-2000:] if self.logfile.exists() else ""
                raise RuntimeError(
                    f"the embedded warehouse did not start (port {self.settings.warehouse_port} "
                    f"busy? set DTI_WAREHOUSE_PORT):\n{result.stderr}\n{tail}"
                )
        self._ensure_database()

    def _ensure_database(self) -> None:
        admin = warehouse_url(self.settings).rsplit("/", 1)[0] + "/postgres"
        for attempt in range(30):
            try:
                with psycopg.connect(admin, autocommit=True) as conn:
                    exists = conn.execute(
                        "select 1 from pg_database where datname = %s", (DATABASE,)
                    ).fetchone()
                    if not exists:
                        conn.execute(f"create database {DATABASE}")
                return
            except psycopg.OperationalError:
                if attempt == 29:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        if not self.is_running():
            return
        subprocess.run(
            [str(_bin("pg_ctl")), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
            check=True,
            capture_output=True,
            text=True,
            **self._run_as(),
        )


def bootstrap(settings: Settings) -> None:
    """Schemas, the audit table and the analyst role: everything a load or dbt run expects."""
    with psycopg.connect(warehouse_url(settings), autocommit=True) as conn:
        for schema in SCHEMAS:
            conn.execute(f"create schema if not exists {schema}")
        conn.execute(OPS_DDL)
        # every registered entity's raw table, empty until loaded: the staging views of a
        # source that was never loaded still build (a run of one source transforms them all)
        from dti.load import raw_table_ddl
        from dti.sources import all_entities

        for entity in all_entities():
            conn.execute(raw_table_ddl(entity))
        from dti.load import register_instances

        register_instances(conn)
        from dti.roles import ensure_roles

        ensure_roles(conn, _analyst_password(settings))


OPS_DDL = """
create table if not exists ops.load_audit (
    audit_id bigserial primary key,
    batch_id text not null,
    source text not null,
    entity text not null,
    interval_start timestamptz not null,
    interval_end timestamptz not null,
    rows bigint,
    source_total bigint,
    checksum text,
    status text not null,
    validation_outcome text,
    started_at timestamptz,
    finished_at timestamptz,
    duration_ms bigint,
    error text
);
create index if not exists load_audit_interval
    on ops.load_audit (source, entity, interval_start);
-- File-drop sources: every file of a period and its fate, as of the period's latest landing
-- (loaded, duplicate, replaced, rejected, missing; quarantined when the batch failed validation).
create table if not exists ops.file_receipts (
    source text not null,
    entity text not null,
    period_start timestamptz not null,
    period_end timestamptz not null,
    unit text,
    file_name text not null,
    sha256 text,
    arrived_at timestamptz,
    status text not null,
    rows bigint,
    reason text,
    batch_id text not null,
    recorded_at timestamptz not null default now()
);
create index if not exists file_receipts_period
    on ops.file_receipts (source, entity, period_start);
-- The load batches each incremental dbt model has read (dbt_project/macros/incremental_by_key.sql):
-- `taken` by a build's pre-hook, `consumed` by its post-hook in the same transaction.
create table if not exists ops.dbt_batch_ledger (
    model text not null,
    batch_id text not null,
    interval_start timestamptz not null,
    state text not null check (state in ('taken', 'consumed')),
    taken_at timestamptz not null default now(),
    consumed_at timestamptz,
    primary key (model, batch_id)
);
create index if not exists dbt_batch_ledger_interval
    on ops.dbt_batch_ledger (model, interval_start);
-- The source instances (sources file, dti.sources.instances) that have raw tables: the dbt
-- staging of their source reads raw.<instance>__<entity> too (macros/source_instances.sql).
create table if not exists ops.source_instances (
    instance text primary key,
    source text not null,
    since date,
    until date,
    registered_at timestamptz not null default now()
);
-- `dbt source freshness` after each transform (dti.freshness): one row per source table and
-- check, read by `dti status`; a warning or an error is also an alert.
create table if not exists ops.source_freshness (
    checked_at timestamptz not null,
    source text not null,
    table_name text not null,
    status text not null,
    max_loaded_at timestamptz,
    age_seconds double precision,
    warn_after_seconds double precision,
    error_after_seconds double precision,
    primary key (checked_at, source, table_name)
);
-- Failed Airflow tasks (the DAGs' on_failure_callback), newest last; a webhook or an e-mail may
-- be sent as well (DTI_ALERT_WEBHOOK, DTI_ALERT_EMAIL).
create table if not exists ops.alerts (
    alert_id bigserial primary key,
    raised_at timestamptz not null default now(),
    dag_id text not null,
    task_id text,
    run_id text,
    logical_date timestamptz,
    try_number int,
    error text,
    notified text
);
"""
