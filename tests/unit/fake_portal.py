"""A small HTTP server speaking the portal contract, started in-process on 127.0.0.1.

It stands in for the remote system (not for any part of the pipeline): it serves records from
memory with the contract's paging and filtering, and can be told to misbehave — fail the next
requests with a status (and ``Retry-After``), stall past the client's timeout, report a shifting
total, or repeat a record on the next page.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PATHS = {
    "/portal/api/v1/agencies": "agencies",
    "/portal/api/v1/procedures": "procedures",
    "/portal/api/v1/dossiers": "dossiers",
}


@dataclass
class Fault:
    status: int = 503
    retry_after: str | None = None
    stall_s: float = 0.0  # stall, then close without answering (a client-side timeout)


@dataclass
class FakePortal:
    token: str = "test-token"
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)
    total_delta_from_page: int | None = None  # report total+1 from this page on
    repeat_on_page: int | None = None  # prepend the previous page's last record on this page
    extra_total: int = 0  # report a total this much larger than the records
    ignore_window: bool = False  # serve every dossier whatever updated_from/updated_to say
    url: str = ""

    def page(self, entity: str, query: dict[str, str]) -> dict[str, Any]:
        items = self.data.get(entity, [])
        if entity == "dossiers" and not self.ignore_window:
            lo, hi = query["updated_from"], query["updated_to"]
            items = [r for r in items if lo <= r["NgayCapNhat"] < hi]
        page = int(query.get("page", "1"))
        size = min(int(query.get("page_size", "1000")), 5000)
        chunk = items[(page - 1) * size : page * size]
        if self.repeat_on_page == page and page > 1:
            chunk = [items[(page - 1) * size - 1], *chunk[:-1]]
        total = len(items) + self.extra_total
        if self.total_delta_from_page is not None and page >= self.total_delta_from_page:
            total += 1
        return {"total": total, "page": page, "page_size": size, "items": chunk}


def _handler(portal: FakePortal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlparse(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            portal.requests.append({"path": url.path, **query})
            portal.request_times.append(time.monotonic())
            if self.headers.get("Authorization") != f"Bearer {portal.token}":
                self._send(401, {"detail": "invalid token"})
                return
            if portal.faults:
                fault = portal.faults.pop(0)
                if fault.stall_s:
                    time.sleep(fault.stall_s)  # past the client's timeout: it has given up
                    return
                else:
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                    self._send(fault.status, {"detail": "injected fault"}, headers)
                    return
            entity = PATHS.get(url.path)
            if entity is None:
                self._send(404, {"detail": "not found"})
                return
            self._send(200, portal.page(entity, query))

    return Handler


class PortalServer:
    def __init__(self, portal: FakePortal) -> None:
        self.portal = portal
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(portal))
        self.httpd.daemon_threads = True
        portal.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FakePortal:
        self.thread.start()
        return self.portal

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
