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


def test_page_shifting_faults_per_day_and_page(client):
    params = {"updated_from": "20220315000000", "updated_to": "20220316000000", "page_size": 500}
    p1 = client.get(DOSSIERS, params={**params, "page": 1}).json()
    p2 = client.get(DOSSIERS, params={**params, "page": 2}).json()
    p3 = client.get(DOSSIERS, params={**params, "page": 3}).json()
    other_day = {**params, "updated_from": "20220314000000", "updated_to": "20220315000000"}
    plan = {"fail_first": 1, "page": 2, "day": "2022-03-15", "paths": [DOSSIERS]}
    client.post("/_sim/faults", json={**plan, "repeat_previous_page": True})
    assert client.get(DOSSIERS, params={**other_day, "page": 2}).status_code == 200  # not matched
    assert client.get(DOSSIERS, params={**params, "page": 1}).json() == p1  # page 1: not matched
    assert client.get(DOSSIERS, params={**params, "page": 2}).json()["items"] == p1["items"]
    client.post("/_sim/faults", json={**plan, "skip_page": True})
    assert client.get(DOSSIERS, params={**params, "page": 2}).json()["items"] == p3["items"]
    client.post("/_sim/faults", json={**plan, "change_record": True})
    changed = client.get(DOSSIERS, params={**params, "page": 2}).json()["items"]
    assert changed[:-1] == p2["items"] and changed[-1]["MaHoSo"] == p1["items"][0]["MaHoSo"]
    assert changed[-1]["NgayCapNhat"] > p1["items"][0]["NgayCapNhat"]
    assert client.get("/_sim/faults").json()["plan"]["served"] == 1


def test_schema_drift_bad_values_and_broken_bodies(client):
    params = {"updated_from": "20220315000000", "updated_to": "20220316000000", "page_size": 50}
    plan = {"fail_first": 1, "paths": [DOSSIERS]}
    client.post(
        "/_sim/faults",
        json={
            **plan,
            "add_fields": {"Moi": 1},
            "drop_fields": ["MaTTHC"],
            "rename_fields": {"NgayTiepNhan": "NgayTN"},
            "set_fields": {"NgayHenTra": "20220230000000"},
        },
    )
    items = client.get(DOSSIERS, params=params).json()["items"]
    assert all(i["Moi"] == 1 and "MaTTHC" not in i and "NgayTN" in i for i in items)
    assert [i["NgayHenTra"] for i in items].count("20220230000000") == 1
    client.post("/_sim/faults", json={**plan, "invalid_utf8": True})
    raw = client.get(DOSSIERS, params=params).content
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    client.post("/_sim/faults", json={**plan, "connection_reset": True})
    with pytest.raises(Exception):  # noqa: B017 - the test client surfaces the dropped body
        client.get(DOSSIERS, params=params)
