"""Smoke test of the benchmark harness's report writer (`make bench` itself is not run here)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _report_module():
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


TINY = {
    "meta": {"started": "2026-01-01T00:00:00+00:00", "cpus": 2, "commit": "abc", "args": ""},
    "loader": {
        "rows": 1000,
        "repeats": 1,
        "dti_loader": {"best_s": 1.0, "median_s": 1.0, "rows_per_s": 1000},
        "psql_copy": {"best_s": 0.8, "median_s": 0.8, "rows_per_s": 1250},
        "speed_vs_copy": 0.8,
    },
    "alternatives": {
        "sample_rows": 100,
        "to_sql": {"label": "to_sql", "seconds": 2.0, "rows_per_s": 50, "loader_speedup": 20.0},
        "dlt": {"label": "dlt", "skipped": "not installed"},
    },
    "stages": {
        "h1": {
            "wall_s": 150.0,
            "transform_s": 40.0,
            "sources": {"portal": {"rows": 500, "extract_http_s": 2.0, "load_s": 1.0}},
            "portal_profile": {
                "command": "run --source portal",
                "wall_s": 10.0,
                "cpu_s": 15.0,
                "samples": 1500,
                "shares": {"land (parquet, manifest)": 0.5, "load (COPY)": 0.25},
            },
        }
    },
    "nightly": {
        "day": "2022-07-01",
        "wall_s": 100.0,
        "task_s": 60.0,
        "overhead_share": 0.4,
        "dags": {"nightly_portal": {"wall_s": 30.0, "task_s": 20.0, "overhead_s": 10.0}},
    },
    "incremental": {
        "incremental_s": 5.0,
        "full_refresh_s": 100.0,
        "ratio": 0.05,
        "incremental_profile": {
            "dbt_wall_s": 4.0,
            "nodes": 3,
            "seconds_by_type": {"model": 2.5, "test": 1.0},
            "slowest": [{"type": "model", "node": "indicator_values", "seconds": 2.0}],
        },
    },
    "scaling": {
        "from": "2022-01-01",
        "to": "2022-01-31",
        "points": [
            {"source": "portal", "scale": 1.0, "wall_s": 10.0, "peak_rss_mib": 300.0},
            {"source": "portal", "scale": 4.0, "wall_s": 30.0, "peak_rss_mib": 500.0},
        ],
        "sources": {"portal": {"top_scale": 4.0, "time_ratio": 3.0, "peak_rss_mib": 500.0}},
    },
}


def test_report_judges_targets_and_writes_page_json_and_charts(tmp_path: Path) -> None:
    report = _report_module()
    verdicts = {v.name: v for v in report.judge(TINY)}
    assert verdicts["loader vs raw COPY (psql)"].met is False
    assert verdicts["loader vs to_sql (default)"].met is True
    assert verdicts["loader vs to_sql (multi)"].met is None
    assert verdicts["H1 2022 demo, all sources"].met is True
    assert verdicts["province-year, all sources"].met is None
    assert verdicts["Airflow overhead of the nightly day"].met is False
    assert verdicts["incremental nightly dbt vs full refresh"].met is True
    assert verdicts["scaling portal: time at 4x volume"].met is True

    page = report.write_report(TINY, tmp_path / "docs", tmp_path / "results.json")
    text = page.read_text()
    assert "| loader vs raw COPY (psql) | >= 0.9x | 0.80x | **no** |" in text
    assert "skipped: not installed" in text
    assert "| incremental | 4.0 | 3 | model 2.5, test 1 | indicator_values 2 |" in text
    assert "| land (parquet, manifest) | 50% |" in text
    assert "![loader throughput](benchmarks-throughput.svg)" in text
    svg = (tmp_path / "docs" / "benchmarks-throughput.svg").read_text()
    assert svg.startswith("<svg") and "1,250 rows/s" in svg
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["loader"]["speed_vs_copy"] == 0.8
    assert any(t["name"] == "loader vs raw COPY (psql)" for t in saved["targets"])
