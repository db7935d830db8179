"""HTTP face of the portal simulator (the contract is docs/portal_source.md).

``create_app(token, seed, scale, cache_dir, faults)`` returns a FastAPI app serving

* ``GET /portal/api/v1/agencies?page=&page_size=``
* ``GET /portal/api/v1/procedures?page=&page_size=``
* ``GET /portal/api/v1/dossiers?updated_from=&updated_to=&page=&page_size=`` (timestamps as
  ``yyyyMMddHHmmss``)
* the same three below ``/legacy/27``: the former Bắc Ninh's own portal before the 2025 merger,
  410 Gone for any interval after 2025-06-30

with ``Authorization: Bearer <token>`` (401 otherwise), ``page`` from 1, ``page_size`` 1..5000
(default 1000), 422 on a malformed parameter or ``updated_from >= updated_to``; bodies are
``{"total", "page", "page_size", "items"}`` serialised with orjson. ``GET /health`` needs no token.
Fault injection (``/_sim/faults``) is described in :mod:`dti.simulator.faults`.
``POST /_sim/inbox/deliver?from=YYYY-MM-DD&to=YYYY-MM-DD`` writes the file-drop sources' files of
that range into the inbox (:mod:`dti.simulator.inbox`). The other sources' HTTP endpoints come
from the routers listed in :data:`SOURCE_ROUTERS`.
"""

import hmac
import importlib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse

from .faults import FaultPlan, FaultState
from .portal import YEARS, PortalWorld
from .worktime import SECONDS_PER_DAY, parse_ts

log = logging.getLogger(__name__)

# The former Bắc Ninh's portal (a second instance of the portal, docs/sources.md)
LEGACY_PREFIX = "/legacy/27"
LEGACY_PROVINCE = "27"
LEGACY_UNTIL = np.datetime64("2025-06-30")
LEGACY_SEED_OFFSET = 5
LEGACY_SCALE = 0.75

MAX_PAGE_SIZE = 5000
DEFAULT_PAGE_SIZE = 1000
TS_PATTERN = r"^\d{14}$"


def _json(body, status_code: int = 200, headers: dict | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status_code, media_type="application/json", headers=headers
    )


def _parsed(items: list) -> list[dict]:
    return [orjson.loads(i) if isinstance(i, str | bytes) else i for i in items]


def _faulted_page(
    plan: FaultPlan,
    page: int,
    page_size: int,
    total: int,
    items: list,
    fetch_page: Callable[[int], tuple[int, list]] | None,
) -> Response:
    """The page with the plan's data faults (dti.simulator.faults) applied."""

    def neighbour(p: int) -> list[dict]:
        # routers that give no fetch_page: the page-shifting faults serve an empty page
        return _parsed(fetch_page(p)[1]) if fetch_page is not None and p >= 1 else []

    items = plan.alter_items(_parsed(items), page, neighbour)
    if plan.wrong_total:
        total += 1
    body = orjson.dumps({"total": total, "page": page, "page_size": page_size, "items": items})
    if plan.invalid_utf8:
        # a letter of the first item becomes a lone 0xff byte: the body is no longer UTF-8
        at = body.find(b'"items":[') + 12
        if 0 < at < len(body):
            body = body[:at] + b"\xff" + body[at + 1 :]
    if plan.connection_reset:

        async def cut_short():
            yield body[: len(body) // 2]
            raise ConnectionResetError("simulated connection reset mid-response")

        return StreamingResponse(cut_short(), media_type="application/json")
    return Response(body, media_type="application/json")


# The other source systems' HTTP faces: "module:function" names, each function(SimContext) ->
# fastapi.APIRouter, included in the app (one line per source).
SOURCE_ROUTERS: list[str] = [
    "dti.simulator.health:router",
    "dti.simulator.police:router",
]


@dataclass(frozen=True)
class SimContext:
    """What a source's router shares with the app: auth, paging (with the fault mode), the
    seed and scale, and where to cache generated data."""

    auth: Any
    """A FastAPI dependency: ``_: Annotated[None, Depends(ctx.auth)]`` requires the token."""
    serve_page: Callable[..., Response]
    """``serve_page(request, page, page_size, fetch, fetch_page=None)`` → the paged body,
    faults applied; ``fetch()`` returns (total, items of the page), ``fetch_page(p)`` those of
    page p (for the page-shifting faults)."""
    snapshot: Callable[[list[dict], int, int], tuple[int, list[dict]]]
    """``snapshot(records, page, page_size)`` → (total, the page's records)."""
    seed: int
    scale: float
    cache_dir: Path | None


def create_app(
    token: str,
    seed: int = 2022,
    scale: float = 1.0,
    cache_dir: Path | None = None,
    faults: dict | None = None,
    warm: bool = False,
    world: PortalWorld | None = None,
    inbox_dir: Path | None = None,
) -> FastAPI:
    """The simulator app. ``warm`` generates every year in a background thread at start-up;
    ``world`` lets tests share one generated world between apps; ``inbox_dir`` is where
    ``POST /_sim/inbox/deliver`` drops the file-drop sources' files."""
    if not token:
        raise ValueError("the simulator needs a non-empty API token")
    world = world or PortalWorld(seed=seed, scale=scale, cache_dir=cache_dir)
    fault_state = FaultState(faults)
    expected = f"Bearer {token}".encode()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if warm:  # generate the years while the first client connects
            threading.Thread(
                target=lambda: [world.year(y) for y in YEARS], name="portal-sim-warm", daemon=True
            ).start()
        yield

    app = FastAPI(
        title="DTI portal simulator",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.world = world
    app.state.faults = fault_state

    def require_token(request: Request) -> None:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise HTTPException(
                status_code=401,
                detail="missing or wrong bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )

    Auth = Annotated[None, Depends(require_token)]
    Page = Annotated[int, Query(ge=1)]
    PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]

    def serve_page(
        request: Request,
        page: int,
        page_size: int,
        fetch: Callable[[], tuple[int, list]],
        fetch_page: Callable[[int], tuple[int, list]] | None = None,
    ) -> Response:
        plan = fault_state.take(request.url.path, dict(request.query_params))
        if plan is not None:
            log.info("simulator: fault on %s page %s: %s", request.url.path, page, plan.describe())
            if plan.timeout_seconds:
                time.sleep(plan.timeout_seconds)
            if plan.status is not None:
                headers = {}
                if plan.retry_after_header() is not None:
                    headers["Retry-After"] = plan.retry_after_header()
                return _json(
                    {"detail": f"simulated fault (status {plan.status})"}, plan.status, headers
                )
        total, items = fetch()
        if plan is not None:
            return _faulted_page(plan, page, page_size, total, items, fetch_page)
        if items and isinstance(items[0], str):  # dossier records arrive as ready JSON text
            head = orjson.dumps({"total": total, "page": page, "page_size": page_size})[:-1]
            return Response(
                b"".join((head, b',"items":[', ",".join(items).encode(), b"]}")),
                media_type="application/json",
            )
        return _json({"total": total, "page": page, "page_size": page_size, "items": items})

    def snapshot(records: list[dict], page: int, page_size: int) -> tuple[int, list[dict]]:
        start = (page - 1) * page_size
        return len(records), records[start : start + page_size]

    @app.get("/health")
    def health() -> Response:
        return _json(
            {
                "status": "ok",
                "seed": world.seed,
                "scale": world.scale,
                "years_ready": sorted(world._years),
            }
        )

    def portal_routes(prefix: str, get_world: Callable[[], PortalWorld], until=None) -> None:
        """The portal's three endpoints below ``prefix``; a system retired after ``until``
        (a datetime64 day) answers 410 Gone for any interval from the day after it."""

        def listed_by(w: PortalWorld, which: str) -> list[dict]:
            listed = w.agency_records() if which == "agencies" else w.procedure_records()
            if until is not None and which == "agencies":
                # a retired system never listed the merged province's commune committees
                listed = [r for r in listed if r["CapDonVi"] != "3" or r["MaHuyen"] is not None]
            return listed

        def records(
            p: int, page_size: int, which: str, other: str | None = None
        ) -> tuple[int, list[dict]]:
            listed = listed_by(get_world(), which)
            if other is not None and which == "procedures":
                # the system took over the other's procedures with its records (the switch);
                # the agencies stay the old province's, listed by the old system
                known = {r["MaTTHC"] for r in listed}
                listed = listed + [
                    r for r in listed_by(_system(other)(), which) if r["MaTTHC"] not in known
                ]
            return snapshot(listed, p, page_size)

        for which in ("agencies", "procedures"):

            @app.get(f"{prefix}/portal/api/v1/{which}", name=f"{prefix}{which}")
            def catalogue(
                request: Request,
                _: Auth,
                page: Page = 1,
                page_size: PageSize = DEFAULT_PAGE_SIZE,
                which: str = which,
            ) -> Response:
                plan = fault_state.peek(request.url.path, dict(request.query_params))
                other = plan.also_serve_from if plan is not None else None
                return serve_page(
                    request,
                    page,
                    page_size,
                    lambda: records(page, page_size, which, other),
                    lambda p: records(p, page_size, which, other),
                )

        @app.get(f"{prefix}/portal/api/v1/dossiers", name=f"{prefix}dossiers")
        def dossiers(
            request: Request,
            _: Auth,
            updated_from: Annotated[str, Query(pattern=TS_PATTERN)],
            updated_to: Annotated[str, Query(pattern=TS_PATTERN)],
            page: Page = 1,
            page_size: PageSize = DEFAULT_PAGE_SIZE,
        ) -> Response:
            try:
                t_from, t_to = parse_ts(updated_from), parse_ts(updated_to)
            except ValueError as exc:
                raise HTTPException(status_code=422, detail=str(exc)) from exc
            if t_from >= t_to:
                raise HTTPException(
                    status_code=422, detail="updated_from must be before updated_to"
                )
            if until is not None:
                end = int((until + np.timedelta64(1, "D")).astype(np.int64)) * SECONDS_PER_DAY
                if t_from >= end:
                    return _json(
                        {
                            "detail": f"this system was retired after {until}: its "
                            "successor serves the later records"
                        },
                        410,
                    )
                t_to = min(t_to, end)
            w = get_world()
            plan = fault_state.peek(request.url.path, dict(request.query_params))
            other = plan.also_serve_from if plan is not None else None
            if other is not None:
                w2 = _system(other)()

                def listing(p: int) -> tuple[int, list[str]]:
                    # this system's records of the interval, then the other system's
                    start, stop = (p - 1) * page_size, p * page_size
                    n1, first = w.slice_json(t_from, t_to, start, stop)
                    n2, second = w2.slice_json(t_from, t_to, max(start - n1, 0), stop - n1)
                    return n1 + n2, first + second

                return serve_page(request, page, page_size, lambda: listing(page), listing)
            return serve_page(
                request,
                page,
                page_size,
                lambda: w.page_json(t_from, t_to, page, page_size),
                lambda p: w.page_json(t_from, t_to, p, page_size) if p >= 1 else (0, []),
            )

    systems: dict[str, Callable[[], PortalWorld]] = {"": lambda: world}

    def _system(prefix: str) -> Callable[[], PortalWorld]:
        """The portal system below ``prefix`` (a fault plan's ``also_serve_from``)."""
        if prefix not in systems:
            raise HTTPException(
                status_code=422,
                detail=f"also_serve_from: no portal system below {prefix!r}; "
                f"known: {sorted(systems)}",
            )
        return systems[prefix]

    portal_routes("", lambda: world)
    # The former Bắc Ninh's own portal before the 2025 merger: a second instance of the portal
    # (its agencies H27, about 3/4 of Bắc Giang's volume), retired after 2025-06-30.
    legacy: list[PortalWorld] = []
    legacy_lock = threading.Lock()

    def legacy_world() -> PortalWorld:
        with legacy_lock:
            if not legacy:
                legacy.append(
                    PortalWorld(
                        seed=seed + LEGACY_SEED_OFFSET,
                        scale=scale * LEGACY_SCALE,
                        cache_dir=cache_dir,
                        province=LEGACY_PROVINCE,
                    )
                )
        return legacy[0]

    systems[LEGACY_PREFIX] = legacy_world
    portal_routes(LEGACY_PREFIX, legacy_world, until=LEGACY_UNTIL)

    @app.post("/_sim/inbox/deliver")
    def deliver(
        _: Auth,
        from_: Annotated[date, Query(alias="from")],
        to: Annotated[date, Query()],
        source: Annotated[list[str] | None, Query()] = None,
    ) -> Response:
        from .inbox import deliver_all

        if inbox_dir is None:
            raise HTTPException(
                status_code=409, detail="the simulator was started without an inbox"
            )
        if to < from_:
            raise HTTPException(status_code=422, detail="from must not be after to")
        written = deliver_all(
            Path(inbox_dir), from_, to, seed=seed, scale=scale, sources=source or None
        )
        return _json({"inbox": str(inbox_dir), "written": written})

    context = SimContext(
        auth=require_token,
        serve_page=serve_page,
        snapshot=snapshot,
        seed=seed,
        scale=scale,
        cache_dir=cache_dir,
    )
    for dotted in SOURCE_ROUTERS:
        module, _, name = dotted.partition(":")
        app.include_router(getattr(importlib.import_module(module), name)(context))

    @app.get("/_sim/faults")
    def get_faults(_: Auth) -> Response:
        return _json({"plan": fault_state.current()})

    @app.post("/_sim/faults")
    async def set_faults(request: Request, _: Auth) -> Response:
        try:
            spec = orjson.loads(await request.body() or b"{}")
            if not isinstance(spec, dict):
                raise ValueError("the fault plan must be a JSON object")
            plan = fault_state.set(spec)
        except (ValueError, TypeError) as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return _json({"plan": plan.describe()})

    @app.delete("/_sim/faults")
    def clear_faults(_: Auth) -> Response:
        fault_state.clear()
        return _json({"plan": None})

    return app
