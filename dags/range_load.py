"""Range loads and backfills: `range_load`, triggered with Params source, from, to."""

from dti.dags import range_dag

range_dag()
