"""Records that cross stage boundaries (and Airflow XCom): plain dataclasses of strings and numbers.

Every record converts to and from a JSON-able dict (``to_dict`` / ``from_dict``), so a TaskFlow
task can return it and the next task can take it back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Self

from dti.config import LOCAL_TZ

MANIFEST_NAME = "manifest.json"
PARQUET_NAME = "part-0000.parquet"


def to_local(value: datetime | date | str) -> datetime:
    """A timezone-aware local (Asia/Ho_Chi_Minh) datetime from a datetime, a date or ISO text.

    Naive datetimes and bare dates are read as local time; aware ones (Airflow's UTC data
    interval) are converted.
    """
    if isinstance(value, str):
        value = (
            datetime.fromisoformat(value)
            if ("T" in value or " " in value)
            else (date.fromisoformat(value))
        )
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        return value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(LOCAL_TZ)


@dataclass(frozen=True)
class Interval:
    """A data interval [start, end) in local time; a local day is the usual one."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", to_local(self.start))
        object.__setattr__(self, "end", to_local(self.end))
        if self.end <= self.start:
            raise ValueError(f"empty interval: [{self.start.isoformat()}, {self.end.isoformat()})")

    @classmethod
    def day(cls, day: date | datetime | str) -> Interval:
        start = to_local(day).replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(start, datetime.combine(start.date() + timedelta(days=1), time(0), LOCAL_TZ))

    @classmethod
    def of(cls, start: datetime | date | str, end: datetime | date | str | None = None) -> Interval:
        """[start, end); without ``end``, the local day that ``start`` falls in."""
        return cls.day(start) if end is None else cls(to_local(start), to_local(end))

    @property
    def is_day(self) -> bool:
        return self == Interval.day(self.start)

    @classmethod
    def month(cls, day: date | datetime | str) -> Interval:
        """The local calendar month that ``day`` falls in."""
        start = to_local(day).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        nxt = (start.date() + timedelta(days=32)).replace(day=1)
        return cls(start, datetime.combine(nxt, time(0), LOCAL_TZ))

    @property
    def is_month(self) -> bool:
        return self == Interval.month(self.start)

    @property
    def name(self) -> str:
        """Folder name: ``2022-01-05`` for a local day, ``2022-01`` for a calendar month,
        ``20220105T000000-20220105T120000`` else."""
        if self.is_day:
            return self.start.date().isoformat()
        if self.is_month:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y%m%dT%H%M%S}-{self.end:%Y%m%dT%H%M%S}"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class LandedBatch:
    """One landed interval of one source entity (its folder holds the parquet and manifest)."""

    source: str
    entity: str
    interval: str
    interval_start: str
    interval_end: str
    path: str
    """The batch folder: ``DATA_DIR/landing/<source>/<entity>/<interval>`` (or in quarantine)."""
    batch_id: str
    rows: int
    source_total: int
    sha256: str
    extract_started_at: str
    extract_finished_at: str
    pages: int = 0
    fields: list[str] = field(default_factory=list)
    list_fields: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    """File-drop entities: every file of the period (name, unit, sha256, arrived_at, status, rows,
    reason), and the units that sent none (status ``missing``)."""

    @property
    def folder(self) -> Path:
        return Path(self.path)

    @property
    def parquet_path(self) -> Path:
        return self.folder / PARQUET_NAME

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST_NAME

    @property
    def interval_obj(self) -> Interval:
        return Interval(to_local(self.interval_start), to_local(self.interval_end))

    @property
    def label(self) -> str:
        """``portal/dossiers/2022-01-05``: how messages name the batch."""
        return f"{self.source}/{self.entity}/{self.interval}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @classmethod
    def from_folder(cls, folder: str | Path) -> Self:
        """Read a batch back from its folder's manifest (the folder may have moved)."""
        folder = Path(folder)
        manifest = folder / MANIFEST_NAME
        if not manifest.is_file():
            raise FileNotFoundError(
                f"{folder}: no {MANIFEST_NAME}; this is not a landed batch (land it again with "
                "extract_and_land)"
            )
        data = json.loads(manifest.read_text())
        data["path"] = str(folder)
        return cls.from_dict(data)

    @classmethod
    def coerce(cls, batch: LandedBatch | dict[str, Any] | str | Path) -> Self:
        """Accept what XCom hands over: the record, its dict, or the batch folder."""
        if isinstance(batch, cls):
            return batch
        if isinstance(batch, dict):
            return cls.from_dict(batch)
        return cls.from_folder(batch)


@dataclass(frozen=True)
class ValidationOutcome:
    """The result of running an entity's suite on one landed batch."""

    batch_id: str
    suite: str
    success: bool
    evaluated: int
    failed: list[str]
    """Failed expectations, e.g. ``expect_column_values_to_be_in_set(KenhThucHien)``."""
    result_path: str
    """The validation result JSON (under ``DATA_DIR/gx/validations``)."""
    duration_ms: int
    quarantine_path: str | None = None
    new_fields: list[str] = field(default_factory=list)
    """Fields the source sent that the contract does not know: landed, reported, not loaded."""

    @property
    def status(self) -> str:
        return "passed" if self.success else "failed"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @classmethod
    def coerce(cls, outcome: ValidationOutcome | dict[str, Any] | None) -> Self | None:
        if outcome is None or isinstance(outcome, cls):
            return outcome
        return cls.from_dict(outcome)


@dataclass(frozen=True)
class LoadResult:
    batch_id: str
    table: str
    interval_start: str
    interval_end: str
    rows: int
    deleted: int
    duration_ms: int
    status: str = "loaded"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
