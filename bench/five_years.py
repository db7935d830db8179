"""`make bench-5y`: the 5-year warehouse, measured. `dti backfill --from 2022-01-01 --to
<yesterday>` of every source and both portal systems (Bắc Giang's, then the merged province's;
the former Bắc Ninh's own to 2025-06-30, an instance by configuration: deploy/sources.example.yaml)
on a stack of its own, as a data team installing the warehouse today would run it.

Measured: wall time (and per source, from the CLI's own lines), peak memory (the largest process,
from wait4; the machine's used memory above the idle stack, sampled every 2 s), rows per source
and year from ``ops.load_audit``, the warehouse's size by schema. Written to
bench/results-5y.json and docs/benchmarks-5y.md after every step, so a run that dies keeps what
it measured. Takes about an hour on the 2-core machine.

Usage: python -m bench.five_years [--from 2022-01-01] [--to YYYY-MM-DD] [--sources a,b]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from e2e.conftest import running_stack  # noqa: E402

from bench.run import _git_commit, timed_dti  # noqa: E402
from dti.config import LOCAL_TZ  # noqa: E402

log = logging.getLogger("bench.five_years")
OUT = ROOT / "bench" / "results-5y.json"
PAGE = ROOT / "docs" / "benchmarks-5y.md"
SOURCES_FILE = ROOT / "deploy" / "sources.example.yaml"

_ROWS = """
with latest as (
    select distinct on (source, entity, interval_start) source, entity, interval_start, status, rows
    from ops.load_audit order by source, entity, interval_start, audit_id desc
)
select source, entity,
       extract(year from interval_start at time zone 'Asia/Ho_Chi_Minh')::int as year,
       count(*) filter (where status = 'loaded') as intervals,
       coalesce(sum(rows) filter (where status = 'loaded'), 0) as rows,
       count(*) filter (where status <> 'loaded') as not_loaded
from latest group by 1, 2, 3 order by 1, 2, 3
"""

_SIZES = """
select n.nspname, sum(pg_total_relation_size(c.oid))::bigint
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'm') and n.nspname in ('raw', 'staging', 'intermediate', 'marts', 'ops',
    'reference')
group by 1 order by 1
"""


_ONLINE = """
select extract(year from period_start)::int, area_level, count(*), sum(numerator)::bigint,
       sum(denominator)::bigint, round(min(value), 2)::float, round(max(value), 2)::float
from marts.indicator_values
where indicator_code = 'DVC_ONLINE_INTAKE_RATE' and period_type = 'year'
  and geography <> 'as_reported' and breakdown = 'total' and area_level in ('province', 'commune')
group by 1, 2 order by 1, 2
"""


class MemorySampler(threading.Thread):
    """The machine's used memory every 2 s; the peak above the level when it started."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.base = psutil.virtual_memory().used
        self.peak = self.base
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(2.0):
            self.peak = max(self.peak, psutil.virtual_memory().used)

    def stop(self) -> int:
        self._stop.set()
        return self.peak - self.base


def _save(results: dict[str, Any]) -> None:
    OUT.write_text(json.dumps(results, indent=2, default=str) + "\n")
    PAGE.write_text(render(results))


def render(r: dict[str, Any]) -> str:
    lines = [
        "# The 5-year warehouse (bench/five_years.py, `make bench-5y`)",
        "",
        f"`dti run --from {r['from']} --to {r['to']} --skip-loaded --source S` for every source "
        "S (the range loads `dti backfill` runs, resumable), then one `dti transform`, on a "
        "stack of its own, "
        "with the former Bắc Ninh's own systems configured as instances of their sources "
        "(deploy/sources.example.yaml, to 2025-06-30). "
        f"Commit {r.get('commit', '?')}, {r.get('cpus')} CPUs, started {r.get('started')}.",
        "",
    ]
    run = r.get("backfill")
    if run:
        lines += [
            "| figure | value |",
            "|---|---|",
            f"| wall time | {run['wall_s']:,.0f} s ({run['wall_s'] / 60:.1f} min) |",
            f"| exit code | {run['rc']} |",
            f"| peak memory, largest process | {run['peak_rss_mib']:,.0f} MiB |",
            f"| peak memory, machine above the idle stack | {r.get('peak_used_mib', 0):,.0f} MiB |",
            f"| warehouse size | {r.get('database_mib', 0):,.0f} MiB |",
            "",
        ]
        if r.get("per_source"):
            lines += ["| step | seconds |", "|---|---|"]
            lines += [f"| {k} | {v:,.0f} |" for k, v in r["per_source"].items()]
            lines.append("")
    if r.get("sizes_mib"):
        lines += ["| schema | MiB |", "|---|---|"]
        lines += [f"| {k} | {v:,.1f} |" for k, v in r["sizes_mib"].items()]
        lines.append("")
    rows = r.get("rows") or []
    if rows:
        years = sorted({x["year"] for x in rows})
        lines += [
            "Rows loaded per source entity and year (the latest load of each interval):",
            "",
            "| source/entity | " + " | ".join(str(y) for y in years) + " |",
            "|---|" + "---:|" * len(years),
        ]
        by = {}
        for x in rows:
            by.setdefault(f"{x['source']}/{x['entity']}", {})[x["year"]] = x["rows"]
        for name, per in sorted(by.items()):
            lines.append(f"| {name} | " + " | ".join(f"{per.get(y, 0):,}" for y in years) + " |")
        lines.append("")
        missing = [x for x in rows if x["not_loaded"]]
        if missing:
            lines.append(
                "Intervals not loaded: "
                + ", ".join(
                    f"{x['source']}/{x['entity']} {x['year']}: {x['not_loaded']}" for x in missing
                )
            )
            lines.append("")
    online = r.get("online_rate_today") or []
    if online:
        lines += [
            "The new Bắc Ninh's online-dossier rate (DVC_ONLINE_INTAKE_RATE) each year, restated "
            "on today's units (geography 2025-07-01): the province, and the range over its "
            "communes:",
            "",
            "| year | level | areas | online | dossiers | rate | lowest | highest |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for x in online:
            rate = 100 * x["numerator"] / x["denominator"] if x["denominator"] else 0
            lines.append(
                f"| {x['year']} | {x['area_level']} | {x['areas']} | {x['numerator']:,} | "
                f"{x['denominator']:,} | {rate:.2f}% | {x['lo']}% | {x['hi']}% |"
            )
        lines.append("")
    for note in r.get("notes", []):
        lines.append(f"- {note}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    yesterday = datetime.now(LOCAL_TZ).date() - timedelta(days=1)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="first", default="2022-01-01")
    parser.add_argument("--to", dest="last", default=yesterday.isoformat())
    parser.add_argument("--sources", default="", help="only these (default: every source)")
    args = parser.parse_args(argv)
    first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
    results: dict[str, Any] = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "commit": _git_commit(),
        "cpus": psutil.cpu_count(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "notes": [],
    }
    work = Path(tempfile.mkdtemp(prefix="dti-bench-5y-"))
    try:
        with running_stack({"DTI_SOURCES_FILE": str(SOURCES_FILE)}) as stack:
            from dti.sources import source_names

            # this process lists the sources as the stack's commands will: with the instance
            os.environ["DTI_SOURCES_FILE"] = str(SOURCES_FILE)

            sampler = MemorySampler()
            sampler.start()
            # one source at a time, as `dti backfill` does, each resumable (--skip-loaded) and
            # on its own so one source's failure does not stop the others; one build at the end
            sources = [s for s in args.sources.split(",") if s] or source_names()
            runs = []
            per_step: dict[str, float] = {}
            for source in sources:
                run = timed_dti(
                    stack, work, f"load-{source}", "run", "--source", source,
                    "--from", first.isoformat(), "--to", last.isoformat(),
                    "--skip-loaded", "--no-transform",
                )  # fmt: skip
                per_step[f"load {source}"] = run["wall_s"]
                runs.append(run)
                if run["rc"]:
                    results["notes"].append(f"{source} failed: {run['output'][-600:]}")
                results["per_source"] = per_step
                _save(results)
            run = timed_dti(stack, work, "transform", "transform")
            per_step["dbt build (transform DAG, first build of 5 years)"] = run["wall_s"]
            runs.append(run)
            if run["rc"]:
                results["notes"].append(f"the build failed: {run['output'][-600:]}")
            results["peak_used_mib"] = round(sampler.stop() / 2**20)
            results["backfill"] = {
                "wall_s": round(sum(r["wall_s"] for r in runs), 1),
                "rc": max(r["rc"] for r in runs),
                "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            }
            results["per_source"] = per_step
            results["rows"] = [
                dict(
                    zip(
                        ("source", "entity", "year", "intervals", "rows", "not_loaded"),
                        r,
                        strict=True,
                    )
                )
                for r in stack.query(_ROWS)
            ]
            # the new province's online-dossier rate, each year restated on today's communes
            results["online_rate_today"] = [
                dict(
                    zip(
                        ("year", "area_level", "areas", "numerator", "denominator", "lo", "hi"),
                        r,
                        strict=True,
                    )
                )
                for r in stack.query(_ONLINE)
            ]
            results["sizes_mib"] = {k: round(v / 2**20, 1) for k, v in stack.query(_SIZES)}
            results["database_mib"] = round(
                stack.scalar("select pg_database_size(current_database())") / 2**20
            )
            _save(results)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {PAGE} and {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
