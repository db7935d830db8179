"""Airflow DAGs `nightly_<source>`: one per source system, from one factory and the source
registry. Daily at 00:00 Asia/Ho_Chi_Minh, each run owns the local day that just closed."""

from dti.dags import nightly_dag
from dti.sources import get_source, source_names

for _name in source_names():
    nightly_dag(get_source(_name))
