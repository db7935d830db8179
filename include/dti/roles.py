"""The warehouse's roles, created by `dti up` (idempotent; run again after every upgrade).

- ``dti_loader`` (NOLOGIN): owns the schemas raw, ops, staging, intermediate, marts, reference.
  In the embedded mode the pipeline and dbt connect as the superuser ``postgres`` (the tables they
  create are owned by it; changing that would mean re-owning every table of an existing
  warehouse); on a real server give ``dti_loader`` LOGIN and connect as it (docs/deployment.md).
- ``dti_analyst`` (LOGIN, password from ``DTI_ANALYST_PASSWORD`` or ``.local/secrets/``): CONNECT
  on the database, USAGE and SELECT on ``marts`` and ``reference`` (code lists: the indicator
  registry with its targets, holidays, index components; no personal data) and nothing else: no
  raw, ops, staging or intermediate, no write, no CREATE (not in ``public``, no schemas, no
  temporary tables). New marts tables are readable at once through default privileges for the
  roles that create them.
- Pseudonymised identifiers never reach the analyst, even hashed: every marts table with such a
  column (a name containing ``pseudonym`` or ending in ``_hash``, or one listed in
  ``HIDDEN_COLUMNS``) is readable column by column without it. dbt rebuilds a table by creating
  it anew, so an event trigger re-applies that rule to every table created or altered in
  ``marts``: a later source's mart is covered without a change here.
"""

from __future__ import annotations

import logging

import psycopg

log = logging.getLogger(__name__)

LOADER_ROLE = "dti_loader"
ANALYST_ROLE = "dti_analyst"
OWNED_SCHEMAS = ("raw", "ops", "staging", "intermediate", "marts", "reference")
ANALYST_SCHEMAS = ("marts", "reference")
PERSONAL_COLUMN_REGEX = r"(pseudonym|_hash$)"
"""Columns holding pseudonymised personal identifiers, by name (PostgreSQL regex)."""
HIDDEN_COLUMNS = (
    # bad-row samples of quarantined batches may quote pseudonymised fields
    ("data_quality_issues", "sample"),
)

_IS_HIDDEN = f"""(a.attname ~ '{PERSONAL_COLUMN_REGEX}' or (c.relname, a.attname)
                in ({", ".join(f"('{t}', '{col}')" for t, col in HIDDEN_COLUMNS)}))"""
_SCHEMA_LIST = ", ".join(f"'{s}'" for s in ANALYST_SCHEMAS)

# The rule, in SQL, for one table: when it has a hidden column, the analyst gets SELECT on the
# other columns only. Not SECURITY DEFINER: it runs as whoever builds the table (its owner or a
# superuser), who may grant on it; search_path pinned all the same.
_HIDE_FUNCTION = f"""
create or replace function ops.hide_personal_columns(target regclass) returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $fn$
declare
    visible text;
    hidden int;
begin
    select
        string_agg(quote_ident(a.attname), ', ' order by a.attnum)
            filter (where not {_IS_HIDDEN}),
        count(*) filter (where {_IS_HIDDEN})
    into visible, hidden
    from pg_class c
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where c.oid = target;
    if hidden > 0 and exists (select 1 from pg_roles where rolname = '{ANALYST_ROLE}') then
        execute format('revoke select on %s from {ANALYST_ROLE}', target);
        execute format('grant select (%s) on %s to {ANALYST_ROLE}', visible, target);
    end if;
end
$fn$;

create or replace function ops.hide_personal_columns_on_ddl() returns event_trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $fn$
declare
    cmd record;
begin
    for cmd in
        select objid from pg_event_trigger_ddl_commands()
        where object_type in ('table', 'view', 'materialized view')
            and schema_name in ({_SCHEMA_LIST})
    loop
        perform ops.hide_personal_columns(cmd.objid::regclass);
    end loop;
end
$fn$;

revoke all on function ops.hide_personal_columns(regclass) from public;
revoke all on function ops.hide_personal_columns_on_ddl() from public;
grant execute on function ops.hide_personal_columns(regclass) to {LOADER_ROLE};
grant execute on function ops.hide_personal_columns_on_ddl() to {LOADER_ROLE};
"""


def ensure_roles(conn: psycopg.Connection, analyst_password: str) -> None:
    """Create or update the loader and analyst roles and their grants (needs a superuser)."""
    database = conn.info.dbname
    for role, options in ((LOADER_ROLE, "nologin"), (ANALYST_ROLE, "login")):
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
        if not exists:
            conn.execute(f"create role {role} with {options}")
    conn.execute(
        f"alter role {ANALYST_ROLE} with login nosuperuser nocreatedb nocreaterole noinherit "
        f"password {_literal(analyst_password)}"
    )
    conn.execute(f"alter role {ANALYST_ROLE} set statement_timeout = '120s'")
    conn.execute(f"alter role {ANALYST_ROLE} set default_transaction_read_only = on")

    # nobody but the owners creates anything: not in public, no schemas, no temporary tables
    conn.execute(f"revoke create, temporary on database {database} from public")
    conn.execute("revoke create on schema public from public")
    conn.execute(f"grant connect on database {database} to {ANALYST_ROLE}")
    conn.execute(f"grant temporary on database {database} to {LOADER_ROLE}")

    for schema in OWNED_SCHEMAS:
        conn.execute(f"alter schema {schema} owner to {LOADER_ROLE}")
        if schema not in ANALYST_SCHEMAS:
            conn.execute(f"revoke all on schema {schema} from {ANALYST_ROLE}")
            conn.execute(f"revoke all on all tables in schema {schema} from {ANALYST_ROLE}")
    for schema in ANALYST_SCHEMAS:
        conn.execute(f"grant usage on schema {schema} to {ANALYST_ROLE}")
        conn.execute(f"grant select on all tables in schema {schema} to {ANALYST_ROLE}")
        # the roles that create tables there: the one running this (the superuser dbt and the
        # loads connect as in the embedded mode and under compose) and the loader (a real server)
        for creator in dict.fromkeys((conn.info.user, LOADER_ROLE)):
            conn.execute(
                f"alter default privileges for role {creator} in schema {schema} "
                f"grant select on tables to {ANALYST_ROLE}"
            )

    conn.execute(_HIDE_FUNCTION)
    try:
        with conn.transaction():
            conn.execute("drop event trigger if exists dti_hide_personal_columns")
            conn.execute(
                "create event trigger dti_hide_personal_columns on ddl_command_end "
                "when tag in ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE', "
                "'CREATE VIEW', 'ALTER VIEW', 'CREATE MATERIALIZED VIEW') "
                "execute function ops.hide_personal_columns_on_ddl()"
            )
    except psycopg.errors.InsufficientPrivilege:
        # a managed server's admin is no superuser: docs/deployment.md says what to run instead
        log.warning(
            "no event trigger (it needs a superuser): pseudonymised columns of marts rebuilt "
            "from now on stay readable by %s until `dti up` runs again; see docs/deployment.md",
            ANALYST_ROLE,
        )
    # the tables that exist already
    for schema in ANALYST_SCHEMAS:
        tables = conn.execute(
            "select format('%%I.%%I', schemaname, tablename) from pg_tables where schemaname = %s",
            (schema,),
        ).fetchall()
        for (table,) in tables:
            conn.execute("select ops.hide_personal_columns(%s::regclass)", (table,))
    log.info("roles %s and %s are in place", LOADER_ROLE, ANALYST_ROLE)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
