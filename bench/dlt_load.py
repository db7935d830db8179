"""Load a parquet sample into PostgreSQL with dlt, as a user would; prints {"seconds": ...}.

Runs in the benchmark's own environment (.venv/bench, bench/requirements.txt), not the
project's: `python bench/dlt_load.py SAMPLE.parquet DSN default|csv WORKDIR`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import dlt
import pyarrow.parquet as pq


def main() -> None:
    parquet, dsn, fmt, work = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
    t0 = time.perf_counter()  # from the landed file, as the other loaders
    table = pq.read_table(parquet)
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{fmt}",
        destination=dlt.destinations.postgres(credentials=dsn),
        dataset_name=f"bench_dlt_{fmt}",
        pipelines_dir=str(work / "dlt"),
    )
    kwargs = {} if fmt == "default" else {"loader_file_format": fmt}
    pipeline.run(table, table_name="dossiers", write_disposition="replace", **kwargs)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
