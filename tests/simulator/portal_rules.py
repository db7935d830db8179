"""The portal indicator rules of docs/indicators_portal.md, in plain pandas, applied to records as
served over HTTP. Independent of the simulator's internals: it only reads the served fields."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def compact(items: Iterable[dict]) -> list[tuple]:
    """The fields the rules read, one tuple per served dossier version."""
    out = []
    for r in items:
        fee_positive = any((f.get("Gia") or 0) > 0 for f in r["DanhSachLePhi"])
        fee_sum = sum(f.get("Gia") or 0 for f in r["DanhSachLePhi"])
        e_result = any(
            g.get("DuongDanTepTinKetQua") not in (None, "") for g in r["DanhSachGiayToKetQua"]
        )
        out.append(
            (
                r["MaHoSo"],
                r["NgayCapNhat"],
                r["MaTTHC"],
                r["DonViXuLy"],
                r["KenhThucHien"],
                r["NgayTiepNhan"],
                r["DuocThanhToanTrucTuyen"],
                fee_positive,
                fee_sum,
                e_result,
                r["TrangThaiHoSo"],
            )
        )
    return out


COLUMNS = [
    "MaHoSo",
    "NgayCapNhat",
    "MaTTHC",
    "DonViXuLy",
    "KenhThucHien",
    "NgayTiepNhan",
    "DuocThanhToanTrucTuyen",
    "fee_positive",
    "fee_sum",
    "e_result",
    "TrangThaiHoSo",
]


def latest(versions: pd.DataFrame, loaded_through: str | None = None) -> pd.DataFrame:
    """Latest version per MaHoSo among versions with NgayCapNhat before the day after
    ``loaded_through`` (yyyyMMdd)."""
    v = versions
    if loaded_through is not None:
        nxt = (pd.Timestamp(loaded_through) + pd.Timedelta(days=1)).strftime("%Y%m%d") + "000000"
        v = v[v["NgayCapNhat"] < nxt]
    if not v["NgayCapNhat"].is_monotonic_increasing:  # served order already is
        v = v.sort_values("NgayCapNhat", kind="stable")
    return v.drop_duplicates("MaHoSo", keep="last")


def received(dossiers: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    day = dossiers["NgayTiepNhan"].str[:8]
    return dossiers[(day >= start) & (day <= end)]


def in_force(procs: pd.DataFrame, day: str) -> pd.DataFrame:
    return procs[
        (procs["NgayCoHieuLuc"] <= day)
        & (procs["NgayHetHieuLuc"].isna() | (day < procs["NgayHetHieuLuc"].fillna("")))
    ]


def figures(dossiers: pd.DataFrame, procs: pd.DataFrame, start: str, end: str) -> dict:
    """Every province-level portal figure for the period [start, end] (yyyyMMdd)."""
    d = received(dossiers, start, end).merge(
        procs[["MaTTHC", "MucDoDVC", "CoNghiaVuTaiChinh", "CoGiayToKetQua", "TenLinhVuc"]],
        on="MaTTHC",
        how="left",
        validate="many_to_one",
    )
    online = d["KenhThucHien"] == "2"
    out: dict = {"received": len(d), "online": int(online.sum())}

    services = in_force(procs, end)
    services = services[services["MucDoDVC"].isin(["3", "4"])]
    with_online = set(d.loc[online, "MaTTHC"])
    out["online_services"] = len(services)
    out["online_services_with_online_dossiers"] = int(services["MaTTHC"].isin(with_online).sum())

    full = d[d["MucDoDVC"] == "4"]
    out["fully_online"] = (int((full["KenhThucHien"] == "2").sum()), len(full))

    fee = d[(d["CoNghiaVuTaiChinh"] == "1") & d["fee_positive"]]
    out["online_payment"] = (int(fee["DuocThanhToanTrucTuyen"].isin(["1", "2"]).sum()), len(fee))

    res = d[d["CoGiayToKetQua"] == "1"]
    out["e_result"] = (int(res["e_result"].sum()), len(res))

    procs_with = d.groupby("MaTTHC")["e_result"].any()
    out["digitised_procedures"] = (int(procs_with.sum()), len(procs_with))

    land_paid = d[(d["TenLinhVuc"] == "Đất đai") & d["DuocThanhToanTrucTuyen"].isin(["1", "2"])]
    out["land_online_payments"] = int(land_paid["fee_sum"].sum())

    fee_procs = in_force(procs, end)
    fee_procs = fee_procs[fee_procs["CoNghiaVuTaiChinh"] == "1"]
    out["fee_procedures"] = (
        int((fee_procs["TichHopThanhToanTrucTuyen"] == "1").sum()),
        len(fee_procs),
    )
    ess = in_force(procs, end)
    ess = ess[ess["DVCThietYeu"] == "1"]
    out["essential"] = (int((ess["TichHopCongDVCQG"] == "1").sum()), len(ess))
    return out


def pct(ratio: tuple[int, int], digits: int) -> float:
    num, den = ratio
    return round(100 * num / den, digits)
