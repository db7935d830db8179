"""The public-holiday seed is the `holidays` package's list, not a hand-typed one."""

from __future__ import annotations

from pathlib import Path

from dti.reference import HOLIDAYS_SEED, public_holidays, public_holidays_csv

ROOT = Path(__file__).resolve().parents[2]


def test_seed_matches_the_holidays_package() -> None:
    assert (ROOT / HOLIDAYS_SEED).read_text(encoding="utf-8") == public_holidays_csv(), (
        "dbt_project/seeds/public_holidays_vn.csv differs from the installed `holidays` "
        "package: run `make holidays` and commit the seed"
    )


def test_lunar_new_year_and_moved_days_2022() -> None:
    days = {day for day, _ in public_holidays(range(2022, 2023))}
    # Tết 2022 (31 January to 4 February) and the days off for 30/4 and 1/5 that fell on a weekend
    assert {"2022-01-31", "2022-02-01", "2022-02-02", "2022-02-03", "2022-02-04"} <= days
    assert {"2022-04-30", "2022-05-01", "2022-05-02", "2022-05-03", "2022-04-11"} <= days
