"""Fixtures: the default world in-process, and the simulator as the CLI starts it
(``python -m dti.simulator``) in a subprocess on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
import pytest

from dti.simulator.portal import PortalWorld

TOKEN = "simulator-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DOSSIERS = "/portal/api/v1/dossiers"


@pytest.fixture(scope="session")
def world() -> PortalWorld:
    return PortalWorld(seed=2022, scale=1.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The simulator in its own process, so serving and the test's parsing use both cores."""
    tmp = tmp_path_factory.mktemp("sim")
    token_file = tmp / "token"
    token_file.write_text(TOKEN)
    port = free_port()
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dti.simulator",
            "--port",
            str(port),
            "--token-file",
            str(token_file),
            "--log-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONHASHSEED": "random"},
        cwd=Path(__file__).parent,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the simulator did not start: {(tmp / 'server.log').read_text()}")
        time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture(scope="session")
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers=AUTH, timeout=120) as client:
        yield client


def fetch_all(
    client,
    path: str,
    params: dict | None = None,
    page_size: int = 5000,
    each: Callable[[list[dict]], None] | None = None,
) -> tuple[int, list[dict]]:
    """Page through an endpoint to the end (httpx.Client or fastapi TestClient); returns the
    reported total and the items (or hands each page's items to ``each`` and keeps none).
    The next page is requested while this one is parsed, as a real extractor would."""
    items: list[dict] = []

    def get(page: int):
        r = client.get(path, params={**(params or {}), "page": page, "page_size": page_size})
        r.raise_for_status()
        return r.content

    with ThreadPoolExecutor(1) as pool:
        body = orjson.loads(get(1))
        total, page = body["total"], 1
        pages = max(1, -(-total // page_size))
        ahead = pool.submit(get, 2) if pages > 1 else None
        while True:
            assert body["total"] == total, "total changed between pages"
            assert body["page"] == page and body["page_size"] == page_size
            if each is None:
                items.extend(body["items"])
            else:
                each(body["items"])
            if ahead is None:
                break
            content = ahead.result()
            page += 1
            ahead = pool.submit(get, page + 1) if page < pages else None
            body = orjson.loads(content)
    return total, items
