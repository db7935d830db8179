"""The landing zone across machines: a copy of each landed batch in an object store.

One machine, or several sharing a volume (NFS, the compose file's `dti-data`), need nothing here:
`DTI_DATA_DIR` is the landing zone. Workers on machines that share no filesystem set
`DTI_LANDING_URL` to a folder URL that fsspec understands (`s3://bucket/dti`, `gs://...`,
`abfs://...`, `file:///mnt/shared/dti`, `memory://...` in tests), through universal-pathlib, which
Airflow already ships. The stages keep working on local files under `DTI_DATA_DIR` (GX, pyarrow
and COPY read local parquet fast); this module mirrors a batch folder to the URL after it lands
(:func:`publish`) and brings it back on whichever worker validates or loads it (:func:`fetch`).

Object stores have no atomic rename, so a batch's manifest is uploaded last and is the mark of a
complete batch: :func:`fetch` ignores a remote folder without one, as `latest_landed` ignores a
local folder without one. The protocol's own package must be installed (s3fs for `s3://`, gcsfs
for `gs://`, adlfs for `abfs://`); `file://` and `memory://` need none.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from dti.records import MANIFEST_NAME

if TYPE_CHECKING:
    from datetime import datetime

    from upath import UPath

    from dti.config import Settings

log = logging.getLogger(__name__)

LANDING_URL_ENV = "DTI_LANDING_URL"


def landing_url(settings: Settings) -> str | None:
    """The object-store folder that mirrors DATA_DIR, if one is configured."""
    return getattr(settings, "landing_url", None) or None


def remote_root(url: str) -> UPath:
    """The URL as a path; fails early, naming the package to install, for an unknown protocol."""
    from upath import UPath

    root = UPath(url)
    try:
        root.fs  # noqa: B018 - instantiates the filesystem: a missing s3fs/gcsfs fails here
    except ImportError as err:
        raise RuntimeError(
            f"{LANDING_URL_ENV}={url!r}: {err}; install that package in the image "
            "(an extra layer in the Dockerfile) or use a shared volume instead"
        ) from err
    return root


def _relative(settings: Settings, folder: Path) -> str:
    try:
        return Path(folder).resolve().relative_to(settings.data_dir).as_posix()
    except ValueError as err:
        raise ValueError(
            f"{folder} is not under DTI_DATA_DIR ({settings.data_dir}): only the data dir's "
            "batches are mirrored"
        ) from err


def remote_folder(settings: Settings, folder: Path) -> UPath | None:
    """Where `folder` (under DATA_DIR) is mirrored, or None without DTI_LANDING_URL."""
    url = landing_url(settings)
    if url is None:
        return None
    return remote_root(url) / _relative(settings, folder)


def publish(settings: Settings, folder: Path) -> str | None:
    """Copy a complete local batch folder to the object store; returns its URL (None when no
    DTI_LANDING_URL is set). The manifest goes last; remote files the folder no longer has (an
    earlier batch of the same interval) are removed before it, so a reader that sees the new
    manifest sees only the new batch's files."""
    target = remote_folder(settings, folder)
    if target is None:
        return None
    folder = Path(folder)
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file():
        raise FileNotFoundError(
            f"{folder} has no {MANIFEST_NAME}: only a landed batch is published"
        )
    old_manifest = target / MANIFEST_NAME
    if old_manifest.exists():
        old_manifest.unlink()  # the remote batch is incomplete from here until the end
    target.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != MANIFEST_NAME)
    for path in files:
        with path.open("rb") as src, (target / path.name).open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    keep = {p.name for p in files}
    for stale in list(target.iterdir()):
        if stale.name not in keep and stale.name != MANIFEST_NAME and stale.is_file():
            stale.unlink()
    (target / MANIFEST_NAME).write_bytes(manifest.read_bytes())
    log.info("published %s to %s (%d files)", folder, target, len(files) + 1)
    return str(target)


def fetch(settings: Settings, folder: Path) -> bool:
    """Make sure the batch folder exists locally, downloading it if another worker landed it.

    Returns True when it was downloaded, False when it was already here (or no DTI_LANDING_URL is
    set: then the local folder is the only copy). Raises FileNotFoundError, naming the URL, when
    the object store has no complete batch there."""
    folder = Path(folder)
    if (folder / MANIFEST_NAME).is_file():
        return False
    source = remote_folder(settings, folder)
    if source is None:
        return False
    if not (source / MANIFEST_NAME).exists():
        raise FileNotFoundError(
            f"{source} holds no complete batch (no {MANIFEST_NAME}): land the interval again"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".fetch-{folder.name}-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        for path in sorted(source.iterdir()):
            if path.is_file():
                with path.open("rb") as src, (tmp / path.name).open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        if folder.exists():
            shutil.rmtree(folder)  # an incomplete local folder (no manifest)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("fetched %s from %s", folder, source)
    return True


def remove(settings: Settings, folder: Path) -> None:
    """Drop the object store's copy of a batch folder (after a quarantine move, for instance)."""
    target = remote_folder(settings, folder)
    if target is None or not target.exists():
        return
    manifest = target / MANIFEST_NAME
    if manifest.exists():
        manifest.unlink()  # incomplete first, so no reader takes the half-deleted batch
    target.fs.rm(target.path, recursive=True)


def fetch_latest(
    settings: Settings, source: str, entity: str, as_of: datetime | None = None
) -> Path | None:
    """Bring the latest complete remote batch of ``source``/``entity`` here (the reference
    snapshots a validation reads, e.g. the procedures catalogue, may have been landed on another
    worker), or with ``as_of`` the one :func:`dti.land.pick_snapshot` chooses for a batch
    starting then; returns its local folder, or None when nothing is configured or published."""
    url = landing_url(settings)
    if url is None:
        return None
    parent = remote_root(url) / "landing" / source / entity
    if not parent.exists():
        return None
    from dti.land import pick_snapshot

    name = pick_snapshot(
        [
            p.name
            for p in parent.iterdir()
            if not p.name.startswith(".") and (p / MANIFEST_NAME).exists()
        ],
        as_of,
    )
    if name is None:
        return None
    folder = settings.data_dir / "landing" / source / entity / name
    fetch(settings, folder)
    return folder
