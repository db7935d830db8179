"""File drops: the simulated sources that deliver files into an inbox instead of serving HTTP.

Each file-drop source module exposes ``deliver(inbox_dir, first, last, *, seed, scale) ->
list[Path]``: it writes every file whose period lies in [first, last], or whose arrival time
falls in it, into ``inbox_dir/<source>/<entity>/`` with the real world's mess (late files carry
their arrival time as mtime, identical duplicates, a few never sent), and never writes a file
twice (a delivery log under ``inbox_dir/.delivered/``), so the pipeline may have archived it.
"""

from __future__ import annotations

import importlib
import logging
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)

# inbox folder (a source's name, or a second instance's folder) -> "module:function"
DELIVERERS: dict[str, str] = {
    "health": "dti.simulator.health:deliver",
    # the former Bắc Ninh's own health system before the 2025 merger (docs/sources.md)
    "legacy/27/health": "dti.simulator.health:deliver_former_bac_ninh",
    "education": "dti.simulator.education:deliver",
    # the former Bắc Ninh's own education system before the 2025 merger (docs/sources.md)
    "legacy/27/education": "dti.simulator.education:deliver_former_bac_ninh",
}


def deliver_all(
    inbox_dir: Path,
    first: date,
    last: date,
    *,
    seed: int = 2022,
    scale: float = 1.0,
    sources: list[str] | None = None,
) -> dict[str, int]:
    """Deliver the file-drop sources' files for [first, last] (all, or those of the inbox
    folders ``sources``); returns the files written per folder."""
    written: dict[str, int] = {}
    for source, dotted in sorted(DELIVERERS.items()):
        if sources is not None and source not in sources:
            continue
        module, _, name = dotted.partition(":")
        deliver = getattr(importlib.import_module(module), name)
        paths = deliver(Path(inbox_dir), first, last, seed=seed, scale=scale)
        written[source] = len(paths)
        log.info(
            "delivered %d %s files for %s..%s into %s", len(paths), source, first, last, inbox_dir
        )
    return written
