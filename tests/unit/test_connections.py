"""Secrets from Airflow Connections (dti.connections): read through Airflow's own lookup (here
its environment-variable backend, `AIRFLOW_CONN_<ID>`), a `DTI_*` variable winning, nothing
asked on the embedded defaults."""

from __future__ import annotations

import json
import os

import pytest

from dti import connections
from dti.config import load_settings
from dti.sources.instances import parse_instances


@pytest.fixture(autouse=True)
def _fresh_lookups():
    connections._lookup.cache_clear()
    yield
    connections._lookup.cache_clear()


def _conn(**fields) -> str:
    return json.dumps({"conn_type": "generic", **fields})


def test_the_sources_and_the_warehouse_from_airflow_connections(monkeypatch, tmp_path):
    monkeypatch.setenv(
        "AIRFLOW_CONN_DTI_WAREHOUSE",
        _conn(host="db.internal", port=5433, login="dti", password="p@ss/word", schema="wh"),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_DTI_PORTAL", _conn(host="https://dvc.example.gov.vn/", password="tok-1")
    )
    monkeypatch.setenv("AIRFLOW_CONN_DTI_POLICE", _conn(host="csdl.example.gov.vn", password="t3"))
    monkeypatch.setenv("AIRFLOW_CONN_DTI_PSEUDONYM_KEY", _conn(password="k" * 32))
    settings = load_settings({**os.environ, "DTI_LOCAL_DIR": str(tmp_path)})
    assert settings.warehouse_url == "postgresql://dti:p%40ss%2Fword@db.internal:5433/wh"
    assert not settings.embedded_warehouse
    assert settings.effective_portal_url == "https://dvc.example.gov.vn"
    assert settings.portal_token == "tok-1"
    assert settings.effective_police_url == "https://csdl.example.gov.vn"
    assert settings.police_token == "t3"
    assert settings.pseudonym_key == b"k" * 32
    # no dti_health connection: the health system is the simulator's, as with DTI_HEALTH_URL unset
    assert settings.health_url is None


def test_a_dti_variable_wins_over_the_connection(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_CONN_DTI_PORTAL", _conn(host="https://a.example", password="a"))
    env = {**os.environ, "DTI_LOCAL_DIR": str(tmp_path)}
    env.update(DTI_PORTAL_URL="https://b.example", DTI_PORTAL_TOKEN="b")
    settings = load_settings(env)
    assert (settings.effective_portal_url, settings.portal_token) == ("https://b.example", "b")


def test_an_instances_token_from_its_connection(monkeypatch, tmp_path):
    instances = parse_instances(
        "instances:\n  - {name: portal_other, source: portal, url: 'https://o.example/'}\n"
    )
    settings = load_settings({"DTI_LOCAL_DIR": str(tmp_path)})
    with pytest.raises(RuntimeError, match="token is not set"):
        instances["portal_other"].token(settings)
    monkeypatch.setenv("AIRFLOW_CONN_DTI_PORTAL_OTHER", _conn(password="from-airflow"))
    connections._lookup.cache_clear()
    assert instances["portal_other"].token(settings) == "from-airflow"


def test_nothing_is_asked_on_the_embedded_defaults(monkeypatch, tmp_path):
    for key in [k for k in os.environ if k.startswith("AIRFLOW_CONN_DTI_")]:
        monkeypatch.delenv(key)
    monkeypatch.delenv("AIRFLOW__SECRETS__BACKEND", raising=False)
    assert not connections.available()
    settings = load_settings({"DTI_LOCAL_DIR": str(tmp_path)})
    assert settings.embedded_warehouse and settings.embedded_simulator
    assert connections._lookup.cache_info().currsize == 0  # Airflow was not asked
