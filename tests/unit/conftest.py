"""Fixtures for the unit suite: settings in a temp dir, a fake portal, a throwaway PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dti.config import Settings, load_settings

from .fake_portal import FakePortal, PortalServer
from .portal_data import agencies, dossiers, procedures

PG_BIN = Path(psycopg.__file__).resolve().parents[1] / "pgserver" / "pginstall" / "bin"
PG_USER = "pgserveruser"
TEST_KEY = "unit-test-pseudonym-key"


def make_settings(tmp: Path, portal_url: str = "http://127.0.0.1:9", **extra: str) -> Settings:
    env = {
        "DTI_LOCAL_DIR": str(tmp / "local"),
        "DTI_DATA_DIR": str(tmp / "data"),
        "DTI_PORTAL_URL": portal_url,
        "DTI_PORTAL_TOKEN": "test-token",
        "DTI_PSEUDONYM_KEY": TEST_KEY,
        "DTI_HTTP_PAGE_SIZE": "20",
        "DTI_HTTP_TIMEOUT": "2",
        "DTI_HTTP_RETRIES": "3",
        **extra,
    }
    return load_settings(env)


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    fake = FakePortal(
        data={
            "agencies": agencies(),
            "procedures": procedures(),
            "dossiers": dossiers("2022-01-05", 50) + dossiers("2022-01-06", 30, seed=2),
        }
    )
    with PortalServer(fake):
        yield fake


@pytest.fixture
def settings(tmp_path: Path, portal: FakePortal) -> Settings:
    return make_settings(tmp_path, portal.url)


# --- a throwaway PostgreSQL from the pgserver wheel's binaries ---------------------------------


def _free_port(lo: int = 56000, hi: int = 56999) -> int:
    for port in range(lo + os.getpid() % 500, hi + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free TCP port in {lo}-{hi} for the test PostgreSQL")


def _run_as_kwargs() -> dict:
    if os.geteuid() != 0:
        return {}
    if subprocess.run(["id", PG_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-s", "/bin/bash", PG_USER], check=True)
    return {"user": PG_USER, "group": PG_USER}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server for the session; yields the admin DSN (database ``postgres``)."""
    root = Path(tempfile.mkdtemp(prefix="dti-pg-"))
    run_as = _run_as_kwargs()
    if run_as:
        shutil.chown(root, PG_USER, PG_USER)
    pgdata, log = root / "data", root / "postgres.log"
    port = _free_port()
    subprocess.run(
        [
            PG_BIN / "initdb",
            "-D",
            pgdata,
            "--auth=trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        **run_as,
    )
    opts = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off"
    subprocess.run(
        [PG_BIN / "pg_ctl", "-D", pgdata, "-l", log, "-o", opts, "-w", "start"],
        check=True,
        capture_output=True,
        **run_as,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [PG_BIN / "pg_ctl", "-D", pgdata, "-m", "immediate", "-w", "stop"],
            capture_output=True,
            **run_as,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dsn(pg_server: str) -> Iterator[str]:
    """A fresh, empty database per test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    yield pg_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
