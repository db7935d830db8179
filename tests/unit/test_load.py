"""Loading into a real PostgreSQL with COPY: idempotence, audit, rollback on failure."""

from __future__ import annotations

import json

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dti.land import _sha256_file, extract_and_land
from dti.load import LoadError, load_batch, record_failure
from dti.records import LandedBatch


def rows(dsn: str, query: str, *args) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, args).fetchall()


def test_copies_the_batch_with_types_and_metadata(settings, portal, dsn):
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    result = load_batch(dsn, batch.to_dict())
    assert result.rows == 50 and result.deleted == 0 and result.table == "raw.portal__dossiers"
    types = dict(
        rows(
            dsn,
            """select column_name, data_type from information_schema.columns
                              where table_schema = 'raw' and table_name = 'portal__dossiers'""",
        )
    )
    assert types["MaHoSo"] == "text" and types["DanhSachLePhi"] == "jsonb"
    assert types["_interval_start"] == "timestamp with time zone"
    sent = portal.data["dossiers"][0]
    ((fees, start, batch_id),) = rows(
        dsn,
        'select "DanhSachLePhi", _interval_start, _batch_id from raw.portal__dossiers '
        'where "MaHoSo" = %s',
        sent["MaHoSo"],
    )
    assert fees == sent["DanhSachLePhi"] and batch_id == batch.batch_id
    assert start.isoformat() in ("2022-01-04T17:00:00+00:00", "2022-01-05T00:00:00+07:00")
    indexes = rows(dsn, "select indexdef from pg_indexes where tablename = 'portal__dossiers'")
    assert any("_interval_start" in i for (i,) in indexes)


def test_loading_twice_is_loading_once(settings, portal, dsn):
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    load_batch(dsn, batch)
    before = rows(dsn, 'select "MaHoSo", "NgayCapNhat" from raw.portal__dossiers order by 1, 2')
    again = load_batch(dsn, str(batch.folder))
    assert again.deleted == 50 and again.rows == 50
    after = rows(dsn, 'select "MaHoSo", "NgayCapNhat" from raw.portal__dossiers order by 1, 2')
    assert after == before


def test_intervals_are_replaced_independently(settings, portal, dsn):
    load_batch(dsn, extract_and_land(settings, "portal", "dossiers", "2022-01-05"))
    load_batch(dsn, extract_and_land(settings, "portal", "dossiers", "2022-01-06"))
    del portal.data["dossiers"][:5]
    load_batch(dsn, extract_and_land(settings, "portal", "dossiers", "2022-01-05"))
    counts = rows(
        dsn,
        "select (_interval_start at time zone 'Asia/Ho_Chi_Minh')::date::text, count(*) "
        "from raw.portal__dossiers group by 1 order by 1",
    )
    assert counts == [("2022-01-05", 45), ("2022-01-06", 30)]


def test_audit_rows(settings, portal, dsn):
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    load_batch(dsn, batch)
    load_batch(dsn, batch)
    audit = rows(
        dsn,
        "select batch_id, source, entity, rows, source_total, checksum, status, "
        "validation_outcome, duration_ms >= 0, error from ops.load_audit order by audit_id",
    )
    assert (
        audit
        == [
            (
                batch.batch_id,
                "portal",
                "dossiers",
                50,
                50,
                batch.sha256,
                "loaded",
                "not_validated",
                True,
                None,
            )
        ]
        * 2
    )


def _corrupt(batch: LandedBatch) -> LandedBatch:
    """Rewrite the batch with a list column that is not JSON, keeping the manifest consistent."""
    table = pq.read_table(batch.parquet_path)
    values = table.column("DanhSachLePhi").to_pylist()
    values[-1] = "[{not json"
    idx = table.column_names.index("DanhSachLePhi")
    table = table.set_column(idx, "DanhSachLePhi", pa.array(values, pa.string()))
    pq.write_table(table, batch.parquet_path)
    data = batch.to_dict() | {"sha256": _sha256_file(batch.parquet_path), "batch_id": "bad"}
    batch.manifest_path.write_text(json.dumps(data))
    return LandedBatch.from_dict(data)


def test_a_failed_load_leaves_the_previous_rows_and_is_audited(settings, portal, dsn):
    good = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    load_batch(dsn, good)
    portal.data["dossiers"][0]["TrangThaiHoSo"] = "10"
    bad = _corrupt(extract_and_land(settings, "portal", "dossiers", "2022-01-05"))
    with pytest.raises(LoadError, match="portal/dossiers/2022-01-05") as err:
        load_batch(dsn, bad)
    assert "line 50, column DanhSachLePhi" in str(err.value)
    assert "earlier rows are unchanged" in str(err.value)
    assert rows(dsn, "select distinct _batch_id from raw.portal__dossiers") == [(good.batch_id,)]
    assert rows(dsn, "select count(*) from raw.portal__dossiers") == [(50,)]
    ((status, error),) = rows(
        dsn, "select status, error from ops.load_audit where batch_id = 'bad'"
    )
    assert status == "failed" and "invalid input syntax for type json" in error


def test_a_batch_changed_after_landing_is_refused(settings, portal, dsn):
    batch = extract_and_land(settings, "portal", "agencies", "2022-01-05")
    with batch.parquet_path.open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(LoadError, match="changed after landing"):
        load_batch(dsn, batch)


def test_record_failure_writes_a_quarantined_row(settings, portal, dsn):
    batch = extract_and_land(settings, "portal", "agencies", "2022-01-05")
    record_failure(dsn, batch, "expect_column_values_to_be_in_set(CapDonVi)", status="quarantined")
    assert rows(dsn, "select entity, status, error from ops.load_audit") == [
        ("agencies", "quarantined", "expect_column_values_to_be_in_set(CapDonVi)")
    ]
    assert rows(dsn, "select count(*) from raw.portal__agencies") == [(0,)]


def test_awkward_values_survive_copy_unchanged(settings, portal, dsn):
    tricky = portal.data["dossiers"][0]
    tricky["TenTTHC"] = 'tab\there\nnew line \\ backslash \\N not null "quoted" \\.'
    tricky["DanhSachHoSoBoSung"] = [{"NoiDungBoSung": 'bổ sung "giấy tờ"\\\n\ttab', "x": None}]
    tricky["MaXaChuHoSo"] = ""
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    load_batch(dsn, batch)
    ((name, extra, commune, email),) = rows(
        dsn,
        'select "TenTTHC", "DanhSachHoSoBoSung", "MaXaChuHoSo", "Email" '
        'from raw.portal__dossiers where "MaHoSo" = %s',
        tricky["MaHoSo"],
    )
    assert name == tricky["TenTTHC"]
    assert extra == tricky["DanhSachHoSoBoSung"]
    assert commune == ""  # an empty string stays empty, a null stays null
    assert email == (None if tricky["Email"] is None else email)


def _reference_copy_line(values: list[str | None]) -> str:
    def field(value: str | None) -> str:
        if value is None:
            return "\\N"
        for plain, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
            value = value.replace(plain, escaped)
        return value

    return "\t".join(field(v) for v in values) + "\n"


def test_copy_text_matches_a_row_by_row_encoding_across_chunks():
    """The column-wise encoder escapes only the chunks that need it; slices and streams of
    record batches (the loader reads the parquet file a chunk at a time) give the same text."""
    awkward = ["tab\there", "line\nbreak", "back\\slash", "cr\rhere", "\\N", "", None, "bổ sung"]
    a = [f"v{i}" if i % 5 else awkward[(i // 5) % len(awkward)] for i in range(97)]
    b = [None if i % 7 == 0 else "plain" for i in range(97)]
    table = pa.table({"a": a, "b": b}).slice(3, 90)
    constants = ("batch-1", None, "x\ty")
    expected = "".join(
        _reference_copy_line([x, y, *constants])
        for x, y in zip(table["a"].to_pylist(), table["b"].to_pylist(), strict=True)
    )
    from dti.load import copy_text_chunks

    assert b"".join(copy_text_chunks(table, constants, rows_per_chunk=6)).decode() == expected
    batches = table.to_batches(max_chunksize=11)
    assert b"".join(copy_text_chunks(batches, constants)).decode() == expected


def test_a_file_of_several_row_groups_is_loaded_whole(settings, portal, dsn):
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    table = pq.read_table(batch.parquet_path)
    pq.write_table(table, batch.parquet_path, row_group_size=7)
    batch = LandedBatch.from_dict({**batch.to_dict(), "sha256": _sha256_file(batch.parquet_path)})
    assert load_batch(dsn, batch).rows == 50
    landed = sorted(table["MaHoSo"].to_pylist())
    loaded = rows(dsn, 'select "MaHoSo" from raw.portal__dossiers order by 1')
    assert [r for (r,) in loaded] == landed


def test_copy_text_without_constant_columns_ends_every_line():
    from dti.load import copy_text_chunks

    table = pa.table({"a": ["x", None, "y\tz"]})
    assert b"".join(copy_text_chunks(table, ())) == b"x\n\\N\ny\\tz\n"


def test_a_field_the_contract_grew_is_added_to_an_existing_raw_table(dsn):
    from dti.load import ensure_tables
    from dti.sources import get_entity

    communes = get_entity("police", "communes")
    with psycopg.connect(dsn, autocommit=True) as conn:
        ensure_tables(conn, communes)
        # a raw table of before 2025, when the registry had no NgayHieuLuc
        conn.execute('alter table raw.police__communes drop column "NgayHieuLuc"')
        conn.execute("""insert into raw.police__communes ("MaXa", "Nam", _batch_id,
            _interval_start, _interval_end) values ('07210', '2023', 'b', now(), now())""")
        ensure_tables(conn, communes)
        columns = [
            name
            for (name,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = 'police__communes'"
            )
        ]
        kept = conn.execute('select "MaXa", "NgayHieuLuc" from raw.police__communes').fetchall()
    assert "NgayHieuLuc" in columns and kept == [("07210", None)]
