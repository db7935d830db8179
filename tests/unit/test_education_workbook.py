"""The education workbook parser on dirty workbooks written by the tests themselves (openpyxl):
title blocks, two-row merged headers, a column-number row, text numbers, blank rows, level
headings, a totals row, a footer, renamed headers, a missing column, unreadable rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from dti.extract.files import FileRejected
from dti.sources.education import workbook as wbmod
from dti.sources.education.workbook import (
    parse_school_registry,
    parse_school_report,
    read_int,
    read_yes_no,
)

REJECTED = FileRejected

# (group header or None, label): the usual template of a district office
USUAL = [
    (None, "STT"),
    (None, "Mã trường"),
    (None, "Tên trường"),
    (None, "Cấp học"),
    (None, "Xã/Phường/Thị trấn"),
    (None, "Số học sinh"),
    (None, "Số giáo viên"),
    ("Chuyển đổi số", "Sử dụng hồ sơ, sổ sách điện tử"),
    ("Chuyển đổi số", "Số học bạ số đã ký"),
    ("Chuyển đổi số", "Số lớp học trực tuyến"),
    ("Chuyển đổi số", "Số HS học trực tuyến"),
    ("Thu học phí trong tháng", "Tổng số lượt"),
    ("Thu học phí trong tháng", "Tổng số tiền (đồng)"),
    ("Thu học phí trong tháng", "Số lượt không dùng tiền mặt"),
    ("Thu học phí trong tháng", "Số tiền không dùng tiền mặt (đồng)"),
]

SCHOOL_A = [1, "24215001", "Trường Mầm non Thắng Cương", "Mầm non", "Thị trấn Thắng", 212, 18,
            "Có", 0, 0, None, 190, 38_000_000, 20, 4_000_000]  # fmt: skip
# numbers stored as text, a dotted thousands separator, a leading space, a dash for zero
SCHOOL_B = [2, "24215002", "Trường Tiểu học Thắng", "Tiểu học", "Thị trấn Thắng", " 845", "40",
            "Không", "-", "3", "96", 0, 0, 0, 0]  # fmt: skip
SCHOOL_C = [3, 24215003, "Trường THCS Thắng", "THCS", "Thị trấn Thắng", 612, 29.0,
            "x", 0, 2, 61, "588", "1.234.000", "102", "214.200"]  # fmt: skip


def write_report(
    path: Path,
    rows: list[list[Any]],
    *,
    header: list[tuple[str | None, str]] = USUAL,
    title_rows: int = 5,
    column_numbers: bool = True,
    totals: bool = True,
    footer: bool = True,
) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "T01-2022"
    lines = {0: "UBND HUYỆN HIỆP HÒA", 3: "BÁO CÁO THÁNG 01/2022"}
    for i in range(title_rows):
        ws.append([lines.get(i)])
    top = title_rows + 1
    bottom = top + 1
    groups: dict[str, list[int]] = {}
    for col, (group, label) in enumerate(header, start=1):
        if group is None:
            ws.cell(top, col, label)
            ws.merge_cells(start_row=top, start_column=col, end_row=bottom, end_column=col)
        else:
            ws.cell(bottom, col, label)
            groups.setdefault(group, []).append(col)
    for group, cols in groups.items():
        ws.cell(top, cols[0], group)
        ws.merge_cells(start_row=top, start_column=cols[0], end_row=top, end_column=cols[-1])
    if column_numbers:
        ws.append([f"({i})" for i in range(1, len(header) + 1)])
    for row in rows:
        ws.append(row)
    if totals:
        ws.append([None, "Tổng cộng", None, None, None, 1669, 87])
    if footer:
        ws.append([])
        ws.append([None, "Người lập biểu", None, None, None, None, None, None, "TRƯỞNG PHÒNG"])
        ws.append([None, "Nguyễn Văn A", None, None, None, None, None, None, "Trần Thị B"])
    wb.save(path)
    return path


def test_dirty_report_reads_every_school(tmp_path: Path) -> None:
    path = write_report(
        tmp_path / "PGD_215_BaoCaoCDS_202201.xlsx",
        [SCHOOL_A, [], SCHOOL_B, [None, "II. Trung học cơ sở"], [], SCHOOL_C],
    )
    records = list(parse_school_report(path))
    assert [r["MaTruong"] for r in records] == ["24215001", "24215002", "24215003"]
    a, b, c = records
    assert a["SuDungHoSoDienTu"] == "1" and a["SoHocSinhHocTrucTuyen"] is None
    assert a["SoTienHocPhi"] == "38000000"
    assert b["SoHocSinh"] == "845" and b["SoGiaoVien"] == "40" and b["SoHocBaSoDaKy"] == "0"
    assert b["SuDungHoSoDienTu"] == "0"
    assert c["SoGiaoVien"] == "29" and c["SoTienHocPhi"] == "1234000"
    assert c["SoTienKhongTienMat"] == "214200" and c["SuDungHoSoDienTu"] == "1"
    assert set(a) == set(wbmod.REPORT.field_names) and a["KyBaoCao"] == "202201"


def test_header_found_wherever_the_title_block_ends(tmp_path: Path) -> None:
    for title_rows in (0, 2, 9):
        path = write_report(
            tmp_path / f"t{title_rows}.xlsx", [SCHOOL_A, SCHOOL_B], title_rows=title_rows,
            column_numbers=title_rows != 2, totals=title_rows != 9,
        )  # fmt: skip
        assert len(list(parse_school_report(path))) == 2


def test_renamed_headers_map_to_the_same_columns(tmp_path: Path) -> None:
    renamed = list(USUAL)
    renamed[1] = (None, "Mã định danh trường")
    renamed[5] = (None, "Tong so hoc sinh")  # typed without diacritics
    renamed[9] = ("Chuyển đổi số", "Số phòng học trực tuyến")
    renamed[11] = ("Thu học phí trong tháng", "Số lượt thu")
    renamed[13] = ("Thu học phí trong tháng", "Lượt thu  không dùng\ntiền mặt")
    path = write_report(tmp_path / "renamed.xlsx", [SCHOOL_A, SCHOOL_C], header=renamed)
    a, c = parse_school_report(path)
    assert a["MaTruong"] == "24215001" and a["SoHocSinh"] == "212" and a["SoLuotThuHocPhi"] == "190"
    assert c["SoLopHocTrucTuyen"] == "2" and c["SoLuotKhongTienMat"] == "102"


def test_missing_required_column_rejects_the_file_naming_it(tmp_path: Path) -> None:
    header = [h for h in USUAL if h[1] not in ("Mã trường", "Số lớp học trực tuyến")]
    rows = [[v for i, v in enumerate(SCHOOL_A) if i not in (1, 9)]]
    path = write_report(tmp_path / "PGD_216_BaoCaoCDS_202201.xlsx", rows, header=header)
    with pytest.raises(REJECTED) as err:
        list(parse_school_report(path))
    message = str(err.value)
    assert "PGD_216_BaoCaoCDS_202201.xlsx" in message
    assert "'Mã trường' (MaTruong)" in message
    assert "'Số lớp học trực tuyến' (SoLopHocTrucTuyen)" in message


def test_optional_column_missing_gives_none(tmp_path: Path) -> None:
    header = [h for h in USUAL if h[1] != "Số HS học trực tuyến"]
    rows = [[v for i, v in enumerate(SCHOOL_C) if i != 10]]
    (c,) = parse_school_report(write_report(tmp_path / "opt.xlsx", rows, header=header))
    assert c["SoHocSinhHocTrucTuyen"] is None and c["SoLopHocTrucTuyen"] == "2"


@pytest.mark.parametrize(
    ("column", "value", "label"),
    [
        (5, "khoảng 800", "Số học sinh"),
        (9, 2.5, "Số lớp học trực tuyến"),
        (7, "đang chờ", "Sử dụng"),
    ],
)
def test_unreadable_school_row_rejects_the_file_with_its_row(
    tmp_path: Path, column: int, value: Any, label: str
) -> None:
    bad = list(SCHOOL_B)
    bad[column] = value
    path = write_report(tmp_path / "bad.xlsx", [SCHOOL_A, bad])
    with pytest.raises(REJECTED, match=rf"bad.xlsx .*row 10, column '{label}"):
        list(parse_school_report(path))


def test_school_row_without_required_value_is_not_dropped(tmp_path: Path) -> None:
    bad = list(SCHOOL_B)
    bad[5] = None  # no student count
    with pytest.raises(REJECTED, match=r"row 10 \(school 24215002\): 'Số học sinh' is empty"):
        list(parse_school_report(write_report(tmp_path / "empty.xlsx", [SCHOOL_A, bad])))


def test_figures_without_a_school_code_reject_the_file(tmp_path: Path) -> None:
    orphan = list(SCHOOL_B)
    orphan[1] = None
    with pytest.raises(REJECTED, match=r"row 10: a school or figures without a school code"):
        list(parse_school_report(write_report(tmp_path / "orphan.xlsx", [SCHOOL_A, orphan])))
    # a named school with its figures left blank is not a heading either
    blank = [None, None, "Trường Tiểu học Thắng", "Tiểu học"] + [None] * 11
    with pytest.raises(REJECTED, match=r"row 10: a school or figures without a school code"):
        list(parse_school_report(write_report(tmp_path / "named.xlsx", [SCHOOL_A, blank])))


def test_totals_row_is_skipped_wherever_its_label_is(tmp_path: Path) -> None:
    rows = [SCHOOL_A, SCHOOL_B, ["Cộng", None, None, None, None, 1057, 58, None, 0, 3]]
    path = write_report(tmp_path / "totals.xlsx", rows, totals=False)
    assert [r["MaTruong"] for r in parse_school_report(path)] == ["24215001", "24215002"]


def test_not_a_workbook_and_no_header_are_rejected(tmp_path: Path) -> None:
    junk = tmp_path / "PGD_217_BaoCaoCDS_202201.xlsx"
    junk.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(REJECTED, match="PGD_217_BaoCaoCDS_202201.xlsx: not a readable .xlsx"):
        list(parse_school_report(junk))
    wb = Workbook()
    wb.active.append(["Báo cáo sẽ gửi sau"])
    wb.save(tmp_path / "blank.xlsx")
    with pytest.raises(REJECTED, match="blank.xlsx: no header row found"):
        list(parse_school_report(tmp_path / "blank.xlsx"))


def test_header_without_school_rows_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(REJECTED, match="a header but no school rows"):
        list(parse_school_report(write_report(tmp_path / "nothing.xlsx", [])))


def test_registry_single_row_header(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["SỞ GIÁO DỤC VÀ ĐÀO TẠO BẮC GIANG"])
    ws.append(["DANH MỤC CƠ SỞ GIÁO DỤC"])
    ws.append([])
    ws.append(["STT", "Mã trường", "Tên trường", "Cấp học", "Loại hình", "Mã huyện", "Mã xã",
               "Xã/Phường/Thị trấn"])  # fmt: skip
    ws.append([1, "24215001", "Trường Mầm non Thắng", "Mầm non", "Công lập", "215", "07270", "TT"])
    ws.append([2, 24215002, "Trường Tiểu học Thắng", "Tiểu học", "Công lập", 215, "07270", "TT"])
    ws.append([None, "Tổng số: 2 cơ sở"])
    wb.save(tmp_path / "DanhMucTruong_So24_202201.xlsx")
    rows = list(parse_school_registry(tmp_path / "DanhMucTruong_So24_202201.xlsx"))
    assert [(r["MaTruong"], r["MaHuyen"], r["MaXa"]) for r in rows] == [
        ("24215001", "215", "07270"),
        ("24215002", "215", "07270"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(12, "12"), (12.0, "12"), (" 12 ", "12"), ("1.234.000", "1234000"), ("1,234", "1234"),
     ("-", "0"), ("", None), (None, None), ("007", "7"), ("12.0", "12")],
)  # fmt: skip
def test_read_int(raw: Any, expected: str | None) -> None:
    assert read_int(raw) == expected


@pytest.mark.parametrize("raw", ["12,5", "1.2", "abc", True, 2.5])
def test_read_int_refuses(raw: Any) -> None:
    with pytest.raises(ValueError):
        read_int(raw)


def test_read_yes_no() -> None:
    assert [read_yes_no(v) for v in ("Có", "co", "X", 1, "Không", "không", 0, None)] == [
        "1", "1", "1", "1", "0", "0", "0", None
    ]  # fmt: skip


def test_report_month_from_title_or_file_name(tmp_path: Path) -> None:
    path = write_report(tmp_path / "PGD_215_BaoCaoCDS_202203.xlsx", [SCHOOL_A])
    (a,) = parse_school_report(path)
    assert a["KyBaoCao"] == "202201"  # the title block says January; it wins over the name
    path = write_report(tmp_path / "PGD_215_BaoCaoCDS_202203.xlsx", [SCHOOL_A], title_rows=0)
    (a,) = parse_school_report(path)
    assert a["KyBaoCao"] == "202203"
