"""Secrets from Airflow Connections, beside the `DTI_*` variables.

A deployment that keeps its secrets in Airflow (the UI's Admin > Connections, `airflow connections
add`, an `AIRFLOW_CONN_<ID>` variable, or any secrets backend: Vault, AWS Secrets Manager, ...)
names them with these connection ids; a `DTI_*` variable, when set, wins:

- `dti_warehouse`: host, port, login, password, schema (the database), for `DTI_WAREHOUSE_URL`;
- `dti_portal`, `dti_health`, `dti_police`: host (the system's URL) and password (its token), for
  `DTI_<SOURCE>_URL` and `DTI_<SOURCE>_TOKEN`;
- `dti_pseudonym_key`: password, for `DTI_PSEUDONYM_KEY`;
- `dti_<instance name>`: password, a sources-file instance's token, for its `token_env:` variable.

Airflow is asked only where it can answer without a server of its own: inside an Airflow
process (a task, the dag-processor: Airflow's metadata connections and every configured backend),
or anywhere when an `AIRFLOW_CONN_DTI_*` variable or a secrets backend is configured. The CLI on
the embedded defaults never imports Airflow for this. A connection that is not defined is no
error: the embedded default applies, as when the `DTI_*` variable is unset.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

PREFIX = "dti_"


@dataclass(frozen=True)
class Secret:
    """The fields of a connection the warehouse reads (any may be empty)."""

    conn_id: str
    host: str | None
    port: int | None
    login: str | None
    password: str | None
    schema: str | None

    def url(self) -> str | None:
        """The host as a URL (a source's base URL): `https://...` kept, a bare host given one."""
        if not self.host:
            return None
        if "://" in self.host:
            return self.host.rstrip("/")
        return f"https://{self.host}" + (f":{self.port}" if self.port else "")

    def postgres_url(self) -> str | None:
        """A `postgresql://` URL from host, port, login, password and schema (the database)."""
        if not self.host:
            return None
        auth = ""
        if self.login:
            auth = quote(self.login, safe="")
            if self.password:
                auth += ":" + quote(self.password, safe="")
            auth += "@"
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{auth}{self.host}{port}/{self.schema or 'dti'}"


def _in_airflow_process() -> bool:
    runner = sys.modules.get("airflow.sdk.execution_time.task_runner")
    return getattr(runner, "SUPERVISOR_COMMS", None) is not None


def _airflow_configured(env: dict[str, str]) -> bool:
    return any(key.startswith("AIRFLOW_CONN_DTI_") for key in env) or bool(
        env.get("AIRFLOW__SECRETS__BACKEND")
    )


def available(env: dict[str, str] | None = None) -> bool:
    """Whether Airflow's connections are asked at all (see the module's docstring)."""
    return _in_airflow_process() or _airflow_configured(dict(os.environ) if env is None else env)


def secret(name: str, env: dict[str, str] | None = None) -> Secret | None:
    """The connection `dti_<name>`, or None if Airflow is not asked or does not define it."""
    if not available(env):
        return None
    return _lookup(PREFIX + name)


@cache
def _lookup(conn_id: str) -> Secret | None:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    return Secret(
        conn_id=conn_id,
        host=conn.host or None,
        port=conn.port or None,
        login=conn.login or None,
        password=conn.password or None,
        schema=conn.schema or None,
    )
