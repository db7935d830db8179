"""The deployment tests reuse the unit suite's throwaway PostgreSQL server."""

from unit.conftest import pg_server  # noqa: F401 - a session fixture, shared
