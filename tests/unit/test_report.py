"""The report's pieces without a warehouse: periods compared and due, number formats in both
languages, and a report rendered from hand-made figures (self-contained, flags missed targets,
charts with marks)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dti.config import LOCAL_TZ
from dti.indicators import parse_period
from dti.report.data import (
    CompletenessRow,
    Definition,
    DistrictBar,
    DistrictRanking,
    IndexGroup,
    Issue,
    LateUnit,
    ReportData,
    SummaryRow,
    TrendSeries,
    previous_period,
)
from dti.report.labels import Labels
from dti.report.render import render_html, write
from dti.report.schedule import due_periods, periods_of_run


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        ("2022-Q2", "2022-Q1"),
        ("2022-Q1", "2021-Q4"),
        ("2022-H1", "2021-H2"),
        ("2022-H2", "2022-H1"),
        ("2022", "2021"),
        ("2022-01", "2021-12"),
    ],
)
def test_previous_period(period, previous):
    assert previous_period(parse_period(period)) == parse_period(previous)


def test_due_periods_when_a_quarter_closes():
    assert due_periods(date(2022, 1, 1), date(2022, 4, 1)) == ["2022-Q1"]
    assert due_periods(date(2022, 4, 1), date(2022, 7, 1)) == ["2022-Q2", "2022-H1"]
    assert due_periods(date(2022, 10, 1), date(2023, 1, 1)) == ["2022-Q4", "2022-H2", "2022"]
    with pytest.raises(ValueError, match="start a quarter"):
        due_periods(date(2022, 5, 1), date(2022, 8, 1))
    # the scheduled interval is in UTC; the quarter is local (UTC+7)
    start = datetime(2022, 4, 1, tzinfo=LOCAL_TZ)
    end = datetime(2022, 7, 1, tzinfo=LOCAL_TZ)
    assert periods_of_run("", start.astimezone(UTC), end.astimezone(UTC)) == [
        "2022-Q2",
        "2022-H1",
    ]
    assert periods_of_run("2022", start, end) == ["2022"]


def test_number_formats():
    vi, en = Labels("vi"), Labels("en")
    assert vi.number(Decimal("258778")) == "258.778"
    assert en.number(Decimal("258778")) == "258,778"
    assert vi.value(Decimal("33.4400"), "percent") == "33,44%"
    assert en.value(Decimal("33.4400"), "percent") == "33.44%"
    assert en.value(None, "percent") == "n/a"
    assert en.change(Decimal("33.44"), Decimal("31.2"), "percent") == "+2.24 pp"
    assert vi.change(Decimal("30"), Decimal("31.25"), "percent") == "−1,25 điểm %"
    assert en.change(Decimal("110"), Decimal("100"), "count") == "+10.0%"
    assert en.change(Decimal("1"), None, "count") == "n/a"
    assert vi.printed(Decimal("33.4"), "percent") == "33,4%"
    assert en.printed(Decimal("100154"), "count") == "100,154"
    assert en.printed(None, "count") == ""
    assert vi.period_name("half_year", 2022, 1) == "6 tháng đầu năm 2022"
    assert en.period_name("quarter", 2022, 2) == "Q2 2022"
    with pytest.raises(ValueError):
        Labels("fr")


def _data(lang: str) -> ReportData:
    p = parse_period("2022-Q2")
    return ReportData(
        period=p,
        previous=previous_period(p),
        lang=lang,
        province_code="24",
        province_name="Tỉnh Bắc Giang",
        generated_at=datetime(2022, 7, 1, 8, tzinfo=LOCAL_TZ),
        data_as_of=date(2022, 6, 30),
        previous_loaded=True,
        loaded_from=date(2022, 1, 1),
        closed_at=None,
        revision_count=0,
        summary=[
            SummaryRow(
                "DVC_ONLINE_INTAKE_RATE",
                "digital_government",
                "Online <intake>",
                "percent",
                Decimal(40),
                Decimal(100),
                Decimal("40.0000"),
                Decimal(50),
                False,
                Decimal("35.5"),
                None,
            ),
            SummaryRow(
                "CA_CCCD_APPLICATIONS",
                "digital_society",
                "CCCD",
                "count",
                Decimal(50000),
                None,
                Decimal(50000),
                None,
                None,
                None,
                None,
            ),
        ],
        without_values=["DVC_SATISFACTION_RATE"],
        trends=[
            TrendSeries(
                "DVC_ONLINE_INTAKE_RATE",
                "Online",
                "percent",
                Decimal(50),
                [(date(2022, m, 1), Decimal(30 + m)) for m in range(1, 7)],
            )
        ],
        districts=[
            DistrictRanking(
                "DVC_ONLINE_INTAKE_RATE",
                "Online",
                "percent",
                Decimal(50),
                [
                    DistrictBar("213", "Thành phố Bắc Giang", Decimal(60), None, None),
                    DistrictBar("215", "Huyện Yên Thế", Decimal(20), None, None),
                ],
            )
        ],
        index_groups=[
            IndexGroup(1, "Transparency", Decimal(18), None, Decimal(0)),
            IndexGroup(2, "Progress", Decimal(20), Decimal("19.37"), Decimal(20)),
        ],
        completeness=[
            CompletenessRow(
                "health", "payments", "file", 72, 70, 65, Decimal("97.22"), Decimal("90.28")
            )
        ],
        late_units=[LateUnit("health", "payments", "BV01", 2, 3)],
        late_units_total=1,
        issues=[
            Issue(
                "quarantined_batch",
                "portal",
                "dossiers",
                "b-1",
                date(2022, 5, 3),
                date(2022, 5, 3),
                "expect_column_values_to_not_be_null",
                "3 rows",
                False,
            )
        ],
        issue_counts={"quarantined_batch": 1},
        definitions=[
            Definition(
                "DVC_ONLINE_INTAKE_RATE",
                "digital_government",
                "Online",
                "percent",
                "online dossiers",
                "dossiers",
                "Decision 766 indicator 3.3",
            ),
        ],
    )


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_rendered_report_is_self_contained_and_flags_missed_targets(lang, tmp_path):
    html = render_html(_data(lang))
    assert not re.search(r"<script|<link|<img|@import|url\((?!#)", html, re.I)
    assert not re.search(r'\s(src|href)="(?!#)', html)
    rows = re.findall(r'<tr class="indicator( missed)?" data-indicator="(\w+)"', html)
    assert rows == [(" missed", "DVC_ONLINE_INTAKE_RATE"), ("", "CA_CCCD_APPLICATIONS")]
    assert "Online &lt;intake&gt;" in html  # names are escaped
    assert "<code>dti validation-docs</code>" in html  # where every batch's validation is
    assert ("40,00%" if lang == "vi" else "40.00%") in html
    assert ("+4,50 điểm %" if lang == "vi" else "+4.50 pp") in html
    charts = re.findall(r'<svg class="chart chart-(\w+)".*?</svg>', html, re.S)
    assert charts == ["trend", "districts", "index"]
    for svg in re.findall(r'<svg class="chart.*?</svg>', html, re.S):
        assert 'class="mark' in svg
    assert "DVC_SATISFACTION_RATE" in html and "BV01" in html
    data = _data(lang)
    files = write(data, tmp_path / "r.html", pdf=False)
    assert files.html.read_text(encoding="utf-8") == render_html(data)
    assert files.pdf is None


def test_vietnamese_by_default_english_on_request():
    assert "Tổng hợp các chỉ số" in render_html(_data("vi"))
    assert "Indicator summary" in render_html(_data("en"))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_on_todays_units_communes_are_ranked_and_the_geography_said(lang):
    data = _data(lang)
    data.ranked_level, data.geography = "commune", "2025-07-01"
    html = render_html(data)
    labels = Labels(lang)
    assert labels["communes"] in html and labels["districts"] not in html
    assert f"{labels['restated_on']} 2025-07-01" in html
    reported = render_html(_data(lang))
    assert labels["districts"] in reported and labels["restated_on"] not in reported
