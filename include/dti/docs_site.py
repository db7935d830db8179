"""The dbt docs site (`dti docs`) and the psql session of `dti sql`."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dti.config import Settings
from dti.warehouse import _bin, dbt_env, warehouse_url

log = logging.getLogger(__name__)


def _dbt(settings: Settings, *args: str) -> None:
    from dbt.cli.main import dbtRunner

    for key, value in dbt_env(settings).items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    project = settings.dbt_project_dir
    result = dbtRunner().invoke(
        [*args, "--project-dir", str(project), "--profiles-dir", str(project)]
    )
    if not result.success:
        raise RuntimeError(
            f"dbt {args[0]} {args[1] if len(args) > 1 else ''} failed in {project}: "
            f"{result.exception or 'see dbt_project/logs/dbt.log'}"
        )


def generate_docs(settings: Settings) -> Path:
    """`dbt docs generate` (reads the warehouse's catalog: it must be up); returns the site."""
    _dbt(settings, "docs", "generate")
    target = settings.dbt_project_dir / "target"
    log.info("dbt docs written to %s", target / "index.html")
    return target


def serve_docs(settings: Settings, port: int, host: str = "127.0.0.1") -> None:
    """Serve the generated site (lineage graph included) until interrupted."""
    _dbt(settings, "docs", "serve", "--port", str(port), "--host", host, "--no-browser")


def psql_command(settings: Settings, role: str = "analyst") -> tuple[list[str], dict[str, str]]:
    """psql from the embedded PostgreSQL's binaries, logged in as `role`: the argv (without
    the user's own arguments) and the environment (the password travels in PGPASSWORD, never
    on the command line, where `ps` would show it)."""
    parts = urlsplit(warehouse_url(settings, role=role))
    env = dict(os.environ)
    env.update(
        PGHOST=parts.hostname or "127.0.0.1",
        PGPORT=str(parts.port or 5432),
        PGUSER=unquote(parts.username or ""),
        PGPASSWORD=unquote(parts.password or ""),
        PGDATABASE=parts.path.lstrip("/"),
        PGAPPNAME=f"dti sql ({role})",
    )
    psql = _bin("psql")
    return [str(psql)], env
