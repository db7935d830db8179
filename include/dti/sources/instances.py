"""Source instances: more systems of a registered kind, by configuration alone.

Before the 2025 merger the former Bắc Ninh (old code 27) ran its own portal; from 2025-07-01 the
new Bắc Ninh's portal covers both former provinces. A data team backfilling the former Bắc
Ninh's history loads that system as an instance of ``portal``: a few lines in the sources file,
no code. The file is ``DTI_SOURCES_FILE`` (by default ``sources.yaml`` at the project root; no
file, no instances)::

    instances:
      - name: portal_bacninh_legacy      # the instance's name: its DAG, raw tables, audit rows
        source: portal                   # the registered source it is an instance of
        url: https://dvc.bacninh.example/ # its API; a path (/legacy/27) is below the simulator
        token_env: DTI_PORTAL_BACNINH_LEGACY_TOKEN  # the variable holding its token (else
                                         # the Airflow connection dti_<name>'s password)
        province: "27"                   # optional: the province code its records carry
        since: 2022-01-01                # optional: the first day it exists
        until: 2025-06-30                # optional: the last day (retired by the merger)
      - name: education_bacninh_legacy   # a file-drop source's instance: no url, no token
        source: education
        inbox: legacy/27/education       # optional: the folder under the inbox its files
        province: "27"                   # land in (default: its name); its offices are the
        until: 2025-06-30                # province's districts of the month

An instance gets everything of its source but the name and the connection: the same entities,
contract, GX suites and dbt staging (the staging models read every instance's raw table,
``dbt_project/macros/source_instances.sql``), and its own ``raw.<name>__<entity>`` tables, load
intervals in ``ops.load_audit``, nightly DAG and freshness in ``dti status``. After ``until`` no
night is run or expected, and a night asked for is skipped with the reason.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dti.connections import secret

if TYPE_CHECKING:
    from dti.config import Settings
    from dti.sources import Source

NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_KEYS = {
    "name",
    "source",
    "url",
    "token_env",
    "since",
    "until",
    "province",
    "inbox",
    "description",
}
_INBOX = re.compile(r"^[a-z0-9_]+(?:/[a-z0-9_]+)*$")
_cache: dict[tuple[str, float], dict[str, Source]] = {}


class SourcesFileError(ValueError):
    """The sources file cannot be used; the message says where and what to change."""


def sources_file(env: dict[str, str] | None = None) -> Path:
    """The sources file: ``DTI_SOURCES_FILE``, else ``<DTI_HOME>/sources.yaml``."""
    from dti.config import PROJECT_ROOT

    env = os.environ if env is None else env
    if env.get("DTI_SOURCES_FILE"):
        return Path(env["DTI_SOURCES_FILE"]).resolve()
    return Path(env.get("DTI_HOME", PROJECT_ROOT)) / "sources.yaml"


def configured_instances() -> dict[str, Source]:
    """The sources file's instances by name (none without a file); read again when it changes."""
    path = sources_file()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        if os.environ.get("DTI_SOURCES_FILE"):
            raise SourcesFileError(
                f"DTI_SOURCES_FILE={path} does not exist: create it (docs/sources.md) or unset "
                "the variable"
            ) from None
        return {}
    key = (str(path), mtime)
    if key not in _cache:
        _cache.clear()
        _cache[key] = parse_instances(path.read_text("utf-8"), str(path))
    return _cache[key]


def parse_instances(text: str, where: str = "sources file") -> dict[str, Source]:
    import yaml

    from dti.sources import _SOURCE_MODULES, get_source

    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise SourcesFileError(f"{where}: not YAML ({exc})") from None
    items = doc.get("instances") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise SourcesFileError(f"{where}: expected a list under 'instances:' (docs/sources.md)")
    out: dict[str, Source] = {}
    for n, item in enumerate(items, 1):
        at = f"{where}, instance {n}"
        if not isinstance(item, dict):
            raise SourcesFileError(f"{at}: expected a mapping with name, source, url")
        unknown = set(item) - _KEYS
        if unknown:
            raise SourcesFileError(f"{at}: unknown keys {sorted(unknown)}; known: {sorted(_KEYS)}")
        name, kind = item.get("name"), item.get("source")
        if not isinstance(name, str) or not NAME.match(name):
            raise SourcesFileError(
                f"{at}: name {name!r} must be lower-case letters, digits and _ (it names tables)"
            )
        if name in _SOURCE_MODULES or name in out:
            raise SourcesFileError(f"{at}: the name {name!r} is already used")
        if kind not in _SOURCE_MODULES:
            raise SourcesFileError(
                f"{at}: source {kind!r} is not registered; one of {sorted(_SOURCE_MODULES)}"
            )
        base = get_source(kind)
        url = item.get("url")
        if base.base_url is not None and not isinstance(url, str):
            raise SourcesFileError(f"{at}: {name} needs url: (its API, or a simulator path /...)")
        since, until = _day(item.get("since"), at, "since"), _day(item.get("until"), at, "until")
        province = item.get("province")
        if province is not None and not re.fullmatch(r"\d{2}", str(province)):
            raise SourcesFileError(f"{at}: province {province!r} is not a 2-digit code ('27')")
        inbox = item.get("inbox")
        if inbox is not None and not (
            any(e.files is not None for e in base.entities.values())
            and isinstance(inbox, str)
            and _INBOX.match(inbox.strip("/"))
        ):
            raise SourcesFileError(
                f"{at}: inbox {inbox!r}: only a file-drop source's instance has one, a folder "
                "under the inbox of lower-case letters, digits, _ and / (legacy/27/education)"
            )
        if since and until and until < since:
            raise SourcesFileError(f"{at}: until {until} is before since {since}")
        out[name] = replace(
            base,
            name=name,
            kind=kind,
            since=since,
            until=until,
            province=None if province is None else str(province),
            inbox=None if inbox is None else inbox.strip("/"),
            entities={
                e.name: replace(e, source=name, contract=kind) for e in base.entities.values()
            },
            base_url=_base_url(url) if base.base_url is not None else None,
            token=_token(name, item.get("token_env"), url) if base.token is not None else None,
        )
    return out


def _day(value: Any, at: str, key: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SourcesFileError(f"{at}: {key} {value!r} is not a day (YYYY-MM-DD)") from None


def _on_simulator(url: str | None) -> bool:
    return isinstance(url, str) and url.startswith("/")


def _base_url(url: str):
    def base_url(settings: Settings) -> str:
        if _on_simulator(url):
            return f"http://{settings.simulator_host}:{settings.simulator_port}{url.rstrip('/')}"
        return url

    return base_url


def _token(name: str, token_env: str | None, url: str | None):
    def token(settings: Settings) -> str:
        value = os.environ.get(token_env) if token_env else None
        if value:
            return value
        connection = secret(name)  # or the Airflow connection dti_<name> (dti.connections)
        if connection and connection.password:
            return connection.password
        if _on_simulator(url):
            return settings.portal_token  # the simulator serves every system with one token
        raise RuntimeError(
            f"source instance {name}: its token is not set: name the variable holding it with "
            f"token_env: in the sources file ({sources_file()}) and set that variable"
            + (f" ({token_env} is empty)" if token_env else "")
        )

    return token
