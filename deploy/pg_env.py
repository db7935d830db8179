"""Print `export DTI_PG_...=...` lines (shell-quoted) for dbt's profile, from the settings.

Used by deploy/entrypoint.sh: `eval "$(python deploy/pg_env.py)"`. The values are exactly what
the embedded mode gives dbt (`dti.warehouse.dbt_env`), computed from DTI_WAREHOUSE_URL.
"""

from __future__ import annotations

import shlex

from dti.config import load_settings
from dti.warehouse import dbt_env


def main() -> None:
    for key, value in dbt_env(load_settings()).items():
        print(f"export {key}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
