"""`dti`: the command line of the DTI warehouse.

Start the embedded parts (`dti up`), load through Airflow (`dti run`, `dti backfill`), look at what
happened (`dti status`) and at the figures (`dti indicators`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from dti.config import LOCAL_TZ, Settings, load_settings

app = typer.Typer(
    help="DTI warehouse: a province's digital-transformation indicators, loaded nightly.",
    no_args_is_help=True,
    add_completion=False,
)
warehouse_app = typer.Typer(help="The warehouse's address.", no_args_is_help=True)
simulator_app = typer.Typer(help="The source simulator.", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(simulator_app, name="simulator")

progress = logging.getLogger("dti.progress")

DEMO_FROM = "2022-01-01"
DEMO_TO = "2022-06-30"


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not progress.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("  %(message)s"))
        progress.addHandler(handler)
    progress.setLevel(logging.INFO)
    progress.propagate = verbose


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(1)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} {value!r} is not a date: write it as YYYY-MM-DD")
        raise


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show Airflow's own output.")
    ] = False,
) -> None:
    _setup_logging(verbose)
    os.environ["DTI_VERBOSE"] = "1" if verbose else ""


def _settings() -> Settings:
    return load_settings()


@app.command()
def up() -> None:
    """Start the embedded warehouse and simulator (idempotent) and prepare the warehouse."""
    from dti.airflow_runner import ensure_metadata_db
    from dti.reference import load_admin_units
    from dti.services import up as start
    from dti.warehouse import warehouse_url

    settings = _settings()
    started = time.monotonic()
    for line in start(settings):
        _say(f"  {line}")
    units = load_admin_units(
        warehouse_url(settings), settings.province_code, settings.split_weights_file
    )
    _say(
        f"  reference: {units} administrative unit versions of province "
        f"{settings.province_code} (docs/geography.md)"
    )
    ensure_metadata_db(settings)
    _dbt_parse(settings)
    _say(f"up in {time.monotonic() - started:.1f}s")


@app.command()
def down() -> None:
    """Stop the embedded warehouse and simulator (parts given by URL are left alone)."""
    from dti.services import down as stop

    for line in stop(_settings()):
        _say(f"  {line}")


def _dbt_parse(settings: Settings) -> None:
    """Write dbt's manifest, which the transform DAG reads instead of running dbt at parse time."""
    from dti.transform import parse_if_stale

    parse_if_stale(settings)


def _logfile(settings: Settings, name: str) -> Path | None:
    if os.environ.get("DTI_VERBOSE"):
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return settings.local_dir / "logs" / f"{stamp}-{name}.log"


def _run_range(
    settings: Settings, source: str, first: date, last: date, chunk: str, skip_loaded: bool = False
) -> None:
    from dti.airflow_runner import run_dag

    logfile = _logfile(settings, f"range_load-{source}")
    _say(f"loading {source} {first}..{last} through Airflow (range_load, one task per {chunk})")
    if logfile:
        _say(f"  Airflow log: {logfile}")
    started = time.monotonic()
    from dti.progress import RangeProgress
    from dti.warehouse import warehouse_url

    try:
        # through the progress logger: while Airflow runs, stdout and stderr go to its log file
        with RangeProgress(
            warehouse_url(settings),
            source,
            first,
            last,
            logging.getLogger("dti.progress").info,
            skip_loaded=skip_loaded,
            chunk=chunk,
        ):
            run_dag(
                settings,
                "range_load",
                conf={
                    "source": source,
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "chunk": chunk,
                    "skip_loaded": skip_loaded,
                },
                logfile=logfile,
            )
    except RuntimeError as err:
        _explain_failures(settings, source, started)
        _fail(str(err))
    _say(f"  loaded in {time.monotonic() - started:.1f}s")


def _run_day(settings: Settings, source: str, day: date) -> None:
    from dti.airflow_runner import nightly_logical_date, run_dag

    logfile = _logfile(settings, f"nightly_{source}-{day}")
    _say(f"loading {source} {day} through Airflow (nightly_{source})")
    started = time.monotonic()
    try:
        run_dag(
            settings, f"nightly_{source}", logical_date=nightly_logical_date(day), logfile=logfile
        )
    except RuntimeError as err:
        _explain_failures(settings, source, started)
        _fail(str(err))
    rows = _day_rows(settings, source, day)
    loaded = ", ".join(f"{entity} {n:,}" for entity, n in rows) or "nothing"
    _say(f"  loaded in {time.monotonic() - started:.1f}s: {loaded}")
    from dti.sources import EntityMode, get_entity

    snapshot = EntityMode.SNAPSHOT
    changes = [n for entity, n in rows if get_entity(source, entity).mode is not snapshot]
    if changes and not any(changes):
        _say(f"  {source} sent no new records for {day} (only its registries)")


def _day_rows(settings: Settings, source: str, day: date) -> list[tuple[str, int]]:
    """Rows of the latest load of each of the source's entities for a local day."""
    import psycopg

    from dti.warehouse import warehouse_url

    start = datetime.combine(day, datetime.min.time(), LOCAL_TZ)
    try:
        with psycopg.connect(warehouse_url(settings), connect_timeout=5) as conn:
            found = conn.execute(
                "select distinct on (entity) entity, coalesce(rows, 0) from ops.load_audit "
                "where source = %s and interval_start = %s and status = 'loaded' "
                "order by entity, audit_id desc",
                (source, start),
            ).fetchall()
    except psycopg.Error:
        return []
    return [(entity, int(n)) for entity, n in found]


def _transform(settings: Settings, full_refresh: bool = False) -> None:
    from dti.airflow_runner import run_dag

    logfile = _logfile(settings, "transform")
    how = ", full refresh" if full_refresh else ""
    _say(f"building the dbt models through Airflow (transform{how})")
    started = time.monotonic()
    _dbt_parse(settings)
    try:
        run_dag(settings, "transform", conf={"full_refresh": full_refresh}, logfile=logfile)
    except RuntimeError as err:
        failed = "".join(f"\n  {line}" for line in _dbt_failures(logfile))
        _fail(f"{err}{failed}\n  see dbt's log in dbt_project/logs/dbt.log")
    _say(f"  built in {time.monotonic() - started:.1f}s")


def _dbt_failures(logfile: Path, limit: int = 10) -> list[str]:
    """dbt's result lines of the failed nodes in a transform log ("12 of 247 FAIL 1 assert_...")."""
    import re

    pattern = re.compile(r"\d+ of \d+ (?:FAIL|ERROR)\b.*?(?=\s*\[|$)")
    found: list[str] = []
    try:
        text = logfile.read_text(errors="replace")
    except OSError:
        return found
    for line in text.splitlines():
        match = pattern.search(re.sub(r"\x1b\[[0-9;]*m", "", line))
        if match:
            failure = re.sub(r"\s*\.{3,}\s*", " ", match.group(0)).strip()
            if failure not in found:
                found.append(failure)
    return found[:limit]


def _explain_failures(settings: Settings, source: str, since_monotonic: float) -> None:
    """Print the audit rows of the source's batches that failed or were quarantined in this
    run (another source's failures of the same minutes are not this run's)."""
    import psycopg

    from dti.warehouse import warehouse_url

    seconds = time.monotonic() - since_monotonic + 5
    try:
        with psycopg.connect(warehouse_url(settings)) as conn:
            rows = conn.execute(
                "select source, entity, interval_start, status, error from ops.load_audit "
                "where source = %s and status <> 'loaded' "
                "and finished_at > now() - make_interval(secs => %s) "
                "order by audit_id desc limit 5",
                (source, seconds),
            ).fetchall()
            # a task that failed before any batch was audited (a missing token, an unreachable
            # system): its alert holds the error
            alerts = conn.execute(
                "select distinct on (task_id) task_id, error from ops.alerts "
                "where dag_id in (%s, 'range_load') "
                "and raised_at > now() - make_interval(secs => %s) "
                "order by task_id, alert_id desc limit 5",
                (f"nightly_{source}", seconds),
            ).fetchall()
    except psycopg.Error:
        return
    for source, entity, start, status, error in rows:
        day = start.astimezone(LOCAL_TZ).date()
        _say(f"  {status}: {source}/{entity} {day}\n    {error}")
    if not rows:
        for task_id, error in alerts:
            last = (error or "").strip().splitlines()[-1:] or ["(no error recorded)"]
            _say(f"  failed: {task_id}\n    {last[0]}")


def _deliver_simulated_files(
    settings: Settings, first: date, last: date, sources: list[str] | None = None
) -> None:
    """In the embedded mode the simulator stands in for the offices that drop files: ask it to
    deliver the range's files into the inbox before loading (a real deployment's inbox fills
    by itself)."""
    if not settings.embedded_simulator:
        return
    import httpx

    try:
        response = httpx.post(
            f"{settings.effective_portal_url}/_sim/inbox/deliver",
            params={
                "from": first.isoformat(),
                "to": last.isoformat(),
                "source": _inbox_folders(sources),
            },
            headers={"Authorization": f"Bearer {settings.portal_token}"},
            timeout=1800,
        )
        response.raise_for_status()
    except httpx.HTTPError as err:
        _fail(f"the simulator could not deliver the files of {first}..{last}: {err}")
        return
    written = response.json().get("written", {})
    if any(written.values()):
        summary = ", ".join(f"{source}: {n}" for source, n in sorted(written.items()))
        _say(f"simulated file drops delivered to {settings.inbox} ({summary})")


def _inbox_folders(sources: list[str] | None) -> list[str]:
    """The inbox folders of ``sources`` (all configured sources without), which name what the
    simulator delivers: a source's name, or an instance's ``inbox:`` (legacy/27/education)."""
    from dti.sources import get_source

    return sorted({get_source(name).inbox_folder for name in sources or _sources(None)})


def _sources(source: str | None) -> list[str]:
    from dti.sources import source_names

    names = source_names()
    if source is None:
        return names
    if source not in names:
        _fail(f"unknown source {source!r}; the sources are: {', '.join(names)}")
    return [source]


def _within_lifetime(name: str, first: date, last: date) -> tuple[date, date] | None:
    """The part of [first, last] a source instance exists in (a retired system: none after its
    ``until``), saying what is left out; None when nothing is left."""
    from dti.sources import get_source

    source = get_source(name)
    lo = max(first, source.since) if source.since else first
    hi = min(last, source.until) if source.until else last
    if lo > hi:
        life = f"{source.since or '...'}..{source.until or '...'}"
        _say(
            f"{name}: nothing to load for {first}..{last}: the system exists {life} (sources file)"
        )
        return None
    if (lo, hi) != (first, last):
        _say(f"{name}: loading {lo}..{hi}, the part of {first}..{last} the system exists in")
    return lo, hi


@app.command()
def run(
    day: Annotated[
        str | None, typer.Option("--date", help="One local day (YYYY-MM-DD), as the nightly run.")
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day of a range.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day of a range (inclusive).")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source (default: all).")] = None,
    chunk: Annotated[
        str, typer.Option(help="Days per Airflow task in a range: month, week, day.")
    ] = "month",
    transform: Annotated[bool, typer.Option(help="Build the dbt models afterwards.")] = True,
    skip_loaded: Annotated[
        bool,
        typer.Option(
            "--skip-loaded", help="In a range, leave days whose last load succeeded (resume)."
        ),
    ] = False,
) -> None:
    """Load a day (default: yesterday) or a range through Airflow, then build the models.

    Safe to repeat: each local day replaces its earlier load.
    """
    settings = _settings()
    if day and (from_ or to):
        _fail("give either --date or --from/--to, not both")
    if (from_ is None) != (to is None):
        _fail("a range needs both --from and --to")
    try:  # refuse to start a production run that could not pseudonymise what it extracts
        _ = settings.pseudonym_key
    except RuntimeError as err:
        _fail(str(err))
    _ensure_up(settings)
    if from_ and to:
        first, last = _day(from_, "--from"), _day(to, "--to")
    else:
        first = last = (
            _day(day, "--date") if day else datetime.now(LOCAL_TZ).date() - timedelta(days=1)
        )
    _deliver_simulated_files(settings, first, last, _sources(source))
    for name in _sources(source):
        span = _within_lifetime(name, first, last)
        if span is None:
            continue
        if from_ and to:
            _run_range(settings, name, *span, chunk, skip_loaded)
        else:
            _run_day(settings, name, first)
    if transform:
        _transform(settings)


@app.command()
def backfill(
    from_: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Last day (inclusive).")],
    source: Annotated[str | None, typer.Option(help="Only this source (default: all).")] = None,
    chunk: Annotated[str, typer.Option(help="Days per Airflow task: month, week, day.")] = "month",
) -> None:
    """Reload a range after a source fix: the same per-day loads as the nightly runs, so the
    warehouse ends as if it had run nightly; then rebuild the models."""
    settings = _settings()
    first, last = _day(from_, "--from"), _day(to, "--to")
    if last < first:
        _fail(f"--to {last} is before --from {first}")
    _ensure_up(settings)
    _deliver_simulated_files(settings, first, last, _sources(source))
    for name in _sources(source):
        span = _within_lifetime(name, first, last)
        if span is not None:
            _run_range(settings, name, *span, chunk)
    _transform(settings)


@app.command()
def transform(
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Rebuild the incremental models from raw instead of only what changed.",
        ),
    ] = False,
) -> None:
    """Build the dbt models (staging, marts, indicators) through Airflow."""
    settings = _settings()
    _ensure_up(settings)
    _transform(settings, full_refresh)


def _ensure_up(settings: Settings) -> None:
    from dti.services import SimulatorProcess
    from dti.warehouse import EmbeddedWarehouse

    if settings.embedded_warehouse and not EmbeddedWarehouse(settings).is_running():
        _fail("the embedded warehouse is not running: start it with `dti up`")
    if settings.embedded_simulator and not SimulatorProcess(settings).healthy():
        _fail("the source simulator is not running: start it with `dti up`")


@app.command()
def status(
    limit: Annotated[int, typer.Option(help="How many recent loads to list.")] = 10,
) -> None:
    """Per source: how far loads have got, freshness, failures and quarantines with their
    reasons, recent alerts; then the most recent loads."""
    import psycopg

    from dti.status import collect, format_report
    from dti.warehouse import warehouse_url

    settings = _settings()
    try:
        report = collect(warehouse_url(settings))
        with psycopg.connect(warehouse_url(settings), connect_timeout=5) as conn:
            rows = conn.execute(
                "select finished_at, source, entity, interval_start, status, rows, "
                "duration_ms from ops.load_audit order by audit_id desc limit %s",
                (limit,),
            ).fetchall()
    except psycopg.errors.UndefinedTable:
        _fail("the warehouse has no load audit yet: run `dti up`, then `dti run`")
        return
    except psycopg.OperationalError as err:
        _fail(f"cannot reach the warehouse ({err}); is it up? (`dti up`)")
        return
    typer.echo(format_report(report))
    if rows:
        typer.echo("")
        typer.echo(
            f"{'recent loads (local)':19}  {'source/entity':22} {'interval':10}  {'status':11} "
            f"{'rows':>8} {'ms':>7}"
        )
    for finished, source, entity, start, state, nrows, ms in rows:
        when = finished.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if finished else "-"
        day = start.astimezone(LOCAL_TZ).date().isoformat()
        typer.echo(
            f"{when:19}  {source + '/' + entity:22} {day:10}  {state:11} {nrows or 0:>8} "
            f"{ms or 0:>7}"
        )
    _show_closures(warehouse_url(settings))


@app.command()
def indicators(
    period: Annotated[str | None, typer.Option(help="2022, 2022-H1, 2022-Q2 or 2022-05.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Any range: first day.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Any range: last day (inclusive).")] = None,
    area: Annotated[str, typer.Option(help="Area code (default: the province).")] = "",
    geography: Annotated[
        str | None,
        typer.Option(
            help="Restate on the administrative units valid on this date (YYYY-MM-DD or "
            "'today'): numerators and denominators re-aggregated through the crosswalk. "
            "Default: the areas as the sources reported them."
        ),
    ] = None,
    communes: Annotated[
        int,
        typer.Option(
            help="Also list the online-dossier rate of the N communes with the most dossiers "
            "(0: none, -1: all)."
        ),
    ] = 0,
) -> None:
    """The indicators of a period for an area, beside the published figures where there are some."""
    from dti.indicators import fetch_areas, fetch_indicators, format_areas, format_table

    settings = _settings()
    if period and (from_ or to):
        _fail("give either --period or --from/--to")
    if (from_ is None) != (to is None):
        _fail("a range needs both --from and --to")
    if not period and not from_:
        period = "2022-H1"
    on_date = _geography_date(geography)
    try:
        table = fetch_indicators(
            settings,
            period=period,
            first=_day(from_, "--from") if from_ else None,
            last=_day(to, "--to") if to else None,
            area_code=area or settings.province_code,
            geography=on_date,
        )
        if communes:
            first, last = _period_days(period, from_, to)
            areas = fetch_areas(settings, first=first, last=last, geography=on_date)
            shown = areas if communes < 0 else areas[:communes]
            where = f"on the units of {on_date}" if on_date else "as reported"
            heading = (
                f"of the {len(shown)} of {len(areas)} communes with the most dossiers, "
                f"{first} .. {last}, {where}"
            )
    except (ValueError, LookupError) as err:
        _fail(str(err))
        return
    typer.echo(format_table(table))
    if communes:
        typer.echo("")
        typer.echo(format_areas(shown, "DVC_ONLINE_INTAKE_RATE", heading))


def _geography_date(text: str | None) -> date | None:
    """--geography: None (as reported), 'today' or a date."""
    if text is None:
        return None
    if text.strip().lower() == "today":
        return date.today()
    return _day(text, "--geography")


def _period_days(period: str | None, from_: str | None, to: str | None) -> tuple[date, date]:
    from dti.indicators import parse_period

    if period:
        p = parse_period(period)
        return p.start, p.end
    return _day(from_, "--from"), _day(to, "--to")


@app.command("index")
def index_cmd(
    period: Annotated[str, typer.Option(help="2022, 2022-H1, 2022-Q2 or 2022-05.")] = "2022-H1",
    unit_type: Annotated[
        str, typer.Option(help="province, agency, district or commune.")
    ] = "province",
    unit: Annotated[str, typer.Option(help="Unit code (default: the province).")] = "",
    todays_units: Annotated[
        bool,
        typer.Option(
            "--todays-units",
            help="On today's administrative units: the province or a commune of today, its "
            "components restated through the crosswalk.",
        ),
    ] = False,
) -> None:
    """The Decision 766 service index of a unit for a period (marts.service_index)."""
    from dti.service_index import fetch_index, format_index
    from dti.warehouse import warehouse_url

    settings = _settings()
    try:
        lines = fetch_index(
            warehouse_url(settings),
            period,
            unit_type,
            unit or settings.province_code,
            todays_units=todays_units,
        )
    except (ValueError, LookupError) as err:
        _fail(str(err))
        return
    code = unit or settings.province_code
    where = ", on today's units" if todays_units else ""
    typer.echo(f"Decision 766 service index, {unit_type} {code}, {period}{where}")
    typer.echo(format_index(lines))


@app.command()
def close(
    period: Annotated[str, typer.Option(help="The period to publish: 2022-Q2, 2022-05, ...")],
) -> None:
    """Close (publish) a period: snapshot its indicator_values and service_index rows; later
    builds that change them record revisions beside the published figures."""
    from dti.periods import close_period
    from dti.warehouse import warehouse_url

    try:
        closure = close_period(warehouse_url(_settings()), period)
    except (ValueError, LookupError) as err:
        _fail(str(err))
        return
    typer.echo(
        f"closed {closure.period} at {closure.closed_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}: "
        f"{closure.indicator_rows} indicator rows, {closure.service_index_rows} service-index "
        "rows published"
    )


@app.command()
def reopen(
    period: Annotated[str, typer.Option(help="The closed period to reopen: 2022-Q2, ...")],
) -> None:
    """Reopen a closed period: its published snapshot is kept, revisions stop being recorded;
    `dti close` publishes it again."""
    from dti.periods import reopen_period
    from dti.warehouse import warehouse_url

    try:
        closure = reopen_period(warehouse_url(_settings()), period)
    except (ValueError, LookupError) as err:
        _fail(str(err))
        return
    closed_at = closure.closed_at.astimezone(LOCAL_TZ)
    typer.echo(f"reopened {closure.period} (closed {closed_at:%Y-%m-%d %H:%M})")


@app.command()
def report(
    period: Annotated[str, typer.Option(help="2022-Q2, 2022-H1 or 2022.")],
    lang: Annotated[str, typer.Option(help="vi (default) or en labels.")] = "vi",
    out: Annotated[
        Path | None,
        typer.Option(help="The HTML file (default DATA_DIR/reports/report-<period>-<lang>.html)."),
    ] = None,
    todays_units: Annotated[
        bool,
        typer.Option(
            "--todays-units",
            help="Draw the period on today's administrative units (restated through the "
            "crosswalk; communes ranked, the province as it is named today).",
        ),
    ] = False,
) -> None:
    """Write the period's report: one self-contained HTML file (summary against targets and the
    previous period, charts, data quality, definitions), and a PDF beside it when WeasyPrint is
    installed."""
    from dti.report import generate

    try:
        files = generate(_settings(), period, lang=lang, out=out, todays_units=todays_units)
    except (ValueError, LookupError) as err:
        _fail(str(err))
        return
    typer.echo(f"report {period} ({lang}): {files.html}")
    if files.pdf:
        typer.echo(f"PDF: {files.pdf}")
    else:
        _say(f"  no PDF: {files.pdf_skipped}")


def _show_closures(dsn: str) -> None:
    """Closed periods and the revisions of their published figures (for `dti status`)."""
    from dti.periods import closures, revisions

    closed = [c for c in closures(dsn) if c.reopened_at is None]
    if not closed:
        return
    typer.echo(
        "closed periods: "
        + ", ".join(f"{c.period} ({c.closed_at.astimezone(LOCAL_TZ):%Y-%m-%d})" for c in closed)
    )
    revised = revisions(dsn, limit=20)
    if not revised:
        typer.echo("revisions: none (published figures unchanged)")
        return
    typer.echo("revisions of published figures (latest per figure, newest first, max 20):")
    for r in revised:
        typer.echo(
            f"  {r.period:8} {r.figure}:{r.code} {r.unit_level} {r.unit_code} "
            f"{r.period_type} {r.period_start}: published {r.published_value} "
            f"({r.published_numerator}/{r.published_denominator}) -> now {r.revised_value} "
            f"({r.revised_numerator}/{r.revised_denominator})"
        )


@warehouse_app.command("url")
def warehouse_url_cmd(
    role: Annotated[
        str, typer.Option(help="admin (loads, dbt) or analyst (read-only marts).")
    ] = "admin",
    masked: Annotated[
        bool, typer.Option(help="Show the password as *** (to paste in a log).")
    ] = False,
) -> None:
    """Print the warehouse's libpq URL (for psql, BI tools, dbt): the one command that hands the
    password out on purpose; everything else prints URLs masked (dti.warehouse.masked_url)."""
    from dti.warehouse import masked_url, warehouse_url

    try:
        url = warehouse_url(_settings(), role=role)
        typer.echo(masked_url(url) if masked else url)
    except ValueError as err:
        _fail(str(err))


@app.command("sql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def sql_cmd(ctx: typer.Context) -> None:
    """psql on the warehouse as the read-only analyst (marts and reference only); psql's own
    arguments pass through, e.g. `dti sql -c "select * from marts.dim_date limit 3"`."""
    from dti.docs_site import psql_command

    argv, env = psql_command(_settings(), role="analyst")
    if not Path(argv[0]).exists():
        _fail(f"psql is not at {argv[0]}: reinstall the environment (`make setup`)")
    sys.stdout.flush()
    os.execve(argv[0], [*argv, *ctx.args], env)


@app.command("docs")
def docs_cmd(
    port: Annotated[int, typer.Option(help="Port of the docs site on 127.0.0.1.")] = 8580,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the site after generating it.")
    ] = True,
    diagram: Annotated[
        bool,
        typer.Option(
            "--diagram",
            help="Only rewrite the star-schema diagram of docs/analyst-guide.md from the models.",
        ),
    ] = False,
) -> None:
    """Generate the dbt docs site (every mart and column, lineage graph) and serve it."""
    settings = _settings()
    if diagram:
        from dti.erd import update_guide

        changed = update_guide(settings.home)
        _say("docs/analyst-guide.md: diagram " + ("updated" if changed else "already current"))
        return
    from dti.docs_site import generate_docs, serve_docs
    from dti.warehouse import EmbeddedWarehouse

    if settings.embedded_warehouse and not EmbeddedWarehouse(settings).is_running():
        _fail("the embedded warehouse is not running (dbt docs read its catalog): `dti up`")
    try:
        target = generate_docs(settings)
    except RuntimeError as err:
        _fail(str(err))
        return
    _say(f"dbt docs generated in {target}")
    if serve:
        _say(f"serving http://127.0.0.1:{port} (Ctrl-C to stop)")
        serve_docs(settings, port)


@app.command("validation-docs")
def validation_docs_cmd(
    port: Annotated[int, typer.Option(help="Port of the Data Docs on 127.0.0.1.")] = 8581,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the site after building it.")
    ] = True,
    last: Annotated[
        int, typer.Option(help="Render the latest N validation results (0: every one kept).")
    ] = 500,
) -> None:
    """Build Great Expectations' Data Docs from the kept validation results (every batch's,
    quarantined ones with their failing rows) and serve them."""
    from dti.validate import build_data_docs

    settings = _settings()
    results = settings.data_dir / "gx" / "validations"
    if not any(results.glob("*/*/*.json")):
        _fail(f"no validation results under {results}: load a night first (`dti run`)")
    _say(f"building GX Data Docs from {'every' if not last else f'the latest {last}'} results")
    index = build_data_docs(settings, limit=last or None)
    _say(f"GX Data Docs written to {index}")
    from dti.gx_assets import localise

    try:
        if left := localise(index.parent):
            _say(f"warning: the pages still load {len(left)} files from the internet")
    except FileNotFoundError as err:  # served as GX wrote them: styled only with the internet
        _say(f"warning: {err}")
    if serve:
        import functools
        import http.server

        handler = functools.partial(
            http.server.SimpleHTTPRequestHandler, directory=str(index.parent)
        )
        with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
            _say(f"serving http://127.0.0.1:{port}/index.html (Ctrl-C to stop)")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass


@warehouse_app.command("env")
def warehouse_env_cmd() -> None:
    """Print the DTI_PG_* variables dbt's profile reads: `eval "$(dti warehouse env)"`."""
    from dti.warehouse import dbt_env

    for key, value in dbt_env(_settings()).items():
        typer.echo(f"export {key}={value!r}")


@simulator_app.command("serve")
def simulator_serve(
    port: Annotated[
        int | None, typer.Option(help="Port on 127.0.0.1 (default DTI_SIMULATOR_PORT).")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    scale: Annotated[
        float, typer.Option(help="Volume multiplier (figures exact only at 1).")
    ] = 1.0,
) -> None:
    """Run the source simulator in the foreground (`dti up` runs it in the background)."""
    from dti.simulator.server import serve

    settings = _settings()
    serve(
        host=host or settings.simulator_host,
        port=port or settings.simulator_port,
        token=settings.portal_token,
        scale=scale,
        cache_dir=settings.local_dir / "simulator-cache",
        inbox_dir=settings.inbox,
    )


@simulator_app.command("deliver")
def simulator_deliver(
    from_: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Last day (inclusive).")],
) -> None:
    """Have the running simulator drop the file sources' files of a range into the inbox
    (`dti run` does this itself in the embedded mode)."""
    settings = _settings()
    _ensure_up(settings)
    _deliver_simulated_files(settings, _day(from_, "--from"), _day(to, "--to"))


@app.command("airflow", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def airflow_cmd(ctx: typer.Context) -> None:
    """Run Airflow's own CLI with this project's settings, e.g. `dti airflow dags list`."""
    from dti.airflow_runner import configure, ensure_metadata_db

    settings = _settings()
    ensure_metadata_db(settings)
    configure(settings)
    airflow_bin = Path(sys.executable).with_name("airflow")
    # `airflow standalone` starts its components as `airflow ...` found on PATH
    os.environ["PATH"] = f"{airflow_bin.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.execv(str(airflow_bin), [str(airflow_bin), *ctx.args])


cluster_app = typer.Typer(
    help="The distributed mode on this machine: Redis, Airflow's components and Celery workers "
    "as processes, from docker-compose.yml's settings (docs/deployment.md).",
    no_args_is_help=True,
)
app.add_typer(cluster_app, name="cluster")


@cluster_app.command("up")
def cluster_up(
    workers: Annotated[int, typer.Option(help="Celery workers to start.")] = 2,
) -> None:
    """Start the embedded warehouse and simulator, Redis, Airflow (PostgreSQL metadata) and the
    workers; idempotent."""
    from dti.cluster import Cluster, ClusterError

    started = time.monotonic()
    try:
        for line in Cluster(_settings(), workers=workers).up():
            _say(f"  {line}")
    except ClusterError as err:
        _fail(str(err))
    _say(f"cluster up in {time.monotonic() - started:.1f}s (logs: .local/cluster/logs/)")


@cluster_app.command("down")
def cluster_down() -> None:
    """Stop the cluster's processes (the embedded warehouse and simulator stay: `dti down`)."""
    from dti.cluster import Cluster

    for line in Cluster(_settings()).down():
        _say(f"  {line}")


@cluster_app.command("status")
def cluster_status() -> None:
    """Each process of the cluster, running or stopped."""
    from dti.cluster import Cluster

    for name, state in Cluster(_settings()).status():
        typer.echo(f"{name:24} {state}")


if __name__ == "__main__":
    app()
