"""Fixtures of the dbt project tests: see dbt_warehouse.py."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .dbt_warehouse import DbtWarehouse, start_warehouse


@pytest.fixture(scope="module")
def warehouse() -> Iterator[DbtWarehouse]:
    # not under pytest's tmp_path: its parents are private to root, and the server runs as
    # another system user when the tests run as root
    base = Path(tempfile.mkdtemp(prefix="dti-dbt-"))
    try:
        with start_warehouse(base) as started:
            yield started
    finally:
        shutil.rmtree(base, ignore_errors=True)
