"""One function per stage, as the DAG tasks and the CLI call them.

Arguments and results are plain strings and dicts (Airflow passes them through XCom):
``land`` → batch dict, ``validate`` → outcome dict, ``load`` → load-result dict. A batch that
fails validation is quarantined and audited as ``quarantined`` before the error propagates, so the
audit shows it even though nothing was loaded.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from dti.config import Settings
from dti.land import extract_and_land
from dti.load import load_batch, record_failure, record_interval_failure
from dti.records import Interval, LandedBatch

log = logging.getLogger(__name__)


def _dsn(settings: Settings, dsn: str | None = None) -> str:
    if dsn is not None:
        return dsn
    from dti.warehouse import warehouse_url

    return warehouse_url(settings)


def land(settings: Settings, source: str, entity: str, day: str | date) -> dict[str, Any]:
    """Extract and land one local day of ``source``/``entity``; returns the batch as a dict.

    Holds the interval's lock (:mod:`dti.locks`) meanwhile: a concurrent run of the same interval
    stops with :class:`dti.locks.IntervalBusy`."""
    from dti.extract.http import SourceRetiredError
    from dti.locks import interval_locks

    dsn = _dsn(settings)
    with interval_locks(dsn, source, entity, [Interval.day(day)]):
        started = datetime.now(UTC)
        try:
            return _published(settings, extract_and_land(settings, source, entity, day))
        except SourceRetiredError as exc:
            # final, not transient: the interval's audit row says why nothing was loaded
            record_interval_failure(
                dsn,
                source,
                entity,
                Interval.day(day),
                f"extract failed: the system is retired: {exc}",
                started_at=started,
            )
            raise


def _published(settings: Settings, batch: LandedBatch) -> dict[str, Any]:
    """The batch dict, once a copy is in the object store when DTI_LANDING_URL is set (workers
    on other machines validate and load it from there)."""
    from dti import storage

    storage.publish(settings, batch.folder)
    return batch.to_dict()


def _fetched(settings: Settings, batch: dict[str, Any] | str) -> LandedBatch:
    """The batch, brought to this machine from the object store if another worker landed it,
    with the reference snapshots its suite reads."""
    from pathlib import Path

    from dti import storage
    from dti.sources import get_entity

    if isinstance(batch, LandedBatch):
        folder = batch.folder
    else:
        folder = Path(batch["path"] if isinstance(batch, dict) else batch)
    storage.fetch(settings, folder)
    landed = LandedBatch.coerce(batch)
    for ref_entity, _column in get_entity(landed.source, landed.entity).reference_sets.values():
        storage.fetch_latest(settings, landed.source, ref_entity, landed.interval_obj.start)
    return landed


def land_interval(
    settings: Settings, source: str, entity: str, start: str, end: str
) -> dict[str, Any]:
    """Extract and land [start, end) (ISO local datetimes): a day, or a file-drop period."""
    return _published(settings, extract_and_land(settings, source, entity, start, end))


def land_files(settings: Settings, source: str, entity: str, day: str | date) -> list[dict]:
    """What a nightly run of ``day`` lands for a file-drop entity: its periods in that day and
    the earlier periods late files arrived for, one batch dict each."""
    from dti.land import land_file_periods
    from dti.locks import interval_locks

    with interval_locks(_dsn(settings), source, entity, [Interval.day(day)]):
        return [_published(settings, b) for b in land_file_periods(settings, source, entity, day)]


def validate_and_load(
    settings: Settings, batch: dict[str, Any], dsn: str | None = None
) -> dict[str, Any]:
    """Validate one landed batch and load it if it passes (a failure is quarantined, audited
    and raised as :class:`dti.validate.ValidationFailed`), under the interval's lock."""
    from dti.locks import interval_locks

    landed = _fetched(settings, batch)
    dsn = _dsn(settings, dsn)
    with interval_locks(dsn, landed.source, landed.entity, [landed.interval_obj]):
        outcome = validate(settings, landed.to_dict(), dsn=dsn)
        return load_batch(dsn, landed, outcome).to_dict()


def validate(
    settings: Settings, batch: dict[str, Any] | str, dsn: str | None = None
) -> dict[str, Any]:
    """Validate a landed batch (reference sets read from the landed snapshots of its time).

    On failure the batch is quarantined, an audit row ``quarantined`` is written to the warehouse
    (``dsn``, by default the configured one) and :class:`dti.validate.ValidationFailed` is raised.
    """
    from dti import storage
    from dti.validate import ValidationFailed, reference_parameters, validate_batch

    landed = _fetched(settings, batch)
    params = reference_parameters(settings, landed.source, landed.entity, landed.interval_obj.start)
    try:
        return validate_batch(settings, landed, parameters=params).to_dict()
    except ValidationFailed as failed:
        storage.remove(settings, landed.folder)  # the batch now lives in the quarantine
        audit_quarantine(settings, dsn, failed, landed)
        raise


def audit_quarantine(
    settings: Settings, dsn: str | None, failed, batch: LandedBatch | None = None
) -> None:
    """Write the `quarantined` audit row of a batch that failed validation."""
    if batch is None:
        batch = LandedBatch.from_folder(failed.outcome.quarantine_path)
    if dsn is None:
        from dti.warehouse import warehouse_url

        dsn = warehouse_url(settings)
    quarantined = batch
    if failed.outcome.quarantine_path:
        quarantined = LandedBatch.from_folder(failed.outcome.quarantine_path)
    try:
        record_failure(
            dsn,
            quarantined,
            "validation failed: " + ", ".join(failed.outcome.failed),
            status="quarantined",
            outcome=failed.outcome,
        )
    except Exception:  # the validation error is the one to report
        log.exception("could not audit the quarantine of %s", batch.label)


def load(
    settings: Settings,
    batch: dict[str, Any] | str,
    outcome: dict[str, Any] | None,
    dsn: str | None = None,
) -> dict[str, Any]:
    """COPY a validated batch into its raw table (``dsn`` by default the configured warehouse),
    under the interval's lock."""
    from dti.locks import interval_locks

    landed = _fetched(settings, batch)
    dsn = _dsn(settings, dsn)
    with interval_locks(dsn, landed.source, landed.entity, [landed.interval_obj]):
        return load_batch(dsn, landed, outcome).to_dict()


def run_interval(
    settings: Settings,
    dsn: str,
    source: str,
    entity: str,
    day: str | date,
) -> dict[str, Any]:
    """Extract, land, validate and load one local day; failures are audited, then raised.

    Returns the load result as a dict (``rows``, ``deleted``, ``batch_id``, ``table``, ...).
    """
    interval = Interval.day(day)
    started = datetime.now(UTC)
    try:
        batch = extract_and_land(settings, source, entity, interval.start, interval.end)
    except Exception as exc:
        record_interval_failure(
            dsn,
            source,
            entity,
            interval,
            f"extract failed: {type(exc).__name__}: {exc}",
            started_at=started,
        )
        raise
    outcome = validate(settings, batch.to_dict(), dsn=dsn)
    return load_batch(dsn, batch, outcome).to_dict()
