"""Shared steps of the fault suite: run the day through the library's stages, checksum raw."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from dti import pipeline
from dti.config import Settings
from dti.records import Interval

from .conftest import DAY, FaultStack

# _batch_id names the landed content (a new field the source added changes it): not the data
VOLATILE = ("_loaded_at", "_extracted_at", "_batch_id")


def run_day(settings: Settings, day: str = DAY) -> tuple[pipeline.ChunkSummary | None, Exception]:
    """One run of the portal's dossiers for the day, as the nightly DAG's tasks run them (under
    the interval's lock: extract over HTTP, land, validate with GX, COPY; failures audited);
    returns (summary, None) or (None, the error the run ended with). The catalogue snapshots
    are loaded once by the fault-free run: a fault here is on the dossiers."""
    from dti.locks import interval_locks
    from dti.sources import get_entity
    from dti.warehouse import warehouse_url

    entity = get_entity("portal", "dossiers")
    dsn = warehouse_url(settings)
    summary = pipeline.ChunkSummary("portal", day, day)
    quarantined: dict[str, str] = {}
    unavailable: dict[str, str] = {}
    todo = [Interval.day(day)]
    try:
        with interval_locks(dsn, "portal", "dossiers", todo):
            pipeline._land_validate_load(
                settings, dsn, entity, todo, summary, quarantined, unavailable, f"portal {day}"
            )
        if quarantined:
            raise pipeline.IntervalsQuarantined("portal", quarantined)
        if unavailable:
            raise pipeline.SourceIntervalsFailed("portal", "dossiers", unavailable)
        return summary, None
    except Exception as exc:  # the test asserts which error and what it says
        return None, exc


def raw_state(fs: FaultStack, day: str = DAY) -> tuple[int, str, int]:
    """(rows, checksum, distinct (MaHoSo, NgayCapNhat)) of the day in raw.portal__dossiers."""
    interval = Interval.day(day)
    cols = [
        c
        for (c,) in fs.stack.query(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = 'portal__dossiers' order by ordinal_position"
        )
        if c not in VOLATILE
    ]
    select = ", ".join(f'"{c}"' for c in cols)
    rows, digest, distinct = fs.stack.query(
        "select count(*), coalesce(md5(string_agg(r::text, '|' order by r::text)), ''), "
        'count(distinct ("MaHoSo", "NgayCapNhat")) '
        f"from (select {select} from raw.portal__dossiers where _interval_start = %s) r",
        (interval.start,),
    )[0]
    return rows, digest, distinct


def manifest(fs: FaultStack, day: str = DAY) -> dict[str, Any]:
    folder = fs.settings.data_dir / "landing" / "portal" / "dossiers" / Interval.day(day).name
    return json.loads((folder / "manifest.json").read_text())


def latest_audit(fs: FaultStack, day: str = DAY) -> tuple[str, int, str | None]:
    return fs.stack.query(
        "select status, rows, error from ops.load_audit where source = 'portal' "
        "and entity = 'dossiers' and interval_start = %s order by audit_id desc limit 1",
        (Interval.day(day).start,),
    )[0]


def assert_as_fault_free(fs: FaultStack, fault: str, test: str, **figures: Any) -> None:
    """The day in raw is exactly the fault-free run's; the ledger gets the row's figures."""
    rows, digest, distinct = raw_state(fs)
    lost = max(0, fs.baseline_rows - distinct)
    duplicated = rows - distinct + max(0, distinct - fs.baseline_rows)
    fs.ledger.add(
        fault,
        test,
        rows_compared=rows,
        rows_lost=lost,
        rows_duplicated=duplicated,
        **figures,
    )
    assert (rows, distinct) == (fs.baseline_rows, fs.baseline_rows)
    assert digest == fs.baseline["digest"], f"{fault}: raw differs from the fault-free run"
    status, audited, _ = latest_audit(fs)
    assert (status, audited) == ("loaded", rows)


def with_settings(fs: FaultStack, **changes: Any) -> Settings:
    return replace(fs.settings, **changes)
