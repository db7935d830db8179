"""The embedded services `dti up` starts and `dti down` stops: the warehouse and the simulator.

Both run in the background until `dti down`, so that Airflow tasks, dbt and analysts can reach
them. A part configured to a real endpoint (`DTI_WAREHOUSE_URL`, `DTI_PORTAL_URL`) is left alone.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from dti.config import Settings
from dti.warehouse import EmbeddedWarehouse, bootstrap

log = logging.getLogger(__name__)


@dataclass
class SimulatorProcess:
    """The source simulator as a background process on 127.0.0.1."""

    settings: Settings

    @property
    def pidfile(self) -> Path:
        return self.settings.local_dir / "run" / "simulator.pid"

    @property
    def logfile(self) -> Path:
        return self.settings.local_dir / "logs" / "simulator.log"

    @property
    def url(self) -> str:
        return f"http://{self.settings.simulator_host}:{self.settings.simulator_port}"

    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self, timeout: float = 60) -> None:
        if self.pid() and self.healthy():
            log.info("simulator already running at %s", self.url)
            return
        if self.healthy():
            raise RuntimeError(
                f"something else answers on {self.url}: stop it or set DTI_SIMULATOR_PORT"
            )
        self.settings.portal_token  # noqa: B018 - creates the token file on first use
        self.pidfile.parent.mkdir(parents=True, exist_ok=True)
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "dti.simulator",
            "--host",
            self.settings.simulator_host,
            "--port",
            str(self.settings.simulator_port),
            "--token-file",
            str(self.settings.secrets_dir / "simulator.token"),
            "--cache-dir",
            str(self.settings.local_dir / "simulator-cache"),
            "--inbox-dir",
            str(self.settings.inbox),
        ]
        with open(self.logfile, "ab") as out:
            proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pidfile.write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the simulator exited at start (code {proc.returncode}); see {self.logfile}"
                )
            if self.healthy():
                log.info("simulator listening at %s (pid %s)", self.url, proc.pid)
                return
            time.sleep(0.3)
        raise RuntimeError(
            f"the simulator did not answer within {timeout:.0f}s; see {self.logfile}"
        )

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        os.killpg(pid, signal.SIGTERM)
        for _ in range(50):
            if self.pid() is None:
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        self.pidfile.unlink(missing_ok=True)


def up(settings: Settings) -> list[str]:
    """Start what is embedded and prepare the warehouse; returns what was done, for the CLI."""
    done = []
    if settings.embedded_warehouse:
        EmbeddedWarehouse(settings).start()
        done.append(f"warehouse: embedded PostgreSQL on 127.0.0.1:{settings.warehouse_port}")
    else:
        done.append("warehouse: DTI_WAREHOUSE_URL (not started here)")
    bootstrap(settings)
    if settings.embedded_simulator:
        SimulatorProcess(settings).start()
        done.append(f"simulator: {settings.effective_portal_url}")
    else:
        from dti.warehouse import masked_url

        done.append(f"portal: {masked_url(settings.portal_url)} (not started here)")
    return done


def down(settings: Settings) -> list[str]:
    done = []
    if settings.embedded_simulator:
        SimulatorProcess(settings).stop()
        done.append("simulator stopped")
    if settings.embedded_warehouse:
        EmbeddedWarehouse(settings).stop()
        done.append("warehouse stopped")
    return done
