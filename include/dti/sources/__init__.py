"""The source registry: what is particular to each source system, as data.

Each source is a sub-package (``dti.sources.<name>``) exposing ``SOURCE``, a :class:`Source` with
its entities. A new source is a new folder plus one line in :data:`_SOURCE_MODULES`; the stages
(extract, land, validate, load) read everything they need about an entity from its
:class:`SourceEntity`.

A second system of the same kind (the former Bắc Ninh's portal before the 2025 merger) is an
**instance**: configuration only, in the sources file (``DTI_SOURCES_FILE``, by default
``sources.yaml`` at the project root; :mod:`dti.sources.instances`). An instance has its own
name, URL, token, raw tables, load intervals and freshness, and the contract, suites and dbt
staging of the source it is an instance of.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dti.config import Settings


class FieldKind(StrEnum):
    """How a source field is kept in the landing zone and in ``raw``."""

    TEXT = "text"  # a scalar: landed as a string, loaded as ``text``
    LIST = "list"  # a list of objects: landed as JSON text, loaded as ``jsonb``


class EntityMode(StrEnum):
    SNAPSHOT = "snapshot"  # the whole list on every extraction
    INCREMENTAL = "incremental"  # the records changed in the extraction interval
    FILES = "files"  # files dropped into an inbox, one batch per period (dti.extract.files)


FILE_COLUMNS = ("_file", "_file_sha256")
"""Columns the file-drop extraction adds to every record: the file it came from, and its sha256."""


@dataclass(frozen=True)
class FileDrop:
    """How a file-drop entity's files are found and read (see :mod:`dti.extract.files`)."""

    pattern: str
    """Regex on the file name with the named groups ``unit`` and ``period`` (``YYYYMMDD`` digits
    for a daily entity, ``YYYYMM`` for a monthly one)."""
    parser: str
    """``"package.module:function"``: ``function(path) -> Iterable[dict]`` yielding records keyed
    by the contract's field names; it raises :class:`dti.extract.files.FileRejected` (or any
    exception) for a file it cannot read."""
    period: str = "day"
    """``"day"`` or ``"month"``: the interval one file covers."""
    expected_units: str | None = None
    """``"package.module:function"``: ``function(settings, period) -> list[str]``, the units
    that should send a file for ``period`` (an :class:`dti.records.Interval`; what completeness
    is measured against: the offices change with the administrative units)."""

    def __post_init__(self) -> None:
        if self.period not in ("day", "month"):
            raise ValueError(f"FileDrop.period must be 'day' or 'month', not {self.period!r}")
        groups = re.compile(self.pattern).groupindex
        if not {"unit", "period"} <= set(groups):
            raise ValueError(f"FileDrop.pattern {self.pattern!r} needs groups 'unit' and 'period'")


@dataclass(frozen=True)
class SourceField:
    name: str
    kind: FieldKind = FieldKind.TEXT


@dataclass(frozen=True)
class SourceEntity:
    """One entity of one source: where it is fetched, what it holds, how it is checked."""

    source: str
    name: str
    path: str
    """Endpoint path below the source's base URL."""
    fields: tuple[SourceField, ...]
    key: tuple[str, ...]
    """Business key."""
    mode: EntityMode
    personal: frozenset[str] = frozenset()
    """Fields pseudonymised before anything is written."""
    version_field: str | None = None
    """Field telling versions of one key apart (a record is ``key + version``)."""
    interval_params: tuple[str, str] | None = None
    """Query parameters carrying [start, end) of the interval (incremental entities)."""
    timestamp_format: str = "%Y%m%d%H%M%S"
    reference_sets: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Suite parameters read from another entity's latest snapshot: name -> (entity, column)."""
    files: FileDrop | None = None
    """Where and how the files of a ``FILES`` entity arrive."""
    contract: str | None = None
    """The registered source whose contract (suite, staging) an instance's entity follows;
    None: ``source`` itself."""

    def __post_init__(self) -> None:
        if self.mode is EntityMode.FILES:
            if self.files is None:
                raise ValueError(f"{self.qualified_name}: a files entity needs files=FileDrop(...)")
            extra = tuple(SourceField(c) for c in FILE_COLUMNS if c not in self.field_names)
            object.__setattr__(self, "fields", (*self.fields, *extra))
        names = self.field_names
        missing = [f for f in (*self.key, *self.personal) if f not in names]
        if self.version_field and self.version_field not in names:
            missing.append(self.version_field)
        if missing:
            raise ValueError(f"{self.qualified_name}: unknown fields {missing}")
        if self.mode is EntityMode.INCREMENTAL and self.interval_params is None:
            raise ValueError(f"{self.qualified_name}: an incremental entity needs interval_params")

    @property
    def qualified_name(self) -> str:
        return f"{self.source}__{self.name}"

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def list_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.kind is FieldKind.LIST)

    @property
    def record_key(self) -> tuple[str, ...]:
        """Fields identifying one record in one extraction (key, plus version if any)."""
        return (*self.key, self.version_field) if self.version_field else self.key

    @property
    def raw_schema(self) -> str:
        return "raw"

    @property
    def raw_table_name(self) -> str:
        return self.qualified_name

    @property
    def raw_table(self) -> str:
        return f"{self.raw_schema}.{self.raw_table_name}"

    @property
    def suite_name(self) -> str:
        """Great Expectations suite, kept as ``expectations/<suite_name>.json`` (an instance's
        entity is checked by its source's suite)."""
        return f"{self.contract or self.source}__{self.name}"


@dataclass(frozen=True)
class Source:
    """A source system: how to reach it (from settings) and its entities."""

    name: str
    entities: dict[str, SourceEntity]
    base_url: Callable[[Settings], str] | None = field(default=None, repr=False)
    """The HTTP API's base URL (None for a source that only drops files)."""
    token: Callable[[Settings], str] | None = field(default=None, repr=False)
    kind: str | None = None
    """For an instance, the registered source it is an instance of; None for a registered one."""
    until: date | None = None
    """The last day an instance exists (a system retired by a merger): no night after it is run
    or expected, and its freshness is not judged after it."""
    since: date | None = None
    """The first day an instance exists."""
    province: str | None = None
    """The province code an instance's records carry (the former Bắc Ninh's: 27); None: the
    configured province (DTI_PROVINCE_CODE)."""
    inbox: str | None = None
    """For a file-drop instance, the folder under the inbox its files land in (``legacy/27/
    education``); None: the source's name."""

    @property
    def inbox_folder(self) -> str:
        return self.inbox or self.name

    @property
    def contract(self) -> str:
        return self.kind or self.name

    def exists_on(self, day: date) -> bool:
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )

    def entity(self, name: str) -> SourceEntity:
        try:
            return self.entities[name]
        except KeyError:
            raise KeyError(
                f"source {self.name!r} has no entity {name!r}; known: {sorted(self.entities)}"
            ) from None


_SOURCE_MODULES: dict[str, str] = {
    "police": "dti.sources.police",
    "portal": "dti.sources.portal",
    "health": "dti.sources.health",
    "education": "dti.sources.education",
}


def registered_source_names() -> list[str]:
    """The source systems the code knows (each a sub-package)."""
    return sorted(_SOURCE_MODULES)


def source_names() -> list[str]:
    """Every source to load: the registered ones and the sources file's instances."""
    from dti.sources.instances import configured_instances

    return sorted([*_SOURCE_MODULES, *configured_instances()])


def get_source(name: str) -> Source:
    module = _SOURCE_MODULES.get(name)
    if module is not None:
        return importlib.import_module(module).SOURCE
    from dti.sources.instances import configured_instances

    instance = configured_instances().get(name)
    if instance is None:
        raise KeyError(f"unknown source {name!r}; registered and configured: {source_names()}")
    return instance


def get_entity(source: str, entity: str) -> SourceEntity:
    return get_source(source).entity(entity)


def all_entities() -> list[SourceEntity]:
    return [e for name in source_names() for e in get_source(name).entities.values()]
