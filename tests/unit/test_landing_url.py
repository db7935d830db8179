"""Workers that share no disk: with DTI_LANDING_URL the landed batches (and the reference
snapshots a suite reads) are mirrored to an object store, and the worker that validates and loads
a batch brings it back from there (here `memory://`, fsspec's in-process store)."""

from __future__ import annotations

import shutil
import uuid

import psycopg

from dti import stages
from dti.land import latest_landed

from .conftest import make_settings


def test_a_batch_landed_elsewhere_is_fetched_validated_and_loaded(tmp_path, portal, dsn):
    url = f"memory://dti-{uuid.uuid4().hex[:8]}"
    settings = make_settings(tmp_path, portal.url, DTI_WAREHOUSE_URL=dsn, DTI_LANDING_URL=url)
    stages.land(settings, "portal", "procedures", "2022-01-05")
    batch = stages.land(settings, "portal", "dossiers", "2022-01-05")
    # the worker that validates has none of the landing zone on its disk
    shutil.rmtree(settings.data_dir / "landing")
    assert latest_landed(settings.data_dir, "portal", "procedures") is None

    result = stages.validate_and_load(settings, batch)

    assert result["rows"] == 50
    assert latest_landed(settings.data_dir, "portal", "procedures") is not None
    with psycopg.connect(dsn) as conn:
        assert conn.execute('select count(*) from raw."portal__dossiers"').fetchone()[0] == 50
