"""The whole stack, for real: embedded PostgreSQL, the simulator over HTTP, Airflow running the
project's DAGs, dbt through cosmos. One stack per test session, in a temporary `.local`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from dti.config import Settings, load_settings
from dti.warehouse import warehouse_url

ROOT = Path(__file__).resolve().parents[2]
DTI = Path(sys.executable).with_name("dti")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    env: dict[str, str]
    settings: Settings

    def dti(
        self, *args: str, check: bool = True, timeout: float = 1800
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(DTI), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"dti {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
            )
        return result

    def query(self, sql: str, params: tuple | dict | None = None) -> list[tuple]:
        with psycopg.connect(warehouse_url(self.settings)) as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: tuple | dict | None = None):
        return self.query(sql, params)[0][0]


@contextmanager
def running_stack(extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """`dti up` in a fresh temporary `.local` with free ports; `dti down` and removed after.
    ``extra_env``: more DTI_* settings (e.g. a sources file)."""
    # not under pytest's tmp_path: its parents are private to root (and pytest resets them to
    # 0700), while the embedded PostgreSQL runs as another system user when the tests run as root
    local = Path(tempfile.mkdtemp(prefix="dti-e2e-"))
    os.chmod(local, 0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DTI_", "AIRFLOW"))}
    env.update(
        DTI_LOCAL_DIR=str(local),
        DTI_WAREHOUSE_PORT=str(_free_port()),
        DTI_SIMULATOR_PORT=str(_free_port()),
    )
    env.update(extra_env or {})  # may name the ports too
    settings = load_settings(env)
    stack = Stack(env, settings)
    try:
        stack.dti("up", timeout=600)
        yield stack
    finally:
        stack.dti("down", check=False, timeout=120)
        shutil.rmtree(local, ignore_errors=True)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    with running_stack() as started:
        yield started


@pytest.fixture(scope="session")
def h1(stack: Stack) -> Stack:
    """The demo half-year of every source, loaded and built once for the session with
    `make run`'s own command (--skip-loaded: resuming over days already loaded is tested too)."""
    stack.dti("run", "--from", "2022-01-01", "--to", "2022-06-30", "--skip-loaded")
    return stack
