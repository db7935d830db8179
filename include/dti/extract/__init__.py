"""Extract: pull one interval of one source entity, pseudonymised before it leaves memory."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dti.extract.http import (
    PagedClient,
    RepeatedRecordError,
    SourceError,
    SourceTotalMismatch,
)
from dti.pseudonymise import pseudonymise_records
from dti.records import Interval
from dti.sources import EntityMode, SourceEntity, get_source

if TYPE_CHECKING:
    from dti.config import Settings

log = logging.getLogger(__name__)

__all__ = ["Extraction", "SourceError", "extract", "extract_files", "interval_params"]


@dataclass
class Extraction:
    """One interval's records of one entity, personal fields already pseudonymised."""

    entity: SourceEntity
    interval: Interval
    records: list[dict[str, Any]]
    source_total: int
    pages: int
    started_at: datetime
    finished_at: datetime
    files: list[dict[str, Any]] = field(default_factory=list)
    """File-drop entities: the period's files and what became of each (dti.extract.files)."""
    retries: int = 0
    """HTTP requests retried (5xx, 429, timeouts, resets) while extracting."""
    reextractions: int = 0
    """Times the whole interval was read again because its pages did not add up."""


# A paging inconsistency (a page repeated or missing, the total or a record changing while the
# client pages) usually means the source changed under the client: reading the whole interval
# again gives a consistent snapshot. Twice in a row is reported, never loaded.
REEXTRACT_ATTEMPTS = 2


def interval_params(entity: SourceEntity, interval: Interval) -> dict[str, str]:
    """Query parameters selecting the interval: local-time strings for incremental entities."""
    if entity.mode is EntityMode.SNAPSHOT or entity.interval_params is None:
        return {}
    lo, hi = entity.interval_params
    fmt = entity.timestamp_format
    return {lo: interval.start.strftime(fmt), hi: interval.end.strftime(fmt)}


def extract(
    settings: Settings,
    entity: SourceEntity,
    interval: Interval,
    *,
    backoff_base: float = 0.5,
) -> Extraction:
    """Every record of ``entity`` for ``interval`` (the whole list for snapshot entities).

    File-drop entities are read with :func:`extract_files` (the interval is one period)."""
    if entity.mode is EntityMode.FILES:
        return extract_files(settings, entity, interval)[0]
    source = get_source(entity.source)
    if source.base_url is None or source.token is None:
        raise ValueError(f"source {entity.source!r} has no HTTP API configured (base_url/token)")
    label = f"{entity.source}/{entity.name} {interval.name}"
    # before the first request: without the key (production) nothing personal is fetched at all
    key = settings.pseudonym_key if entity.personal else b""
    retries = 0
    for attempt in range(1, REEXTRACT_ATTEMPTS + 1):
        with PagedClient(
            source.base_url(settings),
            source.token(settings),
            source=entity.source,
            page_size=settings.http_page_size,
            timeout=settings.http_timeout,
            retries=settings.http_retries,
            backoff_base=backoff_base,
        ) as client:
            try:
                result = client.fetch_all(
                    entity.path,
                    interval_params(entity, interval),
                    record_key=entity.record_key,
                    label=label,
                )
            except (SourceTotalMismatch, RepeatedRecordError) as exc:
                if attempt == REEXTRACT_ATTEMPTS:
                    raise type(exc)(
                        f"{exc} (the interval was read {attempt} times and never added up)"
                    ) from exc
                log.warning("%s: %s; reading the whole interval again", label, exc)
                continue
        retries += result.retries
        break
    records = result.records
    if entity.personal:
        records = pseudonymise_records(records, entity.personal, key)
    return Extraction(
        entity=entity,
        interval=interval,
        records=records,
        source_total=result.total,
        pages=result.pages,
        started_at=result.started_at,
        finished_at=result.finished_at,
        retries=retries,
        reextractions=attempt - 1,
    )


def extract_files(settings: Settings, entity: SourceEntity, interval: Interval):
    """One period of a file-drop entity: (Extraction, PeriodFiles); personal fields are
    pseudonymised here too, before anything is written."""
    from datetime import UTC

    from dti.extract.files import read_period

    if entity.files is None:
        raise ValueError(f"{entity.qualified_name} is not a file-drop entity")
    period = interval
    expected = interval.is_day if entity.files.period == "day" else interval.is_month
    if not expected:
        raise ValueError(
            f"{entity.qualified_name}: {interval.name} is not one {entity.files.period}; a "
            "file-drop entity is extracted one period at a time"
        )
    started = datetime.now(UTC)
    period_files = read_period(settings, entity, period)
    records = period_files.records
    if entity.personal:
        records = pseudonymise_records(records, entity.personal, settings.pseudonym_key)
    extraction = Extraction(
        entity=entity,
        interval=period,
        records=records,
        source_total=len(records),
        pages=sum(1 for f in period_files.files if f.status == "loaded"),
        started_at=started,
        finished_at=datetime.now(UTC),
        files=[f.to_dict() for f in period_files.files],
    )
    return extraction, period_files
