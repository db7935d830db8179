"""The health parsers on dirty files: a CSV with a byte-order mark, a blank line and a totals
row; claim XML of both standards; a truncated XML; files that cannot be read at all."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from dti.extract.files import FileRejected
from dti.sources.health import CLAIMS, PAYMENTS
from dti.sources.health.claims import FIELDS as CLAIM_FIELDS
from dti.sources.health.claims import parse_claims
from dti.sources.health.payments import parse_payments

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "health"


def test_payments_csv_with_bom_blank_line_and_totals_row():
    rows = list(parse_payments(FIXTURES / "24001_20220301.csv"))
    # the BOM does not stick to the first header; the blank line and "Tổng cộng" are not records
    assert [r["MaGiaoDich"] for r in rows] == [
        "240012022030100001",
        "240012022030100002",
        "240012022030100003",
    ]
    assert rows[1] == {
        "MaGiaoDich": "240012022030100002",
        "ThoiGian": "01/03/2022 08:15:40",
        "SoTien": "1250000",
        "MucDich": "VIEN_PHI",
        "HinhThuc": "POS",
        "MaDonVi": "24001",
    }
    assert sum(int(r["SoTien"]) for r in rows) == 1_645_000  # the totals row's own figure


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"", "empty file"),
        (b"MaGiaoDich,ThoiGian,SoTien\n1,01/03/2022 07:00:00,5\n", "lacks"),
        (
            b"MaGiaoDich,ThoiGian,SoTien,MucDich,HinhThuc,MaDonVi\n1,01/03/2022 07:00:00,5\n",
            "line 2",
        ),
        (b"MaGiaoDich,ThoiGian,SoTien,MucDich,HinhThuc,MaDonVi\n\xff\xfe1,2\n", "not UTF-8"),
    ],
)
def test_unreadable_payment_files_are_rejected_with_a_reason(tmp_path, text, reason):
    path = tmp_path / "24001_20220301.csv"
    path.write_bytes(text)
    with pytest.raises(FileRejected, match=reason) as err:
        list(parse_payments(path))
    assert path.name in str(err.value)


def test_claims_4210_names_map_to_the_contract():
    rows = list(parse_claims(FIXTURES / "24013_20220301.xml"))
    assert len(rows) == 2
    first = rows[0]
    assert list(first) == list(CLAIM_FIELDS)
    assert first["CHUAN_DU_LIEU"] == "4210"
    assert first["MA_THE_BHYT"].startswith("DN424")  # MA_THE in Decision 4210
    assert first["MA_BENH_CHINH"] == "Z00.0"  # MA_BENH
    assert first["T_TONGCHI_BV"] == "46937"  # T_TONGCHI
    assert first["SO_CCCD"] is None and first["DIEN_THOAI"] is None  # not in 4210
    assert int(first["T_TONGCHI_BV"]) >= int(first["T_BHTT"])


def _claim_file(path: Path, xml1: str, count: int | None = 1) -> Path:
    b64 = base64.b64encode(xml1.encode()).decode()
    declared = "" if count is None else f"<SOLUONGHOSO>{count}</SOLUONGHOSO>"
    path.write_text(
        f"<GIAMDINHHS><THONGTINHOSO>{declared}<DANHSACHHOSO><HOSO>"
        "<FILEHOSO><LOAIHOSO>XML2</LOAIHOSO><NOIDUNGFILE>bm90IHRhYmxlIDE=</NOIDUNGFILE></FILEHOSO>"
        f"<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>{b64}</NOIDUNGFILE></FILEHOSO>"
        "</HOSO></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>",
        encoding="utf-8",
    )
    return path


def test_claims_130_names_and_other_tables_ignored(tmp_path):
    path = _claim_file(
        tmp_path / "24001_20230301.xml",
        "<TONG_HOP><MA_LK>X1</MA_LK><MA_BN>BN1</MA_BN><SO_CCCD>024080001234</SO_CCCD>"
        "<MA_THE_BHYT>GD4241234567890</MA_THE_BHYT><DIEN_THOAI>0987654321</DIEN_THOAI>"
        "<T_TONGCHI_BV>100</T_TONGCHI_BV><T_TONGCHI_BH>90</T_TONGCHI_BH><MA_CSKCB>24001</MA_CSKCB>"
        "<MA_LOAI_KCB>01</MA_LOAI_KCB><EXTRA_130_FIELD>ignored</EXTRA_130_FIELD></TONG_HOP>",
    )
    (row,) = parse_claims(path)
    assert row["CHUAN_DU_LIEU"] == "130"
    assert (row["SO_CCCD"], row["MA_THE_BHYT"], row["T_TONGCHI_BH"]) == (
        "024080001234",
        "GD4241234567890",
        "90",
    )


def test_truncated_claim_file_is_rejected():
    with pytest.raises(FileRejected, match="truncated") as err:
        list(parse_claims(FIXTURES / "24013_20220302.xml"))
    assert "24013_20220302.xml" in str(err.value)


@pytest.mark.parametrize(
    ("xml1", "count", "reason"),
    [
        ("<TONG_HOP><MA_LK>X</MA_LK></TONG_HOP>", 2, "SOLUONGHOSO says 2"),
        ("<TONG_HOP><MA_LK>X</MA_LK>", 1, "not well-formed"),
        ("<BANG_KHAC/>", 1, "no TONG_HOP"),
    ],
)
def test_broken_claim_content_is_rejected(tmp_path, xml1, count, reason):
    path = _claim_file(tmp_path / "24001_20220301.xml", xml1, count)
    with pytest.raises(FileRejected, match=reason):
        list(parse_claims(path))


def test_claim_with_bad_base64_or_empty_file_is_rejected(tmp_path):
    path = tmp_path / "24001_20220301.xml"
    path.write_text(
        "<GIAMDINHHS><THONGTINHOSO><DANHSACHHOSO><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO>"
        "<NOIDUNGFILE>%%%</NOIDUNGFILE></FILEHOSO></HOSO></DANHSACHHOSO></THONGTINHOSO>"
        "</GIAMDINHHS>"
    )
    with pytest.raises(FileRejected, match="HOSO #1: NOIDUNGFILE is not base64"):
        list(parse_claims(path))
    path.write_bytes(b"")
    with pytest.raises(FileRejected, match="empty"):
        list(parse_claims(path))


def test_claims_stream_one_episode_at_a_time(tmp_path):
    """The first record comes out before the parser has seen the end of the file (iterparse),
    and a 20,000-episode file parses without building a tree of it."""
    one = base64.b64encode(b"<TONG_HOP><MA_LK>K</MA_LK></TONG_HOP>").decode()
    episode = (
        f"<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>{one}</NOIDUNGFILE>"
        "</FILEHOSO></HOSO>"
    )
    path = tmp_path / "24001_20220301.xml"
    path.write_text(
        "<GIAMDINHHS><THONGTINHOSO><DANHSACHHOSO>"
        + episode * 20_000
        # a break at the very end: records before it were already yielded
        + "</DANHSACHHOSO></THONGTINHOSO>"
    )
    records = parse_claims(path)
    assert next(records)["MA_LK"] == "K"
    seen = 1
    with pytest.raises(FileRejected):
        for _ in records:
            seen += 1
    assert seen == 20_000


def test_file_names_match_the_entities_patterns():
    import re

    pay, claims = re.compile(PAYMENTS.files.pattern), re.compile(CLAIMS.files.pattern)
    assert pay.match("24001_20220301.csv").group("unit", "period") == ("24001", "20220301")
    assert pay.match("24001_20220301 (1).csv")  # the duplicate the cashier sent again
    assert claims.match("24013_20220301.xml")
    assert not pay.match("24001_20220301.xml") and not claims.match("notes.txt")
