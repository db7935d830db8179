"""The geography over time, derived from the packages alone (no warehouse): every 2022 commune
of Bắc Giang accounted for, the reviewed seed enforced, split weights summing to exactly 1."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dti.geography import (
    SEEDS_DIR,
    GeographyError,
    _split_weights,
    build_geography,
    national_commune_codes,
    old_provinces_of,
    read_split_weights,
    slug,
)

REFORM = date(2025, 7, 1)


@pytest.fixture(scope="module")
def geography():
    return build_geography("24")


def test_the_new_province_and_its_parts() -> None:
    assert old_provinces_of("24") == ("24", ["24", "27"])
    assert old_provinces_of("27") == ("24", ["24", "27"])
    with pytest.raises(GeographyError, match="DTI_PROVINCE_CODE"):
        old_provinces_of("99")


def test_slug_is_the_packages_key() -> None:
    assert slug("Xã Tân Hiệp") == "xatanhiep"
    assert slug("Thị trấn Đồi Ngô", "-") == "thi-tran-doi-ngo"


def test_every_state_has_its_units(geography) -> None:
    def on(day: date) -> Counter:
        return Counter(
            v.level
            for v in geography.versions
            if v.valid_from <= day and (v.valid_to is None or day < v.valid_to)
        )

    assert on(date(2022, 6, 30)) == {"province": 2, "district": 18, "commune": 209 + 126}
    assert on(date(2025, 1, 1)) == {"province": 2, "district": 18, "commune": 192 + 121}
    assert on(date(2025, 6, 30)) == on(date(2025, 1, 1))
    assert on(REFORM) == {"province": 1, "commune": 99}
    # 24 is reused: Bắc Giang, then Bắc Ninh
    names = sorted((v.valid_from, v.name_with_type) for v in geography.versions if v.code == "24")
    assert names == [(date(2020, 1, 1), "Tỉnh Bắc Giang"), (REFORM, "Tỉnh Bắc Ninh")]


def test_every_2022_commune_of_bac_giang_is_accounted_for(geography) -> None:
    count = geography.counts["24"]
    communes = {k.split(":")[1]: n for k, n in count.items() if k.startswith("commune:")}
    assert communes == {
        "unchanged": 140,
        "code_kept": 52,
        "merged_2024_alias": 16,
        "rule_reviewed": 1,
    }
    assert sum(communes.values()) == 209
    # the 17 codes of 2022 absent from the pre-reform list each have one link into it
    absent = {
        "07204",
        "07219",
        "07267",
        "07276",
        "07303",
        "07312",
        "07318",
        "07402",
        "07414",
        "07516",
        "07684",
        "07813",
        "07819",
        "07828",
        "07834",
        "07837",
        "07852",
    }
    linked = Counter(
        link.from_code
        for link in geography.links
        if link.from_code in absent and link.method in {"merged_2024_alias", "rule_reviewed"}
    )
    assert set(linked) == absent and set(linked.values()) == {1}


def test_each_pre_reform_commune_goes_whole_into_one_new_commune(geography) -> None:
    to_2025 = [link for link in geography.links if link.to_valid_from == REFORM]
    communes = [link for link in to_2025 if len(link.from_code) == 5]
    assert len(communes) == 192 + 121
    assert {link.weight for link in communes} == {Decimal(1)}
    assert len({link.to_code for link in communes}) == 99
    assert {link.from_code for link in to_2025 if len(link.from_code) == 2} == {"24", "27"}


def test_the_seed_decides_what_the_data_cannot(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    reviewed = seeds / "admin_unit_reviewed_links.csv"
    header, row = reviewed.read_text(encoding="utf-8").splitlines()[:2]
    reviewed.write_text(header + "\n", encoding="utf-8")
    with pytest.raises(GeographyError, match="07276 Xã Tân Hiệp.*admin_unit_reviewed_links"):
        build_geography("24", seeds)
    reviewed.write_text(header + "\n" + row.removesuffix("yes") + "no\n", encoding="utf-8")
    with pytest.raises(GeographyError, match="07276.*not reviewed"):
        build_geography("24", seeds)


def test_split_weights_sum_to_exactly_one() -> None:
    weights = _split_weights([Decimal("70.8"), Decimal("59.09"), Decimal("12.345")])
    assert sum(weights) == 1
    assert all(w.as_tuple().exponent >= -6 for w in weights)
    assert _split_weights([None, None]) == [Decimal("0.5"), Decimal("0.5")]


def test_population_weights_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "weights.csv"
    good.write_text("from_code,to_code,weight\n31117,31120,0.3\n31117,31123,0.7\n")
    assert read_split_weights(good) == {"31117": {"31120": Decimal("0.3"), "31123": Decimal("0.7")}}
    bad = tmp_path / "bad.csv"
    bad.write_text("from_code,to_code,weight\n31117,31120,0.3\n31117,31123,0.6\n")
    with pytest.raises(GeographyError, match="sum to 0.9, not 1"):
        read_split_weights(bad)


def test_citizen_communes_of_every_period_are_known() -> None:
    codes = national_commune_codes()
    assert {"07204", "07210", "09175"} <= codes  # 2022 codes, one absorbed in 2024
    assert len(codes) > 10_000
