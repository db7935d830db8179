"""Validate: run an entity's Great Expectations suite on a landed batch.

Suites are JSON in GX's own format under ``expectations/<source>__<entity>.json``. Their
``meta.dti.derived_columns`` lists columns computed here before validation (from values inside the
JSON lists, e.g. the smallest fee amount), and ``meta.dti.parameters`` the run-time parameters the
suite needs (the source's reported total, the interval, the known procedure codes...).

One :class:`BatchValidator` holds one ephemeral GX context with every suite built once, so a range
load validates its daily batches without paying GX's set-up each time. A failing batch is moved to
``DATA_DIR/quarantine/<source>/<entity>/<interval>/`` with its validation result and a
``reason.txt``, and :class:`ValidationFailed` names the failed expectations with sample rows.
Every result is also kept under ``DATA_DIR/gx/validations/`` for :func:`build_data_docs`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dti.land import latest_landed, verify_checksum
from dti.records import LandedBatch, ValidationOutcome, to_local
from dti.sources import get_entity

if TYPE_CHECKING:
    from dti.config import Settings

log = logging.getLogger(__name__)

SAMPLE_ROWS = 3
RESULT_NAME = "validation_result.json"
REASON_NAME = "reason.txt"


class ValidationFailed(Exception):
    """A batch failed its suite; it is in quarantine. ``outcome`` holds the details."""

    def __init__(self, message: str, outcome: ValidationOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


# --- suites -------------------------------------------------------------------------------------


def suites_dir(settings: Settings) -> Path:
    return settings.home / "expectations"


def read_suite(directory: Path, name: str) -> dict[str, Any]:
    path = Path(directory) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"no Great Expectations suite {path}: every source entity needs one "
            f"(expectations/<source>__<entity>.json)"
        )
    return json.loads(path.read_text())


def suite_parameters(suite: dict[str, Any]) -> list[str]:
    return list(suite.get("meta", {}).get("dti", {}).get("parameters", []))


# --- derived columns ----------------------------------------------------------------------------


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return -math.inf
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return -math.inf  # not a number: fails a ">= 0" check instead of slipping through


class _Lists:
    """Each JSON list column parsed once per batch, shared by the derivations that read it."""

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df
        self._parsed: dict[str, list[Any]] = {}

    def __call__(self, column: str) -> list[Any]:
        """Per row: the parsed value, None for null, or :data:`_NOT_JSON`."""
        if column not in self._parsed:
            self._parsed[column] = [_parse(t) for t in self._df[column].tolist()]
        return self._parsed[column]


_NOT_JSON = object()


def _parse(text: Any) -> Any:
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return None
    if text == "[]":
        return []
    try:
        # orjson: about three times json's speed, and as strict as PostgreSQL's jsonb (no NaN)
        return orjson.loads(text)
    except (TypeError, ValueError):
        return _NOT_JSON


def _items(value: Any) -> list[dict[str, Any]]:
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def _op_to_number(df: pd.DataFrame, spec: dict[str, Any], lists: _Lists) -> pd.Series:
    return pd.to_numeric(df[spec["source"]], errors="coerce").astype("float64")


def _op_json_list_errors(df: pd.DataFrame, spec: dict[str, Any], lists: _Lists) -> pd.Series:
    # Landing writes list fields with json.dumps, so the text is JSON by construction; what can
    # still be wrong is the shape (an object or a scalar where the contract says a list).
    out = pd.Series([None] * len(df), index=df.index, dtype=object)
    for name in spec["sources"]:
        text = df[name]
        bad = text.notna() & ~text.fillna("[").str.lstrip().str.startswith("[")
        for i in bad[bad].index:
            parsed = lists(name)[df.index.get_loc(i)]
            problem = f"{name}: {'not JSON' if parsed is _NOT_JSON else 'not a list'}"
            out[i] = problem if out[i] is None else f"{out[i]}; {problem}"
    return out


def _op_list_min(df: pd.DataFrame, spec: dict[str, Any], lists: _Lists) -> pd.Series:
    key = spec["key"]

    def smallest(value: Any) -> float | None:
        values = [_number(i.get(key)) for i in _items(value)]
        return min(values) if values else None

    return pd.Series([smallest(v) for v in lists(spec["source"])], index=df.index, dtype="float64")


def _op_list_values_not_in(df: pd.DataFrame, spec: dict[str, Any], lists: _Lists) -> pd.Series:
    keys, allowed = spec["keys"], set(spec["allowed"])

    def offending(value: Any) -> str | None:
        items = _items(value)
        if not items:
            return None
        bad = sorted({f"{k}={i.get(k)!r}" for i in items for k in keys if i.get(k) not in allowed})
        return ", ".join(bad) or None

    return pd.Series([offending(v) for v in lists(spec["source"])], index=df.index, dtype=object)


def not_a_timestamp(text: pd.Series, fmt: str) -> pd.Series:
    """Per value: True where it is no timestamp of `fmt`, as
    ``pd.to_datetime(text, format=fmt, errors="coerce").isna()`` says, faster for the sources'
    ``%Y%m%d%H%M%S``: Arrow's strptime parses every value, and pandas only rechecks the ones
    whose day is 29 or later, whose year is 0000 or that are not 14 digits (Arrow does not check
    the day against the month, takes year 0 and reads " 7" as an hour)."""
    if fmt != "%Y%m%d%H%M%S":
        return pd.to_datetime(text, format=fmt, errors="coerce").isna()
    try:
        values = pa.array(text.tolist(), pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all strings: pandas decides
        return pd.to_datetime(text, format=fmt, errors="coerce").isna()
    parsed = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
    late_day = pc.greater_equal(pc.utf8_slice_codeunits(values, 6, 8), "29")
    year_zero = pc.equal(pc.utf8_slice_codeunits(values, 0, 4), "0000")
    odd_shape = pc.invert(pc.match_substring_regex(values, r"^\d{14}$"))  # " 7" as an hour...
    doubtful = pc.or_(pc.or_(late_day, year_zero), odd_shape)
    suspect = pc.fill_null(pc.and_(pc.is_valid(parsed), doubtful), False)
    bad = pc.is_null(parsed).to_numpy(zero_copy_only=False).copy()
    recheck = np.flatnonzero(suspect.to_numpy(zero_copy_only=False))
    if len(recheck):
        again = pd.to_datetime(text.iloc[recheck], format=fmt, errors="coerce")
        bad[recheck] = again.isna().to_numpy()
    return pd.Series(bad, index=text.index)


def _op_impossible_timestamps(df: pd.DataFrame, spec: dict[str, Any], lists: _Lists) -> pd.Series:
    # The format regex accepts 20220230...: a calendar check names the fields that are no date.
    out = pd.Series([None] * len(df), index=df.index, dtype=object)
    for name in spec["sources"]:
        text = df[name]
        # values not even shaped like a timestamp are the format expectation's to report
        shaped = text.fillna("").str.fullmatch(spec.get("pattern", r"\d{14}"))
        bad = shaped & not_a_timestamp(text, spec.get("format", "%Y%m%d%H%M%S"))
        for i in bad[bad].index:
            problem = f"{name}={text[i]!r}"
            out[i] = problem if out[i] is None else f"{out[i]}; {problem}"
    return out


def _op_unknown_communes(df: pd.DataFrame, spec: dict[str, Any], lists: _Lists) -> pd.Series:
    # A commune code (5 digits, GSO) that no commune of the country has; empty is allowed.
    from dti.reference import national_commune_codes

    text = df[spec["source"]]
    known = national_commune_codes()
    bad = text.notna() & (text != "") & ~text.isin(known)
    return pd.Series(
        [v if b else None for v, b in zip(text, bad, strict=True)], index=df.index, dtype=object
    )


DERIVATIONS: dict[str, Callable[[pd.DataFrame, dict[str, Any], _Lists], pd.Series]] = {
    "to_number": _op_to_number,
    "json_list_errors": _op_json_list_errors,
    "list_min": _op_list_min,
    "list_values_not_in": _op_list_values_not_in,
    "impossible_timestamps": _op_impossible_timestamps,
    "unknown_communes": _op_unknown_communes,
}


def add_derived_columns(df: pd.DataFrame, suite: dict[str, Any]) -> pd.DataFrame:
    specs = suite.get("meta", {}).get("dti", {}).get("derived_columns", [])
    lists = _Lists(df)
    for spec in specs:
        needed = spec.get("sources") or [spec["source"]]
        if any(c not in df.columns for c in needed):
            # The schema expectation reports the missing source column; keep the frame shaped.
            df[spec["column"]] = None
            continue
        try:
            op = DERIVATIONS[spec["op"]]
        except KeyError:
            raise ValueError(
                f"suite {suite['name']}: unknown derived-column op {spec['op']!r}; "
                f"known: {sorted(DERIVATIONS)}"
            ) from None
        df[spec["column"]] = op(df, spec, lists)
    return df


# --- messages -----------------------------------------------------------------------------------


def _short(value: Any, limit: int = 80) -> str:
    if isinstance(value, list | tuple | set) and len(value) > 6:
        head = ", ".join(repr(v) for v in list(value)[:5])
        return f"[{head}, … ({len(value)} values)]"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def expectation_label(config: dict[str, Any]) -> str:
    """``expect_column_values_to_be_in_set(KenhThucHien)``: how messages name an expectation."""
    kw = config.get("kwargs", {})
    if "column" in kw:
        target = kw["column"]
    elif "column_A" in kw:
        target = f"{kw['column_A']}, {kw['column_B']}"
    elif "column_list" in kw and config["type"] != "expect_table_columns_to_match_ordered_list":
        target = "+".join(kw["column_list"])
    else:
        target = ""
    return f"{config['type']}({target})"


def _describe_failure(result: dict[str, Any]) -> str:
    config = result["expectation_config"]
    kw = {
        k: v
        for k, v in config.get("kwargs", {}).items()
        if k not in ("batch_id", "column", "column_A", "column_B")
    }
    args = ", ".join(f"{k}={_short(v)}" for k, v in kw.items())
    line = f"- {expectation_label(config)}"
    if args:
        line += f" [{args}]"
    exc = result.get("exception_info") or {}
    raised = [v for v in exc.values() if isinstance(v, dict) and v.get("raised_exception")]
    if exc.get("raised_exception") or raised:
        info = exc if exc.get("raised_exception") else raised[0]
        message = (info.get("exception_message") or "").strip().splitlines()
        line += f": raised {message[-1] if message else 'an exception'}"
        return line
    detail = result.get("result") or {}
    if "unexpected_count" in detail:
        line += f": {detail['unexpected_count']} of {detail.get('element_count')} rows unexpected"
        samples = detail.get("partial_unexpected_index_list") or detail.get(
            "partial_unexpected_list", []
        )
        for sample in samples[:SAMPLE_ROWS]:
            line += f"\n    e.g. {json.dumps(sample, ensure_ascii=False, default=str)}"
    elif config["type"] == "expect_table_columns_to_match_ordered_list" and isinstance(
        detail.get("observed_value"), list
    ):
        expected = list(config.get("kwargs", {}).get("column_list") or [])
        observed = detail["observed_value"]
        missing = [c for c in expected if c not in observed]
        extra = [c for c in observed if c not in expected]
        line = f"- {expectation_label(config)}: missing {missing}, unexpected {extra}"
        if not missing and not extra:
            line += " (same columns, different order)"
    elif "observed_value" in detail:
        line += f": observed {_short(detail['observed_value'], 300)}"
        if "details" in detail and isinstance(detail["details"], dict):
            mismatch = detail["details"].get("mismatched")
            if mismatch:
                line += f" (mismatched: {_short(mismatch, 300)})"
    return line


# --- the validator ------------------------------------------------------------------------------


class BatchValidator:
    """One ephemeral GX context with the suites built once; validates many batches."""

    def __init__(self, data_dir: Path, suites_directory: Path) -> None:
        self.data_dir = Path(data_dir)
        self.suites_directory = Path(suites_directory)
        self._context: Any = None
        self._definitions: dict[str, tuple[Any, dict[str, Any]]] = {}

    @classmethod
    def for_settings(cls, settings: Settings) -> BatchValidator:
        return cls(settings.data_dir, suites_dir(settings))

    def _definition(self, suite_name: str) -> tuple[Any, dict[str, Any]]:
        if suite_name in self._definitions:
            return self._definitions[suite_name]
        import great_expectations as gx  # slow to import: only when a batch is validated

        if self._context is None:
            from great_expectations.data_context.types.base import ProgressBarsConfig

            self._context = gx.get_context(mode="ephemeral")
            self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
            # GX logs a few INFO lines per expectation and run; they would bury the task log.
            logging.getLogger("great_expectations").setLevel(logging.WARNING)
            self._datasource = self._context.data_sources.add_pandas("dti_landing")
        spec = read_suite(self.suites_directory, suite_name)
        suite = self._context.suites.add(
            gx.ExpectationSuite(
                name=spec["name"],
                expectations=spec["expectations"],
                meta=spec.get("meta"),
                notes=spec.get("notes"),
            )
        )
        asset = self._datasource.add_dataframe_asset(suite_name)
        batch_definition = asset.add_batch_definition_whole_dataframe(f"{suite_name}__batch")
        definition = self._context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        self._definitions[suite_name] = (definition, spec)
        return definition, spec

    def validate(
        self,
        batch: LandedBatch | dict[str, Any] | str | Path,
        *,
        parameters: dict[str, Any] | None = None,
        quarantine: bool = True,
    ) -> ValidationOutcome:
        """Validate one landed batch; on failure quarantine it and raise ValidationFailed.

        ``parameters`` supplies the suite's run-time parameters beyond the ones read from the batch
        (``source_total``, ``interval_start_number``, ``interval_end_number``), e.g.
        ``known_procedure_codes`` or ``province_codes``.
        """
        if isinstance(batch, LandedBatch | dict) and not LandedBatch.coerce(batch).folder.is_dir():
            self._raise_if_quarantined(LandedBatch.coerce(batch))
        batch = LandedBatch.coerce(batch)
        entity = get_entity(batch.source, batch.entity)
        t0 = time.perf_counter()
        verify_checksum(batch)
        definition, spec = self._definition(entity.suite_name)
        interval = batch.interval_obj
        params: dict[str, Any] = {
            "source_total": batch.source_total,
            "interval_start_number": float(interval.start.strftime(entity.timestamp_format)),
            "interval_end_number": float(interval.end.strftime(entity.timestamp_format)),
            **(parameters or {}),
        }
        missing = [p for p in suite_parameters(spec) if params.get(p) is None]
        if missing:
            raise ValueError(
                f"{batch.label}: suite {entity.suite_name} needs parameters {missing}; "
                "for known_procedure_codes land the procedure catalogue (portal/procedures) first"
            )
        params = {k: sorted(v) if isinstance(v, set | frozenset) else v for k, v in params.items()}
        df, new_fields = contract_frame(batch, entity)
        df = add_derived_columns(df, spec)
        # Pass/fail only first (much cheaper); the details are computed only for a failure.
        result = definition.run(
            batch_parameters={"dataframe": df},
            expectation_parameters=params,
            result_format="BOOLEAN_ONLY",
        )
        if not result.success:
            result = definition.run(
                batch_parameters={"dataframe": df},
                expectation_parameters=params,
                result_format={
                    "result_format": "SUMMARY",
                    "partial_unexpected_count": SAMPLE_ROWS,
                    "unexpected_index_column_names": [c for c in entity.record_key if c in df],
                    "return_unexpected_index_query": False,
                },
            )
        doc = result.to_json_dict()
        doc["meta"]["dti_batch"] = batch.to_dict()
        failed = [
            expectation_label(r["expectation_config"]) for r in doc["results"] if not r["success"]
        ]
        result_path = self._store_result(batch, entity.suite_name, doc)
        outcome = ValidationOutcome(
            batch_id=batch.batch_id,
            suite=entity.suite_name,
            success=bool(result.success),
            evaluated=len(doc["results"]),
            failed=failed,
            result_path=str(result_path),
            duration_ms=int((time.perf_counter() - t0) * 1000),
            new_fields=new_fields,
        )
        if outcome.success:
            log.info(
                "%s: suite %s passed (%d expectations, %d rows, %d ms)",
                batch.label,
                entity.suite_name,
                outcome.evaluated,
                len(df),
                outcome.duration_ms,
            )
            return outcome
        failures = [_describe_failure(r) for r in doc["results"] if not r["success"]]
        message = (
            f"{batch.label}: {len(failed)} of {outcome.evaluated} expectations of suite "
            f"{entity.suite_name} failed on {len(df)} rows (batch {batch.batch_id}):\n"
            + "\n".join(failures)
        )
        if quarantine:
            folder = quarantine_batch(self.data_dir, batch, doc, message)
            outcome = ValidationOutcome(**{**outcome.to_dict(), "quarantine_path": str(folder)})
            message += (
                f"\nThe batch is quarantined in {folder} (validation_result.json, reason.txt) "
                "and was not loaded. Fix the data at the source (or the suite, if the data is "
                "right), then run the interval again."
            )
        log.error("%s", message)
        raise ValidationFailed(message, outcome)

    def validate_many(
        self,
        batches: Iterable[LandedBatch | dict[str, Any] | str | Path],
        *,
        parameters: dict[str, Any] | None = None,
    ) -> tuple[dict[str, ValidationOutcome], dict[str, ValidationFailed]]:
        """Validate many batches of one entity (a range's days) in one GX run.

        GX costs most per run, not per row, so a month of daily batches is checked as one frame.
        A batch whose own checks cannot be seen in the combined frame (row count against its
        source total, version times inside its own interval) is checked alone first. When the
        combined run fails, every batch is validated alone, so that exactly the bad ones are
        quarantined with their own result. Returns (passed outcomes by batch id, failures by
        batch label); nothing is raised for a failing batch.
        """
        from dti.sources import get_entity

        batches = [LandedBatch.coerce(b) for b in batches]
        passed: dict[str, ValidationOutcome] = {}
        failed: dict[str, ValidationFailed] = {}

        def alone(batch: LandedBatch) -> None:
            try:
                passed[batch.batch_id] = self.validate(batch, parameters=parameters)
            except ValidationFailed as err:
                failed[batch.label] = err

        if not batches:
            return passed, failed
        entity = get_entity(batches[0].source, batches[0].entity)
        if any((b.source, b.entity) != (entity.source, entity.name) for b in batches):
            raise ValueError("validate_many takes batches of one source entity")
        t0 = time.perf_counter()
        definition, spec = self._definition(entity.suite_name)
        frames: list[pd.DataFrame] = []
        together: list[LandedBatch] = []
        new_by_batch: dict[str, list[str]] = {}
        for batch in batches:
            verify_checksum(batch)
            df, new_by_batch[batch.batch_id] = contract_frame(batch, entity)
            if len(df) != batch.source_total or not self._inside_interval(df, batch, entity):
                alone(batch)
                continue
            frames.append(df)
            together.append(batch)
        if not together:
            return passed, failed
        if len(together) == 1:
            alone(together[0])
            return passed, failed
        df = add_derived_columns(pd.concat(frames, ignore_index=True), spec)
        first, last = together[0].interval_obj, together[-1].interval_obj
        params: dict[str, Any] = {
            "source_total": sum(b.source_total for b in together),
            "interval_start_number": float(
                min(b.interval_obj.start for b in together).strftime(entity.timestamp_format)
            ),
            "interval_end_number": float(
                max(b.interval_obj.end for b in together).strftime(entity.timestamp_format)
            ),
            **(parameters or {}),
        }
        params = {k: sorted(v) if isinstance(v, set | frozenset) else v for k, v in params.items()}
        result = definition.run(
            batch_parameters={"dataframe": df},
            expectation_parameters=params,
            result_format="BOOLEAN_ONLY",
        )
        if not result.success:
            log.warning(
                "%s/%s %s..%s: the combined run failed; validating each day alone",
                entity.source,
                entity.name,
                first.name,
                last.name,
            )
            for batch in together:
                alone(batch)
            return passed, failed
        doc = result.to_json_dict()
        doc["meta"]["dti_batches"] = [b.to_dict() for b in together]
        span = f"{first.name}..{last.name}"
        folder = self.data_dir / "gx" / "validations" / entity.suite_name / span
        folder.mkdir(parents=True, exist_ok=True)
        result_path = folder / f"{uuid.uuid4().hex[:12]}.json"
        result_path.write_text(json.dumps(doc, ensure_ascii=False, default=str))
        ms = int((time.perf_counter() - t0) * 1000)
        for batch in together:
            passed[batch.batch_id] = ValidationOutcome(
                batch_id=batch.batch_id,
                suite=entity.suite_name,
                success=True,
                evaluated=len(doc["results"]),
                failed=[],
                result_path=str(result_path),
                duration_ms=ms // len(together),
                new_fields=new_by_batch.get(batch.batch_id, []),
            )
        log.info(
            "%s/%s %s: suite %s passed on %d batches together (%d rows, %d ms)",
            entity.source,
            entity.name,
            span,
            entity.suite_name,
            len(together),
            len(df),
            ms,
        )
        return passed, failed

    @staticmethod
    def _inside_interval(df: pd.DataFrame, batch: LandedBatch, entity: Any) -> bool:
        """Every version time of the batch falls inside the batch's own interval."""
        field = entity.version_field
        if entity.interval_params is None or field is None or field not in df:
            return True
        fmt = entity.timestamp_format
        lo = batch.interval_obj.start.strftime(fmt)
        hi = batch.interval_obj.end.strftime(fmt)
        values = df[field].astype("string")
        ok = (values >= lo) & (values < hi)  # malformed times fail the combined run's regex
        return bool(ok.fillna(False).all())

    def _raise_if_quarantined(self, batch: LandedBatch) -> None:
        folder = self.data_dir / "quarantine" / batch.source / batch.entity / batch.interval
        if (folder / REASON_NAME).is_file():
            reason = (folder / REASON_NAME).read_text().strip()
            raise FileNotFoundError(
                f"{batch.label}: the batch is no longer in the landing zone, it was quarantined "
                f"in {folder}; land the interval again once the cause is fixed.\n{reason}"
            )
        raise FileNotFoundError(
            f"{batch.label}: {batch.folder} does not exist; land the interval again"
        )

    def _store_result(self, batch: LandedBatch, suite: str, doc: dict[str, Any]) -> Path:
        folder = self.data_dir / "gx" / "validations" / suite / batch.interval
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{batch.batch_id}.json"
        tmp = path.with_suffix(f".{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, default=str))
        os.replace(tmp, path)
        return path


def quarantine_batch(
    data_dir: Path, batch: LandedBatch, result: dict[str, Any], reason: str
) -> Path:
    """Move a batch folder from landing to quarantine, with its result and reason."""
    final = Path(data_dir) / "quarantine" / batch.source / batch.entity / batch.interval
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        shutil.rmtree(final)
    shutil.move(batch.folder, final)
    (final / RESULT_NAME).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    (final / REASON_NAME).write_text(f"quarantined at {datetime.now(UTC).isoformat()}\n{reason}\n")
    return final


@lru_cache(maxsize=4)
def _validator(data_dir: Path, suites_directory: Path) -> BatchValidator:
    # One per process: the DAG and range tasks validate many batches and should build GX once.
    return BatchValidator(data_dir, suites_directory)


def contract_frame(batch: LandedBatch, entity) -> tuple[pd.DataFrame, list[str]]:
    """The batch's contract columns as a frame, and the new fields the source added.

    A field the contract does not know stays in the landing zone and is reported (a warning, and
    ``new_fields`` in the outcome that ops.load_audit keeps); the suite and the load see the
    contract's columns, so the day still loads. A missing or renamed field is not hidden: the
    suite's column-list expectation names it (and the new names beside it) and the batch is
    quarantined."""
    table = pq.read_table(batch.parquet_path)
    new = [c for c in table.column_names if c not in entity.field_names]
    if new and all(f in table.column_names for f in entity.field_names):
        log.warning(
            "%s: new fields %s landed (kept in %s, not loaded): add them to the contract of "
            "%s in dti.sources to load them",
            batch.label,
            new,
            batch.parquet_path,
            entity.qualified_name,
        )
        table = table.select([c for c in table.column_names if c in entity.field_names])
    return table.to_pandas(), new


def validate_batch(
    settings: Settings,
    batch: LandedBatch | dict[str, Any] | str,
    known_procedure_codes: Iterable[str] | None = None,
    *,
    parameters: dict[str, Any] | None = None,
) -> ValidationOutcome:
    """Validate a landed batch with its entity's suite (GX context reused within the process).

    ``known_procedure_codes`` is needed by suites that check procedure codes (portal dossiers);
    see :func:`reference_parameters` to read them from the latest landed catalogue. Raises
    :class:`ValidationFailed` (after quarantining the batch) when an expectation fails.
    """
    batch = LandedBatch.coerce(batch)
    params = {"province_codes": province_codes(settings, batch.source), **(parameters or {})}
    if known_procedure_codes is not None:
        params["known_procedure_codes"] = sorted(set(known_procedure_codes))
    validator = _validator(settings.data_dir, suites_dir(settings))
    return validator.validate(batch, parameters=params)


def validate_batches(
    settings: Settings, batches: Iterable[LandedBatch | dict[str, Any] | str]
) -> tuple[dict[str, ValidationOutcome], dict[str, ValidationFailed]]:
    """Validate a range's batches of one entity together (see BatchValidator.validate_many).

    Returns (outcomes of the passing batches by batch id, ValidationFailed by batch label); the
    failing batches are already quarantined.
    """
    batches = [LandedBatch.coerce(b) for b in batches]
    if not batches:
        return {}, {}
    params = {
        "province_codes": province_codes(settings, batches[0].source),
        # one catalogue for all: the one of the last batch's time holds the earlier ones' codes
        **reference_parameters(
            settings,
            batches[0].source,
            batches[0].entity,
            max(b.interval_obj.start for b in batches),
        ),
    }
    validator = _validator(settings.data_dir, suites_dir(settings))
    return validator.validate_many(batches, parameters=params)


def province_codes(settings: Settings, source: str) -> list[str]:
    """The province codes a source's records may carry: the configured province's, or a source
    instance's own (the former Bắc Ninh's portal sends 27: its ``province:`` in the sources
    file)."""
    from dti.sources import get_source

    return [get_source(source).province or settings.province_code]


def reference_parameters(
    settings: Settings, source: str, entity: str, as_of: datetime | None = None
) -> dict[str, Any]:
    """Run-time sets an entity's suite checks against, read from the landed snapshots.

    E.g. ``known_procedure_codes`` for portal dossiers, from the latest landed procedures batch,
    or for a batch starting ``as_of`` the catalogue of its time (:func:`dti.land.pick_snapshot`):
    a backfilled day of 2025 is checked against what the system listed then, not today.
    """
    out: dict[str, Any] = {}
    for name, (ref_entity, column) in get_entity(source, entity).reference_sets.items():
        ref = latest_landed(settings.data_dir, source, ref_entity, as_of)
        if ref is None:
            raise FileNotFoundError(
                f"{source}/{entity}: validating it needs {name} from a landed {source}/"
                f"{ref_entity} snapshot, and none is in {settings.data_dir / 'landing'}: land "
                f"{source}/{ref_entity} first"
            )
        values = pq.read_table(ref.parquet_path, columns=[column]).column(column).to_pylist()
        out[name] = sorted({v for v in values if v is not None})
        log.debug("%s: %d values from %s", name, len(out[name]), ref.label)
    return out


def build_data_docs(settings: Settings, *, limit: int | None = None) -> Path:
    """Build GX Data Docs (HTML) from the stored validation results; returns the index page.

    Uses a file-backed GX project under ``DATA_DIR/gx/project`` that only the docs use; the
    pipeline itself never needs it.
    """
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    root = settings.data_dir / "gx"
    context = gx.get_context(mode="file", project_root_dir=root / "project")
    for path in sorted(suites_dir(settings).glob("*.json")):
        spec = json.loads(path.read_text())
        suite = gx.ExpectationSuite(
            name=spec["name"],
            expectations=spec["expectations"],
            meta=spec.get("meta"),
            notes=spec.get("notes"),
        )
        context.suites.add_or_update(suite)
    store = context.validation_results_store
    # oldest first (``limit`` keeps the latest): validations/<suite>/<interval>/<batch>.json
    results = sorted((root / "validations").glob("*/*/*.json"), key=lambda p: p.stat().st_mtime)
    if limit is not None:
        results = results[-limit:]
    for path in results:
        doc = json.loads(path.read_text())
        for item in doc.get("results", []):
            # Passing batches are validated pass/fail only (cheaper); the renderers expect
            # an observed value, so say what is known.
            if not item.get("result"):
                item["result"] = {"observed_value": "passed" if item["success"] else "failed"}
        result = ExpectationSuiteValidationResult(
            **{
                k: doc[k]
                for k in ("success", "results", "suite_name", "statistics", "meta")
                if k in doc
            }
        )
        run_time = to_local(
            doc["meta"].get("run_id", {}).get("run_time") or datetime.now(UTC).isoformat()
        )
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(doc["suite_name"]),
            run_id=gx.core.run_identifier.RunIdentifier(run_name=path.stem, run_time=run_time),
            batch_identifier=path.parent.name,
        )
        store.set(key, result)
    context.build_data_docs()
    index = next(iter(context.get_docs_sites_urls()), {}).get("site_url", "")
    log.info("GX Data Docs: %d validation results, %s", len(results), index)
    return Path(index.removeprefix("file://")) if index else root / "project"
