#!/usr/bin/env bash
# Entrypoint of the deployment image: every service (Airflow components, the init job, the
# simulator) starts here.
#
# dbt's profile (dbt_project/profiles.yml) reads DTI_PG_HOST/PORT/USER/PASSWORD/DATABASE. The
# embedded mode derives them from the warehouse URL (dti.warehouse.dbt_env); so does this script,
# so that the deployment, like the embedded mode, is configured by DTI_WAREHOUSE_URL alone and the
# password is written down once.
set -euo pipefail

if [[ -n "${DTI_WAREHOUSE_URL:-}" && -z "${DTI_PG_HOST:-}" ]]; then
    eval "$(python /opt/dti/deploy/pg_env.py)"
fi

exec "$@"
