"""Source instances by configuration (dti.sources.instances): the sources file's checks, and
what an instance shares with its source and what is its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dti.config import load_settings
from dti.sources.instances import SourcesFileError, parse_instances

LEGACY = """
instances:
  - name: portal_bacninh_legacy
    source: portal
    url: /legacy/27
    until: 2025-06-30
  - name: portal_other
    source: portal
    url: https://dvc.example.gov.vn/
    token_env: DTI_TEST_OTHER_TOKEN
"""


def test_an_instance_has_its_sources_contract_and_its_own_tables():
    instances = parse_instances(LEGACY)
    legacy = instances["portal_bacninh_legacy"]
    assert legacy.kind == "portal" and legacy.until == date(2025, 6, 30)
    dossiers = legacy.entity("dossiers")
    assert dossiers.source == "portal_bacninh_legacy"
    assert dossiers.raw_table == "raw.portal_bacninh_legacy__dossiers"
    assert dossiers.suite_name == "portal__dossiers"  # the portal's checks
    assert dossiers.personal  # pseudonymised as the portal's
    assert legacy.exists_on(date(2025, 6, 30)) and not legacy.exists_on(date(2025, 7, 1))


def test_a_path_is_below_the_simulator_and_a_url_needs_its_token(monkeypatch, tmp_path):
    settings = load_settings({"DTI_LOCAL_DIR": str(tmp_path), "DTI_SIMULATOR_PORT": "9999"})
    instances = parse_instances(LEGACY)
    assert (
        instances["portal_bacninh_legacy"].base_url(settings) == "http://127.0.0.1:9999/legacy/27"
    )
    other = instances["portal_other"]
    assert other.base_url(settings) == "https://dvc.example.gov.vn/"
    monkeypatch.delenv("DTI_TEST_OTHER_TOKEN", raising=False)
    with pytest.raises(RuntimeError, match="DTI_TEST_OTHER_TOKEN"):
        other.token(settings)
    monkeypatch.setenv("DTI_TEST_OTHER_TOKEN", "secret")
    assert other.token(settings) == "secret"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("instances: {}", "a list under 'instances:'"),
        ("instances:\n  - {name: x1, source: portal, url: /a}\n  - [1]", "a mapping"),
        ("instances:\n  - {name: Bad-Name, source: portal, url: /a}", "lower-case"),
        ("instances:\n  - {name: portal, source: portal, url: /a}", "already used"),
        ("instances:\n  - {name: p2, source: portale, url: /a}", "not registered"),
        ("instances:\n  - {name: p2, source: portal}", "needs url"),
        ("instances:\n  - {name: p2, source: portal, url: /a, until: soon}", "not a day"),
        (
            "instances:\n  - {name: p2, source: portal, url: /a, since: 2025-01-02, "
            "until: 2025-01-01}",
            "before since",
        ),
        ("instances:\n  - {name: p2, source: portal, url: /a, tokn: X}", "unknown keys"),
        ("instances:\n  - {name: p2, source: portal, url: /a, inbox: x}", "file-drop"),
        ("instances:\n  - {name: e2, source: education, inbox: ../up}", "folder under"),
        ("instances: [", "not YAML"),
    ],
)
def test_a_bad_sources_file_says_what_to_change(text, message):
    with pytest.raises(SourcesFileError, match=message):
        parse_instances(text, "sources.yaml")


def test_a_retired_instance_runs_no_night_after_its_end_and_is_not_stale(monkeypatch, tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(LEGACY)
    monkeypatch.setenv("DTI_SOURCES_FILE", str(path))
    monkeypatch.delenv("DTI_CATCHUP_FROM", raising=False)
    from dti.dags import _nightly_start
    from dti.sources import get_source, source_names
    from dti.status import EntityStatus

    assert "portal_bacninh_legacy" in source_names()
    window = _nightly_start(get_source("portal_bacninh_legacy"))
    assert window["end_date"].date() == date(2025, 7, 1)  # the run of 06-30 starts at its end
    monkeypatch.setenv("DTI_CATCHUP_FROM", "2026-12-01")
    window = _nightly_start(get_source("portal_bacninh_legacy"))
    assert window["start_date"] == window["end_date"]  # a catch-up after its end runs nothing

    def status(source, loaded_until):
        return EntityStatus(source, "dossiers", loaded_until, loaded_until, 1, 1, 0, 0, 1.0)

    now = datetime(2026, 12, 5, tzinfo=UTC)
    end = datetime(2025, 6, 30, 17, tzinfo=UTC)  # 2025-07-01 00:00 local
    assert status("portal_bacninh_legacy", end).freshness(now) == "retired"
    assert status("portal_bacninh_legacy", datetime(2025, 5, 1, tzinfo=UTC)).freshness(now) == (
        "retired, gap"
    )
    assert status("portal_other", end).freshness(now) == "stale (error)"
    # the thresholds are the dbt sources' freshness blocks: a nightly system is late after 36 h,
    # stale after 72 h; a monthly file drop (education) only after weeks
    yesterday = now - timedelta(hours=40)
    assert status("portal_other", yesterday).freshness(now) == "late (warn)"
    education = EntityStatus(
        "education", "school_reports", end, now - timedelta(days=20), 1, 1, 0, 0, 1.0
    )
    assert education.freshness(now) == "fresh"


def test_a_missing_sources_file_named_by_the_setting_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("DTI_SOURCES_FILE", str(tmp_path / "nope.yaml"))
    from dti.sources import source_names

    with pytest.raises(SourcesFileError, match="does not exist"):
        source_names()


def test_a_file_drop_instance_reads_its_own_inbox_and_expects_its_provinces_offices(
    monkeypatch, tmp_path
):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "instances:\n  - {name: education_bacninh_legacy, source: education, "
        "inbox: legacy/27/education, province: '27', until: 2025-06-30}\n"
    )
    monkeypatch.setenv("DTI_SOURCES_FILE", str(path))
    from dti.extract.files import _unit_settings, inbox_dir
    from dti.records import Interval
    from dti.sources import get_entity, get_source
    from dti.sources.education import district_units, province_units

    settings = load_settings({"DTI_LOCAL_DIR": str(tmp_path)})
    legacy = get_source("education_bacninh_legacy")
    assert legacy.base_url is None and legacy.token is None  # files only: no url, no token
    reports = get_entity("education_bacninh_legacy", "school_reports")
    assert inbox_dir(settings, reports) == settings.inbox / "legacy/27/education/school_reports"
    assert inbox_dir(settings, get_entity("education", "school_reports")) == (
        settings.inbox / "education" / "school_reports"
    )
    # its offices: the former Bắc Ninh's districts of the month, its Department for the registry
    unit_settings = _unit_settings(settings, reports)
    june = Interval.month(date(2025, 6, 1))
    assert district_units(unit_settings, june) == [
        "256", "258", "259", "260", "261", "262", "263", "264"
    ]  # fmt: skip
    assert province_units(unit_settings, june) == ["27"]
    assert _unit_settings(settings, get_entity("education", "school_reports")) is settings
