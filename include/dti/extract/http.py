"""A paginated JSON-over-HTTP client for sources like the portal (docs/portal_source.md).

Paged responses look like ``{"total": N, "page": p, "page_size": s, "items": [...]}``. The client
reads pages from 1 until a short (or empty) page, then checks that it got exactly ``total`` records,
that ``total`` did not change between pages, and that no record came twice. Transient failures
(timeouts, connection errors, 5xx, 429) are retried with exponential backoff and jitter, honouring
``Retry-After``; other 4xx fail at once with a message that says what to check.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 300.0


class SourceError(RuntimeError):
    """An extraction failed; the message names the source request and what to do."""


class SourceHTTPError(SourceError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SourceAuthError(SourceHTTPError):
    """401/403: the token is missing, wrong, or lacks rights."""


class SourceRetiredError(SourceHTTPError):
    """410 Gone: the system no longer serves this interval (retired, e.g. by the 2025 merger)."""


class SourceUnavailableError(SourceHTTPError):
    """Transient failures went on after every retry."""


class SourceFormatError(SourceError):
    """The response is not the paged JSON the contract describes."""


class SourceTotalMismatch(SourceError):
    """The records received do not add up to the total the source reported."""


class RepeatedRecordError(SourceError):
    """The same record (key + version) came on two pages: paging is not stable."""


@dataclass
class FetchResult:
    records: list[dict[str, Any]]
    total: int
    pages: int
    requests: int
    started_at: datetime
    finished_at: datetime
    retries: int = 0
    page_sizes: list[int] = field(default_factory=list)


def _retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _what_to_check(status: int, source: str = "portal") -> str:
    from dti.sources import registered_source_names

    if source not in registered_source_names():  # an instance: its settings are in the file
        if status == 410:
            return (
                f"the system is retired: set until: (its last day) for {source} in the sources "
                "file, so its nights after that are neither run nor expected"
            )
        return (
            f"{_what_to_check(status, 'portal').split(':')[0]}: check url: and token_env: of "
            f"{source} in the sources file (DTI_SOURCES_FILE)"
        )
    setting = f"DTI_{source.upper()}"
    if status == 410:
        return (
            f"the source says it is retired (Gone): if it was replaced, point {setting}_URL at "
            "its successor; the intervals loaded before stay"
        )
    if status == 401:
        return f"the token was refused: check the source's token setting ({setting}_TOKEN)"
    if status == 403:
        return (
            f"the token ({setting}_TOKEN) has no right to this endpoint: ask the source "
            "operator to grant it"
        )
    if status == 404:
        return f"the endpoint does not exist: check the source URL setting ({setting}_URL) and path"
    if status in (400, 422):
        return "the source rejected the query parameters: check the interval and page_size"
    return "a client error the pipeline cannot retry: check the request against the source contract"


class PagedClient:
    """Reads every page of a paged endpoint. Use as a context manager (it owns an httpx client)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        source: str = "portal",
        page_size: int = 1000,
        timeout: float = 60.0,
        retries: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be positive, got {page_size}")
        self.source = source
        self.page_size = page_size
        self.retries = max(0, retries)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> PagedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _backoff(self, attempt: int) -> float:
        # Exponential with "equal jitter": never less than half the step, so retries spread out
        # without collapsing to zero.
        step = min(self.backoff_max, self.backoff_base * (2**attempt))
        return step / 2 + random.uniform(0, step / 2)

    def get_json(self, path: str, params: Mapping[str, Any], label: str) -> tuple[Any, int]:
        """GET one URL, retrying transient failures; returns (decoded JSON, retries used)."""
        attempt = 0
        while True:
            problem: str
            delay: float | None = None
            status: int | None = None
            try:
                response = self._client.get(path, params=dict(params))
            except httpx.TimeoutException as exc:
                problem = f"timeout ({type(exc).__name__})"
            except httpx.TransportError as exc:
                problem = f"connection error ({type(exc).__name__}: {exc})"
            else:
                status = response.status_code
                if status < 400:
                    try:
                        return orjson.loads(response.content), attempt
                    except orjson.JSONDecodeError as exc:
                        raise SourceFormatError(
                            f"{label}: the response is not JSON ({exc}); first bytes: "
                            f"{response.text[:200]!r}"
                        ) from exc
                if status not in RETRY_STATUS:
                    cls = {401: SourceAuthError, 403: SourceAuthError, 410: SourceRetiredError}.get(
                        status, SourceHTTPError
                    )
                    raise cls(
                        f"{label}: HTTP {status} from {response.request.url.copy_with(query=None)}"
                        f" — {_what_to_check(status, self.source)}. Body: {response.text[:200]!r}",
                        status,
                    )
                problem = f"HTTP {status}"
                delay = _retry_after_seconds(response.headers.get("Retry-After"))
            if attempt >= self.retries:
                raise SourceUnavailableError(
                    f"{label}: {problem} after {attempt + 1} attempts; the source is unavailable "
                    "or overloaded: re-run the interval later (or raise DTI_HTTP_RETRIES / "
                    "DTI_HTTP_TIMEOUT)",
                    status,
                )
            if delay is None:
                delay = self._backoff(attempt)
            else:
                delay = min(delay, MAX_RETRY_AFTER_S)
            attempt += 1
            log.warning(
                "%s: %s; retry %d/%d in %.2fs", label, problem, attempt, self.retries, delay
            )
            self._sleep(delay)

    def fetch_all(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        record_key: Sequence[str] = (),
        label: str | None = None,
    ) -> FetchResult:
        """Every record of a paged endpoint, checked against the reported total.

        ``record_key`` names the fields identifying one record (e.g. key + version); a record seen
        twice raises :class:`RepeatedRecordError`.
        """
        label = label or f"{self.source} {path}"
        base = dict(params or {})
        started = datetime.now(UTC)
        records: list[dict[str, Any]] = []
        seen: dict[tuple[Any, ...], int] = {}
        total: int | None = None
        page = 0
        retries = 0
        sizes: list[int] = []
        while True:
            page += 1
            page_label = f"{label} page {page}"
            body, used = self.get_json(
                path, {**base, "page": page, "page_size": self.page_size}, page_label
            )
            retries += used
            items, page_total, served_size = self._parse_page(body, page_label)
            if total is None:
                total = page_total
                log.info("%s: source reports %d records", label, total)
            elif page_total != total:
                raise SourceTotalMismatch(
                    f"{page_label}: the reported total changed from {total} to {page_total} while "
                    "paging; the source changed during extraction: re-run the interval"
                )
            for item in items:
                if record_key:
                    key = tuple(item.get(k) for k in record_key)
                    if key in seen:
                        shown = ", ".join(f"{k}={v}" for k, v in zip(record_key, key, strict=True))
                        raise RepeatedRecordError(
                            f"{page_label}: record {shown} already came on page {seen[key]}; the "
                            "source's paging is not stable (records shifted between pages). "
                            "Re-run the interval; if it repeats, report it to the source operator"
                        )
                    seen[key] = page
                records.append(item)
            sizes.append(len(items))
            log.info("%s: %d items (%d of %d)", page_label, len(items), len(records), total)
            if len(records) > total:
                raise SourceTotalMismatch(
                    f"{page_label}: received {len(records)} records, more than the reported "
                    f"total {total}; re-run the interval, and report it if it repeats"
                )
            # The source may cap page_size below what we asked: a page is full at its size.
            if not items or len(items) < min(self.page_size, served_size or self.page_size):
                break
        if len(records) != total:
            raise SourceTotalMismatch(
                f"{label}: the pages ended after {len(records)} records but the source reported "
                f"total {total} ({page} pages); re-run the interval, and report it if it repeats"
            )
        finished = datetime.now(UTC)
        log.info(
            "%s: %d records in %d pages (%d retries, %.1fs)",
            label,
            len(records),
            page,
            retries,
            (finished - started).total_seconds(),
        )
        return FetchResult(records, total, page, page + retries, started, finished, retries, sizes)

    @staticmethod
    def _parse_page(body: Any, label: str) -> tuple[list[dict[str, Any]], int, int | None]:
        if not isinstance(body, dict) or "items" not in body or "total" not in body:
            keys = sorted(body)[:10] if isinstance(body, dict) else "-"
            raise SourceFormatError(
                f"{label}: expected {{total, page, page_size, items}}, got "
                f"{type(body).__name__} with keys {keys}; check the source URL and contract"
            )
        items = body["items"]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise SourceFormatError(f"{label}: 'items' is not a list of objects")
        try:
            total = int(body["total"])
            served = int(body["page_size"]) if body.get("page_size") is not None else None
        except (TypeError, ValueError) as exc:
            raise SourceFormatError(f"{label}: 'total'/'page_size' is not a number: {exc}") from exc
        return items, total, served
