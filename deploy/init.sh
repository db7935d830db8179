#!/usr/bin/env bash
# The init job of docker-compose.yml (service `airflow-init`), run once before the Airflow
# components start, and again after every upgrade: each step is idempotent.
#   1. Airflow's metadata database: `airflow db migrate`.
#   2. Airflow connections from the environment: `dti_warehouse` (DTI_WAREHOUSE_URL) and
#      `dti_portal` (DTI_PORTAL_URL), for operators and the UI; the DAGs themselves read the same
#      DTI_* variables as the embedded mode and need no connection.
#   3. The UI's admin password (simple auth manager) from AIRFLOW_ADMIN_PASSWORD.
#   4. The warehouse: schemas, ops.load_audit, the read-only analyst role (DTI_ANALYST_PASSWORD)
#      and the reference administrative units, exactly what `dti up` prepares in embedded mode.
#   5. The landing zone's folders on the shared data volume.
set -euo pipefail

say() { echo "[init] $*"; }

: "${DTI_WAREHOUSE_URL:?DTI_WAREHOUSE_URL is not set (see .env.example)}"
: "${DTI_PSEUDONYM_KEY:?DTI_PSEUDONYM_KEY is not set (see .env.example)}"
: "${DTI_ANALYST_PASSWORD:?DTI_ANALYST_PASSWORD is not set (see .env.example)}"
: "${AIRFLOW_ADMIN_PASSWORD:?AIRFLOW_ADMIN_PASSWORD is not set (see .env.example)}"

say "airflow $(airflow version 2>/dev/null | tail -1): migrating the metadata database"
airflow db migrate

# One `connections import --overwrite` (each airflow CLI call costs seconds of start-up).
connections_file="$(mktemp --suffix=.json)"
trap 'rm -f "${connections_file}"' EXIT
python - "${connections_file}" <<'PY'
import json, os, sys
wanted = {"dti_warehouse": os.environ["DTI_WAREHOUSE_URL"]}
if os.environ.get("DTI_PORTAL_URL"):
    wanted["dti_portal"] = os.environ["DTI_PORTAL_URL"]
with open(sys.argv[1], "w") as out:
    json.dump(wanted, out)  # {conn_id: URI} is a format `airflow connections import` reads
os.chmod(sys.argv[1], 0o600)
PY
airflow connections import --overwrite "${connections_file}"
say "connections set: dti_warehouse${DTI_PORTAL_URL:+, dti_portal}"

# The simple auth manager keeps {user: password} in this file; the api-server reads it.
passwords_file="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-${AIRFLOW_HOME}/simple_auth_manager_passwords.json.generated}"
mkdir -p "$(dirname "${passwords_file}")"
python - "${passwords_file}" <<'PY'
import json, os, sys
users = os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin")
names = [entry.split(":")[0] for entry in users.split(",") if entry.strip()]
with open(sys.argv[1], "w") as out:
    json.dump({name: os.environ["AIRFLOW_ADMIN_PASSWORD"] for name in names}, out)
os.chmod(sys.argv[1], 0o640)
PY
say "UI users: ${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"

say "preparing the warehouse (schemas, audit table, analyst role, reference units)"
python - <<'PY'
from dti.config import load_settings
from dti.reference import load_admin_units
from dti.warehouse import bootstrap, warehouse_url

settings = load_settings()
bootstrap(settings)
units = load_admin_units(
    warehouse_url(settings), settings.province_code, settings.split_weights_file
)
print(f"[init] reference: {units} administrative unit versions of province {settings.province_code}")
PY

mkdir -p "${DTI_DATA_DIR}/landing" "${DTI_DATA_DIR}/quarantine"
say "landing zone ready under ${DTI_DATA_DIR}"
say "done"
