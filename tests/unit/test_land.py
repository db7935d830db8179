"""Landing: parquet + manifest, checksums, pseudonymised bytes, atomic replace."""

from __future__ import annotations

import hashlib
import json

import pyarrow.parquet as pq
import pytest

from dti.land import extract_and_land, verify_checksum
from dti.pseudonymise import pseudonymise_value
from dti.records import LandedBatch


def test_lands_parquet_and_manifest(settings, portal):
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    folder = settings.data_dir / "landing/portal/dossiers/2022-01-05"
    assert batch.folder == folder
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "part-0000.parquet"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rows"] == manifest["source_total"] == 50
    assert (
        manifest["sha256"]
        == hashlib.sha256((folder / "part-0000.parquet").read_bytes()).hexdigest()
    )
    assert manifest["interval_start"] == "2022-01-05T00:00:00+07:00"
    assert manifest["interval_end"] == "2022-01-06T00:00:00+07:00"
    assert manifest["extract_started_at"] <= manifest["extract_finished_at"]
    assert manifest["batch_id"].startswith("portal__dossiers__2022-01-05__")
    assert LandedBatch.from_folder(folder) == batch


def test_values_are_landed_unchanged_as_strings_and_json(settings, portal):
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    table = pq.read_table(batch.parquet_path)
    assert all(str(t) == "string" for t in table.schema.types)
    landed = table.to_pylist()[0]
    sent = portal.data["dossiers"][0]
    assert landed["MaHoSo"] == sent["MaHoSo"] and landed["NgayTiepNhan"] == sent["NgayTiepNhan"]
    assert json.loads(landed["DanhSachLePhi"]) == sent["DanhSachLePhi"]
    assert landed["ChuHoSo"] == pseudonymise_value(sent["ChuHoSo"], settings.pseudonym_key)


def test_no_clear_personal_value_in_the_landed_bytes(settings, portal):
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    raw = batch.parquet_path.read_bytes() + batch.manifest_path.read_bytes()
    # The parquet is compressed; look inside the decompressed values as well.
    text = json.dumps(pq.read_table(batch.parquet_path).to_pylist(), ensure_ascii=False)
    for record in portal.data["dossiers"][:50]:
        for field in ("ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai", "Email"):
            if record[field]:
                assert record[field] not in text
                assert record[field].encode() not in raw


def test_batch_id_is_deterministic_and_follows_content(settings, portal):
    first = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    again = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    assert again.batch_id == first.batch_id
    portal.data["dossiers"][0]["TrangThaiHoSo"] = "10"
    changed = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    assert changed.batch_id != first.batch_id


def test_landing_again_replaces_the_interval_atomically(settings, portal):
    extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    del portal.data["dossiers"][:10]
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    parent = batch.folder.parent
    assert [p.name for p in parent.iterdir()] == ["2022-01-05"]  # no temp or old folders left
    assert pq.read_metadata(batch.parquet_path).num_rows == 40 == batch.rows


def test_a_failed_extraction_leaves_the_previous_landing(settings, portal):
    first = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    portal.extra_total = 1
    with pytest.raises(Exception, match="reported total"):
        extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    assert LandedBatch.from_folder(first.folder) == first
    assert [p.name for p in first.folder.parent.iterdir()] == ["2022-01-05"]


def test_snapshot_entities_land_under_the_day(settings, portal):
    batch = extract_and_land(settings, "portal", "procedures", "2022-01-05")
    assert batch.rows == len(portal.data["procedures"]) and batch.interval == "2022-01-05"
    assert "updated_from" not in portal.requests[-1]


def test_checksum_detects_a_changed_file(settings, portal):
    batch = extract_and_land(settings, "portal", "agencies", "2022-01-05")
    verify_checksum(batch)
    with batch.parquet_path.open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(ValueError, match="changed after landing"):
        verify_checksum(batch)
