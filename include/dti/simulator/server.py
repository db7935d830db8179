"""Run the simulator as a local HTTP server (blocking), as the project CLI starts it."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import uvicorn

from .app import create_app

log = logging.getLogger(__name__)

TOKEN_ENV = "DTI_PORTAL_TOKEN"


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    seed: int = 2022,
    scale: float = 1.0,
    cache_dir: Path | None = None,
    faults: dict | None = None,
    log_level: str = "info",
    inbox_dir: Path | None = None,
) -> None:
    """Serve the portal simulator until interrupted. The years are generated in the background
    at start-up (a few seconds each; cached under ``cache_dir`` when given)."""
    if not token:
        raise ValueError(f"no API token: pass token= or set {TOKEN_ENV}")
    app = create_app(
        token=token,
        seed=seed,
        scale=scale,
        cache_dir=cache_dir,
        faults=faults,
        warm=True,
        inbox_dir=inbox_dir,
    )
    log.info("portal simulator on http://%s:%s (seed %s, scale %s)", host, port, seed, scale)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m dti.simulator",
        description="Serve the DTI portal source simulator over HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--token-file",
        type=Path,
        help=f"file holding the API token (else the {TOKEN_ENV} environment variable)",
    )
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument(
        "--inbox-dir", type=Path, default=None, help="where file-drop sources deliver their files"
    )
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    token = (
        args.token_file.read_text("utf-8").strip() if args.token_file else os.environ.get(TOKEN_ENV)
    )
    if not token:
        parser.error(f"give --token-file or set {TOKEN_ENV}")
    serve(
        host=args.host,
        port=args.port,
        token=token,
        seed=args.seed,
        scale=args.scale,
        cache_dir=args.cache_dir,
        log_level=args.log_level.lower(),
        inbox_dir=args.inbox_dir,
    )
