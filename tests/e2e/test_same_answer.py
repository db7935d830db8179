"""Same answer however it is run: a few days of the portal loaded (a) as one range, (b) as the same
range twice, (c) night by night, (d) night by night in reverse order, (e) as a range in which a
day fails at the source and is retried, give identical marts (a checksum of every table in the
marts schema) and identical raw tables.

It runs on a stack of its own: each variant starts from an empty warehouse."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import httpx
import pytest

from .conftest import Stack, running_stack

pytestmark = pytest.mark.slow

FIRST, LAST = date(2022, 3, 1), date(2022, 3, 3)
DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
VOLATILE = ("_loaded_at", "_extracted_at")


@pytest.fixture(scope="module")
def own_stack():
    with running_stack() as started:
        yield started


def _reset(stack: Stack) -> None:
    """Back to a freshly set-up warehouse: no raw data, no models, no audit, no landed files."""
    stack.query(
        "drop schema if exists raw, staging, intermediate, marts cascade; "
        "truncate ops.load_audit; truncate ops.file_receipts; select 1"
    )
    for folder in ("landing", "archive", "quarantine"):
        shutil.rmtree(stack.settings.data_dir / folder, ignore_errors=True)
    stack.dti("up", timeout=600)


def _checksums(stack: Stack, schema: str) -> dict[str, str]:
    tables = [
        t
        for (t,) in stack.query(
            "select table_name from information_schema.tables where table_schema = %s "
            "and table_type = 'BASE TABLE' order by 1",
            (schema,),
        )
    ]
    out = {}
    for table in tables:
        cols = [
            c
            for (c,) in stack.query(
                "select column_name from information_schema.columns where table_schema = %s "
                "and table_name = %s order by ordinal_position",
                (schema, table),
            )
            if c not in VOLATILE
        ]
        select = ", ".join(f'"{c}"' for c in cols)
        out[table] = stack.scalar(
            "select count(*) || ':' || coalesce(md5(string_agg(r::text, '|' order by r::text)), '')"
            f' from (select {select} from "{schema}"."{table}") r'
        )
    return out


def _state(stack: Stack) -> tuple[dict[str, str], dict[str, str]]:
    raw = {k: v for k, v in _checksums(stack, "raw").items() if k.startswith("portal__")}
    return raw, _checksums(stack, "marts")


def _range(stack: Stack, *extra: str, check: bool = True):
    return stack.dti(
        "run",
        "--source",
        "portal",
        "--from",
        FIRST.isoformat(),
        "--to",
        LAST.isoformat(),
        *extra,
        check=check,
    )


def _nightly(stack: Stack, days: list[date]) -> None:
    for day in days:
        stack.dti("run", "--source", "portal", "--date", day.isoformat(), "--no-transform")
    stack.dti("transform")


@pytest.fixture(scope="module")
def once(own_stack):
    _reset(own_stack)
    _range(own_stack)
    return _state(own_stack)


def test_the_marts_are_built_and_not_empty(once):
    raw, marts = once
    assert {"portal__dossiers", "portal__procedures", "portal__agencies"} <= set(raw)
    assert {"fct_dossier", "indicator_values", "dim_procedure"} <= set(marts)
    assert not marts["fct_dossier"].startswith("0:")


def test_the_same_range_twice(own_stack, once):
    _range(own_stack)
    assert _state(own_stack) == once


def test_night_by_night(own_stack, once):
    _reset(own_stack)
    _nightly(own_stack, DAYS)
    assert _state(own_stack) == once


def test_night_by_night_in_reverse(own_stack, once):
    _reset(own_stack)
    _nightly(own_stack, list(reversed(DAYS)))
    assert _state(own_stack) == once


def test_a_failed_day_retried(own_stack, once):
    _reset(own_stack)
    settings = own_stack.settings
    auth = {"Authorization": f"Bearer {settings.portal_token}"}
    url = f"{settings.effective_portal_url}/_sim/faults"
    # more failures than the client's retries: at least one day cannot be extracted
    plan = {"fail_first": 8, "status": 503, "paths": ["/portal/api/v1/dossiers"]}
    httpx.post(url, json=plan, headers=auth, timeout=10).raise_for_status()
    try:
        failed = _range(own_stack, check=False)
    finally:
        httpx.delete(url, headers=auth, timeout=10).raise_for_status()
    assert failed.returncode != 0
    assert "could not be extracted" in failed.stdout + failed.stderr
    assert own_stack.scalar("select count(*) from ops.load_audit where status = 'failed'") >= 1
    _range(own_stack, "--skip-loaded")
    assert _state(own_stack) == once
