"""Fault injection for reliability tests of the extractors (docs/reliability.md).

A fault plan is set with ``POST /_sim/faults`` (JSON body, Bearer auth), at start through
``create_app(faults=...)``, and cleared with ``DELETE /_sim/faults``; ``GET /_sim/faults`` shows
the current plan and how many faulted requests are left. Body fields (all optional):

``fail_first`` (int, default 1)
    how many of the next *matching* requests are faulted; each faulted request uses up one.
``paths`` (list of str or null)
    request paths (prefixes) the plan applies to; null means every ``/portal/`` endpoint (so a
    source is chosen by its path prefix, e.g. ``["/health/"]``).
    ``/health`` and ``/_sim/*`` are never faulted.
``day`` (``YYYY-MM-DD`` or null)
    only requests whose ``updated_from`` (or ``from``) parameter starts on that day match: one
    day of an incremental entity is faulted, the others (and snapshot endpoints) are not.
``page`` (int or null)
    only requests for this page match (so ``fail_first: 1, page: 2`` faults page 2 once).

What a faulted request gets:

``status`` (int or null)
    this HTTP status (e.g. 401, 403, 429, 500, 502, 503, 504) and a JSON error body instead of
    the data. Default 503 when no other fault kind is given, else null.
``statuses`` (list of int or null)
    instead of one ``status``: the n-th faulted request gets the n-th of these (cycling), e.g.
    ``[500, 502, 503]`` for a mixed burst.
``retry_after`` (number or null)
    with a ``status``: send ``Retry-After: <ceil(seconds)>``.
``timeout_seconds`` (number, default 0)
    sleep this long before answering (to trip a client's read timeout); combined with ``status``
    the error comes after the sleep, otherwise the correct page does.
``connection_reset`` (bool)
    the response starts (status 200, chunked) and the connection is then dropped mid-body, as a
    proxy resetting the connection does.
``duplicate_record_on_page`` (int or null)
    when the faulted request asks for this page, the page carries its first record a second time,
    appended at the end (one item more than asked, ``total`` unchanged).
``repeat_previous_page`` (bool)
    the page carries the records of the page before it instead of its own (a cursor that did not
    advance); on page 1 it is an empty page.
``skip_page`` (bool)
    the page carries the records of the page after it: its own records are never served.
``change_record`` (bool)
    the page also carries a changed copy (later ``NgayCapNhat``, other status) of the first record
    of the page before: the record was updated while the client paged.
``wrong_total`` (bool, default false)
    report ``total`` one higher than the truth (on page >= 2: the total changed mid-extract).
``add_fields`` (object), ``drop_fields`` (list), ``rename_fields`` (object old -> new)
    schema drift on every record of the page: a new field, a field missing, a field renamed.
``set_fields`` (object, or list of objects)
    bad values: these fields of the first ``bad_records`` (default 1) records of the page are set
    to the given JSON values (a type change, an impossible date, an unknown code...); a list sets
    record n of the page from its n-th object (several bad values in one batch).
``invalid_utf8`` (bool)
    one byte of the body is replaced by ``0xff`` (text that is not UTF-8).
``also_serve_from`` (str or null)
    portal dossiers only: the interval also lists the records of the same interval of the
    portal system below this path prefix (``"/legacy/27"``, the former Bắc Ninh's), after its
    own, with ``total`` the sum: a day both the old and the new system served at the switch (a
    migration that copied the old system's last day). Same ``MaHoSo``, same versions. The
    procedures listing (when the plan's ``paths`` cover it) then also carries the other
    system's procedures it lacks: it took them over with the records. The agencies stay the old
    province's (``MaTinh`` 27), listed by the old system only.

Requests that do not match the plan, and every request once ``fail_first`` is used up, are
answered normally.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

_DATA_FAULTS = (
    "duplicate_record_on_page",
    "repeat_previous_page",
    "skip_page",
    "change_record",
    "wrong_total",
    "add_fields",
    "drop_fields",
    "rename_fields",
    "set_fields",
    "invalid_utf8",
    "connection_reset",
    "also_serve_from",
)


@dataclass
class FaultPlan:
    fail_first: int = 1
    status: int | None = None
    retry_after: float | None = None
    timeout_seconds: float = 0.0
    duplicate_record_on_page: int | None = None
    wrong_total: bool = False
    paths: list[str] | None = None
    statuses: list[int] | None = None
    day: str | None = None
    page: int | None = None
    connection_reset: bool = False
    repeat_previous_page: bool = False
    skip_page: bool = False
    change_record: bool = False
    add_fields: dict[str, Any] | None = None
    drop_fields: list[str] | None = None
    rename_fields: dict[str, str] | None = None
    set_fields: dict[str, Any] | list[dict[str, Any]] | None = None
    bad_records: int = 1
    invalid_utf8: bool = False
    also_serve_from: str | None = None
    remaining: int = field(default=0, init=False)
    served: int = field(default=0, init=False)
    """Faulted requests answered so far (what a test reports as "faults injected")."""

    @classmethod
    def from_dict(cls, spec: dict) -> FaultPlan:
        known = {f for f in cls.__dataclass_fields__ if f not in ("remaining", "served")}
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {sorted(known)}")
        plan = cls(**spec)
        has_data_fault = any(
            getattr(plan, name) not in (None, False, {}, []) for name in _DATA_FAULTS
        )
        if plan.statuses:
            plan.status = plan.statuses[0]
        if (
            plan.status is None
            and "status" not in spec
            and not (plan.timeout_seconds or has_data_fault)
        ):
            plan.status = 503
        if plan.fail_first < 0 or plan.timeout_seconds < 0 or plan.bad_records < 0:
            raise ValueError("fail_first, timeout_seconds and bad_records must not be negative")
        if any(
            s is not None and not 400 <= s <= 599 for s in [plan.status, *(plan.statuses or [])]
        ):
            raise ValueError("status must be an HTTP error status (400-599)")
        if plan.day is not None and (len(plan.day) != 10 or plan.day[4] != "-"):
            raise ValueError(f"day must be YYYY-MM-DD, got {plan.day!r}")
        plan.remaining = plan.fail_first
        return plan

    def matches(self, path: str, params: dict[str, str] | None = None) -> bool:
        params = params or {}
        if self.paths is None:
            if not path.startswith("/portal/"):
                return False
        elif not any(path.startswith(p) for p in self.paths):
            return False
        if self.page is not None and int(params.get("page", 1)) != self.page:
            return False
        if self.day is not None:
            start = params.get("updated_from") or params.get("from") or ""
            if start.replace("-", "")[:8] != self.day.replace("-", ""):
                return False
        return True

    def retry_after_header(self) -> str | None:
        return None if self.retry_after is None else str(max(0, math.ceil(self.retry_after)))

    def describe(self) -> dict:
        return asdict(self)

    def alter_items(self, items: list[dict], page: int, neighbour: Any) -> list[dict]:
        """The page's records with the data faults applied; ``neighbour(p)`` gives page p's
        records (for faults that serve another page's records)."""
        if self.repeat_previous_page:
            items = list(neighbour(page - 1)) if page > 1 else []
        if self.skip_page:
            items = list(neighbour(page + 1))
        if self.duplicate_record_on_page == page and items:
            items = [*items, items[0]]
        if self.change_record and page > 1:
            previous = list(neighbour(page - 1))
            if previous:
                changed = dict(previous[0])
                version = str(changed.get("NgayCapNhat") or "")
                if version.isdigit():
                    changed["NgayCapNhat"] = str(int(version) + 1).zfill(len(version))
                changed["TrangThaiHoSo"] = "10" if changed.get("TrangThaiHoSo") != "10" else "9"
                items = [*items, changed]
        if self.add_fields or self.drop_fields or self.rename_fields:
            drop = set(self.drop_fields or ())
            renames = self.rename_fields or {}
            out = []
            for item in items:
                new = {renames.get(k, k): v for k, v in item.items() if k not in drop}
                new.update(self.add_fields or {})
                out.append(new)
            items = out
        if isinstance(self.set_fields, list):
            items = [
                {**item, **self.set_fields[n]} if n < len(self.set_fields) else item
                for n, item in enumerate(items)
            ]
        elif self.set_fields:
            items = [
                {**item, **self.set_fields} if n < self.bad_records else item
                for n, item in enumerate(items)
            ]
        return items


class FaultState:
    """The app's current plan; ``take`` consumes one faulted request atomically."""

    def __init__(self, initial: dict | None = None) -> None:
        self._lock = threading.Lock()
        self._plan: FaultPlan | None = FaultPlan.from_dict(initial) if initial else None

    def set(self, spec: dict) -> FaultPlan:
        plan = FaultPlan.from_dict(spec)
        with self._lock:
            self._plan = plan
        return plan

    def clear(self) -> None:
        with self._lock:
            self._plan = None

    def current(self) -> dict | None:
        with self._lock:
            return None if self._plan is None else self._plan.describe()

    def peek(self, path: str, params: dict[str, str] | None = None) -> FaultPlan | None:
        """The plan the next such request would be faulted with, without using it up."""
        with self._lock:
            plan = self._plan
            if plan is None or plan.remaining <= 0 or not plan.matches(path, params):
                return None
            return plan

    def take(self, path: str, params: dict[str, str] | None = None) -> FaultPlan | None:
        with self._lock:
            plan = self._plan
            if plan is None or plan.remaining <= 0 or not plan.matches(path, params):
                return None
            plan.remaining -= 1
            plan.served += 1
            if plan.statuses:
                plan.status = plan.statuses[(plan.served - 1) % len(plan.statuses)]
            return plan
