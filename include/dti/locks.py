"""One load of a source interval at a time: advisory locks in the warehouse.

A run takes a session-level advisory lock per (source, entity, interval) before it extracts,
lands or loads that interval, with ``pg_try_advisory_lock``: a second run of the same interval
does not wait or interleave, it stops at once with :class:`IntervalBusy`, which names the
interval and the other run's connection (application name, client, since when). The locks go with
the connection, so a killed run never leaves one behind.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg

from dti.records import Interval


class IntervalBusy(RuntimeError):
    """Another run is loading this source interval right now."""


def lock_key(source: str, entity: str, interval: Interval) -> int:
    """A stable signed 64-bit key for the interval's advisory lock."""
    digest = hashlib.sha256(f"dti.load/{source}/{entity}/{interval.name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _holder(conn: psycopg.Connection, key: int) -> str:
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    row = conn.execute(
        """
        select a.application_name, a.client_addr, a.backend_start, a.pid
        from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.objsubid = 1
          and l.classid = %s::bigint::oid and l.objid = %s::bigint::oid
        """,
        (unsigned >> 32, unsigned & 0xFFFFFFFF),
    ).fetchone()
    if row is None:
        return "another run"
    app, client, since, pid = row
    started = f"{since:%Y-%m-%d %H:%M:%S %Z}"
    return f"{app or 'a session'} (backend pid {pid}, client {client or 'local'}, since {started})"


@contextmanager
def interval_locks(
    dsn: str, source: str, entity: str, intervals: Iterable[Interval]
) -> Iterator[None]:
    """Hold the advisory locks of ``intervals`` for the block, or raise :class:`IntervalBusy`."""
    name = f"dti-load {source}/{entity} {socket.gethostname()}:{os.getpid()}"
    with psycopg.connect(dsn, autocommit=True, application_name=name[:63]) as conn:
        held: list[int] = []
        try:
            for interval in intervals:
                key = lock_key(source, entity, interval)
                if not conn.execute("select pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
                    holder = _holder(conn, key)
                    raise IntervalBusy(
                        f"{source}/{entity} {interval.name} is being loaded by {holder}; "
                        "two loads of one interval never run at once: wait for it to finish "
                        "(or stop it), then run again"
                    )
                held.append(key)
            yield
        finally:
            for key in held:
                conn.execute("select pg_advisory_unlock(%s)", (key,))
