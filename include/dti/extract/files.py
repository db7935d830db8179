"""Extract from file drops: the files a source system leaves in an inbox folder.

A file-drop entity (``EntityMode.FILES``) receives one file per reporting unit per period (a day or
a month) in ``<inbox>/<source>/<entity>/``; the unit and the period are read from the file name
(``FileDrop.pattern``). Extracting a period reads every file of that period: those still in the
inbox and those archived by earlier runs under ``DATA_DIR/archive/<source>/<entity>/<period>/``,
so landing a period again (a late file, a re-sent file, a backfill) always rebuilds the whole
period from its files:

* each file is checksummed (sha256); a file whose content is already among the period's files is
  a ``duplicate``: logged, archived aside, never loaded twice;
* a unit that sends a different file for the same period replaces its earlier one (the newest
  readable one by arrival time wins; an unreadable re-send does not take the earlier good file's
  place); the earlier is kept aside as ``replaced``;
* each remaining file is parsed by the entity's parser; a file it cannot read (truncated XML,
  missing header, empty) is ``rejected``: moved to ``DATA_DIR/quarantine/files/`` with the
  reason beside it, while the period's other files load;
* units expected every period (``FileDrop.expected_units``) that sent nothing are ``missing``.

Every file's fate is listed in the batch (``LandedBatch.files``) and written to
``ops.file_receipts`` when the batch is loaded. The inbox files are moved into the archive once
the period is landed (:func:`archive_inbox_files`), so the inbox only ever holds what has not been
landed yet: :func:`pending_periods` lists the periods a late file belongs to.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dti.records import Interval
from dti.sources import FILE_COLUMNS, FileDrop, SourceEntity

if TYPE_CHECKING:
    from dti.config import Settings

log = logging.getLogger(__name__)


class FileRejected(ValueError):
    """A dropped file cannot be read; the message says why (the row, the header, the tag)."""


@dataclass
class ReceivedFile:
    """One file of a period and what became of it."""

    name: str
    unit: str | None
    sha256: str | None
    arrived_at: str | None
    """The file's modification time (UTC ISO): when it reached the inbox."""
    status: str
    """``loaded``, ``duplicate``, ``replaced``, ``rejected`` or ``missing``."""
    rows: int | None = 0
    reason: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """As listed in the batch manifest (without the path, which archiving changes)."""
        return {k: v for k, v in asdict(self).items() if k != "path"}


def inbox_dir(settings: Settings, entity: SourceEntity) -> Path:
    """``<inbox>/<source>/<entity>/``; an instance's files may land elsewhere (its ``inbox:``)."""
    return settings.inbox / _source_of(entity).inbox_folder / entity.name


def _source_of(entity: SourceEntity):  # noqa: ANN202 - dti.sources.Source
    from dti.sources import Source, get_source

    try:
        return get_source(entity.source)
    except KeyError:  # an entity made up outside the registry (tests): its own name
        return Source(entity.source, {})


def _unit_settings(settings: Settings, entity: SourceEntity) -> Settings:
    """The settings the expected units are computed with: an instance's province (the former
    Bắc Ninh's offices for its system) in place of the configured one."""
    province = _source_of(entity).province
    return settings if province is None else replace(settings, province_code=province)


def archive_dir(settings: Settings, entity: SourceEntity, period: Interval) -> Path:
    return settings.data_dir / "archive" / entity.source / entity.name / period.name


def quarantine_dir(settings: Settings, entity: SourceEntity, period: Interval) -> Path:
    return settings.data_dir / "quarantine" / "files" / entity.source / entity.name / period.name


def _spec(entity: SourceEntity) -> FileDrop:
    if entity.files is None:
        raise ValueError(f"{entity.qualified_name} is not a file-drop entity")
    return entity.files


def _resolve(dotted: str) -> Callable:
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


def period_of(spec: FileDrop, digits: str) -> Interval:
    """The period a file name's ``period`` group names (``YYYYMMDD`` or ``YYYYMM``)."""
    try:
        if spec.period == "day":
            return Interval.day(datetime.strptime(digits, "%Y%m%d").date())
        return Interval.month(datetime.strptime(digits, "%Y%m").date())
    except ValueError:
        want = "YYYYMMDD" if spec.period == "day" else "YYYYMM"
        raise FileRejected(f"the period {digits!r} in the file name is not a {want} date") from None


def periods_overlapping(spec: FileDrop, interval: Interval) -> list[Interval]:
    """The entity's periods (days or months) that overlap ``interval``."""
    out: list[Interval] = []
    step = Interval.day if spec.period == "day" else Interval.month
    current = step(interval.start)
    while current.start < interval.end:
        out.append(current)
        current = step(current.end)
    return out


@dataclass(frozen=True)
class _Candidate:
    path: Path
    unit: str
    period: Interval
    mtime: float


def _candidates(
    folder: Path, spec: FileDrop, period: Interval | None = None
) -> tuple[list[_Candidate], list[Path]]:
    """Files of ``folder`` whose names match the pattern (only those of ``period`` if given),
    and those that do not match.

    One ``scandir`` and a regex per name: a backfill's inbox holds years of files (60,000 for
    five years of health), and each landed day reads it, so nothing per file is done before its
    name says it is wanted (the stat of its mtime, for the files of the period only)."""
    matched: list[_Candidate] = []
    strays: list[Path] = []
    if not folder.is_dir():
        return matched, strays
    pattern = _pattern(spec.pattern)
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if not e.name.startswith(".") and e.is_file())
    for name in names:
        m = pattern.fullmatch(name)
        if m is None:
            strays.append(folder / name)
            continue
        try:
            file_period = _period_of_cached(spec, m.group("period"))
        except FileRejected:
            strays.append(folder / name)
            continue
        if period is not None and file_period != period:
            continue
        path = folder / name
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            continue  # archived meanwhile by the landing of its own period (another worker)
        matched.append(_Candidate(path, m.group("unit"), file_period, mtime))
    return matched, strays


@functools.cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


@functools.lru_cache(maxsize=65536)
def _period_of_cached(spec: FileDrop, digits: str) -> Interval:
    return period_of(spec, digits)


def _periods_waiting(folder: Path, spec: FileDrop) -> tuple[set[Interval], list[Path]]:
    """The periods named by the files in ``folder`` (no stat: only the names), and strays."""
    periods: set[Interval] = set()
    strays: list[Path] = []
    if not folder.is_dir():
        return periods, strays
    pattern = _pattern(spec.pattern)
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file():
                continue
            m = pattern.fullmatch(entry.name)
            try:
                if m is None:
                    raise FileRejected(entry.name)
                periods.add(_period_of_cached(spec, m.group("period")))
            except FileRejected:
                strays.append(folder / entry.name)
    return periods, sorted(strays)


def pending_periods(settings: Settings, entity: SourceEntity, before: datetime) -> list[Interval]:
    """Periods starting before ``before`` with files waiting in the inbox (late or re-sent)."""
    spec = _spec(entity)
    periods, strays = _periods_waiting(inbox_dir(settings, entity), spec)
    for path in strays:
        log.warning(
            "%s: %s in the inbox does not match the file-name pattern %r; left where it is",
            entity.qualified_name,
            path,
            spec.pattern,
        )
    return sorted((p for p in periods if p.start < before), key=lambda p: p.start)


def periods_to_land(settings: Settings, entity: SourceEntity, interval: Interval) -> list[Interval]:
    """What a run over ``interval`` lands for a file-drop entity.

    Daily entities: every day of the interval (a day without files is landed empty, so its
    missing units are recorded) plus earlier days with late files in the inbox. Monthly
    entities: the months of the interval that have files (in the inbox or archived) plus
    earlier months with files waiting; a month whose workbook has not come yet is not landed.
    """
    spec = _spec(entity)
    wanted = set(pending_periods(settings, entity, interval.end))
    for period in periods_overlapping(spec, interval):
        if spec.period == "day" or period in wanted or _has_archive(settings, entity, period):
            wanted.add(period)
    return sorted(wanted, key=lambda p: p.start)


def _has_archive(settings: Settings, entity: SourceEntity, period: Interval) -> bool:
    folder = archive_dir(settings, entity, period)
    return folder.is_dir() and any(p.is_file() for p in folder.iterdir())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _utc(mtime: float) -> str:
    return datetime.fromtimestamp(mtime, UTC).isoformat()


@dataclass
class PeriodFiles:
    """The records of one period's files, and the fate of every file."""

    period: Interval
    records: list[dict[str, Any]]
    files: list[ReceivedFile]
    inbox_paths: list[Path]
    """Inbox files to move to the archive once the batch is landed."""


def read_period(settings: Settings, entity: SourceEntity, period: Interval) -> PeriodFiles:
    """Every record of ``period``'s files (inbox and archive), with each file's fate."""
    spec = _spec(entity)
    inbox_files, _ = _candidates(inbox_dir(settings, entity), spec, period)
    archived, _ = _candidates(archive_dir(settings, entity, period), spec, period)
    files: list[ReceivedFile] = []
    by_sha: dict[tuple[str, str], _Candidate] = {}
    # oldest first: of two identical files the first to arrive is the one kept. A duplicate is
    # the same content from the same unit: two units' header-only exports of a day without
    # transactions are byte-identical and both count as received.
    for cand in sorted([*archived, *inbox_files], key=lambda c: (c.mtime, c.path.name)):
        sha = _sha256(cand.path)
        if (cand.unit, sha) in by_sha:
            log.info(
                "%s %s: %s is a duplicate of %s (same sha256); skipped",
                entity.qualified_name,
                period.name,
                cand.path.name,
                by_sha[cand.unit, sha].path.name,
            )
            files.append(
                ReceivedFile(
                    cand.path.name,
                    cand.unit,
                    sha,
                    _utc(cand.mtime),
                    "duplicate",
                    reason=f"same content as {by_sha[cand.unit, sha].path.name}",
                    path=str(cand.path),
                )
            )
            continue
        by_sha[cand.unit, sha] = cand
    # Per unit the latest readable file wins: a re-send that cannot be read (truncated, corrupt,
    # empty) is rejected and the unit's earlier good file stays loaded, so a damaged late file
    # never takes away rows already loaded.
    by_unit: dict[str, list[tuple[str, _Candidate]]] = {}
    for (_unit, sha), cand in by_sha.items():
        by_unit.setdefault(cand.unit, []).append((sha, cand))
    parse = _resolve(spec.parser)
    records: list[dict[str, Any]] = []
    for unit in sorted(by_unit):
        newest_first = sorted(
            by_unit[unit], key=lambda sc: (sc[1].mtime, sc[1].path.name), reverse=True
        )
        chosen: _Candidate | None = None
        for sha, cand in newest_first:
            if chosen is not None:
                files.append(_replaced(sha, cand, chosen))
                continue
            try:
                rows = _parse(parse, cand.path, sha)
            except Exception as exc:  # a file it cannot read is rejected, the others load
                reason = (
                    str(exc) if isinstance(exc, FileRejected) else f"{type(exc).__name__}: {exc}"
                )
                log.warning(
                    "%s %s: %s rejected: %s",
                    entity.qualified_name,
                    period.name,
                    cand.path.name,
                    reason,
                )
                files.append(
                    ReceivedFile(
                        cand.path.name,
                        unit,
                        sha,
                        _utc(cand.mtime),
                        "rejected",
                        0,
                        reason,
                        str(cand.path),
                    )
                )
                continue
            records.extend(rows)
            files.append(
                ReceivedFile(
                    cand.path.name,
                    unit,
                    sha,
                    _utc(cand.mtime),
                    "loaded",
                    len(rows),
                    None,
                    str(cand.path),
                )
            )
            chosen = cand
    received = {f.unit for f in files}
    if spec.expected_units:
        expected = _resolve(spec.expected_units)(_unit_settings(settings, entity), period)
        for unit in sorted(set(expected) - received):
            files.append(ReceivedFile(f"({unit})", unit, None, None, "missing", rows=None))
    files.sort(key=lambda f: (f.unit or "", f.name))
    return PeriodFiles(period, records, files, [c.path for c in inbox_files])


def _replaced(sha: str, old: _Candidate, new: _Candidate) -> ReceivedFile:
    return ReceivedFile(
        old.path.name,
        old.unit,
        sha,
        _utc(old.mtime),
        "replaced",
        reason=f"replaced by {new.path.name}, which arrived later",
        path=str(old.path),
    )


def _parse(parse: Callable[[Path], Iterable[dict[str, Any]]], path: Path, sha: str) -> list[dict]:
    rows = []
    for record in parse(path):
        record = dict(record)
        record[FILE_COLUMNS[0]] = path.name
        record[FILE_COLUMNS[1]] = sha
        rows.append(record)
    return rows


def archive_inbox_files(settings: Settings, entity: SourceEntity, landed: PeriodFiles) -> None:
    """Move the period's inbox files out of the inbox once its batch is landed: loaded ones to
    the archive, duplicates and replaced ones to ``_duplicate``/``_replaced`` beside it, rejected
    ones to the file quarantine with the reason beside them."""
    fate = {f.path: f for f in landed.files if f.path}
    archive = archive_dir(settings, entity, landed.period)
    for path in landed.inbox_paths:
        received = fate.get(str(path))
        status = received.status if received else "loaded"
        if status == "rejected":
            target = quarantine_dir(settings, entity, landed.period)
        elif status in ("duplicate", "replaced"):
            target = archive / f"_{status}"
        else:
            target = archive
        target.mkdir(parents=True, exist_ok=True)
        dest = target / path.name
        if dest.exists() and dest.resolve() != path.resolve():
            # the same name sent again with other content: keep the earlier one aside
            aside = archive / "_replaced"
            aside.mkdir(parents=True, exist_ok=True)
            os.replace(dest, aside / f"{dest.name}.{int(dest.stat().st_mtime)}")
        shutil.move(str(path), dest)
        if status == "rejected" and received is not None:
            (target / f"{path.name}.reason.txt").write_text(f"{received.reason}\n", "utf-8")
    # archived files that a later file replaced or that turned out unreadable move aside too
    for received in landed.files:
        if not received.path or received.status == "loaded":
            continue
        path = Path(received.path)
        if path.parent == archive and path.exists():
            target = (
                quarantine_dir(settings, entity, landed.period)
                if received.status == "rejected"
                else archive / f"_{received.status}"
            )
            target.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), target / path.name)
            if received.status == "rejected":
                (target / f"{path.name}.reason.txt").write_text(f"{received.reason}\n", "utf-8")
