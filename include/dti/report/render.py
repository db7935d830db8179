"""The report as one self-contained HTML file (inline CSS, inline SVG, no script, nothing
fetched when it is opened), and a PDF beside it when WeasyPrint is importable."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from dti.report import charts
from dti.report.data import ReportData
from dti.report.labels import Labels

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path | None
    pdf_skipped: str | None
    """Why no PDF was written (WeasyPrint missing or failing), None when one was."""


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("dti.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(data: ReportData) -> str:
    labels = Labels(data.lang)
    p = data.period
    n = {
        "quarter": (p.start.month - 1) // 3 + 1,
        "half_year": 1 if p.start.month == 1 else 2,
        "month": p.start.month,
        "year": 0,
    }[p.period_type]
    prev = data.previous
    prev_n = {
        "quarter": (prev.start.month - 1) // 3 + 1,
        "half_year": 1 if prev.start.month == 1 else 2,
        "month": prev.start.month,
        "year": 0,
    }[prev.period_type]
    pillars = Counter(r.pillar for r in data.summary)
    template = _environment().get_template("report.html.j2")
    return template.render(
        d=data,
        L=labels,
        period_name=labels.period_name(p.period_type, p.start.year, n),
        previous_name=labels.period_name(prev.period_type, prev.start.year, prev_n),
        pillars=pillars,
        trend_charts=[(s, charts.trend_chart(s, labels, p.start, p.end)) for s in data.trends],
        district_charts=[(r, charts.district_chart(r, labels)) for r in data.districts],
        index_chart=charts.index_chart(data.index_groups, labels) if data.index_groups else None,
        index_points=sum((g.points or 0 for g in data.index_groups), 0),
        index_scored=sum((g.scored_max for g in data.index_groups), 0),
    )


def write_pdf(html: str, pdf_path: Path) -> str | None:
    """Write the PDF with WeasyPrint when it is installed; return why not otherwise."""
    try:
        import weasyprint  # optional: not a dependency of the project
    except ImportError:
        return "WeasyPrint is not installed (pip install weasyprint to get a PDF as well)"
    except OSError as err:  # installed without its system libraries (pango)
        return f"WeasyPrint cannot load its system libraries ({err})"
    try:
        weasyprint.HTML(string=html).write_pdf(str(pdf_path))
    except Exception as err:  # a PDF is a bonus: the HTML report stands on its own
        log.warning("PDF of the report failed: %s", err)
        return f"WeasyPrint failed: {err}"
    return None


def write(data: ReportData, html_path: Path, pdf: bool = True) -> ReportFiles:
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(data)
    html_path.write_text(html, encoding="utf-8")
    log.info("report %s (%s) written to %s", data.period.label, data.lang, html_path)
    if not pdf:
        return ReportFiles(html_path, None, "PDF not asked for")
    pdf_path = html_path.with_suffix(".pdf")
    skipped = write_pdf(html, pdf_path)
    return ReportFiles(html_path, None if skipped else pdf_path, skipped)
