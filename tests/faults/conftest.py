"""One stack for the whole fault suite (docs/reliability.md).

The faults are injected through the simulator's fault mode (``/_sim/faults``) and driven through
the library's own stages (``dti.pipeline.load_chunk``: extract over HTTP, land, GX validation,
COPY into the embedded PostgreSQL, advisory locks): the code the Airflow tasks call. Every test
ends by comparing the raw dossier table with the fault-free run's checksum; the marts are built
with dbt twice for the suite (fault-free, and after every fault) and compared once.

The suite writes what it measured (faults injected, runs, rows compared, retries seen) to the
JSON file named by ``DTI_RELIABILITY_JSON`` (default: ``dti-reliability.json`` in the temporary
directory); docs/reliability.md quotes it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e.conftest import Stack, running_stack

from dti.config import Settings

DAY = "2022-03-01"
DOSSIERS = "/portal/api/v1/dossiers"
PAGE_SIZE = 400  # several pages a day, so that page faults have pages to act on


@dataclass
class Ledger:
    """What the suite measured, row by row of the fault table."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, fault: str, test: str, **figures: Any) -> None:
        entry = self.rows.setdefault(fault, {"tests": [], "faults_injected": 0, "runs": 0})
        if test not in entry["tests"]:
            entry["tests"].append(test)
        for key, value in figures.items():
            if isinstance(value, int) and not isinstance(value, bool) and key in entry:
                entry[key] += value
            else:
                entry[key] = value

    def totals(self) -> dict[str, int]:
        keys = ("faults_injected", "runs", "runs_survived", "rows_lost", "rows_duplicated")
        return {k: sum(int(r.get(k, 0)) for r in self.rows.values()) for k in keys}


@dataclass
class FaultStack:
    stack: Stack
    settings: Settings
    ledger: Ledger
    baseline: dict[str, str] = field(default_factory=dict)
    baseline_rows: int = 0
    marts: dict[str, str] = field(default_factory=dict)
    """The marts' checksums after the fault-free run (dbt built once, before any fault)."""

    @property
    def sim(self) -> str:
        return self.settings.effective_portal_url

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.portal_token}"}

    def fault(self, **plan: Any) -> None:
        r = httpx.post(f"{self.sim}/_sim/faults", json=plan, headers=self._headers())
        r.raise_for_status()

    def served(self) -> int:
        """Faulted requests the current plan answered."""
        plan = httpx.get(f"{self.sim}/_sim/faults", headers=self._headers()).json()["plan"]
        return 0 if plan is None else int(plan["served"])

    def clear(self) -> int:
        served = self.served()
        httpx.delete(f"{self.sim}/_sim/faults", headers=self._headers()).raise_for_status()
        return served


@pytest.fixture(scope="session")
def faults() -> Iterator[FaultStack]:
    with running_stack() as stack:
        settings = replace(stack.settings, http_page_size=PAGE_SIZE, http_retries=4)
        ledger = Ledger()
        fs = FaultStack(stack, settings, ledger)
        _baseline(fs)
        yield fs
        out = Path(
            os.environ.get("DTI_RELIABILITY_JSON")
            or Path(tempfile.gettempdir()) / "dti-reliability.json"
        )
        out.write_text(
            json.dumps({"rows": ledger.rows, "totals": ledger.totals()}, indent=2) + "\n"
        )


def _baseline(fs: FaultStack) -> None:
    """The fault-free run of the day, its raw checksum and its marts."""
    from e2e.test_same_answer import _build, _checksums

    from dti import pipeline

    from .helpers import raw_state

    # the whole source's day: the catalogue snapshots too, which the dossier suite reads
    pipeline.load_chunk(fs.settings, "portal", DAY, DAY)
    rows, digest, distinct = raw_state(fs)
    assert rows == distinct > PAGE_SIZE * 2, f"{DAY}: {rows} dossier versions, expected pages"
    fs.baseline_rows, fs.baseline["digest"] = rows, digest
    # a health day too, for the file faults (test_file_faults.py)
    r = httpx.post(
        f"{fs.sim}/_sim/inbox/deliver",
        params={"from": DAY, "to": DAY, "source": "health"},
        headers=fs._headers(),
        timeout=300,
    )
    r.raise_for_status()
    pipeline.load_chunk(fs.settings, "health", DAY, DAY)
    fs.baseline["raw"] = json.dumps(_checksums(fs.stack, "raw"), sort_keys=True)
    _build(fs.stack)
    fs.marts = _checksums(fs.stack, "marts")
