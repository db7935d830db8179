"""Nightly loads: one DAG per source system (`nightly_<source>`), built from the source registry."""

from dti.dags import nightly_dag
from dti.sources import get_source, source_names

for _name in source_names():
    nightly_dag(get_source(_name))
