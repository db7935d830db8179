# syntax=docker/dockerfile:1
# One image for every part of the deployment (docker-compose.yml): the Airflow api-server,
# scheduler, dag-processor, triggerer, Celery workers, the init job and the source simulator.
# The project is installed exactly as `make setup` installs it: requirements.lock with uv, then the
# project itself in editable mode, so that the code finds dags/, dbt_project/ and expectations/
# beside include/ (dti.config.PROJECT_ROOT) as it does in a checkout.
FROM python:3.11-slim-bookworm

ARG AIRFLOW_UID=50000
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 \
    DTI_HOME=/opt/dti \
    AIRFLOW_HOME=/opt/airflow \
    TZ=Asia/Ho_Chi_Minh

# curl for the healthchecks; libpq-free (psycopg and psycopg2 come as binary wheels).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid "${AIRFLOW_UID}" --gid 0 --home-dir /opt/airflow --create-home airflow

WORKDIR /opt/dti

# 1. The locked dependencies (the layer that changes least).
COPY requirements.lock ./
RUN pip install uv==0.13.9 \
    && uv pip sync --system --compile-bytecode requirements.lock

# 2. The Celery executor, which the lock does not carry: its own pinned layer, constrained by the
#    lock so that no locked version changes (see deploy/requirements-celery.txt).
COPY deploy/requirements-celery.txt deploy/
RUN uv pip install --system --compile-bytecode \
        -r deploy/requirements-celery.txt -c requirements.lock

# 3. The project: the library, then what it reads at run time from the project root.
COPY pyproject.toml ./
COPY include/ include/
RUN uv pip install --system --no-deps -e .
COPY dags/ dags/
COPY plugins/ plugins/
COPY dbt_project/ dbt_project/
COPY expectations/ expectations/
COPY deploy/ deploy/

# dbt's manifest, which the transform DAG renders its tasks from (dbt parse reads no database; the
# URL only fills the profile, and keeps the embedded mode from generating secrets in the image).
RUN DTI_WAREHOUSE_URL=postgresql://build:unused@127.0.0.1:5432/dti \
        python -c "from dti.config import load_settings; from dti.transform import parse; \
parse(load_settings())" \
    && rm -rf dbt_project/logs \
    && mkdir -p /opt/airflow/logs /opt/airflow/auth /var/lib/dti/data /opt/dti/.local \
    && chmod +x deploy/*.sh \
    && chown -R airflow:0 /opt/airflow /var/lib/dti /opt/dti/.local /opt/dti/dbt_project \
    && chmod -R g+rwX /opt/airflow /var/lib/dti /opt/dti/.local /opt/dti/dbt_project

USER airflow
ENV DTI_DATA_DIR=/var/lib/dti/data
EXPOSE 8080 8793 8974 8765

# The entrypoint derives dbt's DTI_PG_* variables from DTI_WAREHOUSE_URL, then runs the command.
ENTRYPOINT ["/opt/dti/deploy/entrypoint.sh"]
CMD ["airflow", "version"]
