"""Validation with the real GX suites: clean batches pass, each dirty fixture fails by name."""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path

import psycopg
import pytest

from dti import stages
from dti.extract import Extraction
from dti.extract import http as source_errors
from dti.land import extract_and_land, land
from dti.pseudonymise import pseudonymise_records
from dti.records import Interval, LandedBatch
from dti.sources import all_entities, get_entity
from dti.validate import (
    BatchValidator,
    ValidationFailed,
    build_data_docs,
    read_suite,
    reference_parameters,
    suites_dir,
    validate_batch,
)

from .conftest import make_settings
from .fake_portal import FakePortal, PortalServer
from .portal_data import PROCEDURE_CODES, dossiers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portal"
DIRTY = sorted(p.stem for p in FIXTURES.glob("*.json") if not p.stem.endswith("_good"))


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def fixture_portal():
    fake = FakePortal(
        data={e: fixture(f"{e}_good")["items"] for e in ("agencies", "procedures", "dossiers")}
    )
    with PortalServer(fake):
        yield fake


def serve(portal: FakePortal, doc: dict) -> None:
    portal.data[doc["entity"]] = doc["items"]
    portal.extra_total = doc["reported_total"] - len(doc["items"])
    portal.ignore_window = doc.get("source_ignores_window", False)


def land_unchecked(settings, doc: dict) -> LandedBatch:
    """Land a fixture as a source without total/repeat checks would have (the second line)."""
    entity = get_entity("portal", doc["entity"])
    now = Interval.day(doc["interval"]).start
    records = pseudonymise_records(doc["items"], entity.personal, settings.pseudonym_key)
    extraction = Extraction(
        entity, Interval.day(doc["interval"]), records, doc["reported_total"], 1, now, now
    )
    return land(settings, extraction)


def test_every_entity_has_a_suite_matching_the_registry():
    settings = make_settings(Path("/nonexistent"))
    for entity in all_entities():
        suite = read_suite(suites_dir(settings), entity.suite_name)
        derived = [d["column"] for d in suite["meta"]["dti"]["derived_columns"]]
        (schema,) = [
            e
            for e in suite["expectations"]
            if e["type"] == "expect_table_columns_to_match_ordered_list"
        ]
        assert schema["kwargs"]["column_list"] == [*entity.field_names, *derived]
        assert "source_total" in suite["meta"]["dti"]["parameters"]
        for field in entity.personal:
            assert any(
                e["kwargs"].get("column") == field and "ps_" in e["kwargs"].get("regex", "")
                for e in suite["expectations"]
            ), f"{entity.suite_name}: {field} must be checked as pseudonymised"


def test_a_clean_day_passes_and_its_result_is_kept(tmp_path, fixture_portal):
    settings = make_settings(tmp_path, fixture_portal.url)
    extract_and_land(settings, "portal", "procedures", "2022-01-05")
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    params = reference_parameters(settings, "portal", "dossiers")
    assert params["known_procedure_codes"] == sorted(PROCEDURE_CODES)
    outcome = validate_batch(settings, batch, params["known_procedure_codes"])
    assert outcome.success and outcome.failed == [] and outcome.evaluated >= 30
    result = json.loads(Path(outcome.result_path).read_text())
    assert result["success"] and result["suite_name"] == "portal__dossiers"
    assert Path(outcome.result_path).is_relative_to(settings.data_dir / "gx" / "validations")
    assert batch.folder.is_dir()  # a passing batch stays where it landed


@pytest.mark.parametrize("name", DIRTY)
def test_dirty_fixture_fails_by_name_and_is_quarantined(tmp_path, fixture_portal, name):
    doc = fixture(name)
    settings = make_settings(tmp_path, fixture_portal.url)
    serve(fixture_portal, doc)
    if "expect_extract_error" in doc:
        # The extractor is the first line: it refuses the interval outright ...
        with pytest.raises(getattr(source_errors, doc["expect_extract_error"])):
            extract_and_land(settings, "portal", doc["entity"], doc["interval"])
        # ... and the suite is the second, for a batch that reached the landing zone anyway.
        batch = land_unchecked(settings, doc)
    else:
        batch = extract_and_land(settings, "portal", doc["entity"], doc["interval"])
    with pytest.raises(ValidationFailed) as err:
        validate_batch(settings, batch, PROCEDURE_CODES)
    message = str(err.value)
    assert sorted(err.value.outcome.failed) == sorted(doc["expect_failed"])
    for label in doc["expect_failed"]:
        assert label in message
    assert f"portal/{doc['entity']}/2022-01-05" in message and "quarantine" in message
    for needle in doc.get("message_mentions", []):
        assert needle in message
    if doc.get("sample_rows", True):
        assert "e.g. {" in message  # sample rows, with their keys
    quarantined = settings.data_dir / "quarantine" / "portal" / doc["entity"] / "2022-01-05"
    assert err.value.outcome.quarantine_path == str(quarantined)
    assert sorted(p.name for p in quarantined.iterdir()) == [
        "manifest.json",
        "part-0000.parquet",
        "reason.txt",
        "validation_result.json",
    ]
    assert not batch.folder.exists()
    assert doc["expect_failed"][0] in (quarantined / "reason.txt").read_text()
    assert json.loads((quarantined / "validation_result.json").read_text())["success"] is False
    # A retry of the task (Airflow retries) is told where the batch went.
    with pytest.raises(FileNotFoundError, match="quarantined"):
        validate_batch(settings, batch.to_dict(), PROCEDURE_CODES)


def test_an_empty_day_passes(tmp_path, fixture_portal):
    settings = make_settings(tmp_path, fixture_portal.url)
    batch = extract_and_land(settings, "portal", "dossiers", "2022-02-01")
    assert batch.rows == 0 == batch.source_total
    assert validate_batch(settings, batch, PROCEDURE_CODES).success


def test_dossiers_need_the_catalogue(tmp_path, fixture_portal):
    settings = make_settings(tmp_path, fixture_portal.url)
    batch = extract_and_land(settings, "portal", "dossiers", "2022-01-05")
    with pytest.raises(FileNotFoundError, match="land portal/procedures first"):
        reference_parameters(settings, "portal", "dossiers")
    with pytest.raises(ValueError, match="known_procedure_codes"):
        validate_batch(settings, batch)


def test_a_backfilled_day_is_checked_against_the_catalogue_of_its_time(tmp_path, fixture_portal):
    """A day of 2025 backfilled after today's catalogue landed is checked against the catalogue
    the system listed then (the switch's procedures are no longer in today's), so a catalogue
    taken at or after the day, else the latest before it."""
    settings = make_settings(tmp_path, fixture_portal.url)
    extract_and_land(settings, "portal", "procedures", "2022-01-05")
    fixture_portal.data["procedures"] = fixture_portal.data["procedures"][:1]
    extract_and_land(settings, "portal", "procedures", "2022-03-01")
    one = fixture_portal.data["procedures"][0]["MaTTHC"]

    def codes(as_of):
        return reference_parameters(settings, "portal", "dossiers", as_of)["known_procedure_codes"]

    assert codes(None) == [one]  # no time given: the latest
    assert codes(Interval.day("2022-01-05").start) == sorted(PROCEDURE_CODES)
    assert codes(Interval.day("2021-12-31").start) == sorted(PROCEDURE_CODES)
    assert codes(Interval.day("2022-02-10").start) == [one]  # the next one taken after it
    assert codes(Interval.day("2022-06-30").start) == [one]  # none after: the latest before


def test_snapshot_folders_of_days_months_and_intervals_compare_by_their_start():
    from datetime import datetime

    from dti.config import LOCAL_TZ
    from dti.land import pick_snapshot

    names = ["2022-02", "2022-01-31", "20220201T120000-20220202T000000", "2022-02-03"]
    assert pick_snapshot(names) == "2022-02-03"
    assert pick_snapshot(names, datetime(2022, 2, 1, tzinfo=LOCAL_TZ)) == "2022-02"
    assert pick_snapshot(names, datetime(2022, 2, 1, 6, tzinfo=LOCAL_TZ)).startswith("20220201T")
    assert pick_snapshot([], None) is None


def test_a_5000_row_day_validates_quickly_with_a_reused_context(tmp_path):
    """Range loads validate ~30 days per task: the per-batch cost must stay well under seconds."""
    fake = FakePortal(
        data={"dossiers": [r for d in (5, 6) for r in dossiers(f"2022-01-{d:02d}", 5000, d)]}
    )
    with PortalServer(fake):
        settings = make_settings(tmp_path, fake.url, DTI_HTTP_PAGE_SIZE="5000")
        batches = [
            extract_and_land(settings, "portal", "dossiers", f"2022-01-{d:02d}") for d in (5, 6)
        ]
    validator = BatchValidator.for_settings(settings)
    params = {"known_procedure_codes": PROCEDURE_CODES}
    validator.validate(batches[0], parameters=params)  # builds the context and the suite
    timings = []
    for batch in batches[1:]:
        started = time.perf_counter()
        assert validator.validate(batch, parameters=params).success
        timings.append(time.perf_counter() - started)
    print(f"GX validation of a 5,000-row dossier day: {[round(t, 2) for t in timings]} s")
    assert max(timings) < 4.0


def test_stages_audit_a_quarantined_batch_and_load_nothing(tmp_path, fixture_portal, dsn):
    settings = make_settings(tmp_path, fixture_portal.url)
    for entity in ("agencies", "procedures", "dossiers"):
        stages.run_interval(settings, dsn, "portal", entity, "2022-01-05")
    serve(fixture_portal, fixture("dossiers_negative_fee"))
    with pytest.raises(ValidationFailed, match="_DanhSachLePhi_Gia_min"):
        stages.run_interval(settings, dsn, "portal", "dossiers", "2022-01-05")
    with psycopg.connect(dsn) as conn:
        audit = conn.execute(
            "select entity, status, validation_outcome, rows, error from ops.load_audit "
            "order by audit_id"
        ).fetchall()
        fees = conn.execute(
            """select min((f->>'Gia')::bigint) from raw.portal__dossiers,
               jsonb_array_elements("DanhSachLePhi") f"""
        ).fetchone()[0]
    assert [a[:4] for a in audit] == [
        ("agencies", "loaded", "passed", 4),
        ("procedures", "loaded", "passed", 40),
        ("dossiers", "loaded", "passed", 20),
        ("dossiers", "quarantined", "failed", 20),
    ]
    assert "_DanhSachLePhi_Gia_min" in audit[-1][4]
    assert fees >= 0  # the earlier, valid load of the day is what the warehouse still holds


def test_data_docs_are_built_from_the_kept_results(tmp_path, fixture_portal, caplog):
    settings = make_settings(tmp_path, fixture_portal.url)
    batch = extract_and_land(settings, "portal", "procedures", "2022-01-05")
    validate_batch(settings, batch)
    serve(fixture_portal, fixture("agencies_bad"))
    with pytest.raises(ValidationFailed):
        validate_batch(settings, extract_and_land(settings, "portal", "agencies", "2022-01-05"))
    index = build_data_docs(settings)
    assert index.name == "index.html" and index.is_file()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and "render" in r.name]
    pages = list(index.parent.rglob("*.html"))
    assert any("portal__agencies" in p.read_text() for p in pages)


def test_an_unknown_commune_is_derived_for_the_suite():
    """`_unknown_commune` holds MaXaChuHoSo when no commune of the country has that code: a
    commune of another province (Phúc Xá, Hà Nội: 00001) is known, an empty code is no code."""
    import pandas as pd

    from dti.validate import add_derived_columns

    suite = json.loads(
        (Path(__file__).parents[2] / "expectations/portal__dossiers.json").read_text()
    )
    frame = pd.DataFrame({"MaXaChuHoSo": ["07450", "00001", "99999", None, "", "7450"]})
    derived = add_derived_columns(frame.copy(), suite)["_unknown_commune"].tolist()
    assert derived == [None, None, "99999", None, None, "7450"]


def test_not_a_timestamp_agrees_with_pandas_on_awkward_values():
    """The fast path (Arrow's strptime, pandas for days 29-31 and year 0000) says what
    pd.to_datetime says, on random digit strings with out-of-range parts and odd shapes."""
    import numpy as np
    import pandas as pd

    from dti.validate import not_a_timestamp

    rng = np.random.default_rng(7)
    n = 20_000
    parts = zip(
        rng.choice([0, 1, 1999, 2022, 2024, 2100, 9999], n),
        rng.integers(0, 14, n),
        rng.integers(0, 33, n),
        rng.integers(0, 26, n),
        rng.integers(0, 62, n),
        rng.integers(0, 63, n),
        strict=True,
    )
    values = [f"{y:04d}{mo:02d}{d:02d}{h:02d}{mi:02d}{s:02d}" for y, mo, d, h, mi, s in parts]
    values += ["", None, "2022010107302", "20220101 07302", "202201010730261", "20240229000000"]
    text = pd.Series(values, dtype=object, index=range(5, 5 + len(values)))
    expected = pd.to_datetime(text, format="%Y%m%d%H%M%S", errors="coerce").isna()
    got = not_a_timestamp(text, "%Y%m%d%H%M%S")
    assert got.index.equals(text.index)
    assert (got == expected).all() and 0 < got.sum() < len(values)


def test_the_cli_builds_the_data_docs_or_says_what_to_do(tmp_path, fixture_portal, monkeypatch):
    from typer.testing import CliRunner

    from dti.cli import app

    settings = make_settings(tmp_path, fixture_portal.url)
    for key, value in {
        "DTI_LOCAL_DIR": settings.local_dir,
        "DTI_DATA_DIR": settings.data_dir,
    }.items():
        monkeypatch.setenv(key, str(value))
    runner = CliRunner()
    empty = runner.invoke(app, ["validation-docs", "--no-serve"])
    assert empty.exit_code == 1 and "load a night first" in empty.output
    validate_batch(settings, extract_and_land(settings, "portal", "procedures", "2022-01-05"))
    built = runner.invoke(app, ["validation-docs", "--no-serve", "--last", "1"])
    assert built.exit_code == 0, built.output
    index = Path(built.output.split("GX Data Docs written to ")[1].split()[0])
    assert index.is_file() and "portal__procedures" in "".join(
        p.read_text() for p in index.parent.rglob("*.html")
    )


def test_the_data_docs_load_nothing_from_the_internet(tmp_path, fixture_portal):
    """GX's pages load their scripts and styles from CDNs a provincial network may not reach:
    `make setup` installs them (npm), `dti.gx_assets.localise` points every page at the copy."""
    from dti.gx_assets import PREFIX, installed, localise

    if installed() is None:
        pytest.skip("GX Data Docs' assets are not installed (make setup: it needs npm)")
    settings = make_settings(tmp_path, fixture_portal.url)
    validate_batch(settings, extract_and_land(settings, "portal", "procedures", "2022-01-05"))
    site = build_data_docs(settings).parent
    assert "cdn.jsdelivr.net" in (site / "index.html").read_text()  # as GX writes them
    assert localise(site) == []
    for page in site.rglob("*.html"):
        text = page.read_text()
        loads = re.findall(r'src="(https?://[^"]+)"|<link[^>]*href="(https?://[^"]+)"', text)
        assert not loads and "amazonaws.com" not in text, (page, loads)
        for path in re.findall(rf'(?:src|href)="{PREFIX}([^"]+)"', text):
            assert (site / PREFIX.strip("/") / path).is_file(), path
    assert localise(site) == []  # again: idempotent
