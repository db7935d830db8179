"""Extract: pull one interval of one source entity, pseudonymised before it leaves memory."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dti.extract.http import PagedClient, SourceError
from dti.pseudonymise import pseudonymise_records
from dti.records import Interval
from dti.sources import EntityMode, SourceEntity, get_source

if TYPE_CHECKING:
    from dti.config import Settings

log = logging.getLogger(__name__)

__all__ = ["Extraction", "SourceError", "extract", "interval_params"]


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
    """Every record of ``entity`` for ``interval`` (the whole list for snapshot entities)."""
    source = get_source(entity.source)
    label = f"{entity.source}/{entity.name} {interval.name}"
    with PagedClient(
        source.base_url(settings),
        source.token(settings),
        source=entity.source,
        page_size=settings.http_page_size,
        timeout=settings.http_timeout,
        retries=settings.http_retries,
        backoff_base=backoff_base,
    ) as client:
        result = client.fetch_all(
            entity.path,
            interval_params(entity, interval),
            record_key=entity.record_key,
            label=label,
        )
    records = result.records
    if entity.personal:
        records = pseudonymise_records(records, entity.personal, settings.pseudonym_key)
    return Extraction(
        entity=entity,
        interval=interval,
        records=records,
        source_total=result.total,
        pages=result.pages,
        started_at=result.started_at,
        finished_at=result.finished_at,
    )
