"""dbt outside the transform DAG: writing the manifest that the DAG renders its tasks from.

Cosmos reads `dbt_project/target/manifest.json` (LoadMode.DBT_MANIFEST) so that parsing the DAG
file runs no dbt command; `dti up` and `dti run` refresh it with `dbt parse`.
"""

from __future__ import annotations

import logging
import os

from dti.config import Settings
from dti.warehouse import dbt_env

log = logging.getLogger(__name__)


def manifest_is_stale(settings: Settings) -> bool:
    """True when a project file is newer than the manifest (or there is no manifest)."""
    project = settings.dbt_project_dir
    manifest = project / "target" / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project / "dbt_project.yml", project / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        sources.extend(p for p in (project / folder).rglob("*") if p.is_file())
    return any(p.stat().st_mtime > built for p in sources if p.exists())


def parse_if_stale(settings: Settings) -> bool:
    """Parse only when the project changed: a fresh parse would make the next dbt run, inside
    the transform DAG, parse the whole project again instead of reusing its partial parse."""
    if manifest_is_stale(settings):
        parse(settings)
        return True
    return False


def parse(settings: Settings) -> None:
    """`dbt parse` in this process; raises with dbt's message when the project does not parse."""
    from dbt.cli.main import dbtRunner

    env = dbt_env(settings)
    for key, value in env.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    project = settings.dbt_project_dir
    result = dbtRunner().invoke(
        ["parse", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
    )
    if not result.success:
        raise RuntimeError(f"dbt parse failed in {project}: {result.exception}")
    log.info("dbt manifest written to %s", project / "target" / "manifest.json")
