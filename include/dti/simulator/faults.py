"""Fault injection for reliability tests of the extractors.

A fault plan is set with ``POST /_sim/faults`` (JSON body, Bearer auth), at start through
``create_app(faults=...)``, and cleared with ``DELETE /_sim/faults``; ``GET /_sim/faults`` shows
the current plan and how many faulted requests are left. Body fields (all optional):

``fail_first`` (int, default 1)
    how many of the next *matching* requests are faulted; each faulted request uses up one.
``status`` (int or null)
    answer a faulted request with this HTTP status (e.g. 429, 500, 502, 503, 504) and a JSON error
    body instead of the data. Default 503 when no other fault kind is given, else null.
``retry_after`` (number or null)
    with a ``status``: send ``Retry-After: <ceil(seconds)>``.
``timeout_seconds`` (number, default 0)
    sleep this long before answering (to trip a client's read timeout); combined with ``status``
    the error comes after the sleep, otherwise the correct page does.
``duplicate_record_on_page`` (int or null)
    when the faulted request asks for this page of a paged endpoint, the page carries its first
    record a second time, appended at the end (one item more than asked, ``total`` unchanged).
``wrong_total`` (bool, default false)
    report ``total`` one higher than the truth.
``paths`` (list of str or null)
    request paths (prefixes) the plan applies to; null means every ``/portal/`` endpoint.
    ``/health`` and ``/_sim/*`` are never faulted.

Requests that do not match the plan, and every request once ``fail_first`` is used up, are
answered normally.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass, field


@dataclass
class FaultPlan:
    fail_first: int = 1
    status: int | None = None
    retry_after: float | None = None
    timeout_seconds: float = 0.0
    duplicate_record_on_page: int | None = None
    wrong_total: bool = False
    paths: list[str] | None = None
    remaining: int = field(default=0, init=False)

    @classmethod
    def from_dict(cls, spec: dict) -> FaultPlan:
        known = {
            "fail_first",
            "status",
            "retry_after",
            "timeout_seconds",
            "duplicate_record_on_page",
            "wrong_total",
            "paths",
        }
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {sorted(known)}")
        plan = cls(**spec)
        if (
            plan.status is None
            and "status" not in spec
            and not (
                plan.timeout_seconds
                or plan.duplicate_record_on_page is not None
                or plan.wrong_total
            )
        ):
            plan.status = 503
        if plan.fail_first < 0 or plan.timeout_seconds < 0:
            raise ValueError("fail_first and timeout_seconds must not be negative")
        if plan.status is not None and not 400 <= plan.status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        plan.remaining = plan.fail_first
        return plan

    def matches(self, path: str) -> bool:
        if self.paths is None:
            return path.startswith("/portal/")
        return any(path.startswith(p) for p in self.paths)

    def retry_after_header(self) -> str | None:
        return None if self.retry_after is None else str(max(0, math.ceil(self.retry_after)))

    def describe(self) -> dict:
        return asdict(self)


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

    def take(self, path: str) -> FaultPlan | None:
        with self._lock:
            plan = self._plan
            if plan is None or plan.remaining <= 0 or not plan.matches(path):
                return None
            plan.remaining -= 1
            return plan
