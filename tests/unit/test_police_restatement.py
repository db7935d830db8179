"""A restated day replaces its figure, through the real code path: the simulator app over HTTP,
the real extract / land / validate / load stages into a real PostgreSQL, then dbt's staging and
fct_citizen_id_daily. The restated commune-day is loaded three times (first report, first
restatement, second restatement, each in the window of its update time); the warehouse keeps the
last figure, and the day's and the period's totals are the restated ones, not sums of versions."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import httpx
import numpy as np
import psycopg
import pytest
import uvicorn

from dti import stages
from dti.reference import load_admin_units
from dti.simulator.app import create_app
from dti.simulator.police import PoliceWorld

from .conftest import make_settings

TOKEN = "police-test-token"
DBT = Path(sys.executable).with_name("dbt")
DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


@pytest.fixture(scope="module")
def police_url() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(TOKEN), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the simulator did not start"
        time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(10)


def _dbt(dsn: str, target: Path, *args: str) -> None:
    url = urlparse(dsn)
    env = {
        **os.environ,
        "DTI_PG_HOST": url.hostname or "127.0.0.1",
        "DTI_PG_PORT": str(url.port),
        "DTI_PG_USER": url.username or "postgres",
        "DTI_PG_PASSWORD": "",
        "DTI_PG_DATABASE": url.path.lstrip("/"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    result = subprocess.run(
        [
            str(DBT),
            *args,
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(target),
            "--log-path",
            str(target / "logs"),
        ],
        env=env,
        cwd=DBT_PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_restated_day_replaces_not_adds(tmp_path: Path, dsn: str, police_url: str) -> None:
    world = PoliceWorld()
    # the H1 2022 commune-day restated twice
    twice = [r for r in world.restatements if r.revision == 2][0]
    revisions = [r for r in world.restatements if (r.commune, r.day) == (twice.commune, twice.day)]
    commune = world.commune_codes[twice.commune]
    day = date.fromisoformat(str(world.days[twice.day]))
    final = int(world.flows["cccd"][twice.commune, twice.day])
    over_reported = final + sum(r.deltas["cccd"] for r in revisions)
    restated_on = sorted(
        {
            date.fromisoformat(str(np.datetime64(r.updated_at, "s").astype("datetime64[D]")))
            for r in revisions
        }
    )
    settings = make_settings(
        tmp_path, DTI_POLICE_URL=police_url, DTI_POLICE_TOKEN=TOKEN, DTI_HTTP_PAGE_SIZE="100"
    )

    stages.run_interval(settings, dsn, "police", "communes", day)
    loads = [day, *restated_on]
    for d in loads:
        stages.run_interval(settings, dsn, "police", "daily", d)

    with psycopg.connect(dsn) as conn:
        raw = conn.execute(
            'select "LanSua", "SoHoSoCCCD"::int from raw.police__daily '
            'where "MaXa" = %s and "Ngay" = %s order by "LanSua"',
            (commune, day.strftime("%Y%m%d")),
        ).fetchall()
        audit = conn.execute(
            "select (interval_start at time zone 'Asia/Ho_Chi_Minh')::date, rows, status "
            "from ops.load_audit where entity = 'daily' order by interval_start"
        ).fetchall()
    assert [r[0] for r in raw] == ["0", "1", "2"]
    assert raw[0][1] == over_reported and raw[-1][1] == final and over_reported > final
    # the audit shows the restatements arriving: 209 first reports, plus a restatement row
    assert [(a[0], a[2]) for a in audit] == [(d, "loaded") for d in loads]
    assert audit[0][1] == 209
    assert all(a[1] >= 209 + 1 for a in audit[1:])

    # the communes resolve to their unit versions (the day's version of each code)
    load_admin_units(dsn, "24")
    _dbt(
        dsn,
        tmp_path / "dbt",
        "run",
        "--select",
        "stg_ref__admin_units",
        "dim_administrative_unit",
        "stg_police__communes",
        "stg_police__daily",
        "fct_citizen_id_daily",
    )
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "select cccd_applications, revision, versions_loaded, is_restated, "
            "commune_unit_key "
            "from marts.fct_citizen_id_daily where commune_code = %s and report_date = %s",
            (commune, day),
        ).fetchone()
        total = conn.execute(
            "select sum(cccd_applications) from marts.fct_citizen_id_daily where report_date = %s",
            (day,),
        ).fetchone()[0]
    # the commune of 2022 is its version of that day (code@valid_from)
    assert row[:4] == (final, 2, 3, True) and row[4].startswith(f"{commune}@")
    day_index = twice.day
    assert total == int(world.flows["cccd"][:, day_index].sum())
