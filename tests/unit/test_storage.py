"""dti.storage: a landed batch mirrored to an object store and fetched on another worker.

The object stores are fsspec's own `memory://` and a `file://` folder (what a shared mount looks
like as a URL); s3/gs/abfs differ only in the fsspec package that serves them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from dti import storage
from dti.extract import Extraction
from dti.land import land, latest_landed, verify_checksum
from dti.records import MANIFEST_NAME, Interval, LandedBatch
from dti.sources import get_entity

from .conftest import make_settings
from .portal_data import dossiers


def _land(settings, day: str = "2022-01-05", rows: int = 40) -> LandedBatch:
    entity = get_entity("portal", "dossiers")
    interval = Interval.day(day)
    records = dossiers(day, rows)
    extraction = Extraction(
        entity, interval, records, len(records), 1, interval.start, interval.start
    )
    return land(settings, extraction)


@pytest.fixture(params=["memory", "file"])
def url(request, tmp_path) -> str:
    if request.param == "memory":
        return f"memory://dti-test-{uuid.uuid4().hex[:8]}/landing-zone"
    return (tmp_path / "bucket").as_uri()


def test_without_a_url_nothing_is_mirrored(tmp_path):
    settings = make_settings(tmp_path)
    assert settings.landing_url is None
    batch = _land(settings)
    assert storage.publish(settings, Path(batch.path)) is None
    assert storage.fetch(settings, Path(batch.path)) is False


def test_a_batch_landed_on_one_worker_is_loaded_on_another(tmp_path, url):
    landing_worker = make_settings(tmp_path / "a", DTI_LANDING_URL=url)
    loading_worker = make_settings(tmp_path / "b", DTI_LANDING_URL=url)
    batch = _land(landing_worker)
    published = storage.publish(landing_worker, Path(batch.path))
    assert published.endswith("landing/portal/dossiers/" + batch.interval)

    here = loading_worker.data_dir / Path(batch.path).relative_to(landing_worker.data_dir)
    assert not here.exists()
    assert storage.fetch(loading_worker, here) is True
    assert storage.fetch(loading_worker, here) is False  # already local: no download
    fetched = LandedBatch.from_folder(here)
    assert fetched.batch_id == batch.batch_id and fetched.rows == 40
    verify_checksum(fetched)  # the parquet bytes are the landed ones
    assert latest_landed(loading_worker.data_dir, "portal", "dossiers").batch_id == batch.batch_id


def test_landing_again_replaces_the_remote_batch(tmp_path, url):
    settings = make_settings(tmp_path / "a", DTI_LANDING_URL=url)
    first = _land(settings, rows=40)
    storage.publish(settings, Path(first.path))
    remote = storage.remote_folder(settings, Path(first.path))
    (remote / "part-9999.parquet").write_bytes(b"left over by an older writer")
    second = _land(settings, rows=25)
    storage.publish(settings, Path(second.path))
    assert sorted(p.name for p in remote.iterdir()) == [MANIFEST_NAME, "part-0000.parquet"]
    manifest = json.loads((remote / MANIFEST_NAME).read_text())
    assert manifest["rows"] == 25 and manifest["batch_id"] == second.batch_id


def test_an_incomplete_remote_batch_is_not_fetched(tmp_path, url):
    landing_worker = make_settings(tmp_path / "a", DTI_LANDING_URL=url)
    loading_worker = make_settings(tmp_path / "b", DTI_LANDING_URL=url)
    batch = _land(landing_worker)
    storage.publish(landing_worker, Path(batch.path))
    remote = storage.remote_folder(landing_worker, Path(batch.path))
    (remote / MANIFEST_NAME).unlink()  # as if the upload had stopped before its last file
    here = loading_worker.data_dir / Path(batch.path).relative_to(landing_worker.data_dir)
    with pytest.raises(FileNotFoundError, match="no complete batch"):
        storage.fetch(loading_worker, here)
    assert not here.exists()


def test_remove_drops_the_remote_copy(tmp_path, url):
    settings = make_settings(tmp_path / "a", DTI_LANDING_URL=url)
    batch = _land(settings)
    storage.publish(settings, Path(batch.path))
    storage.remove(settings, Path(batch.path))
    assert not storage.remote_folder(settings, Path(batch.path)).exists()


def test_an_unknown_protocol_names_its_package(tmp_path):
    try:
        import s3fs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("s3fs is installed here: the missing-package message cannot be shown")
    settings = make_settings(tmp_path, DTI_LANDING_URL="s3://bucket/dti")
    batch = _land(settings)
    with pytest.raises(RuntimeError, match="s3fs"):
        storage.publish(settings, Path(batch.path))


def test_only_the_data_dirs_folders_are_mirrored(tmp_path, url):
    settings = make_settings(tmp_path, DTI_LANDING_URL=url)
    with pytest.raises(ValueError, match="not under DTI_DATA_DIR"):
        storage.remote_folder(settings, tmp_path / "elsewhere")


def test_the_latest_reference_snapshot_is_fetched(tmp_path, url):
    landing_worker = make_settings(tmp_path / "a", DTI_LANDING_URL=url)
    validating_worker = make_settings(tmp_path / "b", DTI_LANDING_URL=url)
    assert storage.fetch_latest(validating_worker, "portal", "dossiers") is None
    for day in ("2022-01-05", "2022-01-07", "2022-01-06"):
        storage.publish(landing_worker, Path(_land(landing_worker, day, rows=5).path))
    folder = storage.fetch_latest(validating_worker, "portal", "dossiers")
    assert folder is not None and folder.name.startswith("2022-01-07")
    latest = latest_landed(validating_worker.data_dir, "portal", "dossiers")
    assert latest is not None and latest.interval == folder.name
