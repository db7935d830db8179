"""Land: write one interval's records, unchanged, to the landing zone as parquet + manifest.

``DATA_DIR/landing/<source>/<entity>/<interval>/{part-0000.parquet, manifest.json}``. Field names
are the source's; scalars are strings, lists are JSON text. Records arrive here already
pseudonymised (see :func:`dti.extract.extract`). A batch folder is written beside its final place
and renamed into it, so a reader never sees half a batch; landing an interval again replaces it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from dti.extract import Extraction, extract
from dti.records import MANIFEST_NAME, PARQUET_NAME, Interval, LandedBatch, to_local
from dti.sources import EntityMode, SourceEntity, get_entity

if TYPE_CHECKING:
    from dti.config import Settings

log = logging.getLogger(__name__)


def landing_dir(data_dir: Path, source: str, entity: str, interval: str) -> Path:
    return Path(data_dir) / "landing" / source / entity / interval


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        # A JSON boolean where the contract says a code string: keep it readable as the code.
        return "1" if value else "0"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _as_json(value: Any) -> str | None:
    """Compact JSON, non-ASCII kept as is (what ``json.dumps(..., ensure_ascii=False,
    separators=(",", ":"))`` writes, only faster)."""
    if value is None:
        return None
    return orjson.dumps(value).decode()


def landed_columns(entity: SourceEntity, records: list[dict[str, Any]]) -> list[str]:
    """The columns to land: the contract's fields the source sent, then any it added.

    A contract field that no record carries is left out (and a new field is kept) so that the
    suite's schema expectation sees the drift instead of a column of nulls hiding it.
    """
    if not records:
        return list(entity.field_names)
    present: dict[str, None] = {}
    for record in records:
        present.update(dict.fromkeys(record))
    known = [f for f in entity.field_names if f in present]
    extra = [f for f in present if f not in entity.field_names]
    if extra:
        log.warning("%s: fields not in the contract: %s", entity.qualified_name, extra)
    missing = [f for f in entity.field_names if f not in present]
    if missing:
        log.warning(
            "%s: contract fields the source did not send: %s", entity.qualified_name, missing
        )
    return known + extra


def records_to_table(entity: SourceEntity, records: list[dict[str, Any]]) -> pa.Table:
    columns = landed_columns(entity, records)
    lists = set(entity.list_fields)
    arrays = {}
    for name in columns:
        convert = _as_json if name in lists else _as_text
        arrays[name] = pa.array([convert(r.get(name)) for r in records], type=pa.string())
    return pa.table(arrays, schema=pa.schema([(c, pa.string()) for c in columns]))


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _content_hash(table: pa.Table) -> str:
    """A hash of the landed values (not of the file bytes, which depend on the writer)."""
    return hashlib.sha256(orjson.dumps(table.to_pydict())).hexdigest()


def batch_id_for(source: str, entity: str, interval: str, content_hash: str) -> str:
    """Deterministic: the same interval with the same content always has the same batch id."""
    return f"{source}__{entity}__{interval}__{content_hash[:16]}"


def _replace_dir(tmp: Path, final: Path) -> None:
    """Move ``tmp`` into place as ``final``, replacing an earlier batch of the same interval."""
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def land(settings: Settings, extraction: Extraction) -> LandedBatch:
    """Write an extraction to the landing zone; returns the landed batch."""
    entity = extraction.entity
    interval = extraction.interval
    table = records_to_table(entity, extraction.records)
    final = landing_dir(settings.data_dir, entity.source, entity.name, interval.name)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".tmp-{final.name}-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        parquet = tmp / PARQUET_NAME
        pq.write_table(table, parquet, compression="zstd")
        sha = _sha256_file(parquet)
        content = _content_hash(table)
        batch = LandedBatch(
            source=entity.source,
            entity=entity.name,
            interval=interval.name,
            interval_start=interval.start.isoformat(),
            interval_end=interval.end.isoformat(),
            path=str(final),
            batch_id=batch_id_for(entity.source, entity.name, interval.name, content),
            rows=table.num_rows,
            source_total=extraction.source_total,
            sha256=sha,
            extract_started_at=extraction.started_at.astimezone(UTC).isoformat(),
            extract_finished_at=extraction.finished_at.astimezone(UTC).isoformat(),
            pages=extraction.pages,
            fields=list(table.column_names),
            list_fields=[f for f in entity.list_fields if f in table.column_names],
            files=extraction.files,
        )
        manifest = {k: v for k, v in batch.to_dict().items() if k != "path"}
        manifest |= {
            "file": PARQUET_NAME,
            "content_sha256": content,
            "landed_at": datetime.now(UTC).isoformat(),
            "pseudonymised_fields": sorted(entity.personal),
            # what the extraction survived (docs/reliability.md)
            "http_retries": extraction.retries,
            "reextractions": extraction.reextractions,
        }
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        _replace_dir(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info(
        "landed %s: %d rows (source total %d) in %s",
        batch.label,
        batch.rows,
        batch.source_total,
        final,
    )
    return batch


def extract_and_land(
    settings: Settings,
    source: str,
    entity: str,
    interval_start: datetime | date | str,
    interval_end: datetime | date | str | None = None,
) -> LandedBatch:
    """Extract [interval_start, interval_end) of ``source``/``entity`` and land it.

    Without ``interval_end`` the interval is the local day of ``interval_start``. Datetimes may be
    aware (Airflow's UTC data interval) or naive local; strings are ISO dates or datetimes.
    Returns the :class:`LandedBatch` (``.to_dict()`` for XCom).
    """
    spec = get_entity(source, entity)
    interval = Interval.of(interval_start, interval_end)
    if spec.mode is EntityMode.FILES:
        return _land_files_period(settings, spec, interval)
    return land(settings, extract(settings, spec, interval))


def _land_files_period(settings: Settings, spec: SourceEntity, period: Interval) -> LandedBatch:
    from dti.extract import extract_files
    from dti.extract.files import archive_inbox_files

    extraction, period_files = extract_files(settings, spec, period)
    batch = land(settings, extraction)
    # only once the batch is safely landed do the files leave the inbox
    archive_inbox_files(settings, spec, period_files)
    return batch


def land_file_periods(
    settings: Settings,
    source: str,
    entity: str,
    interval_start: datetime | date | str,
    interval_end: datetime | date | str | None = None,
) -> list[LandedBatch]:
    """Land what a run over [start, end) owes a file-drop entity: its periods in the interval
    and the earlier periods that late files arrived for (dti.extract.files.periods_to_land)."""
    from dti.extract.files import periods_to_land

    spec = get_entity(source, entity)
    interval = Interval.of(interval_start, interval_end)
    return [
        _land_files_period(settings, spec, period)
        for period in periods_to_land(settings, spec, interval)
    ]


def _interval_key(name: str) -> str:
    """A batch folder's name (``2022-01-05``, ``2022-01``, ``20220105T000000-...``) as its
    start, ``YYYYmmddTHHMMSS``, so that days, months and explicit intervals compare."""
    if "T" in name:
        return name[:15]
    digits = name.replace("-", "")
    return f"{digits}{'01' if len(digits) == 6 else ''}T000000"


def pick_snapshot(names: list[str], as_of: datetime | None = None) -> str | None:
    """Of the batch folder names of a catalogue, the one a batch starting ``as_of`` is checked
    against: the first taken at or after it (the catalogue as the source listed it when that
    interval's records were current; catalogues grow, so a later one still holds them), else
    the latest before it. Without ``as_of``, the latest."""
    names = sorted(names, key=_interval_key)
    if not names:
        return None
    if as_of is None:
        return names[-1]
    start = f"{to_local(as_of):%Y%m%dT%H%M%S}"
    return next((n for n in names if _interval_key(n) >= start), names[-1])


def latest_landed(
    data_dir: Path, source: str, entity: str, as_of: datetime | None = None
) -> LandedBatch | None:
    """The landed batch of ``source``/``entity`` with the latest interval, if any; with
    ``as_of``, the one :func:`pick_snapshot` chooses for a batch starting then."""
    parent = Path(data_dir) / "landing" / source / entity
    if not parent.is_dir():
        return None
    names = [
        p.name
        for p in parent.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST_NAME).is_file()
    ]
    name = pick_snapshot(names, as_of)
    return LandedBatch.from_folder(parent / name) if name else None


def verify_checksum(batch: LandedBatch) -> None:
    """Raise if the parquet file no longer matches the sha256 its manifest recorded."""
    actual = _sha256_file(batch.parquet_path)
    if actual != batch.sha256:
        raise ValueError(
            f"{batch.label}: {batch.parquet_path} has sha256 {actual}, the manifest says "
            f"{batch.sha256}; the file changed after landing: land the interval again"
        )
