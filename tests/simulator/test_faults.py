"""Fault mode: failures, Retry-After, slow answers and corrupted pages, then recovery."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from dti.simulator.app import create_app

from .conftest import AUTH, DOSSIERS, TOKEN

AGENCIES = "/portal/api/v1/agencies"


@pytest.fixture()
def client(world):
    with TestClient(create_app(TOKEN, world=world), headers=AUTH) as c:
        yield c


def test_fail_first_then_recover(client):
    r = client.post(
        "/_sim/faults",
        json={
            "fail_first": 2,
            "status": 503,
            "retry_after": 1,
            "timeout_seconds": 0,
            "duplicate_record_on_page": None,
            "wrong_total": False,
            "paths": [AGENCIES],
        },
    )
    assert r.status_code == 200
    first, second = client.get(AGENCIES), client.get(AGENCIES)
    assert first.status_code == second.status_code == 503
    assert first.headers["Retry-After"] == "1"
    assert client.get(AGENCIES).status_code == 200
    assert client.get("/_sim/faults").json()["plan"]["remaining"] == 0


def test_429_with_retry_after_and_path_filter(client):
    client.post(
        "/_sim/faults",
        json={
            "fail_first": 1,
            "status": 429,
            "retry_after": 2.5,
            "paths": ["/portal/api/v1/procedures"],
        },
    )
    assert client.get(AGENCIES).status_code == 200  # not a matching path: not consumed
    r = client.get("/portal/api/v1/procedures")
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"
    assert client.get("/portal/api/v1/procedures").status_code == 200


def test_timeout_fault_sleeps(client):
    client.post("/_sim/faults", json={"fail_first": 1, "timeout_seconds": 0.5})
    t0 = time.perf_counter()
    r = client.get(AGENCIES)
    assert time.perf_counter() - t0 >= 0.5 and r.status_code == 200


def test_corrupted_pages(client):
    params = {"updated_from": "20220315000000", "updated_to": "20220316000000", "page_size": 1000}
    clean = client.get(DOSSIERS, params={**params, "page": 2}).json()
    client.post(
        "/_sim/faults", json={"fail_first": 1, "duplicate_record_on_page": 2, "paths": [DOSSIERS]}
    )
    dup = client.get(DOSSIERS, params={**params, "page": 2}).json()
    assert len(dup["items"]) == 1001 and dup["items"][-1] == dup["items"][0] == clean["items"][0]
    assert dup["total"] == clean["total"]
    client.post("/_sim/faults", json={"fail_first": 1, "wrong_total": True})
    assert client.get(DOSSIERS, params=params).json()["total"] == clean["total"] + 1
    assert client.get(DOSSIERS, params=params).json()["total"] == clean["total"]


def test_reset_and_auth(client):
    assert (
        client.post(
            "/_sim/faults", json={"fail_first": 5}, headers={"Authorization": "x"}
        ).status_code
        == 401
    )
    client.post("/_sim/faults", json={"fail_first": 5})
    assert client.get(AGENCIES).status_code == 503  # default status
    assert client.delete("/_sim/faults").json() == {"plan": None}
    assert client.get(AGENCIES).status_code == 200
    assert client.post("/_sim/faults", json={"fail_first": 1, "bogus": 1}).status_code == 422
    assert client.get("/health").status_code == 200


def test_faults_at_start(world):
    app = create_app(TOKEN, world=world, faults={"fail_first": 1, "status": 500})
    with TestClient(app, headers=AUTH) as c:
        assert c.get(AGENCIES).status_code == 500
        assert c.get(AGENCIES).status_code == 200
