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
