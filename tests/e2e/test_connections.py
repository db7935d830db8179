"""A secret kept in Airflow's own Connections (its metadata database, as the UI or `airflow
connections add` keeps it) reaches the tasks of a real DAG run (dti.connections): a source
instance at a real URL (not a simulator path) and with no `token_env` loads only once the
connection `dti_<instance>` holds its token."""

from __future__ import annotations

import pytest

from .conftest import _free_port, running_stack

pytestmark = pytest.mark.slow

DAY = "2025-06-02"  # a day the former Bắc Ninh's own police system still served


def test_a_source_token_from_an_airflow_connection(tmp_path):
    port = _free_port()
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "instances:\n"
        "  - name: police_other\n"
        "    source: police\n"
        # a URL, not a path below the simulator: the simulator's token is not assumed
        f"    url: http://127.0.0.1:{port}/legacy/27\n"
        '    province: "27"\n'
        "    until: 2025-06-30\n"
    )
    env = {"DTI_SOURCES_FILE": str(sources), "DTI_SIMULATOR_PORT": str(port)}
    with running_stack(env) as stack:
        run = ("run", "--source", "police_other", "--date", DAY, "--no-transform")
        refused = stack.dti(*run, check=False)
        assert refused.returncode != 0
        assert "token is not set" in refused.stdout + refused.stderr
        assert not stack.scalar(
            "select count(*) from ops.load_audit where source = 'police_other' "
            "and status = 'loaded'"
        )
        stack.dti(
            "airflow", "connections", "add", "dti_police_other", "--conn-type", "generic",
            "--conn-password", stack.settings.portal_token,
        )  # fmt: skip
        stack.dti(*run)
        assert stack.scalar("select count(*) from raw.police_other__daily") > 0
        loaded = stack.query(
            "select distinct entity from ops.load_audit where source = 'police_other' "
            "and status = 'loaded' order by 1"
        )
        assert [e for (e,) in loaded] == ["cameras", "cases", "communes", "daily"]
