"""Health end to end on the shared H1 2022 load: the half-year report's health figures come back
from the marts exactly, file receipts explain every file, and no clear patient identifier is
anywhere in the landing zone or the warehouse."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from dti.simulator.health import HealthWorld

pytestmark = pytest.mark.slow

REPORT = ("2022-01-01", "2022-06-15")  # the half-year report's health reference range


def _between(stack, code: str, first: str, last: str, breakdown: str = "total", value="total"):
    rows = stack.query(
        "select numerator, denominator, value from marts.indicator_values_between(%s, %s) "
        "where geography = 'as_reported' "
        "and indicator_code = %s and area_level = 'province' and breakdown = %s "
        "and breakdown_value = %s",
        (first, last, code, breakdown, value),
    )
    assert len(rows) == 1, f"{code} {first}..{last} {breakdown}={value}: {rows}"
    num, den, val = rows[0]
    return int(num), (None if den is None else int(den)), Decimal(val)


def _printed(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def test_cashless_transactions_and_amounts_over_the_report_range(h1):
    num, den, value = _between(h1, "YT_CASHLESS_TXN_RATE", *REPORT)
    assert (num, den) == (5_562, 376_765)
    assert _printed(value, 2) == Decimal("1.48")
    num, den, value = _between(h1, "YT_CASHLESS_VALUE_RATE", *REPORT)
    assert (num, den) == (4_952_209_110, 159_502_550_487)
    assert _printed(value, 2) == Decimal("3.10")


def test_units_with_a_cashless_method_at_the_report_date(h1):
    num, den, value = _between(h1, "YT_CASHLESS_UNIT_RATE", *REPORT)
    assert (num, den) == (20, 24)
    assert _printed(value, 1) == Decimal("83.3")
    by_type = {
        t: _between(h1, "YT_CASHLESS_UNIT_RATE", *REPORT, "unit_type", t)[:2]
        for t in ("provincial_hospital", "district_health_centre", "other_unit")
    }
    assert by_type == {
        "provincial_hospital": (6, 6),
        "district_health_centre": (10, 10),
        "other_unit": (4, 8),
    }


def test_registry_stocks_at_the_end_of_2021(h1):
    num, den, value = _between(h1, "YT_TELEHEALTH_FACILITY_RATE", "2021-12-31", "2021-12-31")
    assert (num, den) == (100, 209) and _printed(value, 2) == Decimal("47.85")
    lis = {
        t: _between(h1, "YT_LIS_HOSPITAL_RATE", "2021-12-31", "2021-12-31", "unit_type", t)[:2]
        for t in ("provincial_hospital", "district_health_centre")
    }
    assert lis == {"provincial_hospital": (6, 6), "district_health_centre": (8, 10)}


def test_insured_visits_are_the_episodes_that_arrived(h1):
    """Every episode of every claim file that arrived, once; a district's rows add up to the
    province."""
    episodes = h1.scalar(
        "select count(*) from marts.fct_insured_episode "
        "where discharge_date between '2022-01-01' and '2022-06-30'"
    )
    num, den, _ = _between(h1, "YT_INSURED_VISITS", "2022-01-01", "2022-06-30")
    assert num == episodes > 0 and den is None
    districts = h1.scalar(
        "select sum(numerator) from marts.indicator_values where geography = 'as_reported' "
        "and indicator_code = "
        "'YT_INSURED_VISITS' and period_type = 'half_year' and period_start = '2022-01-01' "
        "and area_level = 'district' and breakdown = 'total'"
    )
    assert int(districts) == num


def test_file_receipts_explain_every_payment_file(h1):
    """Every unit under the department has, every day, a loaded file or a 'missing' line."""
    per_day = h1.query(
        "select (period_start at time zone 'Asia/Ho_Chi_Minh')::date, "
        "count(*) filter (where status in ('loaded', 'missing')), "
        "count(*) filter (where status = 'duplicate') "
        "from ops.file_receipts where source = 'health' and entity = 'payments' "
        "and period_start >= timestamptz '2022-01-01 00:00+07' "
        "and period_start < timestamptz '2022-06-16 00:00+07' group by 1"
    )
    assert len(per_day) == 166
    assert {accounted for _, accounted, _ in per_day} == {24}
    assert sum(dups for _, _, dups in per_day) > 0


def test_the_cli_prints_the_health_figures_beside_the_published_ones(h1):
    out = h1.dti("indicators", "--period", "2022-H1").stdout
    for code in ("YT_CASHLESS_TXN_RATE", "YT_CASHLESS_VALUE_RATE", "YT_CASHLESS_UNIT_RATE"):
        assert code in out
    assert "1.48" in out and "3.10" in out and "83.3" in out


def test_no_clear_patient_identifier_in_landing_zone_or_warehouse(h1):
    world = HealthWorld()
    clear: set[str] = set()
    for day in ("2022-01-04", "2022-03-15", "2022-06-20"):
        for sender in range(len(world.claim_senders)):
            for rec in world.claim_records(sender, np.datetime64(day)):
                clear.update(rec[k] for k in ("MA_BN", "HO_TEN", "MA_THE", "DIA_CHI"))
    assert len(clear) > 100
    needles = [c.encode() for c in clear if len(c) >= 10]  # names are short: checked in SQL
    landing = h1.settings.data_dir / "landing" / "health"
    files = [p for p in landing.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not any(n in data for n in needles), path
    personal = ["MA_BN", "HO_TEN", "SO_CCCD", "MA_THE_BHYT", "DIEN_THOAI", "DIA_CHI"]
    not_tokens = " or ".join(
        f'("{c}" is not null and "{c}" !~ \'^ps_[0-9a-f]{{32}}$\')' for c in personal
    )
    assert h1.scalar(f"select count(*) from raw.health__claims where {not_tokens}") == 0
    values = sorted(clear)
    hits = h1.scalar(
        "select count(*) from raw.health__claims where "
        + " or ".join(f'"{c}" = any(%(v)s)' for c in personal),
        {"v": values},
    )
    assert hits == 0
    assert (
        h1.scalar(
            "select count(*) from marts.fct_insured_episode "
            "where patient_pseudonym = any(%(v)s) or patient_pseudonym !~ '^ps_'",
            {"v": values},
        )
        == 0
    )
