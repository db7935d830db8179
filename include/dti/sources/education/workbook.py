"""Reading the education offices' Excel workbooks (docs/education_source.md).

Offices export from different templates and retype headers between months, so nothing here
relies on fixed rows or column letters:

* the header is found by content: the first row (alone, or with the row below it when the header
  is two rows with merged group cells) whose labels map to the most known columns;
* a label maps to a canonical column through the list of known variants (compared without case,
  diacritics, punctuation or extra spaces); a grouped column is named by its lower cell, a
  vertically merged one by its upper cell;
* a workbook where a required column cannot be found is rejected with
  :class:`dti.extract.files.FileRejected` naming the file and the missing headers;
* below the header: a row of column numbers ``(1) (2) ...``, blank rows, the totals row
  (``Tổng cộng`` / ``Cộng`` / ``Tổng số`` without a school code) and the signature footer are
  skipped by rule; every other row is a school row and must be read completely, or the whole file
  is rejected with the row number: a school row is never dropped silently;
* numbers stored as text (``" 12"``, ``"1.234.000"``, ``"1,234"``, ``"-"`` for zero) are read as
  integers and handed on as digit strings.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dti.extract.files import FileRejected

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 40
PERIOD_FIELD = "KyBaoCao"
"""The month a workbook reports on (YYYYMM): from its title block, else from its file name."""


def _rejected(message: str) -> FileRejected:
    return FileRejected(message)


@dataclass(frozen=True)
class Column:
    name: str
    """Canonical (contract) field name."""
    label: str
    """The usual header, named in error messages."""
    variants: tuple[str, ...]
    kind: str = "text"  # text | int | yesno | code
    required: bool = True


@dataclass(frozen=True)
class Layout:
    """What one kind of workbook holds."""

    kind: str
    columns: tuple[Column, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        """The record's fields: the reporting month, then the columns."""
        return (PERIOD_FIELD, *(c.name for c in self.columns))


def normalise(label: Any) -> str:
    """``'Số lớp học  trực tuyến\\n(lớp)'`` -> ``'so lop hoc truc tuyen lop'``."""
    if label is None:
        return ""
    return _normalise_text(str(label))


@lru_cache(maxsize=8192)
def _normalise_text(label: str) -> str:
    text = unicodedata.normalize("NFD", str(label).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


# --- the columns ------------------------------------------------------------------------------
REPORT = Layout(
    "school_reports",
    (
        Column(
            "MaTruong",
            "Mã trường",
            (
                "Mã trường",
                "Mã trường (CSDL ngành)",
                "Mã định danh trường",
                "Mã số trường",
                "Mã CSGD",
            ),
            "code",
        ),
        Column(
            "TenTruong",
            "Tên trường",
            ("Tên trường", "Tên cơ sở giáo dục", "Tên đơn vị", "Tên CSGD"),
        ),
        Column("CapHoc", "Cấp học", ("Cấp học", "Bậc học", "Cấp")),
        Column(
            "XaPhuong",
            "Xã/Phường/Thị trấn",
            ("Xã/Phường/Thị trấn", "Xã, phường, thị trấn", "Xã/Phường", "Địa bàn xã"),
            required=False,
        ),
        Column(
            "SoHocSinh",
            "Số học sinh",
            ("Số học sinh", "Tổng số học sinh", "Số HS", "Tổng số HS", "Số trẻ/học sinh"),
            "int",
        ),
        Column(
            "SoGiaoVien",
            "Số giáo viên",
            ("Số giáo viên", "Tổng số giáo viên", "Số GV", "Tổng số GV"),
            "int",
            required=False,
        ),
        Column(
            "SuDungHoSoDienTu",
            "Sử dụng hồ sơ, sổ sách điện tử",
            (
                "Sử dụng hồ sơ, sổ sách điện tử",
                "Sử dụng HSSS điện tử",
                "Sử dụng HSSS điện tử (Có/Không)",
                "Hồ sơ, sổ sách điện tử",
                "Sử dụng hồ sơ sổ sách điện tử (Có/Không)",
            ),
            "yesno",
        ),
        Column(
            "SoHocBaSoDaKy",
            "Số học bạ số đã ký",
            ("Số học bạ số đã ký", "Học bạ số đã ký số", "Số học bạ điện tử đã ký"),
            "int",
            required=False,
        ),
        Column(
            "SoLopHocTrucTuyen",
            "Số lớp học trực tuyến",
            ("Số lớp học trực tuyến", "Số phòng học trực tuyến", "Lớp học trực tuyến"),
            "int",
        ),
        Column(
            "SoHocSinhHocTrucTuyen",
            "Số HS học trực tuyến",
            (
                "Số HS học trực tuyến",
                "Số học sinh học trực tuyến",
                "Số học sinh tham gia học trực tuyến",
            ),
            "int",
            required=False,
        ),
        Column(
            "SoLuotThuHocPhi",
            "Tổng số lượt",
            ("Tổng số lượt", "Số lượt thu", "Số lượt nộp học phí", "Số lượt thu học phí"),
            "int",
        ),
        Column(
            "SoTienHocPhi",
            "Tổng số tiền (đồng)",
            ("Tổng số tiền (đồng)", "Số tiền thu (đồng)", "Tổng số tiền", "Số tiền thu"),
            "int",
            required=False,
        ),
        Column(
            "SoLuotKhongTienMat",
            "Số lượt không dùng tiền mặt",
            (
                "Số lượt không dùng tiền mặt",
                "Lượt thu không dùng tiền mặt",
                "Số lượt thanh toán không dùng tiền mặt",
            ),
            "int",
        ),
        Column(
            "SoTienKhongTienMat",
            "Số tiền không dùng tiền mặt (đồng)",
            (
                "Số tiền không dùng tiền mặt (đồng)",
                "Tiền thu không dùng tiền mặt (đồng)",
                "Số tiền không dùng tiền mặt",
            ),
            "int",
            required=False,
        ),
    ),
)

REGISTRY = Layout(
    "school_registry",
    (
        Column("MaTruong", "Mã trường", REPORT.columns[0].variants, "code"),
        Column("TenTruong", "Tên trường", REPORT.columns[1].variants),
        Column("CapHoc", "Cấp học", REPORT.columns[2].variants),
        Column("LoaiHinh", "Loại hình", ("Loại hình", "Loại hình trường"), required=False),
        # empty from July 2025: the two-tier province has no districts
        Column(
            "MaHuyen",
            "Mã huyện",
            ("Mã huyện", "Mã quận/huyện", "Mã đơn vị cấp huyện"),
            "code",
            required=False,
        ),
        Column("MaXa", "Mã xã", ("Mã xã", "Mã xã/phường", "Mã đơn vị cấp xã"), "code"),
        Column("XaPhuong", "Xã/Phường/Thị trấn", REPORT.columns[3].variants, required=False),
    ),
)

_TOTAL_LABELS = re.compile(r"^(tong cong|cong|tong so|tong|toan huyen|toan thanh pho|cong toan)\b")
# a name cell naming a school ("Trường ...", "Trung tâm GDNN-GDTX ...", "Phân hiệu ...")
_SCHOOL_NAME = re.compile(r"^(truong|trung tam|phan hieu|nha tre|nhom tre)\b")
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")
_YES = {"co", "x", "1", "yes", "true", "dang su dung", "da su dung"}
_NO = {"khong", "0", "no", "false", "chua", "chua su dung"}


def _lookup(layout: Layout) -> dict[str, str]:
    return {normalise(v): c.name for c in layout.columns for v in (c.label, *c.variants)}


# --- finding the header ----------------------------------------------------------------------
@dataclass(frozen=True)
class Header:
    row: int
    """1-based number of the header's last row (data start below it)."""
    first: int
    """1-based number of the header's first row (the title block is above it)."""
    columns: dict[str, int]
    """Canonical name -> 0-based column index."""
    labels: list[str]
    """The header labels as read (for messages)."""


def _map_header(
    top: list[Any], bottom: list[Any] | None, lookup: dict[str, str]
) -> tuple[dict[str, int], list[str], list[str]]:
    """Map one header (one row, or two rows with merged groups) to canonical columns.

    Returns (canonical -> column index, labels read, canonical names found twice)."""
    width = max(len(top), len(bottom or []))
    found: dict[str, int] = {}
    twice: list[str] = []
    labels: list[str] = []
    group = ""
    for i in range(width):
        upper = top[i] if i < len(top) else None
        lower = bottom[i] if bottom is not None and i < len(bottom) else None
        upper_s = str(upper).strip() if upper is not None else ""
        lower_s = str(lower).strip() if lower is not None else ""
        # a merged group cell holds its text in its first column only
        if upper_s:
            group = upper_s
        elif not lower_s:
            group = ""
        candidates = [lower_s, upper_s, f"{group} {lower_s}"] if lower_s else [upper_s]
        label = " / ".join(x for x in (upper_s or (group if lower_s else ""), lower_s) if x)
        if label:
            labels.append(label)
        for cand in candidates:
            name = lookup.get(normalise(cand))
            if name:
                if name in found:
                    twice.append(name)
                else:
                    found[name] = i
                break
    return found, labels, twice


def find_header(rows: list[list[Any]], layout: Layout) -> Header | None:
    """The header among the first rows: the one (or two) rows mapping the most known columns."""
    lookup = _lookup(layout)
    best: tuple[int, int, Header] | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if not any(_present(v) for v in row):
            continue
        options = [(row, None, i + 1)]
        if i + 1 < len(rows):
            options.append((row, rows[i + 1], i + 2))
        for top, bottom, last in options:
            found, labels, twice = _map_header(top, bottom, lookup)
            if twice or len(found) < 2:
                continue
            score = len(found)
            # prefer the header that finds more columns; on a tie, the single row
            if best is None or score > best[0]:
                best = (score, last, Header(last, i + 1, found, labels))
    return best[2] if best else None


# --- reading values ---------------------------------------------------------------------------
def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


class _CellError(ValueError):
    pass


def read_int(value: Any) -> str | None:
    """A count or an amount: ``12``, ``12.0``, ``' 12'``, ``'1.234.000'``, ``'1,234'``, ``'-'``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _CellError(f"{value!r} is not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != int(value):
            raise _CellError(f"{value!r} is not a whole number")
        return str(int(value))
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text == "":
        return None
    if text in ("-", "–", "—"):
        return "0"  # offices print a dash for zero
    # thousands separators: 1.234.000 or 1,234,000 (never decimals in counts and VND)
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
        return text.replace(".", "").replace(",", "")
    if re.fullmatch(r"\d+", text):
        return str(int(text))
    if re.fullmatch(r"\d+[.,]0+", text):  # 12.0 typed as text
        return str(int(re.split(r"[.,]", text)[0]))
    raise _CellError(f"{value!r} is not a whole number")


def read_yes_no(value: Any) -> str | None:
    if not _present(value):
        return None
    text = normalise(value)
    if text in _YES:
        return "1"
    if text in _NO:
        return "0"
    raise _CellError(f"{value!r} is neither Có nor Không")


def read_code(value: Any) -> str | None:
    """A code typed as a number keeps its digits (24213001.0 -> '24213001')."""
    if value is None:
        return None
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    text = str(value).strip()
    return text or None


def read_text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _looks_like_code(code: str | None) -> bool:
    """A code is one word with a digit; labels ("Tổng số: 789 cơ sở", "Người lập biểu") are not."""
    return code is not None and any(ch.isdigit() for ch in code) and len(code.split()) == 1


def _has_figures(row: list[Any], numeric_cols: list[int]) -> bool:
    for i in numeric_cols:
        if i < len(row) and _present(row[i]):
            try:
                if read_int(row[i]) is not None:
                    return True
            except _CellError:
                pass
    return False


def _is_column_numbers(cells: list[Any]) -> bool:
    numbers = []
    for v in cells:
        m = _COLUMN_NUMBER.match(str(v).strip())
        if not m:
            return False
        numbers.append(int(str(v).strip().strip("()")))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


_TITLE_MONTH = re.compile(r"\bthang (\d{1,2}) (?:nam )?(20\d{2})\b")
_TITLE_DATE = re.compile(r"\b(\d{1,2}) (\d{1,2}) (20\d{2})\b")
_NAME_MONTH = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(?!\d)")


def report_month(title_rows: list[list[Any]], file_name: str) -> str | None:
    """``Tháng 01 năm 2022`` / ``THÁNG 1/2022`` / ``đến ngày 31/12/2021`` in the title block, else
    ``..._202201.xlsx`` in the file name -> ``'202201'``."""
    for row in title_rows:
        for value in row:
            text = normalise(value)
            m = _TITLE_MONTH.search(text)
            if m and 1 <= int(m.group(1)) <= 12:
                return f"{m.group(2)}{int(m.group(1)):02d}"
            m = _TITLE_DATE.search(text)
            if m and 1 <= int(m.group(2)) <= 12:
                return f"{m.group(3)}{int(m.group(2)):02d}"
    m = _NAME_MONTH.search(file_name)
    return f"{m.group(1)}{m.group(2)}" if m else None


_READERS = {"int": read_int, "yesno": read_yes_no, "code": read_code, "text": read_text}


# --- the workbook -----------------------------------------------------------------------------
def _sheet_rows(path: Path) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # zip, XML or format errors: the file cannot be opened at all
        raise _rejected(
            f"{path.name}: not a readable .xlsx workbook ({type(err).__name__}: {err}); ask the "
            "office to export it again"
        ) from err
    try:
        for ws in wb.worksheets:
            yield ws.title, (list(r) for r in ws.iter_rows(values_only=True))
    finally:
        wb.close()


def parse_workbook(path: Path, layout: Layout) -> Iterator[dict[str, str | None]]:
    """Yield one record per school row, keyed by the layout's canonical field names.

    Raises FileRejected for a workbook without a recognisable header, without a required column,
    or with a row that cannot be read (naming the row)."""
    path = Path(path)
    best_sheet: tuple[str, Header, list[list[Any]]] | None = None
    seen_labels: list[str] = []
    for title, rows_iter in _sheet_rows(path):
        head: list[list[Any]] = []
        for row in rows_iter:
            head.append(row)
            if len(head) >= HEADER_SCAN_ROWS + 1:
                break
        header = find_header(head, layout)
        if header is None:
            continue
        if best_sheet is None or len(header.columns) > len(best_sheet[1].columns):
            best_sheet = (title, header, head)
            seen_labels = header.labels
    if best_sheet is None:
        raise _rejected(
            f"{path.name}: no header row found in the first {HEADER_SCAN_ROWS} rows of any sheet "
            f"(looked for {', '.join(repr(c.label) for c in layout.columns if c.required)}); is "
            "this the right workbook?"
        )
    title, header, head = best_sheet
    missing = [c for c in layout.columns if c.required and c.name not in header.columns]
    if missing:
        raise _rejected(
            f"{path.name} (sheet {title!r}): required column(s) not found: "
            + ", ".join(f"{c.label!r} ({c.name})" for c in missing)
            + f"; headers found: {seen_labels}. Add the header variant to "
            "dti.sources.education.workbook if the office renamed it, or ask for a new export"
        )
    month = report_month(head[: header.first - 1], path.name)
    yield from _records(path, title, header, layout, month)


def _records(
    path: Path, title: str, header: Header, layout: Layout, month: str | None
) -> Iterator[dict[str, str | None]]:
    code_col = header.columns["MaTruong"]
    name_col = header.columns.get("TenTruong")
    by_name = {c.name: c for c in layout.columns}
    numeric_cols = [i for n, i in header.columns.items() if by_name[n].kind == "int"]
    totals_seen = False
    schools = 0
    for sheet_title, rows_iter in _sheet_rows(path):
        if sheet_title != title:
            continue
        for number, row in enumerate(rows_iter, start=1):
            if number <= header.row:
                continue
            cells = [v for v in row if _present(v)]
            if not cells:
                continue  # blank row
            if schools == 0 and _is_column_numbers(cells):
                continue  # the "(1) (2) (3) ..." row under the header
            code = read_code(row[code_col]) if code_col < len(row) else None
            if not _looks_like_code(code):
                texts = [normalise(v) for v in cells if isinstance(v, str)]
                if any(_TOTAL_LABELS.match(t) for t in texts):
                    totals_seen = True
                    continue  # the totals row
                named = name_col is not None and name_col < len(row)
                school_named = named and _SCHOOL_NAME.match(normalise(row[name_col]))
                if totals_seen or not (school_named or _has_figures(row, numeric_cols)):
                    continue  # level headings, the signature footer, notes
                raise _rejected(
                    f"{path.name} (sheet {title!r}) row {number}: a school or figures without a "
                    f"school code ({cells[:4]}...); fill in the code (Mã trường) or remove the row"
                )
            if totals_seen:
                log.warning("%s row %d: a school row after the totals row", path.name, number)
            record: dict[str, str | None] = {PERIOD_FIELD: month}
            for column in layout.columns:
                idx = header.columns.get(column.name)
                raw = row[idx] if idx is not None and idx < len(row) else None
                try:
                    record[column.name] = _READERS[column.kind](raw)
                except _CellError as err:
                    raise _rejected(
                        f"{path.name} (sheet {title!r}) row {number}, column {column.label!r}: "
                        f"{err}; correct the cell and send the workbook again"
                    ) from None
            for column in layout.columns:
                if column.required and record[column.name] is None:
                    raise _rejected(
                        f"{path.name} (sheet {title!r}) row {number} (school {code}): "
                        f"{column.label!r} is empty; every school row needs it"
                    )
            schools += 1
            yield record
    if schools == 0:
        raise _rejected(f"{path.name} (sheet {title!r}): a header but no school rows")


def parse_school_report(path: Path) -> Iterator[dict[str, str | None]]:
    """Parser of a district office's monthly workbook (FileDrop.parser)."""
    return parse_workbook(path, REPORT)


def parse_school_registry(path: Path) -> Iterator[dict[str, str | None]]:
    """Parser of the Department's school registry workbook (FileDrop.parser)."""
    return parse_workbook(path, REGISTRY)
