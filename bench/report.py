"""Turn the benchmark results (one JSON-able dict) into docs/benchmarks.md and SVG charts.

Pure functions of the results, so that `make test` can check the writer on a tiny result set
without running any benchmark. Every figure in the page comes from the results dict; the targets
are judged here, in one place (:func:`judge`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path
from typing import Any

STAGES = ("extract_http_s", "land_s", "validate_s", "load_s")
STAGE_LABELS = {
    "extract_http_s": "extract (HTTP / files) + pseudonymise",
    "land_s": "land (parquet + manifest)",
    "validate_s": "GX validation",
    "load_s": "load (COPY)",
    "transform_s": "dbt build",
}


@dataclass
class Verdict:
    """One target of issue 11, what was measured against it, and whether it was met."""

    name: str
    target: str
    measured: str
    met: bool | None  # None: not measured in this run


def _get(results: dict, *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def judge(results: dict[str, Any]) -> list[Verdict]:
    """The issue's targets against the measured figures (a target without a figure: not met,
    not failed, but `None`)."""
    out: list[Verdict] = []
    ratio = _get(results, "loader", "speed_vs_copy")
    out.append(
        Verdict(
            "loader vs raw COPY (psql)",
            ">= 0.9x",
            "-" if ratio is None else f"{ratio:.2f}x",
            None if ratio is None else ratio >= 0.9,
        )
    )
    for key, label in (("to_sql", "to_sql (default)"), ("to_sql_multi", "to_sql (multi)")):
        r = _get(results, "alternatives", key, "loader_speedup")
        out.append(
            Verdict(
                f"loader vs {label}",
                ">= 10x faster",
                "-" if r is None else f"{r:.1f}x",
                None if r is None else r >= 10,
            )
        )
    for key, label, limit in (
        ("h1", "H1 2022 demo, all sources", 180),
        ("year", "province-year, all sources", 600),
    ):
        wall = _get(results, "stages", key, "wall_s")
        out.append(
            Verdict(
                label,
                f"<= {limit // 60} min",
                "-" if wall is None else f"{wall:.0f} s",
                None if wall is None else wall <= limit,
            )
        )
    wall = _get(results, "nightly", "wall_s")
    out.append(
        Verdict(
            "nightly day, all sources + dbt",
            "<= 2 min",
            "-" if wall is None else f"{wall:.0f} s",
            None if wall is None else wall <= 120,
        )
    )
    share = _get(results, "nightly", "overhead_share")
    out.append(
        Verdict(
            "Airflow overhead of the nightly day",
            "<= 30%",
            "-" if share is None else f"{share:.0%}",
            None if share is None else share <= 0.30,
        )
    )
    inc = _get(results, "incremental", "ratio")
    out.append(
        Verdict(
            "incremental nightly dbt vs full refresh",
            "<= 10%",
            "-" if inc is None else f"{inc:.0%}",
            None if inc is None else inc <= 0.10,
        )
    )
    for source, info in (_get(results, "scaling", "sources") or {}).items():
        if info.get("invalid"):
            out.append(
                Verdict(
                    f"scaling {source}", "linear, <= 4 GiB", f"not judged: {info['invalid']}", None
                )
            )
            continue
        tr = info.get("time_ratio")
        top = info.get("top_scale")
        if tr is not None and top:
            out.append(
                Verdict(
                    f"scaling {source}: time at {top:g}x volume",
                    f"<= {1.1 * top:.3g}x the 1x time",
                    f"{tr:.2f}x",
                    tr <= 1.1 * top,
                )
            )
        peak = info.get("peak_rss_mib")
        if peak is not None:
            out.append(
                Verdict(
                    f"scaling {source}: peak memory", "<= 4 GiB", f"{peak:.0f} MiB", peak <= 4096
                )
            )
    return out


def bar_svg(title: str, bars: list[tuple[str, float]], unit: str, log: bool = False) -> str:
    """A horizontal bar chart as a small standalone SVG (no plotting library)."""
    width, left, row, top = 760, 290, 26, 40
    height = top + row * len(bars) + 20
    values = [v for _, v in bars if v and v > 0]
    vmax = max(values, default=1.0)
    vmin = min(values, default=1.0)
    span = 760 - left - 90

    def length(v: float) -> float:
        if not v or v <= 0:
            return 0.0
        if log:
            lo = math.log10(vmin) - 0.3
            return span * (math.log10(v) - lo) / max(math.log10(vmax) - lo, 1e-9)
        return span * v / vmax

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="10" y="22" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        w = length(value)
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{escape(label)}</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 8}" fill="#3b6ea5"/>'
        )
        shown = (
            "-"
            if not value
            else f"{value:,.0f} {unit}"
            if value >= 100
            else (f"{value:.2f} {unit}")
        )
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 14}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _stage_table(run: dict) -> list[str]:
    lines = [
        "| source | rows | " + " | ".join(STAGE_LABELS[s] for s in STAGES) + " | wall |",
        "|---|---:|" + "---:|" * (len(STAGES) + 1),
    ]
    for source, st in sorted((run.get("sources") or {}).items()):
        cells = []
        rows = st.get("rows") or 0
        for s in STAGES:
            sec = st.get(s)
            rate = f" ({rows / sec:,.0f} rows/s)" if sec and rows else ""
            cells.append(f"{_fmt(sec)} s{rate}" if sec is not None else "-")
        lines.append(
            f"| {source} | {_fmt(rows)} | " + " | ".join(cells) + f" | {_fmt(st.get('wall_s'))} s |"
        )
    tr = run.get("transform_s")
    lines.append("")
    lines.append(
        f"dbt build (the transform DAG through Cosmos): {_fmt(tr)} s; whole run wall clock "
        f"{_fmt(run.get('wall_s'))} s."
    )
    dbt = run.get("dbt_profile")
    if dbt:
        kinds = ", ".join(f"{k} {v:g} s" for k, v in sorted(dbt["seconds_by_type"].items()))
        slow = ", ".join(f"{n['node']} {n['seconds']:g} s" for n in dbt["slowest"][:6])
        lines += [
            "",
            f"Inside the dbt build ({_fmt(dbt.get('dbt_wall_s'))} s of dbt, {dbt['nodes']} nodes "
            f"on two threads; dbt's log): {kinds}; slowest {slow}.",
        ]
    prof = run.get("portal_profile")
    if prof and prof.get("shares"):
        lines += [
            "",
            f"Profile of `dti {prof['command']}` (py-spy, the task's process and its land "
            f"workers, {_fmt(prof['cpu_s'])} CPU-seconds in {_fmt(prof['wall_s'])} s of wall "
            "clock), share of CPU samples:",
            "",
            "| part | share |",
            "|---|---:|",
        ]
        lines += [f"| {part} | {share:.0%} |" for part, share in prof["shares"].items()]
    return lines


def render_markdown(
    results: dict[str, Any], charts: dict[str, str], analysis: str | None = None
) -> str:
    """docs/benchmarks.md from the results; ``charts`` maps chart name to its file name;
    ``analysis`` (bench/analysis.md, written by hand) is appended as is."""
    meta = results.get("meta", {})
    out = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py) from `bench/results.json`; do not edit by hand.",
        "Every figure of a section was measured side by side in one run on the embedded",
        "default (embedded PostgreSQL 16, the simulator over HTTP, Airflow `dag.test`, dbt",
        "through Cosmos).",
        "",
        f"Run: {meta.get('started', '-')} on {meta.get('cpus', '-')} cores "
        f"({meta.get('note', 'shared machine')}); commit {meta.get('commit', '-')}; "
        f"arguments `{meta.get('args', '')}`.",
        "",
        "## Targets",
        "",
        "| target | goal | measured | met |",
        "|---|---|---|---|",
    ]
    for v in judge(results):
        met = "not measured" if v.met is None else ("yes" if v.met else "**no**")
        out.append(f"| {v.name} | {v.target} | {v.measured} | {met} |")

    loader = results.get("loader")
    if loader:
        out += [
            "",
            "## 1. Loader vs the limit (raw COPY through psql)",
            "",
            f"One landed batch of {_fmt(loader.get('rows'))} portal dossier rows "
            f"({_fmt(loader.get('parquet_mib'))} MiB parquet, "
            f"{_fmt(loader.get('copy_text_mib'))} MiB as COPY text), into "
            "`raw.portal__dossiers` (same table, same index). The loader is "
            "`dti.load.load_batch` (checksum, parquet read, text encoding, delete of the interval, "
            "COPY, receipts, audit row); psql gets the COPY text already written to a file, so it "
            "is the limit of the server's COPY. Each side ran "
            f"{loader.get('repeats', '-')} times alternately; best and median seconds:",
            "",
            "| loader | best s | median s | rows/s (best) |",
            "|---|---:|---:|---:|",
        ]
        for key, label in (("dti_loader", "dti.load.load_batch"), ("psql_copy", "psql COPY")):
            r = loader.get(key) or {}
            out.append(
                f"| {label} | {_fmt(r.get('best_s'), 2)} | {_fmt(r.get('median_s'), 2)} | "
                f"{_fmt(r.get('rows_per_s'), 0)} |"
            )
        out += ["", f"Speed ratio loader / COPY: **{_fmt(loader.get('speed_vs_copy'), 2)}x**."]
        if loader.get("profile"):
            out += ["", loader["profile"]]
    alt = results.get("alternatives")
    if alt:
        out += [
            "",
            "## 2. Loader vs what users would pick instead",
            "",
            f"Sample of {_fmt(alt.get('sample_rows'))} rows of the same batch (the slow loaders "
            "would take too long on 1M); each is compared with our loader on the same sample.",
            "",
            "| loader | seconds | rows/s | our loader is ... faster |",
            "|---|---:|---:|---:|",
        ]
        for key in ("dti_loader", "to_sql", "to_sql_multi", "dlt", "dlt_csv"):
            r = alt.get(key)
            if not r:
                continue
            if r.get("skipped"):
                out.append(f"| {r.get('label', key)} | skipped: {r['skipped']} | | |")
                continue
            out.append(
                f"| {r.get('label', key)} | {_fmt(r.get('seconds'), 2)} | "
                f"{_fmt(r.get('rows_per_s'), 0)} | "
                + (f"{r['loader_speedup']:.1f}x |" if "loader_speedup" in r else "(reference) |")
            )
        if alt.get("note"):
            out += ["", alt["note"]]
    if "throughput" in charts:
        out += ["", f"![loader throughput]({charts['throughput']})"]
    stages = results.get("stages") or {}
    if stages:
        out += [
            "",
            "## 3. Stages of a range run",
            "",
            "`dti run --from ... --to ...` (every source, one Airflow task per month). Extract and "
            "land run together in worker processes (DTI_LOAD_WORKERS): their wall time is split "
            "by the batches' own extract timings (manifests); validation and load times are the "
            "range DAG's progress lines; load is also in `ops.load_audit.duration_ms`. The "
            "stages overlap: the workers land a month's later days while the task validates and "
            "loads its earlier ones (four steps a month), so a source's stages add up to more "
            "than its wall clock.",
        ]
        for key, label in (("h1", "H1 2022"), ("year", "Province-year 2022")):
            if key in stages:
                out += ["", f"### {label}", ""] + _stage_table(stages[key])
        if "stages" in charts:
            out += ["", f"![stages]({charts['stages']})"]
    scaling = results.get("scaling")
    if scaling:
        out += [
            "",
            "## 4. Scaling with the simulator's volume multiplier",
            "",
            f"Period {scaling.get('from')}..{scaling.get('to')}, ingestion only "
            "(`--no-transform`: the published figures hold at 1x only). Peak memory is the largest "
            "resident set of the run's processes (ru_maxrss of the waited-for process tree: "
            "the Airflow run and its land workers; PostgreSQL and the simulator excluded).",
            "",
            "| source | scale | rows | "
            + " | ".join(STAGE_LABELS[s] for s in STAGES)
            + " | pipeline s | `dti run` s | peak MiB |",
            "|---|---:|---:|" + "---:|" * (len(STAGES) + 3),
        ]
        for p in scaling.get("points", []):
            out.append(
                f"| {p['source']} | {p['scale']:g}x | {_fmt(p.get('rows'))} | "
                + " | ".join(_fmt(p.get(s)) for s in STAGES)
                + f" | {_fmt(p.get('pipeline_s'))} | {_fmt(p.get('wall_s'))} "
                f"| {_fmt(p.get('peak_rss_mib'), 0)} |"
            )
        out += [
            "",
            "Pipeline seconds are the source's Airflow run (its `loaded in` line); `dti run` "
            "also holds the simulator writing the range's file drops before the run (health), "
            "and the simulator generating its data at each scale is waited for before the run, "
            "not timed. The time ratio of the targets is taken on the pipeline seconds.",
        ]
        if scaling.get("note"):
            out += ["", scaling["note"]]
        if "scaling" in charts:
            out += ["", f"![scaling]({charts['scaling']})"]
    nightly = results.get("nightly")
    if nightly:
        out += [
            "",
            "## 5. Nightly: one day of every source through Airflow",
            "",
            f"`dti run --date {nightly.get('day')}`: each source's nightly DAG, then the transform "
            "DAG. Useful work is the sum of the task instances' durations (Airflow's metadata "
            "database); overhead is the rest of the wall clock (DAG parsing, `dag.test` start-up, "
            "scheduling, Cosmos rendering, process start).",
            "",
            "| DAG | wall s | task time s | overhead s |",
            "|---|---:|---:|---:|",
        ]
        for dag, d in sorted((nightly.get("dags") or {}).items()):
            out.append(
                f"| {dag} | {_fmt(d.get('wall_s'))} | {_fmt(d.get('task_s'))} | "
                f"{_fmt(d.get('overhead_s'))} |"
            )
        out += [
            "",
            f"Whole night: {_fmt(nightly.get('wall_s'))} s wall, {_fmt(nightly.get('task_s'))} s "
            f"in tasks, overhead {_fmt(nightly.get('overhead_share'), 2)} of the wall clock.",
        ]
        if nightly.get("note"):
            out += ["", nightly["note"]]
    inc = results.get("incremental")
    if inc:
        out += [
            "",
            "## 6. Incremental dbt",
            "",
            "After the night above: `dti transform` (incremental) "
            f"{_fmt(inc.get('incremental_s'))} s vs `dti transform --full-refresh` "
            f"{_fmt(inc.get('full_refresh_s'))} s: "
            f"**{_fmt(inc.get('ratio'), 2)}** of a full refresh.",
        ]
        if inc.get("note"):
            out += ["", inc["note"]]
        profiles = [
            (label, inc.get(key))
            for label, key in (
                ("incremental", "incremental_profile"),
                ("full refresh", "full_refresh_profile"),
            )
            if inc.get(key)
        ]
        if profiles:
            out += [
                "",
                "Where dbt spent the time (dbt's own log: node execution seconds; two threads, "
                "so the sums exceed dbt's wall clock):",
                "",
                "| build | dbt wall s | nodes | seconds by node type | slowest nodes |",
                "|---|---:|---:|---|---|",
            ]
            for label, prof in profiles:
                kinds = ", ".join(f"{k} {v:g}" for k, v in sorted(prof["seconds_by_type"].items()))
                slow = ", ".join(f"{n['node']} {n['seconds']:g}" for n in prof["slowest"][:5])
                out.append(
                    f"| {label} | {_fmt(prof.get('dbt_wall_s'))} | {prof['nodes']} | {kinds} | "
                    f"{slow} |"
                )
    notes = results.get("notes") or []
    if notes:
        out += ["", "## Notes, profiles and what limits the missed targets", ""]
        out += [f"- {n}" for n in notes]
    if analysis:
        out += ["", analysis.strip()]
    return "\n".join(out) + "\n"


def charts_for(results: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """{chart name: (file name, svg text)} for the figures present."""
    charts: dict[str, tuple[str, str]] = {}
    bars: list[tuple[str, float]] = []
    loader = results.get("loader") or {}
    for key, label in (("dti_loader", "dti loader (1M rows)"), ("psql_copy", "psql COPY (1M)")):
        if (loader.get(key) or {}).get("rows_per_s"):
            bars.append((label, loader[key]["rows_per_s"]))
    for key, r in (results.get("alternatives") or {}).items():
        if isinstance(r, dict) and r.get("rows_per_s"):
            bars.append((r.get("label", key), r["rows_per_s"]))
    if bars:
        charts["throughput"] = (
            "benchmarks-throughput.svg",
            bar_svg("Rows per second into PostgreSQL (log scale)", bars, "rows/s", log=True),
        )
    stage_bars: list[tuple[str, float]] = []
    for key in ("h1", "year"):
        run = (results.get("stages") or {}).get(key)
        if not run:
            continue
        totals = {s: 0.0 for s in STAGES}
        for st in (run.get("sources") or {}).values():
            for s in STAGES:
                totals[s] += st.get(s) or 0.0
        stage_bars += [(f"{key}: {STAGE_LABELS[s]}", v) for s, v in totals.items()]
        stage_bars.append((f"{key}: dbt build", run.get("transform_s") or 0.0))
    if stage_bars:
        charts["stages"] = (
            "benchmarks-stages.svg",
            bar_svg("Seconds per stage (summed over sources)", stage_bars, "s"),
        )
    points = (results.get("scaling") or {}).get("points") or []
    if points:
        charts["scaling"] = (
            "benchmarks-scaling.svg",
            bar_svg(
                "Pipeline seconds by volume multiplier",
                [
                    (f"{p['source']} {p['scale']:g}x", p.get("pipeline_s") or p.get("wall_s") or 0)
                    for p in points
                ],
                "s",
            ),
        )
    return charts


def write_report(
    results: dict[str, Any], docs_dir: Path, json_path: Path, analysis_path: Path | None = None
) -> Path:
    """Write the JSON, the SVG charts and the markdown page; returns the page's path."""
    results = dict(results)
    results["targets"] = [asdict(v) for v in judge(results)]
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", "utf-8")
    docs_dir.mkdir(parents=True, exist_ok=True)
    names = {}
    for name, (file_name, svg) in charts_for(results).items():
        (docs_dir / file_name).write_text(svg, "utf-8")
        names[name] = file_name
    page = docs_dir / "benchmarks.md"
    analysis = (
        analysis_path.read_text("utf-8") if analysis_path and analysis_path.is_file() else None
    )
    page.write_text(render_markdown(results, names, analysis), "utf-8")
    return page
