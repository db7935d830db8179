"""dbt after the loads: `transform`, scheduled on the raw tables' Assets."""

from dti.dags import transform_dag

transform_dag()
