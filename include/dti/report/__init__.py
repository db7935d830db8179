"""The quarterly (half-year, yearly) digital-transformation report, generated from the marts.

`generate(settings, "2022-H1", lang="vi")` reads the figures (`data.collect`), draws the charts
as inline SVG (`charts`) and writes one self-contained HTML file, plus a PDF beside it when
WeasyPrint is importable (`render`). `dti report` and the `report` DAG call it. docs/report.md
describes what is in the report.
"""

from __future__ import annotations

from pathlib import Path

from dti.config import Settings
from dti.report.data import ReportData, collect, previous_period
from dti.report.render import ReportFiles, render_html, write

__all__ = [
    "ReportData",
    "ReportFiles",
    "collect",
    "default_path",
    "generate",
    "previous_period",
    "render_html",
]


def default_path(settings: Settings, period: str, lang: str) -> Path:
    """DATA_DIR/reports/report-<period>-<lang>.html"""
    return settings.data_dir / "reports" / f"report-{period}-{lang}.html"


def generate(
    settings: Settings,
    period: str,
    *,
    lang: str = "vi",
    out: Path | None = None,
    pdf: bool = True,
    todays_units: bool = False,
) -> ReportFiles:
    """Write the report of `period` (2022-Q2, 2022-H1, 2022) for the configured province: on
    the areas as reported, or with `todays_units` restated on today's administrative units."""
    from dti.warehouse import warehouse_url

    data = collect(
        warehouse_url(settings), period, lang, settings.province_code, todays_units=todays_units
    )
    name = f"{period}-today" if todays_units else period
    return write(data, out or default_path(settings, name, lang), pdf=pdf)
