"""dbt's source freshness after each transform (dti.freshness): the sources' freshness blocks
judge every source table, the result is kept for `dti status`, and a late source is an alert."""

from __future__ import annotations

import psycopg
import pytest

from dti.config import load_settings
from dti.freshness import NEVER_LOADED, check, latest
from dti.status import StatusReport, format_report

from .dbt_warehouse import DbtWarehouse


@pytest.fixture
def late_portal(warehouse: DbtWarehouse):
    """The portal's dossiers loaded 40 hours ago (past its warning, 36 h; before its error,
    72 h); put back afterwards, so the other tests see the fixture as it was."""
    url = f"postgresql://postgres@127.0.0.1:{warehouse.port}/dti"
    shift = "update raw.portal__dossiers set _loaded_at = _loaded_at {} interval '40 hours'"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(shift.format("-"))
    try:
        yield url
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(shift.format("+"))
            conn.execute("delete from ops.alerts where task_id = 'source_freshness'")


def test_a_late_source_is_an_alert_and_an_unloaded_one_is_not(late_portal, monkeypatch, tmp_path):
    for name in ("DTI_PG_HOST", "DTI_PG_PORT", "DTI_PG_USER", "DTI_PG_PASSWORD", "DTI_PG_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings({"DTI_WAREHOUSE_URL": late_portal, "DTI_LOCAL_DIR": str(tmp_path)})
    results = {(r.source, r.table): r for r in check(settings)}
    dossiers = results[("portal", "portal__dossiers")]
    assert dossiers.status == "warn", dossiers
    assert 39 * 3600 < dossiers.age.total_seconds() < 41 * 3600
    assert dossiers.warn_after.total_seconds() == 36 * 3600
    assert results[("portal", "portal__agencies")].status == "pass"
    # a registered source whose table holds no row: never loaded, not late
    police = [r for (source, _t), r in results.items() if source == "police"]
    assert police and {r.status for r in police} == {NEVER_LOADED}
    with psycopg.connect(late_portal) as conn:
        alerts = conn.execute(
            "select error from ops.alerts where task_id = 'source_freshness'"
        ).fetchall()
        kept = latest(conn)
    assert len(alerts) == 1 and "portal.portal__dossiers: warn" in alerts[0][0], alerts
    assert "police" not in alerts[0][0]
    assert {(r.source, r.table, r.status) for r in kept} == {
        (r.source, r.table, r.status) for r in results.values()
    }
    # `dti status` shows what dbt found
    text = format_report(StatusReport(now=dossiers.max_loaded_at, freshness=kept))
    assert "portal.portal__dossiers: warn, last loaded 40 h ago (warn after 36 h" in text
