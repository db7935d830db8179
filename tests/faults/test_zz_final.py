"""Last in the suite: after every fault, the marts (built once more with dbt) equal the fault-free
build, the data-quality mart shows each quarantine with its rule and a sample, no layer holds a
clear personal identifier the simulator sent, and nothing was lost or duplicated in total."""

from __future__ import annotations

import json
import re

import httpx
import pyarrow.parquet as pq
import pytest

from .conftest import DAY, DOSSIERS

pytestmark = pytest.mark.slow

PERSONAL = ("ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai", "Email")
WORD = re.compile(r"[0-9A-Za-z@._+-]+")


@pytest.fixture(scope="module")
def built(faults):
    from e2e.test_same_answer import _build, _checksums

    _build(faults.stack)
    return _checksums(faults.stack, "marts")


def test_raw_and_marts_equal_the_fault_free_run(faults, built):
    from e2e.test_same_answer import _checksums

    assert json.dumps(_checksums(faults.stack, "raw"), sort_keys=True) == faults.baseline["raw"]
    assert built == faults.marts
    assert len(built) > 10 and any(not v.startswith("0:") for v in built.values())
    faults.ledger.add("all rows", "test_raw_and_marts_equal_the_fault_free_run", marts=len(built))


def test_every_quarantine_is_in_the_data_quality_mart_with_its_rule(faults, built):
    rows = faults.stack.query(
        "select rule, bad_row_count, sample, is_resolved from marts.data_quality_issues "
        "where issue_type = 'quarantined_batch' and source = 'portal' and entity = 'dossiers'"
    )
    quarantines = faults.stack.scalar(
        "select count(*) from ops.load_audit where source = 'portal' and entity = 'dossiers' "
        "and status = 'quarantined'"
    )
    assert quarantines >= 4 and len(rows) == quarantines
    assert all(rule for rule, *_ in rows)
    assert all(resolved for *_, resolved in rows)  # every bad day loaded again since
    with_samples = [r for r in rows if r[2]]
    faults.ledger.add(
        "bad values: impossible dates, due before received, negative amounts, unknown commune "
        "or procedure codes, non-UTF-8 text",
        "test_every_quarantine_is_in_the_data_quality_mart_with_its_rule",
        quarantines_in_mart=len(rows),
        quarantines_with_sample=len(with_samples),
    )


def _sent_identifiers(faults) -> set[str]:
    """The clear personal values the simulator served for the day (read as the pipeline does)."""
    start = DAY.replace("-", "") + "000000"
    end = f"{DAY[:8]}{int(DAY[8:]) + 1:02d}".replace("-", "") + "000000"
    values: set[str] = set()
    headers = {"Authorization": f"Bearer {faults.settings.portal_token}"}
    page = 1
    while True:
        body = httpx.get(
            f"{faults.sim}{DOSSIERS}",
            params={"updated_from": start, "updated_to": end, "page": page, "page_size": 5000},
            headers=headers,
            timeout=60,
        ).json()
        for item in body["items"]:
            values.update(str(item[k]) for k in PERSONAL if item.get(k))
        if len(body["items"]) < 5000:
            return values
        page += 1


def _words(text: str) -> set[str]:
    return set(WORD.findall(text))


def test_no_clear_identifier_in_landing_raw_staging_marts_logs_or_xcom(faults, built):
    sent = _sent_identifiers(faults)
    assert len(sent) > 1000
    # identifiers, phones and e-mails are single words: every word of every row is looked up
    # (in the warehouse, a hash join); names (several words) are checked whole in the landing zone
    words = sorted(v for v in sent if WORD.fullmatch(v) and len(v) >= 8)
    names = [v for v in sent if v not in words and " " in v]
    assert len(words) > 500 and names
    found: dict[str, int] = {}
    data = faults.settings.data_dir
    for path in sorted((data / "landing" / "portal").rglob("*.parquet")):
        table = pq.read_table(path)
        text = " ".join(str(v) for col in table.to_pydict().values() for v in col)
        found[f"landing {path.relative_to(data)}"] = len(_words(text) & set(words)) + sum(
            1 for v in names if v in text
        )
    relations = faults.stack.query(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('raw', 'staging', 'intermediate', 'marts') "
        # the health facility registry is public contact data (its phone numbers may equal
        # generated citizens' ones by chance)
        "and table_name not like '%%facilit%%' order by 1, 2"
    )
    import psycopg

    from dti.warehouse import warehouse_url

    with psycopg.connect(warehouse_url(faults.settings)) as conn:
        conn.execute("create temp table sent_words (w text primary key)")
        with conn.cursor().copy("copy sent_words (w) from stdin") as copy:
            for w in words:
                copy.write_row((w,))
        for schema, table in relations:
            found[f"{schema}.{table}"] = conn.execute(
                "select count(*) from (select regexp_split_to_table(t::text, "
                f'\'[^0-9A-Za-z@._+-]+\') as w from "{schema}"."{table}" t) x '
                "join sent_words using (w)"
            ).fetchone()[0]
    local = faults.settings.local_dir
    logs = [
        p for p in local.rglob("*") if p.is_file() and (p.suffix == ".log" or "logs" in p.parts)
    ]
    metadata = faults.settings.airflow_home / "airflow.db"  # XCom, rendered fields, task runs
    for path in [*logs, metadata]:
        text = path.read_bytes().decode("utf-8", errors="replace")
        found[str(path.relative_to(local))] = len(_words(text) & set(words))
    hits = {where: n for where, n in found.items() if n}
    assert not hits, f"clear identifiers found: {hits}"
    assert metadata.is_file() and "raw.portal__dossiers" in found
    faults.ledger.add(
        "security: no clear personal identifier",
        "test_no_clear_identifier_in_landing_raw_staging_marts_logs_or_xcom",
        identifiers_sent=len(sent),
        places_scanned=len(found),
    )


def test_no_secret_in_logs_rendered_fields_or_xcom(faults):
    settings = faults.settings
    secrets = {
        p.name: p.read_text().strip()
        for p in (settings.secrets_dir).iterdir()
        if p.is_file() and len(p.read_text().strip()) >= 16
    }
    assert {"simulator.token", "pseudonym.key", "warehouse.password"} <= set(secrets)
    local = settings.local_dir
    places = [
        p
        for p in local.rglob("*")
        if p.is_file()
        and "secrets" not in p.parts
        and "pg" not in p.parts
        and (p.suffix in (".log", ".db", ".json") or "logs" in p.parts)
    ]
    assert settings.airflow_home / "airflow.db" in places
    leaks = [
        (name, str(p.relative_to(local)))
        for p in places
        for name, value in secrets.items()
        if value.encode() in p.read_bytes()
    ]
    assert not leaks, f"secrets written in clear: {leaks}"
    faults.ledger.add(
        "security: no secret in logs/rendered fields/XCom",
        "test_no_secret_in_logs_rendered_fields_or_xcom",
        files_scanned=len(places),
    )


def test_nothing_lost_nothing_duplicated(faults):
    totals = faults.ledger.totals()
    assert totals["rows_lost"] == 0 and totals["rows_duplicated"] == 0
    assert totals["faults_injected"] >= 20


def test_a_new_field_is_in_the_data_quality_mart(faults, built):
    """The batch that carried a field the contract does not know loaded (the field stayed in its
    parquet file) and the data-quality mart names the field for whoever keeps the contract."""
    rows = faults.stack.query(
        "select rule, sample from marts.data_quality_issues "
        "where issue_type = 'new_field' and source = 'portal' and entity = 'dossiers'"
    )
    assert rows and all("MaDinhDanhMoi" in rule for rule, _ in rows), rows
    assert all("not loaded" in sample for _, sample in rows)
    faults.ledger.add(
        "schema drift: a new field, a renamed field, a missing required field, a type change",
        "test_a_new_field_is_in_the_data_quality_mart",
        outcome=f"new_field row in marts.data_quality_issues: {rows[0][0]}",
    )
