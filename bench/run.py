"""`make bench`: measure the warehouse side by side in one run and write docs/benchmarks.md.

Starts its own stack (embedded PostgreSQL + simulator) in a temporary `.local`, as the e2e tests
do (tests/e2e/conftest.py: running_stack); the developer's `.local` is not touched. Sections
(all by default; pick with --only):

  stages      H1 2022 of every source (`dti run --from --to`), per-stage seconds and rows/s
  loader      dti.load.load_batch on a landed batch of 1M dossier rows vs psql COPY FROM STDIN
  alternatives  DataFrame.to_sql (default, multi) and dlt on a sample of the same rows
  nightly     one day of every source through Airflow, overhead vs task time
  incremental the nightly's incremental dbt build vs `dti transform --full-refresh`
  year        a province-year of every source (`--year-from/--year-to`)
  scaling     portal and health at the simulator's volume multipliers (--scales)

Usage: python -m bench.run [--only stages,loader] [--scales 1,2,4] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shlex
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from e2e.conftest import DTI, Stack, running_stack  # noqa: E402

from bench.report import STAGES, write_report  # noqa: E402

log = logging.getLogger("bench")
BENCH_VENV = ROOT / ".venv" / "bench"
SECTIONS = ("stages", "loader", "alternatives", "nightly", "incremental", "year", "scaling")


# --------------------------------------------------------------------------- running dti


def timed_dti(stack: Stack, work: Path, name: str, *args: str, env: dict | None = None) -> dict:
    """Run `dti ARGS`, wall clock and peak RSS of its process tree (wait4's ru_maxrss covers the
    waited-for descendants: the Airflow run and its land workers)."""
    out_path = work / f"{name}.out"
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    with open(out_path, "w") as out:
        proc = subprocess.Popen(
            [str(DTI), *args], env=env or stack.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    text = out_path.read_text(errors="replace")
    log.info("dti %s: rc %s, %.1fs", " ".join(args), proc.returncode, wall)
    if proc.returncode != 0:
        log.warning("dti %s failed:\n%s", " ".join(args), text[-3000:])
    return {
        "args": " ".join(args),
        "rc": proc.returncode,
        "wall_s": round(wall, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "started": started,
        "output": text,
    }


_LANDED = re.compile(
    r"(\w+) \S+/(\w+): (\d+) intervals extracted and landed \((\d+) rows\) in (\d+)s"
)
_VALIDATED = re.compile(r"(\w+) \S+/(\w+): (\d+) intervals validated in (\d+)s")
_LOADED = re.compile(r"(\w+) \S+/(\w+): (\d+) intervals loaded in (\d+)s")


def _manifest_extract_seconds(settings, since: datetime) -> dict[str, float]:
    """Sum of the batches' own extract durations (manifest timestamps) per source."""
    out: dict[str, float] = {}
    for manifest in (settings.data_dir / "landing").glob("*/*/*/manifest.json"):
        if manifest.stat().st_mtime < since.timestamp() - 1:
            continue
        try:
            m = json.loads(manifest.read_text())
            a = datetime.fromisoformat(m["extract_started_at"])
            b = datetime.fromisoformat(m["extract_finished_at"])
        except (KeyError, ValueError, TypeError):
            continue
        out[m.get("source", manifest.parts[-4])] = out.get(m.get("source", ""), 0.0) + max(
            (b - a).total_seconds(), 0.0
        )
    return out


def stage_figures(stack: Stack, run: dict, workers: int) -> dict[str, Any]:
    """Per-source stage seconds of a `dti run` range from the Airflow logs, the manifests and
    ops.load_audit; dbt build seconds from dti's own output."""
    since = run["started"]
    # dti echoes the range DAG's progress lines once (its Airflow log file holds them twice)
    text = run["output"]
    sources: dict[str, dict[str, float]] = {}

    def add(source: str, key: str, value: float) -> None:
        st = sources.setdefault(source, {})
        st[key] = st.get(key, 0.0) + value

    for m in _LANDED.finditer(text):
        add(m[1], "extract_land_s", float(m[5]))
    for m in _VALIDATED.finditer(text):
        add(m[1], "validate_s", float(m[4]))
    for m in _LOADED.finditer(text):
        add(m[1], "progress_load_s", float(m[4]))
    audit = stack.query(
        "select source, sum(rows), sum(duration_ms) / 1000.0 from ops.load_audit "
        "where status = 'loaded' and finished_at >= %s group by source",
        (since,),
    )
    for source, rows, seconds in audit:
        st = sources.setdefault(source, {})
        st["rows"] = int(rows or 0)
        st["load_s"] = round(float(seconds or 0), 2)
    extract = _manifest_extract_seconds(stack.settings, since)
    for source, st in sources.items():
        el = st.pop("extract_land_s", None)
        if el is None:
            continue
        # extract and land share worker processes: the extract part of the wall time is the
        # batches' own extract time spread over the workers, the rest is landing
        ex = min(extract.get(source, 0.0) / max(workers, 1), el)
        st["extract_http_s"] = round(ex, 2)
        st["land_s"] = round(el - ex, 2)
    # per-source wall clock: dti prints "loading <source> ..." then "  loaded in X.Xs"
    current = None
    for line in run["output"].splitlines():
        m = re.match(r"loading (\w+) ", line)
        if m:
            current = m[1]
        m = re.match(r"\s+loaded in ([\d.]+)s", line)
        if m and current:
            sources.setdefault(current, {})["wall_s"] = float(m[1])
    built = re.findall(r"built in ([\d.]+)s", run["output"])
    return {
        "args": run["args"],
        "rc": run["rc"],
        "wall_s": run["wall_s"],
        "peak_rss_mib": run["peak_rss_mib"],
        "transform_s": float(built[-1]) if built else None,
        "sources": sources,
    }


# --------------------------------------------------------------------------- loader


def _sha256(path: Path) -> str:
    from dti.land import _sha256_file

    return _sha256_file(path)


def build_batch(stack: Stack, work: Path, rows: int):
    """A landed batch of `rows` portal dossier rows, made of the H1 run's landed days (repeated
    when there are fewer), with a manifest the loader accepts (its sha256)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dti.records import LandedBatch

    parts = sorted(
        (stack.settings.data_dir / "landing" / "portal" / "dossiers").glob("*/part-0000.parquet")
    )
    if not parts:
        raise RuntimeError("no landed portal dossiers: run the stages section (the H1 load) first")
    tables, have = [], 0
    while have < rows:
        for p in parts:
            t = pq.read_table(p)
            tables.append(t)
            have += t.num_rows
            if have >= rows:
                break
    table = pa.concat_tables(tables).slice(0, rows).combine_chunks()
    folder = work / "batch-1m"
    folder.mkdir(exist_ok=True)
    parquet = folder / "part-0000.parquet"
    pq.write_table(table, parquet, compression="zstd")
    now = datetime.now(UTC).isoformat()
    batch = LandedBatch(
        source="portal",
        entity="dossiers",
        interval="2031-01-01",
        interval_start="2031-01-01T00:00:00+07:00",
        interval_end="2031-01-02T00:00:00+07:00",
        path=str(folder),
        batch_id="bench-loader-1m",
        rows=table.num_rows,
        source_total=table.num_rows,
        sha256=_sha256(parquet),
        extract_started_at=now,
        extract_finished_at=now,
    )
    return batch, table


def _cleanup_bench_rows(stack: Stack) -> None:
    import psycopg

    from dti.warehouse import warehouse_url

    with psycopg.connect(warehouse_url(stack.settings), autocommit=True) as conn:
        conn.execute("delete from raw.portal__dossiers where _interval_start >= '2030-12-31'")
        conn.execute("delete from ops.load_audit where batch_id like 'bench-%%'")
        conn.execute("vacuum analyze raw.portal__dossiers")


def psql_path() -> Path:
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH) / "psql"


def bench_loader(stack: Stack, work: Path, rows: int, repeats: int) -> tuple[dict, Any, Any]:
    from dti.load import META_COLUMNS, copy_text_chunks, load_batch
    from dti.sources import get_entity
    from dti.warehouse import warehouse_url

    dsn = warehouse_url(stack.settings)
    batch, table = build_batch(stack, work, rows)
    entity = get_entity("portal", "dossiers")
    text_path = work / "batch-1m.copy"
    with open(text_path, "wb") as out:
        for chunk in copy_text_chunks(
            table, ("bench-psql", "2031-01-02T00:00:00+07:00", "2031-01-03T00:00:00+07:00", None)
        ):
            out.write(chunk)
    columns = ", ".join(f'"{c}"' for c in (*entity.field_names, *META_COLUMNS))
    copy_sql = f"copy raw.portal__dossiers ({columns}) from stdin"
    psql = psql_path()
    loader_s, copy_s = [], []
    _cleanup_bench_rows(stack)
    for i in range(repeats):
        t0 = time.perf_counter()
        load_batch(dsn, batch, None)
        loader_s.append(time.perf_counter() - t0)
        _cleanup_bench_rows(stack)
        with open(text_path, "rb") as src:
            t0 = time.perf_counter()
            subprocess.run(
                [str(psql), dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", copy_sql],
                stdin=src,
                check=True,
                env={**os.environ, "PGOPTIONS": ""},
            )
            copy_s.append(time.perf_counter() - t0)
        n = stack.scalar(
            "select count(*) from raw.portal__dossiers where _interval_start >= '2030-12-31'"
        )
        if n != rows:
            raise RuntimeError(f"psql COPY loaded {n} rows, expected {rows}")
        _cleanup_bench_rows(stack)
        log.info("loader run %d: dti %.2fs, psql COPY %.2fs", i + 1, loader_s[-1], copy_s[-1])

    def summary(xs: list[float]) -> dict:
        return {
            "runs_s": [round(x, 3) for x in xs],
            "best_s": round(min(xs), 3),
            "median_s": round(statistics.median(xs), 3),
            "rows_per_s": round(rows / min(xs)),
        }

    result = {
        "rows": rows,
        "repeats": repeats,
        "parquet_mib": round(Path(batch.parquet_path).stat().st_size / 2**20, 1),
        "copy_text_mib": round(text_path.stat().st_size / 2**20, 1),
        "dti_loader": summary(loader_s),
        "psql_copy": summary(copy_s),
    }
    result["speed_vs_copy"] = round(min(copy_s) / min(loader_s), 3)
    return result, batch, table


def bench_alternatives(stack: Stack, work: Path, table, sample: int, repeats: int = 3) -> dict:
    import psycopg
    import pyarrow.parquet as pq
    import sqlalchemy

    from dti.load import load_batch
    from dti.records import LandedBatch
    from dti.warehouse import warehouse_url

    dsn = warehouse_url(stack.settings)
    part = table.slice(0, sample)
    folder = work / "batch-sample"
    folder.mkdir(exist_ok=True)
    parquet = folder / "part-0000.parquet"
    pq.write_table(part, parquet, compression="zstd")
    now = datetime.now(UTC).isoformat()
    batch = LandedBatch(
        "portal",
        "dossiers",
        "2031-02-01",
        "2031-02-01T00:00:00+07:00",
        "2031-02-02T00:00:00+07:00",
        str(folder),
        "bench-loader-sample",
        sample,
        sample,
        _sha256(parquet),
        now,
        now,
    )
    out: dict[str, Any] = {
        "sample_rows": sample,
        "repeats": repeats,
        "note": "Every loader starts from the same landed parquet file (reading it is timed: "
        "our loader reads it too) and ends with the rows in PostgreSQL; best of "
        f"{repeats} runs each (the slowest, to_sql multi and dlt, of {max(repeats - 1, 1)}).",
    }
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        load_batch(dsn, batch, None)
        runs.append(time.perf_counter() - t0)
        _cleanup_bench_rows(stack)
    ours = min(runs)
    out["dti_loader"] = {
        "label": f"dti loader ({sample:,} rows)",
        "seconds": round(ours, 3),
        "runs_s": [round(x, 3) for x in runs],
        "rows_per_s": round(sample / ours),
    }
    url = dsn.replace("postgresql://", "postgresql+psycopg2://", 1)
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("create schema if not exists bench")
    for key, label, kwargs, n in (
        ("to_sql", "pandas read_parquet + to_sql (default)", {}, repeats),
        (
            "to_sql_multi",
            "pandas read_parquet + to_sql (method='multi', chunksize 1000)",
            {"method": "multi", "chunksize": 1000},
            max(repeats - 1, 1),
        ),
    ):
        runs = []
        for _ in range(n):
            t0 = time.perf_counter()
            frame = pq.read_table(parquet).to_pandas()
            frame.to_sql(key, engine, schema="bench", if_exists="replace", index=False, **kwargs)
            runs.append(time.perf_counter() - t0)
        sec = min(runs)
        out[key] = {
            "label": label,
            "seconds": round(sec, 3),
            "runs_s": [round(x, 3) for x in runs],
            "rows_per_s": round(sample / sec),
            "loader_speedup": round(sec / ours, 1),
        }
        log.info("%s: %s s", label, out[key]["runs_s"])
    engine.dispose()
    py = BENCH_VENV / "bin" / "python"
    for key, fmt in (("dlt", "default"), ("dlt_csv", "csv")):
        label = f"dlt (pipeline.run, {fmt} loader file format)"
        if not py.exists():
            out[key] = {"label": label, "skipped": "bench/requirements.txt not installed"}
            continue
        cmd = [str(py), str(ROOT / "bench" / "dlt_load.py"), str(parquet), dsn, fmt, str(work)]
        runs = []
        for _ in range(max(repeats - 1, 1)):
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
            if res.returncode != 0:
                break
            runs.append(json.loads(res.stdout.strip().splitlines()[-1])["seconds"])
        if not runs:
            out[key] = {"label": label, "skipped": f"dlt failed: {res.stderr.strip()[-300:]}"}
            log.warning("dlt %s failed: %s", fmt, res.stderr[-2000:])
            continue
        sec = min(runs)
        out[key] = {
            "label": label,
            "seconds": round(sec, 3),
            "runs_s": [round(x, 3) for x in runs],
            "rows_per_s": round(sample / sec),
            "loader_speedup": round(sec / ours, 1),
        }
        log.info("%s: %s s", label, out[key]["runs_s"])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("drop schema if exists bench cascade")
    return out


# What a range run's CPU samples were doing, by the first of these found in the sample's stack
# (most specific first).
RANGE_PARTS = (
    ("pseudonymise (keyed hash)", ("dti/pseudonymise.py",)),
    ("extract (HTTP, JSON parsing)", ("dti/extract/",)),
    ("land (parquet, manifest)", ("dti/land.py",)),
    ("GX: derived columns", ("add_derived_columns",)),
    ("GX: the suite's run", ("great_expectations/",)),
    ("GX: reading the batches", ("dti/validate.py",)),
    ("load (COPY)", ("dti/load.py",)),
    ("Python imports (the task and each land worker)", ("importlib._bootstrap",)),
    ("Airflow (DAG parsing, task runner, API)", ("airflow/",)),
    ("worker plumbing (multiprocessing, pickling)", ("multiprocessing/", "concurrent/futures/")),
)


def profile_range(stack: Stack, work: Path, source: str, first: str, last: str) -> dict | None:
    """py-spy over `dti run --from first --to last --source source --no-transform` (the task's
    process and its land workers): the share of CPU samples of each part of the pipeline."""
    spy = BENCH_VENV / "bin" / "py-spy"
    if not spy.exists():
        return None
    raw = work / f"range-{source}.collapsed"
    cmd = [str(DTI), "run", "--from", first, "--to", last, "--source", source, "--no-transform"]
    t0 = time.perf_counter()
    res = subprocess.run(
        [str(spy), "record", "--format", "raw", "--rate", "100", "--subprocesses", "-o", str(raw)]
        + ["--", *cmd],
        capture_output=True,
        text=True,
        env=stack.env,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t0
    if res.returncode != 0 or not raw.exists():
        return {"error": f"py-spy failed: {res.stderr.strip()[-300:]}"}
    total, shares = range_shares(raw.read_text())
    return {
        "command": " ".join(cmd[1:]),
        "wall_s": round(wall, 1),
        "samples": total,
        "cpu_s": round(total / 100, 1),
        "shares": shares,
    }


def range_shares(collapsed: str) -> tuple[int, dict[str, float]]:
    """(samples, share of each part of RANGE_PARTS) of py-spy's raw (collapsed) output."""
    parts: dict[str, int] = {}
    total = 0
    for line in collapsed.splitlines():
        stack_text, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        part = next(
            (name for name, marks in RANGE_PARTS if any(m in stack_text for m in marks)),
            "the rest (the CLI, threads waiting, native frames)",
        )
        parts[part] = parts.get(part, 0) + int(count)
        total += int(count)
    ordered = sorted(parts.items(), key=lambda kv: -kv[1])
    return total, {k: round(v / max(total, 1), 3) for k, v in ordered}


def profile_loader(work: Path, batch, dsn: str) -> str | None:
    """py-spy's top functions of one loader run (own time, in the loader's process)."""
    spy = BENCH_VENV / "bin" / "py-spy"
    if not spy.exists():
        return None
    script = work / "load_once.py"
    script.write_text(
        "import json, os\nfrom dti.load import load_batch\nfrom dti.records import LandedBatch\n"
        "batch = LandedBatch.from_dict(json.loads(open(os.environ['DTI_BENCH_BATCH']).read()))\n"
        "load_batch(os.environ['DTI_BENCH_DSN'], batch)\n"
    )
    batch_json = work / "batch.json"
    batch_json.write_text(json.dumps(batch.to_dict()))
    raw = work / "loader.collapsed"
    res = subprocess.run(
        [
            str(spy),
            "record",
            "--format",
            "raw",
            "--rate",
            "200",
            "--subprocesses",
            "-o",
            str(raw),
            "--",
            sys.executable,
            str(script),
        ],
        capture_output=True,
        text=True,
        # not on the command line: py-spy names the process by it, and the DSN has a password
        env={**os.environ, "DTI_BENCH_DSN": dsn, "DTI_BENCH_BATCH": str(batch_json)},
    )
    if res.returncode != 0 or not raw.exists():
        return f"py-spy failed: {res.stderr.strip()[-300:]}"
    own: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        leaf = frames[-1]
        own[leaf] = own.get(leaf, 0) + int(count)
        total += int(count)
    top = sorted(own.items(), key=lambda kv: -kv[1])[:8]
    lines = ["py-spy profile of one loader run (own samples of the top functions):", ""]
    lines += [f"    {100 * n / max(total, 1):5.1f}%  {name}" for name, n in top]
    return "\n".join(lines)


# --------------------------------------------------------------------------- nightly


def airflow_task_seconds(settings, since: datetime) -> dict[str, float]:
    db = settings.airflow_home / "airflow.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select dag_id, start_date, end_date from task_instance where start_date >= ? "
            "and end_date is not null",
            (since.strftime("%Y-%m-%d %H:%M:%S"),),
        ).fetchall()
    out: dict[str, float] = {}
    for dag_id, start, end in rows:
        a, b = datetime.fromisoformat(str(start)), datetime.fromisoformat(str(end))
        out[dag_id] = out.get(dag_id, 0.0) + (b - a).total_seconds()
    return out


def bench_nightly(stack: Stack, work: Path, day: str) -> tuple[dict, dict]:
    run = timed_dti(stack, work, "nightly", "run", "--date", day)
    tasks = airflow_task_seconds(stack.settings, run["started"])
    dags: dict[str, dict] = {}
    current = None
    for line in run["output"].splitlines():
        m = re.match(r"loading (\w+) \S+ through Airflow \((\w+)\)", line)
        if m:
            current = m[2]
        m = re.match(r"building the dbt models", line)
        if m:
            current = "transform"
        m = re.match(r"\s+(?:loaded|built) in ([\d.]+)s", line)
        if m and current:
            dags[current] = {"wall_s": float(m[1])}
    for dag, d in dags.items():
        d["task_s"] = round(tasks.get(dag, 0.0), 2)
        d["overhead_s"] = round(d["wall_s"] - d["task_s"], 2)
    task_s = sum(d["task_s"] for d in dags.values())
    result = {
        "day": day,
        "rc": run["rc"],
        "wall_s": run["wall_s"],
        "task_s": round(task_s, 2),
        "overhead_share": round(1 - task_s / run["wall_s"], 3) if run["wall_s"] else None,
        "dags": dags,
        "peak_rss_mib": run["peak_rss_mib"],
    }
    return result, dags


DBT_LOG = ROOT / "dbt_project" / "logs" / "dbt.log"


def _lines(path: Path) -> Iterator[str]:
    with open(path, errors="replace") as lines:
        yield from lines


def dbt_build_profile(
    since: datetime, log_path: Path = DBT_LOG, until: datetime | None = None
) -> dict | None:
    """Where the last `dbt build` logged between `since` and `until` spent its time, from dbt's
    JSON log: its wall clock, the nodes' execution seconds summed by type, the slowest nodes."""
    if not log_path.exists():
        return None
    # dbt rotates its log at 10 MB: a build's first events may be in dbt.log.1, .2, ...
    rotated = sorted(
        log_path.parent.glob(f"{log_path.name}.*"),
        key=lambda p: -int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0,
    )
    runs: dict[str, dict] = {}
    for path in [*rotated, log_path]:
        for line in _lines(path):
            if '"NodeFinished"' not in line and '"CommandCompleted"' not in line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            info, data = event.get("info", {}), event.get("data", {})
            ts = datetime.fromisoformat(info.get("ts", "1970-01-01T00:00:00Z"))
            if ts < since or (until is not None and ts > until):
                continue
            run = runs.setdefault(info.get("invocation_id", "-"), {"nodes": [], "wall_s": None})
            if info.get("name") == "CommandCompleted":
                run["wall_s"] = round(float(data.get("elapsed") or 0), 1)
                continue
            node = data.get("node_info", {})
            seconds = float((data.get("run_result") or {}).get("execution_time") or 0)
            run["nodes"].append(
                (node.get("resource_type", "?"), node.get("node_name", "?"), seconds)
            )
    builds = [r for r in runs.values() if r["nodes"]]
    if not builds:
        return None
    last = builds[-1]
    by_type: dict[str, float] = {}
    for kind, _, seconds in last["nodes"]:
        by_type[kind] = round(by_type.get(kind, 0.0) + seconds, 1)
    slowest = sorted(last["nodes"], key=lambda n: -n[2])[:8]
    return {
        "dbt_wall_s": last["wall_s"],
        "nodes": len(last["nodes"]),
        "seconds_by_type": by_type,
        "slowest": [{"type": k, "node": n, "seconds": round(t, 1)} for k, n, t in slowest],
    }


# --------------------------------------------------------------------------- scaling


def restart_simulator(
    stack: Stack, scale: float, inbox: Path, years: set[int] = frozenset()
) -> float:
    """Stop the stack's simulator and start it again at `scale`, writing its own pid file so
    that `dti` sees it as the stack's simulator (`dti down` stops it). Waits until the portal
    world has generated `years` (the simulator warms them in the background at start-up), so
    that the stand-in for the source system's own work is not timed as ours; returns the
    seconds it took."""
    from dti.services import SimulatorProcess

    sim = SimulatorProcess(stack.settings)
    sim.stop()
    settings = stack.settings
    cmd = [
        sys.executable,
        "-m",
        "dti.simulator",
        "--host",
        settings.simulator_host,
        "--port",
        str(settings.simulator_port),
        "--token-file",
        str(settings.secrets_dir / "simulator.token"),
        "--cache-dir",
        str(settings.local_dir / "simulator-cache"),
        "--inbox-dir",
        str(inbox),
        "--scale",
        f"{scale:g}",
        "--log-level",
        "warning",
    ]
    with open(settings.local_dir / f"simulator-x{scale:g}.log", "ab") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=stack.env,
        )
    sim.pidfile.write_text(str(proc.pid))
    import httpx

    started = time.monotonic()
    deadline = started + 1800
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the simulator at scale {scale} exited ({proc.returncode})")
        try:
            ready = set(httpx.get(f"{sim.url}/health", timeout=2).json()["years_ready"])
        except (httpx.HTTPError, ValueError, KeyError):
            ready = None
        if ready is not None and years <= ready:
            return round(time.monotonic() - started, 1)
        time.sleep(1)
    os.killpg(proc.pid, signal.SIGTERM)
    raise RuntimeError(f"the simulator at scale {scale} was not ready in 1800 s")


def bench_scaling(
    stack: Stack,
    work: Path,
    scales: list[float],
    first: str,
    last: str,
    sources: list[str],
    workers: int,
    save: Callable[[dict], None] = lambda partial: None,
) -> dict:
    """Each source over [first, last] at each scale; `save` gets the figures after every point
    (the section takes hours over a province-year: a stopped run keeps what it measured)."""
    points: list[dict] = []
    years = set(range(int(first[:4]), int(last[:4]) + 1))
    for scale in scales:
        inbox = work / f"inbox-x{scale:g}"
        inbox.mkdir(exist_ok=True)
        warm_s = restart_simulator(stack, scale, inbox, years)
        log.info("simulator at %gx ready in %.0fs", scale, warm_s)
        env = {**stack.env, "DTI_INBOX_DIR": str(inbox)}
        for source in sources:
            # A file-drop source lands a period from its inbox and its archive, and per unit the
            # newest file by arrival wins: the scaled re-delivery carries the same arrival times
            # as the files archived at the smaller scale, which would stay. Each scale starts
            # from an empty archive, as a new deployment would.
            archive = stack.settings.data_dir / "archive" / source
            if archive.exists():
                shutil.move(str(archive), str(work / f"archive-{source}-before-x{scale:g}"))
            run = timed_dti(
                stack,
                work,
                f"scale-{source}-x{scale:g}",
                "run",
                "--from",
                first,
                "--to",
                last,
                "--source",
                source,
                "--no-transform",
                env=env,
            )
            fig = stage_figures(stack, run, workers)
            st = fig["sources"].get(source, {})
            point = {
                "source": source,
                "scale": scale,
                "rc": run["rc"],
                "wall_s": run["wall_s"],
                # the source's Airflow run alone: `dti run`'s wall clock also holds the
                # simulator writing the range's file drops (health) before the run starts
                "pipeline_s": st.get("wall_s"),
                "simulator_warm_s": warm_s,
                "peak_rss_mib": run["peak_rss_mib"],
                "rows": st.get("rows"),
            }
            point.update({s: st.get(s) for s in STAGES})
            points.append(point)
            log.info("scaling %s x%g: %s", source, scale, point)
            save({"from": first, "to": last, "points": points, "sources": {}})
    restart_simulator(stack, 1.0, stack.settings.inbox, years)
    summary = scaling_summary(points, sources)
    return {"from": first, "to": last, "points": points, "sources": summary}


def scaling_summary(points: list[dict], sources: list[str]) -> dict[str, dict]:
    """Per source: the time ratio of the largest scale to the smallest, and the peak memory. A
    source whose loaded rows did not grow with the multiplier (within a fifth) is not judged:
    the run did not load what the simulator was asked to make."""
    summary: dict[str, dict] = {}
    for source in sources:
        mine = [p for p in points if p["source"] == source]
        if not mine:
            continue
        base = min(mine, key=lambda p: p["scale"])
        top = max(mine, key=lambda p: p["scale"])
        key = "pipeline_s" if base.get("pipeline_s") and top.get("pipeline_s") else "wall_s"
        volume = top["scale"] / base["scale"]
        grew = (top.get("rows") or 0) / max(base.get("rows") or 0, 1)
        if grew < 0.8 * volume:
            summary[source] = {
                "top_scale": volume,
                "invalid": f"the rows loaded grew {grew:.2f}x for {volume:g}x the volume",
            }
            continue
        if base[key]:
            summary[source] = {
                "top_scale": volume,
                "time_ratio": round(top[key] / base[key], 3),
                "rows_ratio": round(grew, 3),
                "timed": key,
                "peak_rss_mib": max(p["peak_rss_mib"] for p in mine),
            }
    return summary


# --------------------------------------------------------------------------- main


def _git_commit() -> str:
    res = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    return res.stdout.strip() or "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections of {SECTIONS}"
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scales", default="1,2,4,10", help="volume multipliers")
    parser.add_argument("--scale-sources", default="portal,health")
    parser.add_argument("--scale-from", default="2022-01-01")
    parser.add_argument("--scale-to", default="2022-12-31")
    parser.add_argument("--year-from", default="2022-01-01")
    parser.add_argument("--year-to", default="2022-12-31")
    parser.add_argument("--nightly-day", default="2022-07-01")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the sections of an earlier results.json not run this time",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="only rewrite docs/benchmarks.md from results.json (after editing bench/analysis.md)",
    )
    args = parser.parse_args(argv)
    if args.report_only:
        results = json.loads(args.out.read_text())
        results.pop("targets", None)
        print(f"wrote {_save(results, args)}")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}: choose from {SECTIONS}")
    results: dict[str, Any] = {}
    if args.merge and args.out.exists():
        results = json.loads(args.out.read_text())
        results.pop("targets", None)
    results["meta"] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "note": os.environ.get(
            "DTI_BENCH_NOTE",
            "nothing else was meant to run; figures of one section are side by side",
        ),
        "commit": _git_commit(),
        "args": shlex.join(sys.argv[1:] if argv is None else argv),
        "python": sys.version.split()[0],
    }
    notes = results.setdefault("notes", [])
    work = Path(tempfile.mkdtemp(prefix="dti-bench-"))
    workers = int(os.environ.get("DTI_LOAD_WORKERS", "2"))
    try:
        with running_stack() as stack:
            from dti.warehouse import warehouse_url

            stages = results.setdefault("stages", {})
            # every later section needs the H1 load (the loader's rows come from its landing)
            run = timed_dti(stack, work, "h1", "run", "--from", "2022-01-01", "--to", "2022-06-30")
            stages["h1"] = stage_figures(stack, run, workers)
            stages["h1"]["dbt_profile"] = dbt_build_profile(run["started"])
            if run["rc"] != 0:
                notes.append(f"the H1 run failed (rc {run['rc']}): {run['output'][-500:]}")
            _save(results, args)
            state: dict[str, Any] = {}

            def loader() -> None:
                results["loader"], state["batch"], state["table"] = bench_loader(
                    stack, work, args.rows, args.repeats
                )
                _save(results, args)
                if results["loader"]["speed_vs_copy"] < 0.9:
                    profile = profile_loader(work, state["batch"], warehouse_url(stack.settings))
                    _cleanup_bench_rows(stack)
                    if profile:
                        results["loader"]["profile"] = profile

            def alternatives() -> None:
                if state.get("table") is not None:
                    results["alternatives"] = bench_alternatives(
                        stack, work, state.pop("table"), args.sample, min(args.repeats, 3)
                    )

            def nightly() -> None:
                state["nightly_started"] = datetime.now(UTC)
                results["nightly"], state["dags"] = bench_nightly(stack, work, args.nightly_day)

            def incremental() -> None:
                inc_profile = dbt_build_profile(state["nightly_started"])
                full = timed_dti(stack, work, "full-refresh", "transform", "--full-refresh")
                built = re.findall(r"built in ([\d.]+)s", full["output"])
                inc_s = (state.get("dags", {}).get("transform") or {}).get("wall_s")
                full_s = float(built[-1]) if built else full["wall_s"]
                results["incremental"] = {
                    "incremental_s": inc_s,
                    "full_refresh_s": full_s,
                    "ratio": round(inc_s / full_s, 3) if inc_s and full_s else None,
                    "note": "Both through the transform DAG (`dti transform`), so each "
                    "includes the same Airflow and Cosmos start-up.",
                    "incremental_profile": inc_profile,
                    "full_refresh_profile": dbt_build_profile(full["started"]),
                }

            def profile() -> None:
                # a month of the largest source again (a reload, after the nightly and
                # incremental builds it would have added to), under py-spy
                stages["h1"]["portal_profile"] = profile_range(
                    stack, work, "portal", "2022-03-01", "2022-03-31"
                )

            def year() -> None:
                run = timed_dti(
                    stack, work, "year", "run", "--from", args.year_from, "--to", args.year_to
                )
                stages["year"] = stage_figures(stack, run, workers)

            def scaling() -> None:
                scales = [float(s) for s in args.scales.split(",")]
                results["scaling"] = bench_scaling(
                    stack,
                    work,
                    scales,
                    args.scale_from,
                    args.scale_to,
                    [x.strip() for x in args.scale_sources.split(",") if x.strip()],
                    workers,
                    save=lambda partial: (results.update(scaling=partial), _save(results, args)),
                )

            steps = {
                "loader": loader,
                "alternatives": alternatives,
                "nightly": nightly,
                "incremental": incremental,
                "profile": profile,
                "year": year,
                "scaling": scaling,
            }
            for name, step in steps.items():
                needed = {
                    "loader": "alternatives",
                    "nightly": "incremental",
                    "profile": "stages",
                }.get(name)
                if name not in only and needed not in only:
                    continue
                try:
                    step()
                except Exception as exc:  # one broken section must not lose the others
                    log.exception("section %s failed", name)
                    notes.append(
                        f"section {name} failed in this run: {type(exc).__name__}: {str(exc)[:300]}"
                    )
                _save(results, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    page = _save(results, args)
    print(f"wrote {page} and {args.out}")
    return 0


def _save(results: dict, args) -> Path:
    """Write the page and the JSON after every section: a long run that dies keeps its figures."""
    return write_report(results, args.docs, args.out, ROOT / "bench" / "analysis.md")


if __name__ == "__main__":
    sys.exit(main())
