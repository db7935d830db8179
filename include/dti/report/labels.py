"""The report's words and number formats, in Vietnamese (the default) and English.

Indicator, group and unit names come from the warehouse (the registry seed has `name_vi` and
`name_en`); only the report's own headings and phrases are here. Vietnamese writes 258.778 and
33,44 (dot for thousands, comma for decimals); English 258,778 and 33.44.
"""

from __future__ import annotations

from decimal import Decimal

LANGS = ("vi", "en")

_LABELS: dict[str, dict[str, str]] = {
    "title": {
        "vi": "Báo cáo kết quả chuyển đổi số",
        "en": "Digital transformation report",
    },
    "province": {"vi": "Tỉnh", "en": "Province"},
    "period": {"vi": "Kỳ báo cáo", "en": "Period"},
    "previous_period": {"vi": "Kỳ trước", "en": "Previous period"},
    "generated": {"vi": "Lập lúc", "en": "Generated"},
    "data_as_of": {"vi": "Dữ liệu đến ngày", "en": "Data up to"},
    "closed": {
        "vi": "Số liệu đã chốt (công bố) lúc {closed_at}",
        "en": "Figures closed (published) at {closed_at}",
    },
    "provisional": {
        "vi": "Số liệu tạm tính: kỳ chưa chốt (dti close)",
        "en": "Provisional figures: the period is not closed (dti close)",
    },
    "partial": {
        "vi": "Kỳ chưa kết thúc trong dữ liệu: số liệu đến hết ngày {day}.",
        "en": "The period is not complete in the data: figures up to {day}.",
    },
    "revisions": {
        "vi": "{n} số liệu đã thay đổi sau khi chốt (xem dti status)",
        "en": "{n} figures changed after the close (see dti status)",
    },
    "contents": {"vi": "Nội dung", "en": "Contents"},
    "summary": {"vi": "1. Tổng hợp các chỉ số", "en": "1. Indicator summary"},
    "summary_intro": {
        "vi": "Mọi chỉ số có số liệu trong kỳ, cấp tỉnh, so với chỉ tiêu năm và kỳ trước. "
        "Chỉ số không đạt chỉ tiêu được đánh dấu ▼.",
        "en": "Every indicator with data in the period, province level, against its yearly "
        "target and the previous period. Missed targets are flagged ▼.",
    },
    "pillar": {"vi": "Trụ cột", "en": "Pillar"},
    "indicator": {"vi": "Chỉ số", "en": "Indicator"},
    "numerator": {"vi": "Tử số", "en": "Numerator"},
    "denominator": {"vi": "Mẫu số", "en": "Denominator"},
    "value": {"vi": "Giá trị", "en": "Value"},
    "target": {"vi": "Chỉ tiêu", "en": "Target"},
    "change": {"vi": "Thay đổi", "en": "Change"},
    "published": {"vi": "Số đã công bố", "en": "Published"},
    "missed": {"vi": "không đạt", "en": "missed"},
    "met": {"vi": "đạt", "en": "met"},
    "na": {"vi": "n/a", "en": "n/a"},
    "pp": {"vi": "điểm %", "en": "pp"},
    "no_previous": {
        "vi": "Kỳ trước ({previous}) chưa được nạp đủ (dữ liệu nạp từ {loaded_from}): "
        "không so sánh.",
        "en": "The previous period ({previous}) is not loaded in full (loads start "
        "{loaded_from}): no comparison.",
    },
    "without_values": {
        "vi": "Chỉ số trong danh mục chưa có số liệu kỳ này: {codes}.",
        "en": "Registry indicators without a value this period: {codes}.",
    },
    "published_note": {
        "vi": "Số đã công bố: giá trị in trong báo cáo của tỉnh cho đúng kỳ này; khi tỷ lệ in "
        "ra khác với chính số đếm của nó, số đếm được dùng.",
        "en": "Published: the figure printed in the province's reports for this very period; "
        "where a printed rate disagrees with its own counts, the counts rule.",
    },
    "charts": {"vi": "2. Biểu đồ", "en": "2. Charts"},
    "trends": {"vi": "Diễn biến theo tháng", "en": "Monthly trends"},
    "trends_intro": {
        "vi": "Tỷ lệ chính theo tháng, cấp tỉnh, từ đầu năm đến hết kỳ; đường nét đứt là chỉ tiêu.",
        "en": "Key rates by month, province level, from the start of the year to the period's "
        "end; the dashed line is the target.",
    },
    "districts": {"vi": "Xếp hạng cấp huyện", "en": "Districts ranked"},
    "districts_intro": {
        "vi": "Giá trị của kỳ theo huyện, thành phố, xếp từ cao xuống thấp; cột đỏ: dưới chỉ tiêu.",
        "en": "The period's value by district, highest first; red bars: below target.",
    },
    "communes": {"vi": "Xếp hạng cấp xã", "en": "Communes ranked"},
    "communes_intro": {
        "vi": "Giá trị của kỳ theo xã, phường, xếp từ cao xuống thấp; cột đỏ: dưới chỉ tiêu.",
        "en": "The period's value by commune, highest first; red bars: below target.",
    },
    "restated_on": {
        "vi": "Số liệu tính lại theo đơn vị hành chính hiệu lực từ",
        "en": "Figures restated on the administrative units in force from",
    },
    "service_index": {
        "vi": "Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766)",
        "en": "Decision 766 service index",
    },
    "service_index_intro": {
        "vi": "Điểm của tỉnh theo nhóm so với điểm tối đa; nhóm gạch chéo: nguồn không có dữ "
        "liệu để tính. Tổng trên các thành phần có dữ liệu: {points} / {scored} điểm (tối đa "
        "100).",
        "en": "The province's points per group against the group's maximum; hatched groups: no "
        "source has the data to score them. Total over the components with data: {points} of "
        "{scored} points (maximum 100).",
    },
    "no_data": {"vi": "không có dữ liệu", "en": "no data"},
    "points": {"vi": "điểm", "en": "points"},
    "quality": {"vi": "3. Chất lượng dữ liệu", "en": "3. Data quality"},
    "completeness": {"vi": "Tính đầy đủ và kịp thời của nguồn", "en": "Source completeness"},
    "completeness_intro": {
        "vi": "Số lần nộp dự kiến, đã nhận và nhận đúng hạn trong kỳ, theo nguồn.",
        "en": "Submissions expected, received and received on time in the period, by source.",
    },
    "source": {"vi": "Nguồn", "en": "Source"},
    "entity": {"vi": "Dữ liệu", "en": "Entity"},
    "expected": {"vi": "Dự kiến", "en": "Expected"},
    "received": {"vi": "Đã nhận", "en": "Received"},
    "on_time": {"vi": "Đúng hạn", "en": "On time"},
    "completeness_rate": {"vi": "Đầy đủ", "en": "Complete"},
    "timeliness_rate": {"vi": "Kịp thời", "en": "Timely"},
    "late_missing": {
        "vi": "Đơn vị nộp muộn hoặc thiếu",
        "en": "Late or missing submissions",
    },
    "reporting_unit": {"vi": "Đơn vị báo cáo", "en": "Reporting unit"},
    "missing": {"vi": "Thiếu", "en": "Missing"},
    "late": {"vi": "Muộn", "en": "Late"},
    "none": {"vi": "Không có.", "en": "None."},
    "issues": {"vi": "Vấn đề chất lượng dữ liệu", "en": "Data-quality issues"},
    "issues_intro": {
        "vi": "Lô dữ liệu bị cách ly, nạp lỗi, tệp bị từ chối và giá trị bất thường trong kỳ.",
        "en": "Quarantined batches, failed loads, rejected files and outliers in the period.",
    },
    "validation_docs": {
        "vi": "Kết quả kiểm tra từng lô (Great Expectations Data Docs): lệnh <code>dti "
        "validation-docs</code> trên máy chủ kho dữ liệu.",
        "en": "Every batch's validation (Great Expectations Data Docs): <code>dti "
        "validation-docs</code> on the warehouse's host.",
    },
    "issue_type": {"vi": "Loại", "en": "Type"},
    "interval": {"vi": "Khoảng", "en": "Interval"},
    "rule": {"vi": "Quy tắc", "en": "Rule"},
    "detail": {"vi": "Chi tiết", "en": "Detail"},
    "resolved": {"vi": "Đã khắc phục", "en": "Resolved"},
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "chưa", "en": "no"},
    "more": {"vi": "… và {n} dòng khác", "en": "… and {n} more"},
    "quarantined_batch": {"vi": "Lô bị cách ly", "en": "Quarantined batch"},
    "failed_load": {"vi": "Nạp lỗi", "en": "Failed load"},
    "rejected_file": {"vi": "Tệp bị từ chối", "en": "Rejected file"},
    "outlier": {"vi": "Giá trị bất thường", "en": "Outlier"},
    "outliers_by_indicator": {
        "vi": "Giá trị bất thường theo chỉ số",
        "en": "Outliers by indicator",
    },
    "outliers_intro": {
        "vi": "Số tháng có giá trị bất thường (|z| hiệu chỉnh > 3,5 so với lịch sử của chính địa "
        "bàn) theo cấp; bảng trên chỉ liệt kê cấp tỉnh và huyện.",
        "en": "Months with an outlying value (|modified z| > 3.5 against the area's own "
        "history) by level; the table above lists the province and district ones only.",
    },
    "province_level": {"vi": "Tỉnh", "en": "Province"},
    "district_level": {"vi": "Huyện", "en": "District"},
    "commune_level": {"vi": "Xã", "en": "Commune"},
    "definitions": {"vi": "4. Định nghĩa chỉ số", "en": "4. Indicator definitions"},
    "definitions_intro": {
        "vi": "Danh mục chỉ số (seed indicator_registry): tử số, mẫu số và văn bản căn cứ.",
        "en": "The indicator registry (seed indicator_registry): numerator, denominator and "
        "source document.",
    },
    "code": {"vi": "Mã", "en": "Code"},
    "unit": {"vi": "Đơn vị", "en": "Unit"},
    "basis": {"vi": "Căn cứ", "en": "Source document"},
    "percent": {"vi": "%", "en": "%"},
    "count": {"vi": "số lượng", "en": "count"},
    "footer": {
        "vi": "Tạo tự động bởi kho dữ liệu DTI (dti report) từ marts.indicator_values, "
        "marts.service_index, marts.source_completeness và marts.data_quality_issues.",
        "en": "Generated by the DTI warehouse (dti report) from marts.indicator_values, "
        "marts.service_index, marts.source_completeness and marts.data_quality_issues.",
    },
    "digital_government": {"vi": "Chính quyền số", "en": "Digital government"},
    "digital_economy": {"vi": "Kinh tế số", "en": "Digital economy"},
    "digital_society": {"vi": "Xã hội số", "en": "Digital society"},
}

_PERIOD_NAMES = {
    "vi": {
        "quarter": "Quý {n} năm {y}",
        "half_year": "6 tháng {part} năm {y}",
        "year": "Năm {y}",
        "month": "Tháng {n} năm {y}",
    },
    "en": {
        "quarter": "Q{n} {y}",
        "half_year": "H{n} {y}",
        "year": "Year {y}",
        "month": "{month} {y}",
    },
}
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class Labels:
    """`labels["summary"]` → the phrase in the report's language; numbers formatted for it."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"language {lang!r}: the report is written in vi or en")
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return _LABELS[key][self.lang]

    def get(self, key: str, default: str | None = None) -> str:
        entry = _LABELS.get(key)
        return entry[self.lang] if entry else (default if default is not None else key)

    def period_name(self, period_type: str, year: int, n: int) -> str:
        """`quarter, 2022, 2` → "Quý 2 năm 2022" / "Q2 2022"."""
        part = "đầu" if n == 1 else "cuối"
        month = _MONTHS_EN[n - 1] if period_type == "month" else ""
        return _PERIOD_NAMES[self.lang][period_type].format(n=n, y=year, part=part, month=month)

    def month_short(self, month: int) -> str:
        return f"T{month}" if self.lang == "vi" else _MONTHS_EN[month - 1]

    def number(self, value: Decimal | float | int | None, places: int = 0) -> str:
        """Grouped thousands and `places` decimals in the report's convention; n/a for None."""
        if value is None:
            return self["na"]
        text = f"{Decimal(value):,.{places}f}"
        if self.lang == "vi":
            text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return text

    def value(self, value: Decimal | None, unit: str) -> str:
        """A rate with two decimals and %, a count grouped."""
        if value is None:
            return self["na"]
        if unit == "percent":
            return f"{self.number(value, 2)}%"
        return self.number(value, 0)

    def printed(self, value: Decimal | None, unit: str) -> str:
        """A published figure at the precision it was printed with (33.4 stays 33,4%)."""
        if value is None:
            return ""
        exponent = Decimal(value).normalize().as_tuple().exponent
        places = max(0, -exponent) if isinstance(exponent, int) else 0
        text = self.number(value, places)
        return f"{text}%" if unit == "percent" else text

    def change(self, current: Decimal | None, previous: Decimal | None, unit: str) -> str:
        """Rates: the difference in percentage points; counts: the relative change in %."""
        if current is None or previous is None:
            return self["na"]
        if unit == "percent":
            diff = current - previous
            sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
            return f"{sign}{self.number(abs(diff), 2)} {self['pp']}"
        if previous == 0:
            return self["na"]
        rel = (current - previous) * 100 / previous
        sign = "+" if rel > 0 else ("−" if rel < 0 else "±")
        return f"{sign}{self.number(abs(rel), 1)}%"
