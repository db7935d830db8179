"""Fill docs/reliability.md's measured column from the fault suite's JSON.

    DTI_RELIABILITY_JSON=/tmp/r.json pytest tests/faults
    python tests/faults/render_report.py /tmp/r.json   # writes docs/reliability.{md,json}

The doc keeps a template (docs/reliability.md.in) whose {placeholders} name rows of the table.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = {
    "transient": "HTTP 500/502/503 bursts, timeouts, connection resets",
    "429": "429 with Retry-After",
    "auth": "auth failure (401/403)",
    "retired": "a system retired (410 Gone) or moved (404)",
    "both": "a day served by both the old and the new system",
    "paging": "a page repeating records of the previous page; a page missing; total changing "
    "mid-extract",
    "changed": "a record changed between two pages",
    "drift": "schema drift: a new field, a renamed field, a missing required field, a type change",
    "bad": "bad values: impossible dates, due before received, negative amounts, unknown commune "
    "or procedure codes, non-UTF-8 text",
    "files": "files: late, duplicated, truncated, corrupt XML, wrong sheet layout, empty file",
    "crash": "crash mid-load (the process killed during COPY or between landing and load)",
    "down": "warehouse unavailable for a while",
    "busy": "two runs of the same source interval at once",
    "pii": "security: no clear personal identifier",
}
SHOWN = (
    "faults_injected",
    "runs",
    "runs_survived",
    "rows_compared",
    "rows_lost",
    "rows_duplicated",
    "retries_seen",
    "reextractions",
    "requests_after_403",
    "copies_served",
    "quarantines_in_mart",
    "quarantines_with_sample",
    "identifiers_sent",
    "places_scanned",
    "file_fates",
    "outcome",
)


def _cell(row: dict | None) -> str:
    if not row:
        return "not measured in this run"
    parts = []
    for key in SHOWN:
        if key in row:
            value = row[key]
            if isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
            parts.append(f"{key.replace('_', ' ')} {value}")
    return "; ".join(parts)


def main(path: str) -> None:
    data = json.loads(Path(path).read_text())
    template = (ROOT / "docs" / "reliability.md.in").read_text()
    values = {name: _cell(data["rows"].get(row)) for name, row in ROWS.items()}
    t = data["totals"]
    values["totals"] = (
        f"- faults injected: **{t['faults_injected']}**\n"
        f"- runs: {t['runs']}, of which survived (completed their load despite the fault): "
        f"**{t['runs_survived']}**; every other run stopped clearly (quarantine, named error, "
        "refused as busy) with the earlier rows intact, and the next run loaded the day\n"
        f"- rows lost: **{t['rows_lost']}**\n- rows duplicated: **{t['rows_duplicated']}**"
    )
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    (ROOT / "docs" / "reliability.md").write_text(out)
    shutil.copy(path, ROOT / "docs" / "reliability.json")


if __name__ == "__main__":
    main(sys.argv[1])
