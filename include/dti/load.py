"""Load: copy a landed, validated batch into ``raw.<source>__<entity>`` with PostgreSQL COPY.

In one transaction the interval's earlier rows (same ``_interval_start``) are deleted, the batch is
copied in, and one row is written to ``ops.load_audit``; so running an interval twice leaves the
table as running it once, and a load that fails leaves the previous rows as they were. Failed and
quarantined batches get an audit row of their own (:func:`record_failure`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from dti.land import verify_checksum
from dti.records import Interval, LandedBatch, LoadResult, ValidationOutcome, to_local
from dti.sources import FieldKind, SourceEntity, get_entity
from dti.warehouse import OPS_DDL

log = logging.getLogger(__name__)

META_COLUMNS = ("_batch_id", "_interval_start", "_interval_end", "_extracted_at")

# The audit table of dti.warehouse.bootstrap, so that loads also work on a warehouse that was not
# bootstrapped yet.
AUDIT_DDL = "create schema if not exists ops;\n" + OPS_DDL

_AUDIT_INSERT = """
insert into ops.load_audit (batch_id, source, entity, interval_start, interval_end, rows,
    source_total, checksum, status, validation_outcome, started_at, finished_at, duration_ms,
    error)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""


class LoadError(RuntimeError):
    """A batch could not be loaded; the message names the batch, the table and what to do."""


def _table(entity: SourceEntity) -> sql.Composed:
    return sql.SQL("{}.{}").format(
        sql.Identifier(entity.raw_schema), sql.Identifier(entity.raw_table_name)
    )


def raw_table_ddl(entity: SourceEntity) -> sql.Composed:
    """``create table if not exists`` for an entity's raw table, and its interval index."""
    columns = [
        sql.SQL("{} {}").format(
            sql.Identifier(f.name), sql.SQL("jsonb" if f.kind is FieldKind.LIST else "text")
        )
        for f in entity.fields
    ]
    columns += [
        sql.SQL("_batch_id text not null"),
        sql.SQL("_interval_start timestamptz not null"),
        sql.SQL("_interval_end timestamptz not null"),
        sql.SQL("_extracted_at timestamptz"),
        sql.SQL("_loaded_at timestamptz not null default now()"),
    ]
    return sql.SQL(
        "create schema if not exists {schema};\n"
        "create table if not exists {table} (\n    {columns}\n);\n"
        "create index if not exists {index} on {table} (_interval_start);"
    ).format(
        schema=sql.Identifier(entity.raw_schema),
        table=_table(entity),
        columns=sql.SQL(",\n    ").join(columns),
        index=sql.Identifier(f"{entity.raw_table_name}__interval_start"),
    )


def ensure_tables(conn: psycopg.Connection, entity: SourceEntity) -> None:
    """Create the raw table and the audit tables if missing (serialised by an advisory lock).

    Only when one is missing: `create index if not exists` takes a share lock on its table even
    when the index exists, and two concurrent loads (a backfill's nightly runs side by side)
    would deadlock between that lock and each other's inserts."""
    needed = [
        sql.SQL("{}.{}")
        .format(sql.Identifier(entity.raw_schema), sql.Identifier(entity.raw_table_name))
        .as_string(conn),
        "ops.load_audit",
        "ops.file_receipts",
        "ops.source_instances",
    ]
    missing = conn.execute(
        "select bool_or(to_regclass(name) is null) from unnest(%s::text[]) as name", (needed,)
    ).fetchone()[0]
    if not missing:
        _add_new_fields(conn, entity)
        if entity.contract:
            register_instances(conn)
        return
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('dti.load.ddl'))")
        conn.execute(AUDIT_DDL)
        conn.execute(raw_table_ddl(entity))
        register_instances(conn)


def register_instances(conn: psycopg.Connection) -> None:
    """Record the configured source instances (dti.sources.instances) in ops.source_instances,
    so the dbt staging of their source reads their raw tables. An instance removed from the
    sources file stays registered: its loaded rows stay part of the warehouse."""
    from dti.sources import get_source, source_names

    for name in source_names():
        source = get_source(name)
        if source.kind is None:
            continue
        conn.execute(
            "insert into ops.source_instances (instance, source, since, until) "
            "values (%s, %s, %s, %s) on conflict (instance) do update "
            "set source = excluded.source, since = excluded.since, until = excluded.until",
            (name, source.kind, source.since, source.until),
        )


def _add_new_fields(conn: psycopg.Connection, entity: SourceEntity) -> None:
    """A contract that grew a field (police communes' NgayHieuLuc, 2025): its column is added
    to a raw table created before, empty in the rows loaded then."""
    present = {
        name
        for (name,) in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s",
            (entity.raw_schema, entity.raw_table_name),
        )
    }
    new = [f for f in entity.fields if f.name not in present]
    if not new:
        return
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('dti.load.ddl'))")
        for f in new:
            conn.execute(
                sql.SQL("alter table {} add column if not exists {} {}").format(
                    _table(entity),
                    sql.Identifier(f.name),
                    sql.SQL("jsonb" if f.kind is FieldKind.LIST else "text"),
                )
            )


def _open_parquet(batch: LandedBatch, entity: SourceEntity) -> tuple[pq.ParquetFile, list[str]]:
    """The batch's parquet file, and the columns to load (the contract's, in its order).

    Checked from the file's schema alone: the rows are read as they are sent (:func:`load_batch`).
    """
    file = pq.ParquetFile(batch.parquet_path)
    # new fields the source added: landed and reported by validation, not loaded
    columns = [c for c in file.schema_arrow.names if c in entity.field_names]
    if columns != list(entity.field_names):
        file.close()
        missing = [f for f in entity.field_names if f not in columns]
        raise LoadError(
            f"{batch.label}: {batch.parquet_path} columns do not match the {entity.raw_table} "
            f"contract (missing {missing}, or out of order); validation should have stopped it: "
            "update the entity's field list in dti.sources if the source changed"
        )
    return file, columns


_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _copy_field(value: str) -> str:
    for plain, escaped in _COPY_ESCAPES:
        value = value.replace(plain, escaped)
    return value


_ESCAPED_BYTES = tuple(plain.encode() for plain, _ in _COPY_ESCAPES)


def _needs_escaping(column: pa.Array) -> bool:
    """Whether a string column holds a byte that the text format escapes (it rarely does).

    Searches the values' bytes as one buffer (a memchr per byte) instead of matching each value
    against a pattern: a regex per value was most of the loader's encoding time."""
    data = column.buffers()[2]
    if len(column) == 0 or data is None:
        return False
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)
    values = bytes(memoryview(data)[offsets[column.offset] : offsets[column.offset + len(column)]])
    return any(byte in values for byte in _ESCAPED_BYTES)


def _copy_column(column: pa.Array) -> pa.Array:
    """A string column as COPY text-format fields: backslash escapes, ``\\N`` for null."""
    if _needs_escaping(column):
        for plain, escaped in _COPY_ESCAPES:
            column = pc.replace_substring(column, plain, escaped)
    return pc.fill_null(column, "\\N")


ROWS_PER_CHUNK = 20_000


def copy_text_chunks(
    rows: pa.Table | Iterable[pa.RecordBatch],
    constants: tuple[str | None, ...],
    rows_per_chunk: int = ROWS_PER_CHUNK,
) -> Iterator[memoryview]:
    """The rows, plus constant trailing columns, as COPY text format, built column-wise by Arrow.

    ``rows`` is a table or a stream of record batches (a parquet file read as it is sent). Arrow
    builds the lines far faster than a Python call per row, and the text format is cheaper for
    the server to parse than CSV (JSON lists need no quote doubling). Each chunk is a view of
    Arrow's buffer, not a copy: the view keeps the buffer alive while the writer thread sends it.
    """
    tail = [r"\N" if v is None else _copy_field(v) for v in constants]
    # the line's end rides on its last field, so that one join builds whole lines
    tail_fields = [pa.scalar(v, pa.string()) for v in tail[:-1]]
    tail_fields += [pa.scalar(v + "\n", pa.string()) for v in tail[-1:]]
    batches = rows.to_batches(max_chunksize=rows_per_chunk) if isinstance(rows, pa.Table) else rows
    for batch in batches:
        n = batch.num_rows
        if n == 0:
            continue
        fields = [_copy_column(c.cast(pa.string())) for c in batch.columns]
        if tail_fields:
            fields += tail_fields
        else:
            fields[-1] = pc.binary_join_element_wise(fields[-1], pa.scalar("\n"), "")
        lines = pc.binary_join_element_wise(*fields, "\t")
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
        start, end = offsets[lines.offset], offsets[lines.offset + n]
        yield memoryview(lines.buffers()[2])[start:end]


def _audit(conn: psycopg.Connection, batch: LandedBatch, **values: Any) -> None:
    conn.execute(
        _AUDIT_INSERT,
        (
            batch.batch_id,
            batch.source,
            batch.entity,
            to_local(batch.interval_start),
            to_local(batch.interval_end),
            values.get("rows"),
            batch.source_total,
            batch.sha256,
            values["status"],
            values.get("validation_outcome"),
            values.get("started_at"),
            values.get("finished_at"),
            values.get("duration_ms"),
            values.get("error"),
        ),
    )


_RECEIPT_INSERT = """
insert into ops.file_receipts (source, entity, period_start, period_end, unit, file_name, sha256,
    arrived_at, status, rows, reason, batch_id)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""


def _record_receipts(conn: psycopg.Connection, batch: LandedBatch, quarantined: bool) -> None:
    """Replace the period's rows of ``ops.file_receipts`` with the batch's file list."""
    if not batch.files:
        return
    start, end = to_local(batch.interval_start), to_local(batch.interval_end)
    conn.execute(
        "delete from ops.file_receipts where source = %s and entity = %s and period_start = %s",
        (batch.source, batch.entity, start),
    )
    with conn.cursor() as cur:
        cur.executemany(
            _RECEIPT_INSERT,
            [
                (
                    batch.source,
                    batch.entity,
                    start,
                    end,
                    f.get("unit"),
                    f["name"],
                    f.get("sha256"),
                    f.get("arrived_at"),
                    "quarantined" if quarantined and f["status"] == "loaded" else f["status"],
                    f.get("rows"),
                    f.get("reason"),
                    batch.batch_id,
                )
                for f in batch.files
            ],
        )


def load_batch(
    dsn: str,
    batch: LandedBatch | dict[str, Any] | str,
    outcome: ValidationOutcome | dict[str, Any] | None = None,
) -> LoadResult:
    """Replace the batch's interval in its raw table with the batch's rows, and audit it.

    ``batch`` is a :class:`LandedBatch`, its dict, or the batch folder; ``outcome`` the
    :class:`ValidationOutcome` (or its dict) of that batch: a failed outcome is refused, ``None``
    loads unvalidated (audited as ``not_validated``). ``dsn`` is a libpq URL or key=value string.
    On failure the transaction rolls back (earlier rows stay), a ``failed`` audit row is written
    and :class:`LoadError` is raised.
    """
    batch = LandedBatch.coerce(batch)
    outcome = ValidationOutcome.coerce(outcome)
    if outcome is not None and not outcome.success:
        raise LoadError(
            f"{batch.label}: validation failed ({', '.join(outcome.failed)}); a failed batch is "
            "not loaded: fix the source or the suite, land the interval again, then load it"
        )
    validation = outcome.status if outcome else "not_validated"
    if outcome is not None and outcome.new_fields:
        # fields the contract does not know: landed, not loaded; marts.data_quality_issues
        # lists them (issue_type new_field) until the contract takes them
        validation = json.dumps({"status": outcome.status, "new_fields": outcome.new_fields})
    entity = get_entity(batch.source, batch.entity)
    started_at = datetime.now(UTC)
    t0 = time.perf_counter()
    try:
        verify_checksum(batch)
        parquet, columns = _open_parquet(batch, entity)
        n_rows = parquet.metadata.num_rows
        constants = (
            batch.batch_id,
            batch.interval_start,
            batch.interval_end,
            batch.extract_finished_at,
        )
        with parquet, psycopg.connect(dsn) as conn:
            ensure_tables(conn, entity)
            with conn.transaction():
                # One loader per table at a time: two loads of one interval must not interleave.
                conn.execute(
                    "select pg_advisory_xact_lock(hashtext(%s))", (f"dti.load.{entity.raw_table}",)
                )
                deleted = conn.execute(
                    sql.SQL("delete from {} where _interval_start = %s").format(_table(entity)),
                    (to_local(batch.interval_start),),
                ).rowcount
                copy_sql = sql.SQL("copy {} ({}) from stdin").format(
                    _table(entity),
                    sql.SQL(", ").join(
                        sql.Identifier(c) for c in (*entity.field_names, *META_COLUMNS)
                    ),
                )
                # The file is read a chunk at a time (reading it whole first took twice as long
                # as encoding it) on this thread alone, and the queued writer sends each chunk
                # from its thread while the next is read and encoded: the server's COPY on the
                # other core sets the pace (Arrow's reader threads only took cores from it).
                chunks = parquet.iter_batches(
                    batch_size=ROWS_PER_CHUNK, columns=columns, use_threads=False
                )
                with (
                    conn.cursor() as cur,
                    cur.copy(copy_sql, writer=QueuedLibpqWriter(cur)) as copy,
                ):
                    for chunk in copy_text_chunks(chunks, constants):
                        copy.write(chunk)
                _record_receipts(conn, batch, quarantined=False)
                duration_ms = int((time.perf_counter() - t0) * 1000)
                _audit(
                    conn,
                    batch,
                    rows=n_rows,
                    status="loaded",
                    validation_outcome=validation,
                    started_at=started_at,
                    finished_at=datetime.now(UTC),
                    duration_ms=duration_ms,
                )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.error("load of %s into %s failed: %s", batch.label, entity.raw_table, error)
        try:
            record_failure(
                dsn, batch, error, status="failed", outcome=outcome, started_at=started_at
            )
        except Exception:  # the audit must not hide the load's own error
            log.exception("could not write the failed-load audit row for %s", batch.label)
        if isinstance(exc, LoadError):
            raise
        raise LoadError(
            f"{batch.label}: loading {batch.parquet_path} into {entity.raw_table} failed "
            f"({error}); the interval's earlier rows are unchanged. Fix the cause and load again"
        ) from exc
    log.info(
        "loaded %s into %s: %d rows (replaced %d) in %d ms (%.0f rows/s)",
        batch.label,
        entity.raw_table,
        n_rows,
        deleted,
        duration_ms,
        n_rows / max(duration_ms / 1000, 1e-6),
    )
    return LoadResult(
        batch_id=batch.batch_id,
        table=entity.raw_table,
        interval_start=batch.interval_start,
        interval_end=batch.interval_end,
        rows=n_rows,
        deleted=deleted,
        duration_ms=duration_ms,
    )


def record_failure(
    dsn: str,
    batch: LandedBatch | dict[str, Any] | str,
    error: str,
    *,
    status: str = "failed",
    outcome: ValidationOutcome | dict[str, Any] | None = None,
    started_at: datetime | None = None,
) -> None:
    """Write an audit row for a batch that was not loaded (``quarantined`` or ``failed``)."""
    if status not in ("failed", "quarantined"):
        raise ValueError(f"status must be 'failed' or 'quarantined', not {status!r}")
    batch = LandedBatch.coerce(batch)
    outcome = ValidationOutcome.coerce(outcome)
    entity = get_entity(batch.source, batch.entity)
    finished = datetime.now(UTC)
    with psycopg.connect(dsn) as conn:
        ensure_tables(conn, entity)
        with conn.transaction():
            _audit(
                conn,
                batch,
                rows=batch.rows,
                status=status,
                validation_outcome=outcome.status if outcome else None,
                started_at=started_at,
                finished_at=finished,
                duration_ms=int((finished - started_at).total_seconds() * 1000)
                if started_at
                else None,
                error=error,
            )
            if status == "quarantined":
                _record_receipts(conn, batch, quarantined=True)


def record_interval_failure(
    dsn: str,
    source: str,
    entity: str,
    interval: Interval,
    error: str,
    *,
    started_at: datetime | None = None,
) -> None:
    """Audit an interval that failed before a batch existed (e.g. the extraction failed)."""
    spec = get_entity(source, entity)
    finished = datetime.now(UTC)
    with psycopg.connect(dsn) as conn:
        ensure_tables(conn, spec)
        with conn.transaction():
            conn.execute(
                _AUDIT_INSERT,
                (
                    f"{source}__{entity}__{interval.name}__not_landed",
                    source,
                    entity,
                    interval.start,
                    interval.end,
                    None,
                    None,
                    None,
                    "failed",
                    None,
                    started_at,
                    finished,
                    int((finished - started_at).total_seconds() * 1000) if started_at else None,
                    error,
                ),
            )
